"""One default purchase everywhere a command names none: the most recent whose subscription has
not ended, else the most recent (in process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from tests.in_process import InProcess, in_process

APP = f"/_sandbox/v1/apps/{DEFAULT_BUNDLE_ID}"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[InProcess]:
    with in_process(tmp_path) as running:
        yield running


def _default(sandbox: InProcess) -> str | None:
    listed = sandbox.client.get(f"{APP}/purchases").raise_for_status().json()
    default: str | None = listed["defaultOriginalTransactionId"]
    return default


def _refund(sandbox: InProcess, original_id: str) -> None:
    path = f"{APP}/purchases/{original_id}/triggers"
    sandbox.client.post(path, json={"action": "refund"}).raise_for_status()


def test_the_most_recent_live_purchase_is_the_default(sandbox: InProcess) -> None:
    [first] = sandbox.client.get(f"{APP}/purchases").json()["purchases"]
    first_id = first["originalTransactionId"]
    second_id = sandbox.client.post(f"{APP}/purchases", json={}).json()["originalTransactionId"]
    assert _default(sandbox) == second_id
    _refund(sandbox, second_id)
    assert _default(sandbox) == first_id
    simulated = sandbox.client.post(f"{APP}/simulate-cancel", json={}).raise_for_status().json()
    assert simulated["request"]["originalTransactionId"] == first_id
    _refund(sandbox, first_id)
    assert _default(sandbox) == second_id  # every one ended: the most recent


def test_a_performance_test_of_the_default_purchase_refuses_an_ended_one(
    sandbox: InProcess,
) -> None:
    [only] = sandbox.client.get(f"{APP}/purchases").json()["purchases"]
    _refund(sandbox, only["originalTransactionId"])
    started = sandbox.client.post(
        f"{APP}/performance-tests", json={"url": "https://example.com/retention"}
    )
    assert started.status_code == 400
    assert "has refunded" in started.json()["error"]

"""``POST /_sandbox/v1/clock/advance`` and ``/clock/set`` keep sandbox time before 2200: going
further is a 400 that names the limit, nothing is saved, and every time-dependent request keeps
working."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from appstore_sandbox.clock import MAX_TIME
from tests.in_process import InProcess, in_process

ADVANCE = "/_sandbox/v1/clock/advance"
SET = "/_sandbox/v1/clock/set"
MAX_TIME_MS = int(MAX_TIME.timestamp() * 1000)
DAY_S = 86_400


@pytest.fixture
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("clock")) as sandbox:
        yield sandbox


def _purchase_status(sandbox: InProcess) -> int:
    response = sandbox.client.post("/_sandbox/v1/apps/com.example.app/purchases", json={})
    status: int = response.status_code
    return status


@pytest.mark.parametrize("seconds", [3_000_000 * DAY_S, 1e300, 2**64])
def test_an_advance_past_2200_is_a_400_naming_the_limit(sandbox: InProcess, seconds: float) -> None:
    response = sandbox.client.post(ADVANCE, json={"seconds": seconds})
    assert response.status_code == 400
    assert "2200-01-01T00:00:00Z" in response.json()["error"]
    assert sandbox.client.get("/_sandbox/v1/clock").json()["offsetMs"] == 0
    assert sandbox.sandbox.store.meta_value("clock_offset_ms") is None
    assert _purchase_status(sandbox) == 201


@pytest.mark.parametrize("body", [b'{"seconds": Infinity}', b'{"seconds": NaN}'])
def test_infinite_advances_are_a_400(sandbox: InProcess, body: bytes) -> None:
    response = sandbox.client.post(
        ADVANCE, content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "finite" in response.json()["error"]


def test_an_advance_to_just_before_the_limit_leaves_the_sandbox_working(
    sandbox: InProcess,
) -> None:
    headroom_s = sandbox.sandbox.clock.headroom().total_seconds()
    response = sandbox.client.post(ADVANCE, json={"seconds": headroom_s - 60})
    assert response.status_code == 200
    assert response.json()["now"] < MAX_TIME.timestamp() * 1000
    assert _purchase_status(sandbox) == 201
    history = sandbox.client.post(
        "/sandbox/inApps/v1/notifications/history",
        json={"startDate": response.json()["now"] - 1000, "endDate": response.json()["now"]},
        headers=sandbox.apple_headers(),
    )
    assert history.status_code == 200
    again = sandbox.client.post(ADVANCE, json={"seconds": 120})
    assert again.status_code == 400 and "less than" in again.json()["error"]


def test_an_offset_saved_past_the_limit_by_an_older_version_is_cut_down(
    sandbox: InProcess,
) -> None:
    sandbox.sandbox.store.set_meta_value("clock_offset_ms", str(8_000 * 365 * DAY_S * 1000))
    clock = sandbox.client.get("/_sandbox/v1/clock")
    assert clock.status_code == 200
    assert clock.json()["now"] <= MAX_TIME.timestamp() * 1000 + 1000
    assert _purchase_status(sandbox) == 201


@pytest.mark.parametrize("now", [MAX_TIME_MS, MAX_TIME_MS + 1, 2**70])
def test_a_set_to_2200_or_later_is_a_400_naming_the_limit(sandbox: InProcess, now: int) -> None:
    response = sandbox.client.post(SET, json={"now": now})
    assert response.status_code == 400
    assert "2200-01-01T00:00:00Z" in response.json()["error"]
    assert sandbox.sandbox.store.meta_value("clock_offset_ms") is None


def test_a_set_to_just_before_the_limit_leaves_the_sandbox_working(sandbox: InProcess) -> None:
    response = sandbox.client.post(SET, json={"now": MAX_TIME_MS - 60_000})
    assert response.status_code == 200
    assert response.json()["now"] < MAX_TIME_MS
    assert _purchase_status(sandbox) == 201
    assert sandbox.client.post(ADVANCE, json={"seconds": 120}).status_code == 400

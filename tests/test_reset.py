"""Reset brings back the first-start default key (same id, same private key, its .p8 in the data
dir) whatever happened to it since: deleted beside another key, or deleted with its app; and
each part of the sandbox that keeps state of its own resets it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.errors import RateLimitExceeded
from appstore_sandbox.faults import FaultSpec
from appstore_sandbox.ratelimit import hourly_budget
from tests.in_process import InProcess, in_process

CONTROL = "/_sandbox/v1"
APPS = f"{CONTROL}/apps/{DEFAULT_BUNDLE_ID}"


@pytest.fixture
def sbx(tmp_path: Path) -> Iterator[InProcess]:
    with in_process(tmp_path) as opened:
        yield opened


def _env(sbx: InProcess) -> dict[str, Any]:
    response = sbx.client.get(f"{CONTROL}/env")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _key_ids(sbx: InProcess) -> list[str]:
    return [key["keyId"] for key in sbx.client.get(f"{APPS}/keys").json()["keys"]]


def _reset(sbx: InProcess, **body: bool) -> dict[str, Any]:
    response = sbx.client.post(f"{CONTROL}/reset", json=body)
    assert response.status_code == 200, response.text
    summary: dict[str, Any] = response.json()
    return summary


def _assert_default_key_back(sbx: InProcess, first: dict[str, Any], pem: bytes) -> None:
    env = _env(sbx)
    assert (env["keyId"], env["issuerId"]) == (first["keyId"], first["issuerId"])
    assert Path(env["keyFile"]).read_bytes() == pem
    listed = sbx.client.get("/sandbox/inApps/v1/messaging/image/list", headers=sbx.apple_headers())
    assert listed.status_code == 200, "Apple's client signs with the default key again"


def test_a_deleted_default_key_comes_back_while_another_key_exists(sbx: InProcess) -> None:
    first = _env(sbx)
    pem = Path(first["keyFile"]).read_bytes()
    other = sbx.client.post(f"{APPS}/keys").json()["keyId"]
    assert sbx.client.delete(f"{APPS}/keys/{first['keyId']}").status_code == 204
    assert not Path(first["keyFile"]).exists()

    assert _reset(sbx) == {"appsRemoved": 1, "runsInterrupted": 0, "keysKept": True}

    _assert_default_key_back(sbx, first, pem)
    assert sorted(_key_ids(sbx)) == sorted([first["keyId"], other]), "kept keys stay kept"
    assert _env(sbx)["appAppleId"] == first["appAppleId"]


def test_a_deleted_default_app_comes_back_with_its_default_key(sbx: InProcess) -> None:
    first = _env(sbx)
    pem = Path(first["keyFile"]).read_bytes()
    assert sbx.client.delete(APPS).status_code == 204

    _reset(sbx)

    _assert_default_key_back(sbx, first, pem)
    assert _key_ids(sbx) == [first["keyId"]]


def test_drop_keys_still_makes_a_new_default_key_and_a_later_reset_keeps_that_one(
    sbx: InProcess,
) -> None:
    first = _env(sbx)
    _reset(sbx, keepKeys=False)
    second = _env(sbx)
    assert second["keyId"] != first["keyId"]
    assert not Path(first["keyFile"]).exists()
    pem = Path(second["keyFile"]).read_bytes()
    assert sbx.client.delete(f"{APPS}/keys/{second['keyId']}").status_code == 204

    _reset(sbx)

    _assert_default_key_back(sbx, second, pem)


def test_each_part_resets_itself_the_rate_limit_windows_the_faults_and_the_clock(
    tmp_path: Path,
) -> None:
    with in_process(tmp_path, rate_limits="apple") as sbx:
        sandbox = sbx.sandbox
        limiter = sandbox.rate_limiter
        for _ in range(hourly_budget("get_image_list", "sandbox")):
            limiter.hit(1, "get_image_list", "sandbox")
        with pytest.raises(RateLimitExceeded):
            limiter.hit(1, "get_image_list", "sandbox")
        sandbox.faults.add(FaultSpec("drop"))
        sandbox.control.clock.advance(3600)

        _reset(sbx)

        limiter.hit(1, "get_image_list", "sandbox")  # a full budget again
        assert sandbox.faults.all() == []
        assert sandbox.control.clock.time().offset_ms == 0

"""Get Notification History on a real server (SQLite and PostgreSQL): out-of-range dates and
forged pagination tokens are Apple's 400s, and a token is good on every process sharing the
database."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DatabaseFactory
from tests.contract.notification_helpers import send_tests, window
from tests.sandbox_process import SandboxProcess

HISTORY = "/sandbox/inApps/v1/notifications/history"
HOUR_MS = 3_600_000


def _post(sandbox: SandboxProcess, body: dict[str, Any], token: str | None = None) -> Any:
    params = {"paginationToken": token} if token is not None else {}
    bearer = sandbox.apple_client()._generate_token()
    return httpx.post(
        sandbox.url(HISTORY),
        json=body,
        params=params,
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=10,
    )


def _now_ms() -> int:
    return int(time.time() * 1000)


@pytest.mark.parametrize("value", [10_000_000_000_000_000_000, 2**63, 2**63 - 1])
def test_huge_dates_are_apples_400s(sandbox: SandboxProcess, value: int) -> None:
    start = _post(sandbox, {"startDate": value, "endDate": _now_ms()})
    assert (start.status_code, start.json()["errorCode"]) == (400, 4000015)
    end = _post(sandbox, {"startDate": _now_ms() - HOUR_MS, "endDate": value})
    assert (end.status_code, end.json()["errorCode"]) == (400, 4000016)


def test_a_token_with_a_rewritten_offset_is_4000014(sandbox: SandboxProcess) -> None:
    body = {"startDate": _now_ms() - HOUR_MS, "endDate": _now_ms()}
    forged = json.dumps({"d": "0" * 24, "a": 10**30, "t": _now_ms()}).encode()
    token = base64.urlsafe_b64encode(forged).decode().rstrip("=")
    for candidate in (token, f"{token}.AAAA"):
        response = _post(sandbox, body, candidate)
        assert (response.status_code, response.json()["errorCode"]) == (400, 4000014)


@contextmanager
def _two_processes(
    tmp_path: Path, backend: str, databases: DatabaseFactory | None
) -> Iterator[tuple[SandboxProcess, SandboxProcess]]:
    if backend == "postgresql":
        assert databases is not None
        database_url = databases.create()
    else:
        database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    first = SandboxProcess(tmp_path / "first", database_url).start()
    second = SandboxProcess(tmp_path / "second", database_url).start()
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


def test_a_token_is_good_on_another_process_on_the_same_database(
    tmp_path: Path, backend: str, databases: DatabaseFactory | None
) -> None:
    with _two_processes(tmp_path, backend, databases) as (first, second):
        app = first.new_app()
        client = send_tests(first, app, 21, 200)
        request = window()
        page = client.get_notification_history(None, request)
        assert page.hasMore and page.paginationToken
        other = second.apple_client(app)
        rest = other.get_notification_history(page.paginationToken, request)
        assert rest.notificationHistory is not None and len(rest.notificationHistory) == 1

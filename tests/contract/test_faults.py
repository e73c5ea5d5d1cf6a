"""Faults on demand through Apple's Python client and a real receiver: each kind as a backend
would meet it, and the CLI that sets them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from appstoreserverlibrary.api_client import APIError, APIException
from appstoreserverlibrary.models.NotificationHistoryRequest import NotificationHistoryRequest

from tests.cli.running import run_cli
from tests.conftest import StartSandbox
from tests.contract.notification_helpers import send_test_notification
from tests.receivers import receiver
from tests.sandbox_process import AppCredentials, SandboxProcess


@pytest.fixture
def app(sandbox: SandboxProcess) -> Iterator[AppCredentials]:
    """A fresh app; the faults a test adds are scoped to it and cleared after it."""
    yield sandbox.new_app()
    with sandbox.control() as control:
        control.delete("/faults").raise_for_status()


def _add(sandbox: SandboxProcess, app: AppCredentials, **spec: Any) -> dict[str, Any]:
    with sandbox.control() as control:
        response = control.post("/faults", json={"bundleId": app.bundle_id, **spec})
        return dict(response.raise_for_status().json())


def _fault(sandbox: SandboxProcess, fault_id: str) -> dict[str, Any]:
    with sandbox.control() as control:
        faults = control.get("/faults").raise_for_status().json()["faults"]
    return next(fault for fault in faults if fault["faultId"] == fault_id)


def test_429_is_apples_rate_limit_with_retry_after(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    _add(sandbox, app, kind="429", operation="Get Image List", count=1, retryAfterS=30)
    client = sandbox.apple_client(app)
    with pytest.raises(APIException) as raised:
        client.get_image_list()
    error = raised.value
    assert (error.http_status_code, error.api_error) == (429, APIError.RATE_LIMIT_EXCEEDED)
    assert "injected by the sandbox" in (error.error_message or "")
    response = requests.get(
        f"{sandbox.base_url}/sandbox/inApps/v1/messaging/image/list",
        headers={"Authorization": f"Bearer {client._generate_token()}"},
        timeout=10,
    )
    assert response.status_code == 200  # count 1: the next call goes through


def test_retry_after_is_a_unix_time_in_milliseconds(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    _add(sandbox, app, kind="429", count=1, retryAfterS=30)
    client = sandbox.apple_client(app)
    before_ms = int(time.time() * 1000)
    response = requests.get(
        f"{sandbox.base_url}/sandbox/inApps/v1/messaging/image/list",
        headers={"Authorization": f"Bearer {client._generate_token()}"},
        timeout=10,
    )
    assert response.status_code == 429
    assert response.json()["errorCode"] == 4290000
    assert before_ms + 29_000 <= int(response.headers["Retry-After"]) <= before_ms + 60_000


def test_500_is_apples_general_internal_error(sandbox: SandboxProcess, app: AppCredentials) -> None:
    _add(sandbox, app, kind="500", operation="request_test_notification")
    with pytest.raises(APIException) as raised:
        sandbox.apple_client(app).request_test_notification()
    assert (raised.value.http_status_code, raised.value.api_error) == (
        500,
        APIError.GENERAL_INTERNAL,
    )


def test_401_is_apples_unauthorized(sandbox: SandboxProcess, app: AppCredentials) -> None:
    _add(sandbox, app, kind="401", operation="/inApps/v1/messaging/message/*", method="GET")
    with pytest.raises(APIException) as raised:
        sandbox.apple_client(app).get_message_list()
    assert raised.value.http_status_code == 401
    assert sandbox.apple_client(app).get_image_list().imageIdentifiers == []


def test_delay_lets_the_call_through_and_counts_it(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    fault = _add(sandbox, app, kind="delay", delayMs=50, count=2)
    client = sandbox.apple_client(app)
    assert client.get_image_list().imageIdentifiers == []
    assert _fault(sandbox, fault["faultId"])["hits"] == 1
    assert _fault(sandbox, fault["faultId"])["remaining"] == 1


def test_drop_closes_the_connection_before_a_response(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    _add(sandbox, app, kind="drop", count=1)
    with pytest.raises(requests.exceptions.ConnectionError) as raised:
        sandbox.apple_client(app).get_image_list()
    assert "without response" in str(raised.value)  # not a status line, not a partial body
    assert sandbox.apple_client(app).get_image_list().imageIdentifiers == []


def test_an_operation_by_its_camel_case_name_in_both_environments(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    fault = _add(sandbox, app, kind="500", operation="getNotificationHistory", environment="both")
    request = NotificationHistoryRequest(startDate=int(time.time() * 1000) - 3_600_000)
    for environment in ("sandbox", "production"):
        client = sandbox.apple_client(app, environment)
        with pytest.raises(APIException) as raised:
            client.get_notification_history(None, request)
        assert raised.value.api_error == APIError.GENERAL_INTERNAL
        assert client.get_image_list().imageIdentifiers == []  # another operation
    assert _fault(sandbox, fault["faultId"])["hits"] == 2


def test_a_dropped_notification_never_reaches_the_receiver_and_says_why(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    _add(sandbox, app, kind="drop", target="notifications", count=1)
    with receiver(200) as inbox:
        token, status = send_test_notification(sandbox, app, inbox)
        assert inbox.count == 0
    assert status.sendAttempts is not None
    [attempt] = status.sendAttempts
    assert attempt.sendAttemptResult == "NO_RESPONSE"
    with sandbox.control() as control:
        record = control.get(f"/apps/{app.bundle_id}/notifications/{token}").json()
    assert "dropped by fault" in str(record)


def test_a_delayed_notification_arrives(sandbox: SandboxProcess, app: AppCredentials) -> None:
    fault = _add(sandbox, app, kind="delay", target="notifications", delayMs=100)
    with receiver(200) as inbox:
        _, status = send_test_notification(sandbox, app, inbox)
        assert inbox.count == 1
    assert status.sendAttempts is not None
    assert status.sendAttempts[0].sendAttemptResult == "SUCCESS"
    assert _fault(sandbox, fault["faultId"])["hits"] == 1


def test_the_cli_adds_lists_and_clears(sandbox: SandboxProcess, app: AppCredentials) -> None:
    server = sandbox.base_url
    added = run_cli(
        "faults", "add", "429", "--bundle-id", app.bundle_id, "--count", "3", "--json",
        server=server,
    ).json()  # fmt: skip
    listed = run_cli("faults", "list", server=server)
    assert listed.returncode == 0
    assert f"{added['faultId']}  429  api, {app.bundle_id}" in listed.stdout
    assert "next 3 (3 left); 0 hit" in listed.stdout
    bad = run_cli("faults", "add", "429", "--notifications", server=server)
    assert bad.returncode == 2
    assert bad.stderr == "error: kind must be one of delay, drop for notifications.\n"
    typo = run_cli("faults", "add", "500", "--operation", "getImageLists", server=server)
    assert typo.returncode == 2
    assert typo.stderr.startswith("error: operation 'getImageLists' is not one of Apple's")
    assert len(typo.stderr.splitlines()) == 1
    cleared = run_cli("faults", "clear", added["faultId"], server=server)
    assert cleared.stdout == f"cleared {added['faultId']}\n"
    assert added["faultId"] not in run_cli("faults", "list", server=server).stdout


def test_a_notification_delay_longer_than_the_claim_lease_delivers_it_once(
    start_sandbox: StartSandbox,
) -> None:
    own = start_sandbox("--notification-lease-ms", "500")
    app = own.new_app()
    _add(own, app, kind="delay", target="notifications", delayMs=2000, count=1)
    with receiver(200) as inbox:
        _, status = send_test_notification(own, app, inbox)
        stopped = own.stop()  # after every attempt in flight
        assert inbox.count == 1
    assert status.sendAttempts is not None and len(status.sendAttempts) == 1
    assert stopped is not None and "another process" not in stopped.output

"""Through the product: what the sandbox refuses to call is recorded as a failed attempt, and
nothing is sent there; the sandbox never calls itself; the realtime reply cap reaches the cancel
simulation."""

from __future__ import annotations

from typing import Any

import pytest
from appstoreserverlibrary.api_client import APIException
from appstoreserverlibrary.models.PerformanceTestStatus import PerformanceTestStatus
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest
from appstoreserverlibrary.models.SendAttemptResult import SendAttemptResult

from tests.conftest import StartSandbox
from tests.contract.notification_helpers import set_url, wait_for_attempts
from tests.contract.performance_subjects import subject_for
from tests.json_targets import json_target
from tests.outbound.servers import raw_server, redirecting, untouched_listener
from tests.receivers import receiver
from tests.sandbox_process import AppCredentials, SandboxProcess

NOT_LISTED = "localhost is not on the sandbox's list of allowed hosts"


def _itself(sandbox: SandboxProcess, host: str = "127.0.0.1") -> str:
    """Why the sandbox refuses to call its own address under ``host``."""
    port = sandbox.base_url.rsplit(":", 1)[1]
    return (
        f"{host}:{port} is this sandbox's own address (it listens on 127.0.0.1:{port}); "
        "the sandbox never calls itself"
    )


def _keys_url(sandbox: SandboxProcess, host: str = "127.0.0.1") -> str:
    """The control operation that would make a key for the default app, if it were called."""
    return sandbox.url("/_sandbox/v1/apps/com.example.app/keys").replace("127.0.0.1", host)


def _default_app_keys(sandbox: SandboxProcess) -> int:
    with sandbox.store() as store:
        app = store.app_by_bundle_id("com.example.app")
        assert app is not None
        return len(store.keys(app.id))


@pytest.fixture(scope="module")
def listed_only(start_module_sandbox: StartSandbox) -> SandboxProcess:
    """Calls only 127.0.0.1, and reads realtime replies up to 64 bytes."""
    return start_module_sandbox(
        "--outbound-allowed-hosts", "127.0.0.1", "--realtime-max-response-bytes", "64"
    )


def _notification_attempts(
    sandbox: SandboxProcess, app: AppCredentials, url: str
) -> list[dict[str, Any]]:
    """Send a test notification to ``url``; its attempts as the control surface records them."""
    client = sandbox.apple_client(app)
    set_url(sandbox, app, url)
    token = client.request_test_notification().testNotificationToken
    assert token
    status = wait_for_attempts(client, token)
    assert status.sendAttempts is not None
    assert [a.sendAttemptResult for a in status.sendAttempts] == [SendAttemptResult.OTHER]
    with sandbox.control() as control:
        path = f"/apps/{app.bundle_id}/notifications/{token}"
        record = control.get(path).raise_for_status().json()
    return list(record["sendAttempts"])


def test_a_notification_redirected_to_the_unspecified_address_is_refused(
    sandbox: SandboxProcess,
) -> None:
    app = sandbox.new_app()
    with untouched_listener() as listener:
        hop = f"http://0.0.0.0:{listener.port}/"
        with raw_server(redirecting(hop)) as server:
            [attempt] = _notification_attempts(sandbox, app, server.url("/notifications"))
        assert not listener.touched()
    assert attempt["sendAttemptResult"] == "OTHER"
    assert attempt["explanation"] == (
        f"redirect to {hop} refused: 0.0.0.0 is an unspecified address; the sandbox never calls one"
    )
    assert [request.path for request in server.requests] == ["/notifications"]


def test_a_notification_to_a_host_off_the_allow_list_is_refused(
    listed_only: SandboxProcess,
) -> None:
    app = listed_only.new_app()
    with receiver(200) as inbox:
        url = inbox.url.replace("127.0.0.1", "localhost")
        [attempt] = _notification_attempts(listed_only, app, url)
    assert inbox.count == 0
    assert attempt["explanation"] == f"{url} refused: {NOT_LISTED}"


def test_the_performance_test_engine_follows_the_allow_list(listed_only: SandboxProcess) -> None:
    with receiver(200) as inbox:
        url = inbox.url.replace("127.0.0.1", "localhost")
        subject = subject_for(listed_only, url, totalRequests=5, totalDuration=200)
        request_id = subject.initiate()
        result = subject.wait(request_id)
    assert inbox.count == 0
    assert result.result == PerformanceTestStatus.FAIL
    with listed_only.control() as control:
        path = f"/apps/{subject.app.bundle_id}/performance-tests/{request_id}"
        report = control.get(path).raise_for_status().json()
    assert report["result"]["failures"] == {"OTHER": 5}
    assert report["examples"]["OTHER"][0]["explanation"] == f"{url} refused: {NOT_LISTED}"


def test_the_cancel_simulation_reads_realtime_replies_up_to_the_cap(
    listed_only: SandboxProcess,
) -> None:
    app = listed_only.new_app()
    with listed_only.control() as control:
        control.post(f"/apps/{app.bundle_id}/purchases", json={}).raise_for_status()
    reply = {"message": {"messageIdentifier": "6c3a1f0e-9b2d-4e5f-8a7b-1c2d3e4f5a6b"}}
    with json_target(reply) as endpoint:
        listed_only.apple_client(app).configure_realtime_url(
            RealtimeUrlRequest(realtimeURL=endpoint.url)
        )
        with listed_only.control() as control:
            path = f"/apps/{app.bundle_id}/simulate-cancel"
            outcome = control.post(path, json={}).raise_for_status().json()
    assert len(endpoint.received) == 1
    assert outcome["attempt"]["sendAttemptResult"] == "INVALID_RESPONSE"
    assert outcome["attempt"]["explanation"] == "response body larger than 64 bytes"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_realtime_url_at_the_sandbox_itself_is_4000215(
    sandbox: SandboxProcess, host: str
) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    with pytest.raises(APIException) as raised:
        client.configure_realtime_url(RealtimeUrlRequest(realtimeURL=_keys_url(sandbox, host)))
    assert (raised.value.http_status_code, raised.value.raw_api_error) == (400, 4000215)
    assert raised.value.error_message == f"Invalid realtimeURL: {_itself(sandbox, host)}."


def test_a_notification_url_at_the_sandbox_itself_is_refused(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    url = sandbox.url(f"/sandbox/inApps/v1/notifications/test?app={app.bundle_id}")
    with sandbox.control() as control:
        response = control.put(
            f"/apps/{app.bundle_id}/notification-urls/sandbox", json={"url": url}
        )
    assert response.status_code == 400
    assert response.json() == {"error": f"Invalid notification URL: {_itself(sandbox)}."}


def test_a_performance_test_redirected_to_the_sandbox_itself_is_refused_each_time(
    sandbox: SandboxProcess,
) -> None:
    keys_before = _default_app_keys(sandbox)
    hop = _keys_url(sandbox)
    with raw_server(redirecting(hop)) as server:
        subject = subject_for(sandbox, server.url("/retention"), totalRequests=5)
        request_id = subject.initiate()
        result = subject.wait(request_id)
    assert result.result == PerformanceTestStatus.FAIL
    assert len(server.requests) == 5
    assert _default_app_keys(sandbox) == keys_before
    with sandbox.control() as control:
        path = f"/apps/{subject.app.bundle_id}/performance-tests/{request_id}"
        report = control.get(path).raise_for_status().json()
    assert report["result"]["failures"] == {"OTHER": 5}
    assert report["examples"]["OTHER"][0]["explanation"] == (
        f"redirect to {hop} refused: {_itself(sandbox)}"
    )


def test_a_notification_redirected_to_the_sandbox_itself_is_refused(
    sandbox: SandboxProcess,
) -> None:
    app = sandbox.new_app()
    hop = sandbox.url("/sandbox/inApps/v1/notifications/test").replace("127.0.0.1", "localhost")
    with raw_server(redirecting(hop)) as server:
        [attempt] = _notification_attempts(sandbox, app, server.url("/notifications"))
    assert attempt["explanation"] == f"redirect to {hop} refused: {_itself(sandbox, 'localhost')}"
    assert [request.path for request in server.requests] == ["/notifications"]

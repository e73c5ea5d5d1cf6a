"""``serve`` stops promptly on SIGTERM even while calls are held in long delay faults."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.conftest import StartSandbox
from tests.contract.notification_helpers import set_url
from tests.receivers import receiver
from tests.sandbox_process import AppCredentials, SandboxProcess

LONG_DELAY_MS = 600_000  # the longest a fault may hold a call
IMAGE_LIST = "/sandbox/inApps/v1/messaging/image/list"


def _faults(sandbox: SandboxProcess) -> list[dict[str, Any]]:
    with sandbox.control() as control:
        return list(control.get("/faults").raise_for_status().json()["faults"])


def _hold(sandbox: SandboxProcess, app: AppCredentials, **spec: Any) -> None:
    body = {"kind": "delay", "delayMs": LONG_DELAY_MS, "bundleId": app.bundle_id, **spec}
    with sandbox.control() as control:
        control.post("/faults", json=body).raise_for_status()


def _held_call(sandbox: SandboxProcess, app: AppCredentials) -> httpx.Response:
    token = sandbox.apple_client(app)._generate_token()
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(sandbox.url(IMAGE_LIST), headers=headers, timeout=60)


def _wait_until_both_are_held(sandbox: SandboxProcess) -> None:
    deadline = time.monotonic() + 20
    while not all(fault["hits"] == 1 for fault in _faults(sandbox)):
        assert time.monotonic() < deadline, f"the calls were not held: {_faults(sandbox)}"
        time.sleep(0.05)


def test_sigterm_lets_held_calls_go_and_stops_promptly(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    app = sandbox.new_app()
    _hold(sandbox, app, target="notifications")
    _hold(sandbox, app, operation="getImageList")
    with receiver(200) as inbox, ThreadPoolExecutor(1) as pool:
        set_url(sandbox, app, inbox.url)
        sandbox.apple_client(app).request_test_notification()
        held = pool.submit(_held_call, sandbox, app)
        _wait_until_both_are_held(sandbox)

        # stop() waits 10 s for the exit, then kills (status -9): well under the delays.
        stopped = sandbox.stop()

        assert stopped is not None
        assert stopped.returncode == 0, stopped.output
        assert held.result(timeout=10).status_code == 200  # let go, it is answered as usual
        assert inbox.count == 1  # the held notification went out before the worker stopped
    assert "Traceback" not in stopped.output
    assert "pending" not in stopped.output  # and its attempt was recorded

"""Notification URLs, waiting for delivery attempts, moving the clock, and proving a poll."""

from __future__ import annotations

import time
from typing import Any

from appstoreserverlibrary.api_client import APIError, APIException, AppStoreServerAPIClient
from appstoreserverlibrary.models.CheckTestNotificationResponse import (
    CheckTestNotificationResponse,
)
from appstoreserverlibrary.models.NotificationHistoryRequest import NotificationHistoryRequest

from tests.receivers import Receiver, receiver
from tests.sandbox_process import AppCredentials, SandboxProcess


def set_url(sandbox: SandboxProcess, app: AppCredentials, url: str, env: str = "sandbox") -> None:
    with sandbox.control() as control:
        control.put(
            f"/apps/{app.bundle_id}/notification-urls/{env}", json={"url": url}
        ).raise_for_status()


def send_test_notification(
    sandbox: SandboxProcess, app: AppCredentials, inbox: Receiver
) -> tuple[str, CheckTestNotificationResponse]:
    """Point ``app``'s sandbox notifications at ``inbox``, request a TEST notification through
    Apple's client and wait for its first attempt: the token and the status."""
    client = sandbox.apple_client(app)
    set_url(sandbox, app, inbox.url)
    token = client.request_test_notification().testNotificationToken
    assert token
    return token, wait_for_attempts(client, token)


def wait_for_attempts(
    client: AppStoreServerAPIClient, token: str, count: int = 1, timeout_s: float = 15
) -> CheckTestNotificationResponse:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            status = client.get_test_notification_status(token)
            if status.sendAttempts and len(status.sendAttempts) >= count:
                return status
        except APIException as error:
            if error.api_error != APIError.TEST_NOTIFICATION_NOT_FOUND:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {count} attempts for {token} in {timeout_s} s")
        time.sleep(0.05)


def advance(sandbox: SandboxProcess, seconds: float) -> None:
    with sandbox.control() as control:
        control.post("/clock/advance", json={"seconds": seconds}).raise_for_status()


class PollProbe:
    """A production notification of an app of its own whose first attempt failed (its retry is
    due an hour later), to show that the delivery worker polled after a clock advance.

    Create it before the advance; once :meth:`wait` returns, its retry went out, so the worker
    has claimed everything due after the advance: a notification sent wrongly would have gone
    out in that same claim. Its ``inbox`` answers 500, as slowly as the receivers under test.
    """

    def __init__(self, sandbox: SandboxProcess, inbox: Receiver) -> None:
        app = sandbox.new_app()
        set_url(sandbox, app, inbox.url, "production")
        self._client = sandbox.apple_client(app, "production")
        token = self._client.request_test_notification().testNotificationToken
        assert token
        self._token = token
        wait_for_attempts(self._client, token, 1)

    def wait(self) -> None:
        wait_for_attempts(self._client, self._token, 2)


DAY_MS = 86_400_000


def now_ms() -> int:
    return int(time.time() * 1000)


def window(**filters: Any) -> NotificationHistoryRequest:
    return NotificationHistoryRequest(
        startDate=now_ms() - DAY_MS, endDate=now_ms() + 60_000, **filters
    )


def send_tests(
    sandbox: SandboxProcess, app: AppCredentials, count: int, status: int
) -> AppStoreServerAPIClient:
    client = sandbox.apple_client(app)
    with receiver(status) as inbox:
        set_url(sandbox, app, inbox.url)
        tokens = [client.request_test_notification().testNotificationToken for _ in range(count)]
        for token in tokens:
            assert token
            wait_for_attempts(client, token)
    return client

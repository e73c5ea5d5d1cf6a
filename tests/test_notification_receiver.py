"""The verifying notification receiver (``appstore_receiver``'s): what the sandbox sends arrives
decoded, each notification is taken once, and what fails Apple's verification fails the wait."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from appstore_sandbox import AppKey, NotificationNotReceived, NotificationReceiver, Sandbox
from tests.sandbox_process import SandboxProcess


@dataclass
class App:
    sandbox: Sandbox
    key: AppKey


@pytest.fixture
def app(sandbox: SandboxProcess) -> Iterator[App]:
    """An app of its own on the shared sandbox, and its key."""
    attached = Sandbox.attach(sandbox.base_url)
    bundle_id = f"com.example.receiver{uuid.uuid4().hex[:10]}"
    attached.create_app(bundle_id)
    yield App(attached, attached.create_key(bundle_id))
    attached.stop()


def _receiver_of(app: App, verifier_of: str | None = None) -> NotificationReceiver:
    """A receiver set as the app's Sandbox notification URL, verifying for ``verifier_of``."""
    verifier = app.sandbox.verifier(bundle_id=verifier_of or app.key.bundle_id)
    receiver = NotificationReceiver(verifier).start()
    app.sandbox.set_notification_url(receiver.url, bundle_id=app.key.bundle_id)
    return receiver


def test_each_wait_takes_the_next_notification_of_its_type(app: App) -> None:
    with _receiver_of(app) as receiver:
        for _ in range(2):
            app.sandbox.request_test_notification(key=app.key)

        first, second = receiver.wait_for("TEST"), receiver.wait_for("TEST")

        assert first is not second
        assert receiver.notifications == [first, second]
        assert first.data is not None and first.data.bundleId == app.key.bundle_id
        with pytest.raises(NotificationNotReceived, match=r"no TEST notification within 0 s "):
            receiver.wait_for("TEST", timeout=0)


def test_a_notification_for_another_app_is_refused_and_fails_the_wait_saying_why(
    app: App,
) -> None:
    with _receiver_of(app, verifier_of=app.sandbox.default_key.bundle_id) as receiver:
        status = app.sandbox.request_test_notification(key=app.key)

        assert status.sendAttempts
        assert status.sendAttempts[0].rawSendAttemptResult == "UNSUCCESSFUL_HTTP_RESPONSE_CODE"
        with pytest.raises(NotificationNotReceived) as refused:
            receiver.wait_for("TEST")
    assert str(refused.value) == (
        "a notification was refused (answered 400): SignedDataVerifier refused its "
        "signedPayload: INVALID_APP_IDENTIFIER, for another app (bundle id or appAppleId)"
    )
    assert receiver.notifications == []


def test_a_body_without_a_signed_payload_is_refused(app: App) -> None:
    with _receiver_of(app) as receiver:
        answer = httpx.post(receiver.url, content=b"not json")

        assert answer.status_code == 400
        assert receiver.failures == ["not a JSON body with a \"signedPayload\": b'not json'"]


def test_after_clear_what_reaches_the_old_url_is_answered_and_not_kept(app: App) -> None:
    with _receiver_of(app) as receiver:
        old_url = receiver.url
        receiver.clear()

        answer = httpx.post(old_url, content=b"late")

        assert answer.status_code == 200
        assert receiver.url != old_url
        assert (receiver.notifications, receiver.failures) == ([], [])

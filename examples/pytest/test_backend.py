"""What a subscription backend's own tests look like with appstore-sandbox's pytest plugin.

Run with ``pytest examples/pytest`` once appstore-sandbox is installed (from a checkout of its
repository: ``pip install /path/to/appstore-sandbox``; it is not on PyPI yet): the plugin's
fixtures start a sandbox for the session and reset it before each test. The two "backend" pieces
here stand in for yours: a notification receiver and a Get Retention Message endpoint.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar

import pytest
from appstoreserverlibrary.api_client import APIError, APIException, AppStoreServerAPIClient
from appstoreserverlibrary.models.NotificationTypeV2 import NotificationTypeV2
from appstoreserverlibrary.models.UploadMessageRequestBody import UploadMessageRequestBody
from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier

from appstore_sandbox import Sandbox

T = TypeVar("T")


def with_retries(call: Callable[[], T], attempts: int = 3) -> T:
    """Your backend's retry policy for Apple's API: try again after a 429."""
    for attempt in range(attempts):
        try:
            return call()
        except APIException as error:
            if error.api_error != APIError.RATE_LIMIT_EXCEEDED or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


class Backend(ThreadingHTTPServer):
    """Your server: receives notifications, answers Get Retention Message with one message."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.notifications: list[dict[str, str]] = []
        self.message_identifier = ""
        self.received = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Backend

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/notifications":
            self.server.notifications.append(body)
            self.server.received.set()
            self._answer(b"")
        else:  # /retention: the realtime request is signed too; a real backend verifies it
            message = {"messageIdentifier": self.server.message_identifier}
            self._answer(json.dumps({"message": message}).encode())

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def backend() -> Iterator[Backend]:
    server = Backend()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_receiver_gets_a_test_notification_it_can_verify(
    appstore_sandbox: Sandbox, appstore_verifier: SignedDataVerifier, backend: Backend
) -> None:
    appstore_sandbox.set_notification_url(f"{backend.url}/notifications")

    status = appstore_sandbox.request_test_notification()

    assert backend.received.wait(10)
    [notification] = backend.notifications
    decoded = appstore_verifier.verify_and_decode_notification(notification["signedPayload"])
    assert decoded.notificationType == NotificationTypeV2.TEST
    assert status.sendAttempts and status.sendAttempts[0].sendAttemptResult == "SUCCESS"


def test_the_retention_endpoint_passes_apples_performance_test(
    appstore_sandbox: Sandbox, appstore_client: AppStoreServerAPIClient, backend: Backend
) -> None:
    message = uuid.uuid4()
    appstore_client.upload_message(
        message, UploadMessageRequestBody(header="Before you go", body="Keep your offline maps.")
    )
    backend.message_identifier = str(message)

    outcome = appstore_sandbox.run_performance_test(
        f"{backend.url}/retention", totalRequests=50, totalDuration=2_000
    )

    assert outcome.passed, outcome.report
    assert outcome.report["catalogProblems"]["count"] == 0  # every reply fits the catalog


def test_the_client_retries_after_apples_429(
    appstore_sandbox: Sandbox, appstore_client: AppStoreServerAPIClient
) -> None:
    appstore_sandbox.add_fault(kind="429", operation="Get Image List", count=2, retryAfterS=0)

    images = with_retries(appstore_client.get_image_list)

    assert images.imageIdentifiers == []
    assert appstore_sandbox.faults() == []  # both injected 429s were met, and retried

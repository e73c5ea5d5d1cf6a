"""A notification receiver for tests: a loopback HTTP server that checks each notification the
sandbox sends with Apple's ``SignedDataVerifier`` and keeps the decoded payloads.

    with NotificationReceiver(sbx.verifier()) as receiver:
        sbx.set_notification_url(receiver.url)
        sbx.request_test_notification()
        notification = receiver.wait_for(NotificationTypeV2.TEST)

A body that is not Apple's ``{"signedPayload": ...}``, or whose payload fails verification, is
answered ``400`` and kept as a failure; from then on ``wait_for`` raises
:class:`NotificationNotReceived` saying why. The pytest plugin's ``appstore_receiver`` fixture is
one of these, emptied before each test.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from appstoreserverlibrary.models.ResponseBodyV2DecodedPayload import (
    ResponseBodyV2DecodedPayload,
)
from appstoreserverlibrary.signed_data_verifier import (
    SignedDataVerifier,
    VerificationException,
    VerificationStatus,
)

# How often the serving thread checks whether it should stop: paid once, when it stops.
_STOP_POLL_S = 0.05
_HINTS = {
    VerificationStatus.INVALID_ENVIRONMENT: "signed for another environment than the verifier's",
    VerificationStatus.INVALID_APP_IDENTIFIER: "for another app (bundle id or appAppleId)",
    VerificationStatus.VERIFICATION_FAILURE: "its signature does not verify",
    VerificationStatus.INVALID_CHAIN: "its certificates don't chain to the verifier's root",
    VerificationStatus.INVALID_CERTIFICATE: "its certificates are not Apple's kind",
    VerificationStatus.INVALID_CHAIN_LENGTH: "its x5c chain is not three certificates",
}


class NotificationNotReceived(AssertionError):
    """``wait_for`` saw no such notification in time, or a notification failed verification."""


class NotificationReceiver:
    """Serves ``url`` on a free loopback port from a background thread, until ``stop()``."""

    def __init__(self, verifier: SignedDataVerifier, host: str = "127.0.0.1") -> None:
        self.verifier = verifier
        self._server = _Server((host, 0), _Handler)
        self._server.receiver = self
        self._thread: threading.Thread | None = None
        self._changed = threading.Condition()
        self._verifying = threading.Lock()
        self._path = _new_path()
        self._received: list[ResponseBodyV2DecodedPayload] = []
        self._failures: list[str] = []
        self._taken: set[int] = set()

    # --- lifetime ---------------------------------------------------------------

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(_STOP_POLL_S,), daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; idempotent."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._server.shutdown()
            thread.join()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what a test reads ----------------------------------------------------------

    @property
    def url(self) -> str:
        """Where the sandbox should send notifications (a new one after each ``clear()``)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self._path}"

    @property
    def notifications(self) -> list[ResponseBodyV2DecodedPayload]:
        """Every notification received and verified since the last ``clear()``, in order."""
        with self._changed:
            return list(self._received)

    @property
    def failures(self) -> list[str]:
        """Why each body that failed verification failed, in order."""
        with self._changed:
            return list(self._failures)

    def clear(self) -> None:
        """Forget what was received, and take a new ``url``: what is sent to the old one (a late
        delivery meant for an earlier test) is answered 200 and not kept."""
        with self._changed:
            self._path = _new_path()
            self._received.clear()
            self._failures.clear()
            self._taken.clear()

    def wait_for(
        self,
        notification_type: Enum | str,
        subtype: Enum | str | None = None,
        timeout: float = 10,
    ) -> ResponseBodyV2DecodedPayload:
        """The first notification of this type (and subtype, if given) that no earlier call
        returned, waiting up to ``timeout`` seconds for it to arrive.

        Raises :class:`NotificationNotReceived` when none arrives in time, or as soon as any
        notification has failed verification.
        """
        wanted = _name(notification_type), None if subtype is None else _name(subtype)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                if self._failures:
                    raise NotificationNotReceived(_failure_message(self._failures))
                found = self._take(*wanted)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise NotificationNotReceived(self._timeout_message(wanted, timeout))
                self._changed.wait(remaining)

    # --- internals ------------------------------------------------------------------

    def _take(self, kind: str, subtype: str | None) -> ResponseBodyV2DecodedPayload | None:
        for index, notification in enumerate(self._received):
            if index in self._taken or notification.rawNotificationType != kind:
                continue
            if subtype is None or notification.rawSubtype == subtype:
                self._taken.add(index)
                return notification
        return None

    def _timeout_message(self, wanted: tuple[str, str | None], timeout: float) -> str:
        kind = "/".join(part for part in wanted if part)
        received = [_label(notification) for notification in self._received]
        listed = ", ".join(received) if received else "none"
        return f"no {kind} notification within {timeout:g} s (received: {listed})"

    def _receive(self, path: str, body: bytes) -> str | None:
        """Check and keep one delivery; why it failed, or None (also for an old ``url``)."""
        with self._changed:
            if path != self._path:
                return None
        signed = _signed_payload(body)
        if signed is None:
            return self._keep_failure(f'not a JSON body with a "signedPayload": {body[:200]!r}')
        try:
            with self._verifying:
                decoded = self.verifier.verify_and_decode_notification(signed)
        except VerificationException as error:
            hint = _HINTS.get(error.status)
            why = f"{error.status.name}, {hint}" if hint else error.status.name
            return self._keep_failure(f"SignedDataVerifier refused its signedPayload: {why}")
        except Exception as error:  # not a payload Apple's library can read at all
            why = f"{type(error).__name__}: {error}"
            return self._keep_failure(f"SignedDataVerifier could not read its signedPayload: {why}")
        with self._changed:
            if path == self._path:
                self._received.append(decoded)
                self._changed.notify_all()
        return None

    def _keep_failure(self, reason: str) -> str:
        with self._changed:
            self._failures.append(reason)
            self._changed.notify_all()
        return reason


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: NotificationReceiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        failure = self.server.receiver._receive(self.path, self.rfile.read(length))
        body = (failure or "").encode()
        self.send_response(400 if failure else 200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _signed_payload(body: bytes) -> str | None:
    try:
        signed = json.loads(body)["signedPayload"]
    except (ValueError, KeyError, TypeError):
        return None
    return signed if isinstance(signed, str) else None


def _new_path() -> str:
    return f"/notifications/{uuid.uuid4().hex[:12]}"


def _name(value: Enum | str) -> str:
    return str(value.value) if isinstance(value, Enum) else value


def _label(notification: ResponseBodyV2DecodedPayload) -> str:
    parts = (notification.rawNotificationType, notification.rawSubtype)
    return "/".join(part for part in parts if part)


def _failure_message(failures: list[str]) -> str:
    count = f"{len(failures)} notifications were" if len(failures) > 1 else "a notification was"
    return f"{count} refused (answered 400): " + "; ".join(failures)

"""What the soak test runs against: ``serve`` (killed with SIGKILL and restarted on the same port
and data dir), a loopback receiver that answers realtime requests and counts notifications, and
the ledger of what the sandbox acknowledged."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
import requests
from _common import send_json
from appstoreserverlibrary.api_client import APIException, AppStoreServerAPIClient
from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.models.ImageSize import ImageSize

from appstore_sandbox.serve_process import ServeProcess

T = TypeVar("T")
START_TIMEOUT_S = 60
DOWN, OK, CLIENT, SERVER = "no answer", "2xx", "4xx", "5xx"
QUICK_FLAGS = {
    # Shorter than the defaults, so what a crash leaves is cleared within the soak; each is
    # passed only if this version of serve has it.
    "--performance-test-heartbeat-ms": "250",
    "--performance-test-lease-ms": "1000",
    "--notification-poll-ms": "100",
}


@dataclass(frozen=True)
class Credentials:
    bundle_id: str
    issuer_id: str
    key_id: str
    private_key: bytes
    original_transaction_id: str


# --- the receiver ------------------------------------------------------------


class Receiver:
    """POST /realtime answers a valid RealtimeResponseBody; POST /notifications counts each
    delivery by its notificationUUID."""

    def __init__(self, message_identifier: str) -> None:
        self.deliveries: Counter[str] = Counter()
        self.first_delivered: dict[str, float] = {}  # time.monotonic() of the first delivery
        self.realtime_requests = 0
        self._lock = threading.Lock()
        self._reply = json.dumps({"message": {"messageIdentifier": message_identifier}}).encode()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def delivered(self, notification_uuid: str) -> int:
        with self._lock:
            return self.deliveries[notification_uuid]

    def _received(self, path: str, body: bytes) -> bytes:
        with self._lock:
            if path == "/notifications":
                notification_uuid = _notification_uuid(body)
                self.deliveries[notification_uuid] += 1
                self.first_delivered.setdefault(notification_uuid, time.monotonic())
                return b""
            self.realtime_requests += 1
            return self._reply

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                send_json(self, receiver._received(self.path, body))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the sandbox was killed mid-request: nothing to report


def _notification_uuid(body: bytes) -> str:
    signed = json.loads(body)["signedPayload"]
    payload = signed.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["notificationUUID"])


# --- the server ---------------------------------------------------------------


class Serve:
    """``appstore-sandbox serve`` on a fixed port and data dir; its output goes to a log file."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / "serve.log"
        self.starts = 0
        args = ["--retry-schedule", "fast", *_supported(QUICK_FLAGS)]
        self._server = ServeProcess(
            data_dir, serve_args=args, port=self.port, log_file=self.log, start_timeout_s=60
        )

    def start(self) -> dict[str, Any]:
        """Start and wait until it answers; what it wrote in its ready file."""
        self._server.start()
        self.starts += 1
        return self._server.facts

    def kill(self) -> None:
        """SIGKILL, as a crash: no cleanup. Its engine processes stop when their pipe closes."""
        self._server.kill()

    def stop(self) -> None:
        self._server.stop()


def _supported(flags: dict[str, str]) -> list[str]:
    command = [sys.executable, "-m", "appstore_sandbox", "serve", "--help"]
    help_text = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
    return [part for flag, value in flags.items() if flag in help_text for part in (flag, value)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def credentials(facts: dict[str, Any]) -> Credentials:
    """The default app's key, from what the first start wrote in its ready file."""
    app = facts["defaultApp"]
    return Credentials(
        bundle_id=app["bundleId"],
        issuer_id=app["issuerId"],
        key_id=app["keyId"],
        private_key=Path(app["keyFile"]).read_bytes(),
        original_transaction_id=app["originalTransactionId"],
    )


# --- what was sent and acknowledged --------------------------------------------


@dataclass
class Ledger:
    """Outcomes per operation, and the writes acknowledged with a 2xx (thread-safe)."""

    outcomes: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    images: dict[uuid.UUID, bytes] = field(default_factory=dict)
    messages: set[uuid.UUID] = field(default_factory=set)
    defaults: dict[str, str | None] = field(default_factory=dict)  # locale -> message or none
    unsure: set[Any] = field(default_factory=set)  # writes whose answer a kill swallowed
    tokens: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refusals: dict[str, str] = field(default_factory=dict)  # the first 4xx of each operation
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(
        self, operation: str, action: Callable[..., T], *args: Any, unsure: Any = None
    ) -> T | None:
        """Send one request; its outcome is tallied; what it returned, if it answered 2xx."""
        return self._send(operation, action, args, unsure)[1]

    def write(self, operation: str, action: Callable[..., Any], *args: Any, unsure: Any) -> bool:
        """Send one write; whether it answered 2xx. ``unsure`` names the write when a kill
        swallows the answer (it may or may not have happened, so it is not checked)."""
        return self._send(operation, action, args, unsure)[0]

    def _send(
        self, operation: str, action: Callable[..., T], args: tuple[Any, ...], unsure: Any
    ) -> tuple[bool, T | None]:
        try:
            result = action(*args)
        except (APIException, ControlError) as error:
            self._tally(operation, SERVER if error.http_status_code >= 500 else CLIENT, error)
            return False, None
        except (requests.RequestException, httpx.TransportError):
            self._tally(operation, DOWN)
            if unsure is not None:
                with self.lock:
                    self.unsure.add(unsure)
            time.sleep(0.1)
            return False, None
        self._tally(operation, OK)
        return True, result

    def _tally(self, operation: str, outcome: str, error: Exception | None = None) -> None:
        with self.lock:
            self.outcomes[operation][outcome] += 1
            if outcome == SERVER:
                self.errors.append(f"{operation}: {error}")
            if outcome == CLIENT and operation not in self.refusals:
                self.refusals[operation] = str(getattr(error, "error_message", error))


class ControlError(Exception):
    """A control-surface answer of 4xx or 5xx."""

    def __init__(self, http_status_code: int, body: str) -> None:
        super().__init__(f"HTTP {http_status_code}: {body}")
        self.http_status_code = http_status_code


def control(ledger: Ledger, serve: Serve, operation: str, method: str, path: str) -> Any:
    def send() -> Any:
        response = httpx.request(method, f"{serve.base}/_sandbox/v1{path}", timeout=30)
        if response.status_code >= 400:
            raise ControlError(response.status_code, response.text[:200])
        return response.json()

    return ledger.call(operation, send)


# --- the soak ------------------------------------------------------------------------


@dataclass
class Soak:
    seed: int
    workers: int
    serve: Serve
    receiver: Receiver
    credentials: Credentials
    product_id: str
    images: list[tuple[ImageSize, bytes]]
    ledger: Ledger = field(default_factory=Ledger)
    kills: list[float] = field(default_factory=list)  # time.monotonic() of each kill
    started: float = 0.0
    down_s: float = 0.0  # from each kill until serve answered again

    @property
    def realtime_url(self) -> str:
        return f"{self.receiver.base}/realtime"

    def apple_client(self) -> AppStoreServerAPIClient:
        c = self.credentials
        client = AppStoreServerAPIClient(
            c.private_key, c.key_id, c.issuer_id, c.bundle_id, Environment.SANDBOX
        )
        client._base_url = f"{self.serve.base}/sandbox"
        return client

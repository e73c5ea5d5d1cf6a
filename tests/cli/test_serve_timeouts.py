"""``serve`` closes connections that are idle, or too slow to send a request's headers or body."""

from __future__ import annotations

import json
import re
import select
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from urllib.parse import urlsplit

import pytest

from tests.conftest import SandboxWith
from tests.sandbox_process import SandboxProcess

TIMEOUT_S = 1
CONNECTIONS = 30


@pytest.fixture(scope="module")
def impatient(sandbox_with: SandboxWith) -> SandboxProcess:
    return sandbox_with(
        "--header-timeout-s", str(TIMEOUT_S),
        "--keep-alive-timeout-s", str(TIMEOUT_S),
        "--body-timeout-s", str(TIMEOUT_S),
    )  # fmt: skip


@contextmanager
def _connections(sandbox: SandboxProcess, count: int) -> Iterator[list[socket.socket]]:
    address = urlsplit(sandbox.base_url)
    assert address.hostname and address.port
    with ExitStack() as stack:
        sockets = []
        for _ in range(count):
            connection = socket.create_connection((address.hostname, address.port), timeout=5)
            stack.callback(connection.close)
            sockets.append(connection)
        yield sockets


def _response(connection: socket.socket) -> bytes:
    """One whole response (head and Content-Length body) from a keep-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


def _closed_by_server(connection: socket.socket, within_s: float) -> bool:
    connection.settimeout(within_s)
    try:
        while data := connection.recv(65536):
            del data  # a response (e.g. to a finished request) may come first
        return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_silent_connections_are_closed(impatient: SandboxProcess) -> None:
    started = time.monotonic()
    with _connections(impatient, CONNECTIONS) as sockets:
        closed = [_closed_by_server(s, within_s=TIMEOUT_S + 2) for s in sockets]
    assert all(closed), f"{closed.count(False)} of {CONNECTIONS} still open"
    assert time.monotonic() - started < TIMEOUT_S + 3


def test_headers_sent_a_byte_at_a_time_are_cut_off(impatient: SandboxProcess) -> None:
    request = b"GET /_sandbox/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 100
    with _connections(impatient, 5) as sockets:
        deadline = time.monotonic() + TIMEOUT_S + 2
        sent = 0
        try:
            while time.monotonic() < deadline:
                for connection in sockets:
                    connection.send(request[sent : sent + 1])
                sent += 1
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert all(_closed_by_server(s, within_s=1) for s in sockets)


def test_a_keep_alive_connection_serves_requests_then_closes_when_idle(
    impatient: SandboxProcess,
) -> None:
    request = b"GET /_sandbox/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n"
    with _connections(impatient, 1) as [connection]:
        for _ in range(3):
            connection.sendall(request)
            assert _response(connection).startswith(b"HTTP/1.1 200")
            time.sleep(TIMEOUT_S / 3)  # idle, but less than the timeout
        assert _closed_by_server(connection, within_s=TIMEOUT_S + 2)


def test_a_request_sent_in_time_is_answered(impatient: SandboxProcess) -> None:
    with _connections(impatient, 1) as [connection]:
        time.sleep(TIMEOUT_S / 2)
        connection.sendall(b"GET /_sandbox/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert _response(connection).startswith(b"HTTP/1.1 200")


def test_blank_lines_between_requests_do_not_hold_the_connection(
    impatient: SandboxProcess,
) -> None:
    with _connections(impatient, 1) as [connection]:
        connection.sendall(b"GET /_sandbox/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert _response(connection).startswith(b"HTTP/1.1 200")
        deadline = time.monotonic() + 2 * TIMEOUT_S + 1
        try:
            while time.monotonic() < deadline:
                connection.send(b"\r\n")
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert _closed_by_server(connection, within_s=1)


def _stalled_body(connection: socket.socket, head: str) -> bytes:
    """Send ``head`` announcing a 100-byte body, then 10 bytes of it, then nothing."""
    connection.sendall(f"{head}Host: localhost\r\nContent-Length: 100\r\n\r\n".encode() + b"{" * 10)
    response = _response(connection)
    assert _closed_by_server(connection, within_s=TIMEOUT_S + 2)
    return response


def test_a_control_body_that_stops_arriving_is_408_and_closed(impatient: SandboxProcess) -> None:
    with _connections(impatient, 1) as [connection]:
        response = _stalled_body(
            connection, "POST /_sandbox/v1/apps HTTP/1.1\r\nContent-Type: application/json\r\n"
        )
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert b"connection: close" in head.lower()
    assert json.loads(body) == {
        "error": f"The request body paused for more than {TIMEOUT_S} s (setting body_timeout_s); "
        "the connection is closed."
    }


def test_an_apple_body_that_stops_arriving_is_apples_error_body(
    impatient: SandboxProcess,
) -> None:
    token = impatient.apple_client()._generate_token()
    with _connections(impatient, 1) as [connection]:
        response = _stalled_body(
            connection,
            f"PUT /sandbox/inApps/v1/messaging/message/{uuid.uuid4()} HTTP/1.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n",
        )
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert json.loads(body)["errorCode"] == 4080000


@pytest.fixture(scope="module")
def steady_but_slow(sandbox_with: SandboxWith) -> SandboxProcess:
    return sandbox_with("--body-timeout-s", "30", "--body-deadline-s", str(TIMEOUT_S))


def test_a_body_that_trickles_past_the_whole_body_deadline_is_408_and_closed(
    steady_but_slow: SandboxProcess,
) -> None:
    # Each piece comes well within the pause allowed (30 s); the body as a whole never ends.
    head = (
        "POST /_sandbox/v1/apps HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    )
    with _connections(steady_but_slow, 1) as [connection]:
        connection.sendall(f"{head}Content-Length: 100\r\n\r\n".encode())
        for _ in range(100):  # 20 s at most; the deadline is 1 s
            connection.send(b"{")
            if select.select([connection], [], [], 0.2)[0]:
                break
        response = _response(connection)
        assert _closed_by_server(connection, within_s=5)
    head_bytes, _, body = response.partition(b"\r\n\r\n")
    assert head_bytes.startswith(b"HTTP/1.1 408")
    assert b"connection: close" in head_bytes.lower()
    assert json.loads(body) == {
        "error": f"The request body took more than {TIMEOUT_S} s in all (setting body_deadline_s); "
        "the connection is closed."
    }

"""``serve`` bounds a request's header section in bytes and fields as it arrives: past either
limit the request is answered 431 and its connection closed, before the app sees it."""

from __future__ import annotations

import json
import re
import select
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

from appstore_sandbox.auth import MAX_AUTHORIZATION_BYTES
from appstore_sandbox.config import Settings
from tests.conftest import SandboxWith
from tests.sandbox_process import SandboxProcess

MAX_BYTES = 4096
MAX_COUNT = 20
HEALTH = "/_sandbox/v1/health"
APPLE_PATH = "/sandbox/inApps/v1/messaging/message/list"


@pytest.fixture(scope="module")
def limited(sandbox_with: SandboxWith) -> SandboxProcess:
    return sandbox_with(
        "--max-header-bytes", str(MAX_BYTES), "--max-header-count", str(MAX_COUNT)
    )  # fmt: skip


@contextmanager
def _connection(sandbox: SandboxProcess) -> Iterator[socket.socket]:
    address = urlsplit(sandbox.base_url)
    assert address.hostname and address.port
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        yield connection


def _until_closed(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def _answer(sandbox: SandboxProcess, request: bytes) -> tuple[bytes, bytes]:
    """Head and body of what the server sends back to ``request`` before it closes."""
    with _connection(sandbox) as connection:
        connection.sendall(request)
        head, _, body = _until_closed(connection).partition(b"\r\n\r\n")
    return head.lower(), body


def _response(connection: socket.socket) -> bytes:
    """One whole response (head and Content-Length body) from a keep-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"the server closed the connection after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    return head + b"\r\n\r\n" + body


def _request(path: str, headers: list[str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: localhost", *headers, "", ""]
    return "\r\n".join(lines).encode()


def test_the_defaults() -> None:
    assert (Settings().max_header_bytes, Settings().max_header_count) == (65_536, 100)


def test_too_many_header_fields_on_the_control_surface_is_431_and_closed(
    limited: SandboxProcess,
) -> None:
    headers = [f"X-{index}: {index}" for index in range(MAX_COUNT)]  # and Host: one too many
    head, body = _answer(limited, _request(HEALTH, headers))
    assert head.startswith(b"http/1.1 431")
    assert b"\r\nconnection: close" in head
    assert json.loads(body) == {
        "error": f"The request has more than {MAX_COUNT} header fields "
        "(setting max_header_count); the connection is closed."
    }


def test_a_header_section_over_the_byte_limit_on_apples_surface_is_apples_error_body(
    limited: SandboxProcess,
) -> None:
    head, body = _answer(limited, _request(APPLE_PATH, ["X-Big: " + "a" * MAX_BYTES]))
    assert head.startswith(b"http/1.1 431")
    assert b"\r\nconnection: close" in head
    assert json.loads(body) == {
        "errorCode": 4310000,
        "errorMessage": f"The request's header section is over the sandbox's limit of "
        f"{MAX_BYTES} bytes (setting max_header_bytes); the connection is closed.",
    }


def test_headers_within_the_limits_are_served(limited: SandboxProcess) -> None:
    headers = [f"X-{index}: {'a' * 100}" for index in range(MAX_COUNT - 1)]  # and Host
    with _connection(limited) as connection:
        for _ in range(2):  # and the connection stays usable
            connection.sendall(_request(HEALTH, headers))
            assert _response(connection).startswith(b"HTTP/1.1 200")


def _flood(sandbox: SandboxProcess, start: bytes, filler: bytes, total: int) -> tuple[int, bytes]:
    """Send ``start`` then ``filler`` up to ``total`` bytes, until the server answers or closes;
    how much was sent, and what came back."""
    sent = 0
    with _connection(sandbox) as connection:
        connection.sendall(start)
        try:
            while sent < total and not select.select([connection], [], [], 0)[0]:
                connection.sendall(filler)
                sent += len(filler)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            return sent, _until_closed(connection)
        except ConnectionResetError:
            return sent, b""


def test_a_flood_of_tiny_headers_is_refused_long_before_it_ends(sandbox: SandboxProcess) -> None:
    # 16 million headers, 76 MB, as the attack that took the server to 2 GB.
    sent, answer = _flood(
        sandbox,
        f"GET {HEALTH} HTTP/1.1\r\nHost: localhost\r\n".encode(),
        b"a:\r\n" * 65_536,
        76 << 20,
    )
    assert answer.startswith(b"HTTP/1.1 431")
    assert sent < 8 << 20  # what the socket buffers took before the server's answer came back


def test_a_100_mb_authorization_header_is_refused_long_before_it_ends(
    sandbox: SandboxProcess,
) -> None:
    start = f"GET {APPLE_PATH} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ".encode()
    sent, answer = _flood(sandbox, start, b"A" * (1 << 20), 100 << 20)
    assert answer.startswith(b"HTTP/1.1 431")
    assert sent < 8 << 20


def test_an_authorization_under_the_header_limit_but_over_the_token_limit_is_401(
    sandbox: SandboxProcess,
) -> None:
    token = "A" * MAX_AUTHORIZATION_BYTES
    head, _ = _answer(
        sandbox, _request(APPLE_PATH, [f"Authorization: Bearer {token}", "Connection: close"])
    )
    assert head.startswith(b"http/1.1 401")
    assert f"longer than {MAX_AUTHORIZATION_BYTES} bytes".encode() in head


def test_requests_on_one_connection_each_get_their_own_count(limited: SandboxProcess) -> None:
    # One after the other on a keep-alive connection, each sent once the previous one is
    # answered: uvicorn's httptools protocol sometimes leaves a pipelined request unanswered
    # until the keep-alive timeout (seen with a bare uvicorn app too), which no client of the
    # sandbox does.
    headers = [f"X-{index}: {'a' * 150}" for index in range(MAX_COUNT - 1)]  # 3 KB each
    body = b'{"bundleId": "", "appAppleId": 1}'
    post = (
        "POST /_sandbox/v1/apps HTTP/1.1\r\nHost: localhost\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    statuses = []
    with _connection(limited) as connection:
        for request in (post.encode() + body, _request(HEALTH, headers), _request(HEALTH, headers)):
            connection.sendall(request)
            statuses.append(_response(connection).split(b" ", 2)[1])
    assert statuses == [b"400", b"200", b"200"]

"""Raw loopback servers for the sender's tests: each connection is served by a plain function on
a thread of its own, so a test can answer in pieces, late, wrongly or not at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

T = TypeVar("T")
LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}


def run_on(loop_name: str, coroutine: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=LOOPS[loop_name]) as runner:
        return runner.run(coroutine)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


class Peer:
    """One accepted connection, as the server sees it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._file = sock.makefile("rb")

    def request(self) -> Request | None:
        """The next request, or None when the client closed the connection."""
        line = self._file.readline()
        if not line:
            return None
        method, path, _ = line.decode().split(" ", 2)
        headers = {}
        while (header := self._file.readline()) not in (b"\r\n", b""):
            name, _, value = header.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self._file.read(int(headers.get("content-length", 0)))
        return Request(method, path, headers, body)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)


def response(
    body: bytes = b"{}",
    status: str = "200 OK",
    headers: tuple[str, ...] = ("Content-Type: application/json",),
    length: int | None = None,
) -> bytes:
    """A response with a Content-Length (``length`` if given, else the body's)."""
    lines = [
        f"HTTP/1.1 {status}",
        *headers,
        f"Content-Length: {len(body) if length is None else length}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class RawServer:
    def __init__(self, serve: Callable[[Peer], None], tls: ssl.SSLContext | None = None) -> None:
        self._serve = serve
        self._tls = tls
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self._listener.getsockname()[1]
        self.connections = 0
        self.requests: list[Request] = []
        self.finished = threading.Event()  # set when a connection's serve function returns
        self._threads: list[threading.Thread] = []
        self._accepted: list[socket.socket] = []

    def url(self, path: str = "/") -> str:
        scheme = "https" if self._tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def accept_forever(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._accepted.append(sock)
            thread = threading.Thread(target=self._handle, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _handle(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError), contextlib.closing(sock):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                sock = self._tls.wrap_socket(sock, server_side=True)
            self._serve(_Recording(sock, self.requests))
        self.finished.set()

    def close(self) -> None:
        with contextlib.suppress(OSError):  # closing alone would not wake accept()
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for sock in self._accepted:  # a kept-alive connection would hold its thread in recv()
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5)


class _Recording(Peer):
    def __init__(self, sock: socket.socket, requests: list[Request]) -> None:
        super().__init__(sock)
        self._requests = requests

    def request(self) -> Request | None:
        request = super().request()
        if request is not None:
            self._requests.append(request)
        return request


@contextlib.contextmanager
def raw_server(
    serve: Callable[[Peer], None], tls: ssl.SSLContext | None = None
) -> Iterator[RawServer]:
    server = RawServer(serve, tls)
    thread = threading.Thread(target=server.accept_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(5)


def answering(reply: bytes, *delays_s: float) -> Callable[[Peer], None]:
    """Serve: answer each request with ``reply``; request n waits ``delays_s[n]`` first (the
    last delay holds for the rest, none if there is none)."""

    def serve(peer: Peer) -> None:
        number = 0
        while peer.request() is not None:
            if delays_s:
                time.sleep(delays_s[min(number, len(delays_s) - 1)])
            peer.send(reply)
            number += 1

    return serve


@dataclass(frozen=True)
class Certificate:
    pem: bytes
    key_pem: bytes

    def server_context(self, directory: Any) -> ssl.SSLContext:
        cert, key = directory / "cert.pem", directory / "key.pem"
        cert.write_bytes(self.pem)
        key.write_bytes(self.key_pem)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cadata=self.pem.decode())


def self_signed_certificate() -> Certificate:
    """A certificate for 127.0.0.1 that signs itself: no system trust store knows it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "appstore-sandbox test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Certificate(
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


class Untouched:
    """A loopback listener that never accepts: a connection anyone made waits in its queue."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]

    def touched(self) -> bool:
        """Whether anything connected (the kernel queues a connection before connect returns)."""
        try:
            sock, _ = self._listener.accept()
        except BlockingIOError:
            return False
        sock.close()
        return True

    def close(self) -> None:
        self._listener.close()


@contextlib.contextmanager
def untouched_listener() -> Iterator[Untouched]:
    listener = Untouched()
    try:
        yield listener
    finally:
        listener.close()


def redirecting(location: str, status: str = "307 Temporary Redirect") -> Callable[[Peer], None]:
    """Serve: answer every request with a redirect to ``location``."""
    return answering(response(b"", status, (f"Location: {location}",)))

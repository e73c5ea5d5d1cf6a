"""Developer-server stand-ins for performance tests: each answers in one (mis)behaving way.

A raw asyncio server on a background thread, so a test can also close a connection in the middle
of a response, which a framework would not let it do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

MESSAGE_ID = str(uuid.UUID("6c3a1f0e-9b2d-4e5f-8a7b-1c2d3e4f5a6b"))
VALID_BODY = json.dumps({"message": {"messageIdentifier": MESSAGE_ID}}).encode()
BEHAVIOURS = ("ok", "500", "html", "wrong-shape", "slow", "close-mid-response", "hang-up")


def _response(status: str, content_type: str, body: bytes, declared_length: int = -1) -> bytes:
    length = len(body) if declared_length < 0 else declared_length
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


async def _read_request(reader: asyncio.StreamReader) -> bool:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return True


async def _serve(
    behaviour: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while await _read_request(reader):
            if behaviour == "hang-up":
                break
            if behaviour == "slow":
                await asyncio.sleep(1.5)
            writer.write(_reply(behaviour))
            await writer.drain()
            if behaviour == "close-mid-response":
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def _reply(behaviour: str) -> bytes:
    if behaviour == "500":
        return _response("500 Internal Server Error", "text/plain", b"boom")
    if behaviour == "html":
        return _response("200 OK", "text/html", b"<html><body>Hello</body></html>")
    if behaviour == "wrong-shape":
        return _response("200 OK", "application/json", b'{"message": {"messageIdentifier": 5}}')
    if behaviour == "close-mid-response":
        return _response("200 OK", "application/json", VALID_BODY[:10], len(VALID_BODY))
    return _response("200 OK", "application/json", VALID_BODY)


@contextmanager
def target_server(behaviour: str) -> Iterator[str]:
    """Serve ``behaviour`` on a free loopback port; yields the URL."""
    assert behaviour in BEHAVIOURS
    loop = asyncio.new_event_loop()
    started = threading.Event()
    box: dict[str, asyncio.Server] = {}

    async def start() -> None:
        box["server"] = await asyncio.start_server(
            lambda r, w: _serve(behaviour, r, w), "127.0.0.1", 0
        )
        started.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop)
    started.wait(5)
    port = box["server"].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/retention"
    finally:
        asyncio.run_coroutine_threadsafe(_shutdown(box["server"]), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


async def _shutdown(server: asyncio.Server) -> None:
    server.close()
    await server.wait_closed()
    current = asyncio.current_task()
    handlers = [task for task in asyncio.all_tasks() if task is not current]
    for task in handlers:
        task.cancel()
    await asyncio.gather(*handlers, return_exceptions=True)


def refused_url() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/retention"

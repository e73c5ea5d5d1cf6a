"""Upload Image's body goes to a temporary file beside its target as it arrives, never whole
in memory, and the temporary file goes away whatever the outcome (retention/content_routes.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.types import Message

from appstore_sandbox.retention.content_routes import UPLOAD_PIECE_BYTES
from tests import pngs
from tests.in_process import InProcess, call_asgi, in_process

MB = 1024 * 1024
CHUNK = 64 * 1024
PADDED = pngs.inserted_before_iend((b"paDd", b"\0" * 4 * MB))  # a valid 4 MB PNG


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[InProcess]:
    with in_process(tmp_path, max_image_bytes=8 * MB) as opened:
        yield opened


def _headers(sandbox: InProcess) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {sandbox.apple_token()}"), ("content-type", "image/png")]


def _temporary_bytes(sandbox: InProcess) -> int:
    return sum(path.stat().st_size for path in sandbox.sandbox.settings.images_dir.rglob("*.part"))


async def _upload_watching_the_disk(
    sandbox: InProcess, path: str, body: bytes
) -> tuple[int, list[int]]:
    """Upload ``body`` a chunk at a time; the status, and before each chunk after the first,
    how many of the bytes sent were not yet in a temporary file."""
    sent, behind, status = 0, [], 0

    async def receive() -> Message:
        nonlocal sent
        if sent:
            behind.append(sent - _temporary_bytes(sandbox))
        chunk = body[sent : sent + CHUNK]
        sent += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": sent < len(body)}

    async def send(message: Message) -> None:
        nonlocal status
        status = message.get("status", status)

    scope = {
        "type": "http",
        "method": "PUT",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in _headers(sandbox)],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
        "state": {},
    }
    await sandbox.app(scope, receive, send)
    return status, behind


def test_the_body_is_written_as_it_arrives(sandbox: InProcess) -> None:
    identifier = uuid.uuid4()
    path = f"/sandbox/inApps/v1/messaging/image/{identifier}"
    status, behind = asyncio.run(_upload_watching_the_disk(sandbox, path, PADDED))
    assert status == 200
    assert len(behind) == len(PADDED) // CHUNK
    assert max(behind) <= UPLOAD_PIECE_BYTES + CHUNK  # never more than a piece in memory
    (stored,) = sandbox.sandbox.settings.images_dir.rglob(f"{identifier}.png")
    assert stored.read_bytes() == PADDED
    assert _temporary_bytes(sandbox) == 0 and not list(stored.parent.glob("*.part"))


@pytest.mark.parametrize(
    ("chunks", "status"),
    [
        ([pngs.random_idat()], 400),  # checked and refused
        ([b"\0" * CHUNK] * (9 * MB // CHUNK), 413),  # cut off at the limit mid-stream
    ],
    ids=["invalid", "too-large"],
)
def test_no_temporary_file_is_left(sandbox: InProcess, chunks: list[bytes], status: int) -> None:
    path = f"/sandbox/inApps/v1/messaging/image/{uuid.uuid4()}"
    result = asyncio.run(call_asgi(sandbox.app, "PUT", path, _headers(sandbox), chunks))
    assert result.status == status
    assert not list(sandbox.sandbox.settings.images_dir.rglob("*.part"))


@pytest.mark.parametrize(
    ("path", "code"),
    [("/image/not-a-uuid", b"4000000"), (f"/image/{uuid.uuid4()}?imageSize=HUGE", b"4000216")],
    ids=["identifier", "image-size"],
)
def test_a_bad_identifier_or_size_is_answered_before_the_body(
    sandbox: InProcess, path: str, code: bytes
) -> None:
    path, _, query = path.partition("?")
    result = asyncio.run(
        call_asgi(
            sandbox.app,
            "PUT",
            f"/sandbox/inApps/v1/messaging{path}",
            _headers(sandbox),
            [b"\0" * CHUNK] * 4,
            query,
        )
    )
    assert (result.status, result.chunks_read) == (400, 0)
    assert code in result.body

"""A sandbox and its ASGI app in this process: a TestClient, raw ASGI calls, Apple's tokens."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from appstoreserverlibrary.api_client import AppStoreServerAPIClient
from appstoreserverlibrary.models.Environment import Environment
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message

from appstore_sandbox.config import Settings
from appstore_sandbox.http.app import create_app
from appstore_sandbox.sandbox import Sandbox, default_credentials, open_sandbox

# The address a sandbox on default settings answers to (the gate refuses TestClient's "testserver").
LOCAL_URL = "http://127.0.0.1:8080"


@dataclass
class InProcess:
    sandbox: Sandbox
    app: FastAPI
    client: TestClient

    def apple_token(self) -> str:
        """A bearer token for the default app, made as Apple's client makes it."""
        credentials = default_credentials(self.sandbox)
        assert credentials is not None
        client = AppStoreServerAPIClient(
            credentials.key_file.read_bytes(),
            credentials.key_id,
            credentials.issuer_id,
            credentials.bundle_id,
            Environment.SANDBOX,
        )
        return str(client._generate_token())

    def apple_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.apple_token()}"}


class InProcessTransport(httpx.BaseTransport):
    """An httpx client's requests answered by an in-process app: the CLI's client is httpx's,
    Starlette's TestClient is httpx2's, so each request and response is copied across."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._client.request(
            request.method,
            str(request.url),
            headers=list(request.headers.multi_items()),
            content=request.read(),
        )
        return httpx.Response(
            answer.status_code, headers=list(answer.headers.multi_items()), content=answer.content
        )


@contextmanager
def in_process(data_dir: Path, **settings: Any) -> Iterator[InProcess]:
    """The app without its lifespan: no delivery worker, no performance-test thread."""
    sandbox = open_sandbox(Settings(data_dir=data_dir, **settings))
    try:
        app = create_app(sandbox)
        yield InProcess(
            sandbox, app, TestClient(app, base_url=LOCAL_URL, raise_server_exceptions=False)
        )
    finally:
        sandbox.close()


@dataclass
class AsgiResult:
    """What one raw ASGI call sent back, and how much of the body the app asked for."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks_read: int = 0


async def call_asgi(
    app: FastAPI,
    method: str,
    path: str,
    headers: Sequence[tuple[str, str]] = (),
    chunks: Sequence[bytes] = (),
    query: str = "",
) -> AsgiResult:
    """One request straight into the ASGI app; the body arrives in ``chunks``."""
    result = AsgiResult()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
        "state": {},
    }

    async def receive() -> Message:
        index = result.chunks_read
        result.chunks_read += 1
        if index >= len(chunks):
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunks[index], "more_body": index + 1 < len(chunks)}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            result.status = message["status"]
            result.headers = {k.decode(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            result.body += message.get("body", b"")

    await app(scope, receive, send)
    return result

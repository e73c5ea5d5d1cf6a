"""Unexpected failures: a logged 500 in the surface's own error shape, no traceback, logged once,
and over a keep-alive connection announced with `Connection: close`."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from appstore_sandbox.cli.http_protocol import header_deadline_protocol
from appstore_sandbox.config import Settings
from appstore_sandbox.http.app import create_app
from appstore_sandbox.sandbox import open_sandbox
from tests.in_process import LOCAL_URL

_INTERNALS = ("Traceback", "RuntimeError", "secret detail", 'File "')


def _boom() -> None:
    raise RuntimeError("secret detail that must not leak")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    sandbox = open_sandbox(Settings(data_dir=tmp_path))
    try:
        application = create_app(sandbox)
        # Test-only routes, one on Apple's surface and one on the control surface.
        application.add_api_route("/sandbox/boom", _boom, methods=["GET"])
        application.add_api_route("/_sandbox/v1/boom", _boom, methods=["GET"])
        yield application
    finally:
        sandbox.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=LOCAL_URL, raise_server_exceptions=False) as test_client:
        yield test_client


def test_unexpected_error_on_apple_surface_is_5000000(client: TestClient) -> None:
    response = client.get("/sandbox/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"errorCode", "errorMessage"}
    assert body["errorCode"] == 5000000
    assert isinstance(body["errorMessage"], str) and body["errorMessage"]
    for marker in _INTERNALS:
        assert marker not in response.text


def test_unexpected_error_on_control_surface_is_plain_json_error(client: TestClient) -> None:
    response = client.get("/_sandbox/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"], str) and body["error"]
    for marker in _INTERNALS:
        assert marker not in response.text


def test_unexpected_error_is_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR", logger="appstore_sandbox"):
        assert client.get("/sandbox/boom").status_code == 500
    records = [record for record in caplog.records if record.name == "appstore_sandbox"]
    assert any("/sandbox/boom" in record.getMessage() for record in records)
    assert any(
        record.exc_info and isinstance(record.exc_info[1], RuntimeError) for record in records
    )


def test_the_app_still_answers_after_an_unexpected_error(client: TestClient) -> None:
    assert client.get("/sandbox/boom").status_code == 500
    response = client.get("/_sandbox/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@contextmanager
def _served(app: FastAPI) -> Iterator[tuple[str, int]]:
    """``app`` behind uvicorn and the protocol ``serve`` uses, on a thread and a loopback port."""
    listener = socket.create_server(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, lifespan="off", log_config=None, http=header_deadline_protocol(10.0)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield listener.getsockname()
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


def _head_and_close(connection: socket.socket) -> bytes:
    """What the server sends until it closes the connection."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def test_a_500_on_a_keep_alive_connection_says_connection_close_and_is_logged_once(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level("ERROR"),
        _served(app) as address,
        socket.create_connection(address, timeout=10) as connection,
    ):
        connection.sendall(b"GET /sandbox/boom HTTP/1.1\r\nHost: localhost\r\n\r\n")
        response = _head_and_close(connection)
    head = response.partition(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 500")
    assert b"\r\nconnection: close" in head
    tracebacks = [record for record in caplog.records if record.exc_info]
    assert [record.name for record in tracebacks] == ["appstore_sandbox"]


def test_every_control_body_refuses_fields_it_does_not_know(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    open_bodies = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            for ref in [schema.get("$ref")] + [s.get("$ref") for s in schema.get("anyOf", [])]:
                name = (ref or "").rpartition("/")[2]
                closed = name and schemas[name].get("additionalProperties") is False
                if path.startswith("/_sandbox/") and name and not closed:
                    open_bodies.append(f"{method.upper()} {path} ({name})")
    assert open_bodies == []


def test_a_misspelled_field_is_named_with_what_was_meant(client: TestClient) -> None:
    refused = client.post("/_sandbox/v1/faults", json={"kind": "500", "opration": "x"})
    assert refused.status_code == 400
    assert refused.json() == {"error": "opration: unknown field (did you mean operation?)"}
    assert client.get("/_sandbox/v1/faults").json()["faults"] == []


def test_a_body_that_is_not_json_is_told_so_in_words(client: TestClient) -> None:
    refused = client.post(
        "/_sandbox/v1/clock/advance",
        content=b'{"seconds": ',
        headers={"Content-Type": "application/json"},
    )
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("request body is not valid JSON: ")
    assert "send Content-Type: application/json" in refused.json()["error"]

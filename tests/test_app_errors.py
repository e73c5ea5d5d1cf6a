"""Unexpected failures, in process: a logged 500 in the surface's own error shape, no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from appstore_sandbox.app import create_app
from appstore_sandbox.config import Settings
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

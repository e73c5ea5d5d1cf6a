"""The OpenAPI document the real app serves describes Apple's surface and the control surface."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from appstore_sandbox.app import create_app
from appstore_sandbox.config import Settings
from appstore_sandbox.sandbox import open_sandbox


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    sandbox = open_sandbox(Settings(data_dir=tmp_path))
    try:
        with TestClient(create_app(sandbox)) as client:
            yield client
    finally:
        sandbox.close()


def test_openapi_lists_both_environments_and_the_control_surface(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]

    for environment in ("sandbox", "production"):
        operations = paths[f"/{environment}/inApps/v1/messaging/realtime/url"]
        assert {"get", "put", "delete"} <= set(operations)
    assert {"get", "post"} <= set(paths["/_sandbox/v1/apps"])
    assert "get" in paths["/_sandbox/v1/health"]

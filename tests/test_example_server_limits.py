"""The example developer server reads request bodies only up to a cap: 413 beyond it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from appstore_sandbox.example.server import MAX_BODY_BYTES, ExampleOptions, build_example_app
from appstore_sandbox.signing import create_chain

TOO_LARGE = {"error": f"body larger than {MAX_BODY_BYTES} bytes"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    root = create_chain(datetime.now(UTC)).root_der()
    return TestClient(build_example_app(ExampleOptions([root], echo=None)))


@pytest.mark.parametrize("path", ["/retention", "/notifications"])
def test_a_declared_body_over_the_cap_is_refused(client: TestClient, path: str) -> None:
    response = client.post(path, content=b"x" * (MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_a_streamed_body_over_the_cap_is_refused(client: TestClient) -> None:
    def pieces() -> Iterator[bytes]:  # chunked: no Content-Length gives the size away
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536

    response = client.post("/retention", content=pieces())
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_a_body_at_the_cap_is_read(client: TestClient) -> None:
    response = client.post("/retention", content=b" " * MAX_BODY_BYTES)
    assert response.status_code == 400
    assert response.json() == {"error": "body is not JSON"}

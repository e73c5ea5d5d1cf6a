"""The gate: credentials are checked from the headers before any body is read, and a body over its
limit is refused (413) from its Content-Length or as soon as it passes the limit."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from appstore_sandbox.control.routes import PUBLIC_PATHS
from tests.in_process import InProcess, call_asgi, in_process

ADMIN_TOKEN = "s3cret"
MB = 1024 * 1024
HISTORY = "/sandbox/inApps/v1/notifications/history"
IMAGE = "/sandbox/inApps/v1/messaging/image/6a5e1c3e-3ab4-4d1d-9a8a-3b1f3f6c2c10"
CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    data_dir = tmp_path_factory.mktemp("gate")
    with in_process(
        data_dir, admin_token=ADMIN_TOKEN, max_body_bytes=MB, max_image_bytes=2 * MB
    ) as s:
        yield s


def _routes(sandbox: InProcess, pattern: str) -> list[tuple[str, str]]:
    """(method, path with its parameters filled in) of every operation whose path matches."""
    found = []
    for path, operations in sandbox.app.openapi()["paths"].items():
        if re.match(pattern, path):
            filled = re.sub(r"\{[^}]+\}", "x", path)
            found += [(method.upper(), filled) for method in sorted(operations)]
    return found


def _control_routes(sandbox: InProcess) -> list[tuple[str, str]]:
    routes = _routes(sandbox, r"/_sandbox/")
    return [(method, path) for method, path in routes if path not in PUBLIC_PATHS]


# credentials first


def test_every_apple_route_answers_401_without_reading_the_body(sandbox: InProcess) -> None:
    routes = _routes(sandbox, r"/(sandbox|production)/inApps/")
    assert len(routes) > 20
    for method, path in routes:
        headers = [("content-type", "application/json"), ("content-length", str(100 * MB))]
        result = asyncio.run(call_asgi(sandbox.app, method, path, headers, [b"{garbage"]))
        assert (result.status, result.body, result.chunks_read) == (401, b"", 0), (method, path)
        assert result.headers["connection"] == "close"
        assert "invalid_token" in result.headers["www-authenticate"]


def test_every_locked_control_route_answers_401_before_the_body(sandbox: InProcess) -> None:
    routes = _control_routes(sandbox)
    assert len(routes) > 20
    for method, path in routes:
        headers = [("content-type", "application/json"), ("content-length", "7")]
        result = asyncio.run(call_asgi(sandbox.app, method, path, headers, [b"garbage"]))
        assert (result.status, result.chunks_read) == (401, 0), (method, path)
        assert b"admin token" in result.body


def test_an_unauthenticated_garbage_clock_advance_is_401_not_400(sandbox: InProcess) -> None:
    response = sandbox.client.post(
        "/_sandbox/v1/clock/advance",
        content=b"garbage",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 401
    assert set(response.json()) == {"error"}


def test_with_credentials_the_garbage_body_is_a_400(sandbox: InProcess) -> None:
    control = sandbox.client.post(
        "/_sandbox/v1/clock/advance",
        content=b"garbage",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert control.status_code == 400 and set(control.json()) == {"error"}
    apple = sandbox.client.post(
        HISTORY,
        content=b"garbage",
        headers={"Content-Type": "application/json", **sandbox.apple_headers()},
    )
    assert apple.status_code == 400 and apple.json()["errorCode"] == 4000000


def test_public_control_routes_stay_open(sandbox: InProcess) -> None:
    assert {"/_sandbox/v1/health", "/_sandbox/v1/certificates/root"} == PUBLIC_PATHS
    for path in PUBLIC_PATHS:
        assert sandbox.client.get(path).status_code == 200


# body limits


def _apple(sandbox: InProcess, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {sandbox.apple_token()}"), *extra]


def test_a_declared_body_over_the_limit_is_413_before_it_is_read(sandbox: InProcess) -> None:
    headers = _apple(
        sandbox, ("content-type", "application/json"), ("content-length", str(20 * MB))
    )
    result = asyncio.run(call_asgi(sandbox.app, "POST", HISTORY, headers, [b"{}"]))
    assert (result.status, result.chunks_read) == (413, 0)
    assert result.headers["content-type"] == "application/json"
    assert result.headers["connection"] == "close"
    body = result.body.decode()
    assert '"errorCode":4130000' in body and "1048576 bytes" in body and "max_body_bytes" in body


def test_a_streamed_body_is_cut_off_as_soon_as_it_passes_the_limit(sandbox: InProcess) -> None:
    chunks = [b" " * CHUNK] * (20 * MB // CHUNK)
    headers = _apple(sandbox, ("content-type", "application/json"))
    result = asyncio.run(call_asgi(sandbox.app, "POST", HISTORY, headers, chunks))
    assert result.status == 413
    assert result.chunks_read == MB // CHUNK + 1  # not one chunk more than it took to pass
    assert b'"errorCode":4130000' in result.body


def test_a_body_at_the_limit_is_read(sandbox: InProcess) -> None:
    response = sandbox.client.post(
        HISTORY,
        content=b" " * (MB - 2) + b"{}",
        headers={"Content-Type": "application/json", **sandbox.apple_headers()},
    )
    assert response.json()["errorCode"] == 4000015  # read and parsed: no startDate


def test_the_control_surface_answers_413_in_its_own_shape(sandbox: InProcess) -> None:
    chunks = [b" " * CHUNK] * (2 * MB // CHUNK)
    headers = [("authorization", f"Bearer {ADMIN_TOKEN}"), ("content-type", "application/json")]
    result = asyncio.run(call_asgi(sandbox.app, "POST", "/_sandbox/v1/apps", headers, chunks))
    assert result.status == 413
    assert (
        result.body.startswith(b'{"error":"The request body is over') and b"1048576" in result.body
    )


def test_images_have_their_own_higher_limit(sandbox: InProcess) -> None:
    headers = _apple(sandbox, ("content-type", "image/png"))
    under = asyncio.run(
        call_asgi(sandbox.app, "PUT", IMAGE, headers, [b"\0" * CHUNK] * (MB // CHUNK + 1))
    )
    assert under.status == 400 and b"4000161" in under.body  # read whole: not a PNG
    over = asyncio.run(
        call_asgi(sandbox.app, "PUT", IMAGE, headers, [b"\0" * CHUNK] * (3 * MB // CHUNK))
    )
    assert over.status == 413 and over.chunks_read == 2 * MB // CHUNK + 1
    assert b"2097152 bytes" in over.body and b"max_image_bytes" in over.body


def test_the_default_limits_fit_apples_largest_bodies(tmp_path: Path) -> None:
    from appstore_sandbox.config import Settings

    settings = Settings(data_dir=tmp_path)
    # An uncompressed 8-bit RGB 3840x2160 PNG: a filter byte per row, plus zlib and chunk framing.
    assert settings.max_image_bytes > (3840 * 3 + 1) * 2160 + 64 * 1024
    assert settings.max_body_bytes >= 64 * 1024


def _json_routes(sandbox: InProcess) -> list[tuple[str, str]]:
    """(method, path) of every operation that takes a JSON body, on both surfaces."""
    found = []
    for path, operations in sandbox.app.openapi()["paths"].items():
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                found.append((method.upper(), re.sub(r"\{[^}]+\}", "x", path)))
    return found


def test_a_body_nested_past_any_parser_is_a_400_in_each_surfaces_shape(
    sandbox: InProcess,
) -> None:
    routes = _json_routes(sandbox)
    assert any(path.startswith("/_sandbox/") for _, path in routes)
    assert any(path.startswith("/sandbox/") for _, path in routes)
    control = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for method, path in routes:
        credentials = control if path.startswith("/_sandbox/") else sandbox.apple_headers()
        headers = {"Content-Type": "application/json", **credentials}
        response = sandbox.client.request(method, path, content=b"[" * 900_000, headers=headers)
        assert response.status_code == 400, (method, path, response.text[:200])
        expected = {"error"} if path.startswith("/_sandbox/") else {"errorCode", "errorMessage"}
        assert set(response.json()) == expected, (method, path)

"""One error shape per surface: the control surface answers ``{"error": ...}``, as /openapi.json
documents, even for an Apple error raised by a service both surfaces share."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from appstore_sandbox import errors
from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.errors import AppleError, RateLimitExceeded
from tests.in_process import InProcess, in_process

APP = f"/_sandbox/v1/apps/{DEFAULT_BUNDLE_ID}"
APPLE_ERRORS = {
    cls.__name__: cls
    for cls in vars(errors).values()
    if inspect.isclass(cls) and issubclass(cls, AppleError) and cls is not AppleError
}


def _raise(name: str) -> None:
    cls = APPLE_ERRORS[name]
    raise RateLimitExceeded(retry_after_ms=5) if cls is RateLimitExceeded else cls()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("shape")) as s:
        # Test-only routes raising any Apple error, one on each surface.
        s.app.add_api_route("/_sandbox/v1/raise/{name}", _raise, methods=["GET"])
        s.app.add_api_route("/sandbox/raise/{name}", _raise, methods=["GET"])
        yield s


@pytest.mark.parametrize("name", sorted(APPLE_ERRORS))
def test_any_apple_error_takes_each_surfaces_shape(sandbox: InProcess, name: str) -> None:
    cls = APPLE_ERRORS[name]
    control = sandbox.client.get(f"/_sandbox/v1/raise/{name}")
    assert control.status_code == cls.status
    assert control.json() == {"error": cls.default_message}
    apple = sandbox.client.get(f"/sandbox/raise/{name}")
    assert apple.status_code == cls.status
    assert apple.json() == {"errorCode": cls.code, "errorMessage": cls.default_message}
    if cls is RateLimitExceeded:
        assert control.headers["retry-after"] == apple.headers["retry-after"] == "5"


def _documented_schema(sandbox: InProcess, method: str, path: str, status: int) -> Any:
    operation = sandbox.app.openapi()["paths"][path][method.lower()]
    return operation["responses"][str(status)]["content"]["application/json"]["schema"]


UNKNOWN_RUN = str(uuid.uuid4())
# Control operations whose services raise Apple's errors: (method, path, documented path, body).
SHARED_SERVICE_ERRORS = [
    (
        "POST",
        f"{APP}/notifications/test",
        "/_sandbox/v1/apps/{bundle_id}/notifications/test",
        {"environment": "sandbox"},
    ),
    (
        "GET",
        f"{APP}/notifications/unknown",
        "/_sandbox/v1/apps/{bundle_id}/notifications/{token_or_uuid}",
        None,
    ),
    (
        "GET",
        f"{APP}/performance-tests/{UNKNOWN_RUN}",
        "/_sandbox/v1/apps/{bundle_id}/performance-tests/{request_id}",
        None,
    ),
    (
        "GET",
        f"{APP}/performance-tests/not-a-uuid/requests",
        "/_sandbox/v1/apps/{bundle_id}/performance-tests/{request_id}/requests",
        None,
    ),
    (
        "POST",
        f"{APP}/performance-tests",
        "/_sandbox/v1/apps/{bundle_id}/performance-tests",
        {},
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "documented", "body"),
    SHARED_SERVICE_ERRORS,
    ids=[f"{case[0]} {case[2]}" for case in SHARED_SERVICE_ERRORS],
)
def test_control_operations_answer_their_documented_shape(
    sandbox: InProcess, method: str, path: str, documented: str, body: Any
) -> None:
    response = sandbox.client.request(method, path, json=body)
    assert response.status_code >= 400
    assert set(response.json()) == {"error"}, response.text
    schema = _documented_schema(sandbox, method, documented, response.status_code)
    assert schema == {"$ref": "#/components/schemas/ControlError"}

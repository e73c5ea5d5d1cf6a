"""The error tree: drawn true in errors.py's docstring, one class per Apple code, and each error
written by ``app.error_response`` with its own status, body and headers."""

from __future__ import annotations

import inspect
import json
import re

import pytest

from appstore_sandbox import errors
from appstore_sandbox.errors import (
    AdminTokenRequired,
    AppleError,
    BadInput,
    Conflict,
    InternalError,
    MethodNotAllowed,
    RateLimitExceeded,
    RealtimeUrlNotFound,
    RouteNotFound,
    SandboxError,
    Unauthorized,
)
from appstore_sandbox.http.app import error_response

ERROR_CLASSES = [
    value
    for value in vars(errors).values()
    if inspect.isclass(value) and issubclass(value, SandboxError)
]
APPLE_ERRORS = [
    cls for cls in ERROR_CLASSES if issubclass(cls, AppleError) and cls is not AppleError
]
_TREE_LINE = re.compile(r"[├└]── (\w+)\s*(\d{7})?")


def _drawn() -> dict[str, str | None]:
    """Class name -> Apple code, as the docstring draws them."""
    assert errors.__doc__ is not None
    drawn: dict[str, str | None] = {"SandboxError": None}
    for match in _TREE_LINE.finditer(errors.__doc__):
        assert match.group(1) not in drawn, f"{match.group(1)} is drawn twice"
        drawn[match.group(1)] = match.group(2)
    return drawn


def test_the_docstring_draws_every_error_class_and_nothing_else() -> None:
    assert set(_drawn()) == {cls.__name__ for cls in ERROR_CLASSES}


def test_the_docstring_draws_each_apple_error_with_its_code() -> None:
    drawn = _drawn()
    assert {cls.__name__: drawn[cls.__name__] for cls in APPLE_ERRORS} == {
        cls.__name__: str(cls.code) for cls in APPLE_ERRORS
    }


def test_the_docstring_draws_each_class_under_its_parent() -> None:
    assert errors.__doc__ is not None
    lines = errors.__doc__.splitlines()
    depth = {}
    for line in lines:
        if match := _TREE_LINE.search(line):
            depth[match.group(1)] = match.start()
    for cls in ERROR_CLASSES:
        if cls is SandboxError:
            continue
        parent = cls.__bases__[0].__name__
        if parent != "SandboxError":
            assert depth[cls.__name__] > depth[parent], cls.__name__


def test_one_class_per_apple_code() -> None:
    codes = [cls.code for cls in APPLE_ERRORS]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("cls", APPLE_ERRORS, ids=lambda cls: cls.__name__)
def test_apple_status_is_the_first_three_digits(cls: type[AppleError]) -> None:
    assert cls.status == cls.code // 10000


def test_errors_carry_no_headers_by_default() -> None:
    assert BadInput().headers == {}
    assert RealtimeUrlNotFound().headers == {}


def test_rate_limit_error_says_when_to_retry_in_unix_ms() -> None:
    assert RateLimitExceeded(retry_after_ms=1_900_000_000_123).headers == {
        "Retry-After": "1900000000123"
    }


def test_unauthorized_challenges_with_the_reason() -> None:
    challenge = Unauthorized('kid "x" unknown').headers["WWW-Authenticate"]
    assert challenge == 'Bearer error="invalid_token", error_description="kid \'x\' unknown"'


def test_admin_token_required_challenges_for_a_bearer_token() -> None:
    assert AdminTokenRequired().headers["WWW-Authenticate"].startswith("Bearer ")


# error_response


def test_apple_error_body_is_exactly_application_json() -> None:
    response = error_response(RateLimitExceeded(retry_after_ms=5, message="Slow down."))
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/json"
    assert response.headers["retry-after"] == "5"
    assert json.loads(bytes(response.body)) == {"errorCode": 4290000, "errorMessage": "Slow down."}


def test_unauthorized_has_no_body() -> None:
    response = error_response(Unauthorized("token expired"))
    assert response.status_code == 401
    assert response.body == b""
    assert "content-type" not in response.headers
    assert 'error_description="token expired"' in response.headers["www-authenticate"]


@pytest.mark.parametrize(
    ("error", "status"),
    [(BadInput("No."), 400), (Conflict("Taken."), 409), (AdminTokenRequired("Locked."), 401)],
)
def test_control_surface_error_body(error: SandboxError, status: int) -> None:
    response = error_response(error)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert json.loads(bytes(response.body)) == {"error": error.message}
    for name, value in error.headers.items():
        assert response.headers[name] == value


def test_internal_error_does_not_say_what_failed() -> None:
    response = error_response(InternalError())
    assert response.status_code == 500
    assert json.loads(bytes(response.body)) == {"error": "Internal error; see the server log."}


def test_routing_errors_are_plain_text_on_apples_surface() -> None:
    not_found = error_response(RouteNotFound("GET", "/nothing"))
    assert (not_found.status_code, not_found.body) == (404, b"Not Found: no route for GET /nothing")
    assert not_found.headers["content-type"].startswith("text/plain")
    wrong_method = error_response(MethodNotAllowed("POST", "/x", "GET, HEAD"))
    assert wrong_method.status_code == 405
    assert wrong_method.body == b"Method Not Allowed: POST /x; it takes GET, HEAD"
    assert wrong_method.headers["allow"] == "GET, HEAD"


def test_routing_errors_take_the_control_surfaces_shape_there() -> None:
    not_found = error_response(RouteNotFound("GET", "/_sandbox/v1/x"), control_surface=True)
    assert not_found.status_code == 404
    assert json.loads(bytes(not_found.body)) == {
        "error": "Not Found: no route for GET /_sandbox/v1/x"
    }
    wrong_method = error_response(
        MethodNotAllowed("PUT", "/_sandbox/v1/x", "GET"), control_surface=True
    )
    assert (wrong_method.status_code, wrong_method.headers["allow"]) == (405, "GET")
    assert wrong_method.headers["content-type"] == "application/json"
    assert json.loads(bytes(wrong_method.body)) == {
        "error": "Method Not Allowed: PUT /_sandbox/v1/x; it takes GET"
    }

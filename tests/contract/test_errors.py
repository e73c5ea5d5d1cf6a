"""Apple's error bodies on the real server (spec: error-codes.md).

A coded error is ``{"errorCode": int, "errorMessage": str}`` with ``Content-Type`` exactly
``application/json`` (Apple's Python client ignores the body otherwise); unknown routes are 404
without internals; a bad token wins over a bad body.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from appstoreserverlibrary.api_client import APIError, APIException
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest

from tests.sandbox_process import AppCredentials, SandboxProcess

PATH = "/inApps/v1/messaging/realtime/url"
_INTERNALS = ("Traceback", 'File "', "appstore_sandbox", "Exception", "Error:")


def _bearer(sandbox: SandboxProcess, app: AppCredentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {sandbox.apple_client(app)._generate_token()}"}


def _assert_apple_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"errorCode", "errorMessage"}
    assert body["errorCode"] == code
    assert isinstance(body["errorMessage"], str)
    assert body["errorMessage"].strip()
    return body


def _assert_no_internals(response: httpx.Response) -> None:
    for marker in _INTERNALS:
        assert marker not in response.text


@pytest.fixture
def app(sandbox: SandboxProcess) -> AppCredentials:
    return sandbox.new_app()


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"realtimeURL": ', b"[1, 2", b"\xff\xfe", b"\xff", b'{"realtimeURL": "\xff"}'],
    ids=["unquoted", "truncated", "unclosed-array", "utf16-bom", "not-utf8", "not-utf8-string"],
)
def test_malformed_json_is_4000000(
    sandbox: SandboxProcess, app: AppCredentials, content: bytes
) -> None:
    response = httpx.put(
        sandbox.url("/sandbox" + PATH),
        content=content,
        headers={**_bearer(sandbox, app), "Content-Type": "application/json"},
    )
    _assert_apple_error(response, 400, 4000000)
    _assert_no_internals(response)


@pytest.mark.parametrize(
    "body",
    [{"realtimeURL": 5}, {"realtimeURL": None}, {"realtimeURL": ["https://example.com/r"]}],
    ids=["int", "null", "list"],
)
def test_wrong_type_is_the_endpoints_own_error(
    sandbox: SandboxProcess, app: AppCredentials, body: dict[str, Any]
) -> None:
    response = httpx.put(sandbox.url("/sandbox" + PATH), json=body, headers=_bearer(sandbox, app))
    _assert_apple_error(response, 400, 4000215)


@pytest.mark.parametrize(
    "body", [{}, {"realtimeUrl": "https://example.com/r"}], ids=["empty", "misspelled"]
)
def test_missing_field_is_the_endpoints_own_error(
    sandbox: SandboxProcess, app: AppCredentials, body: dict[str, Any]
) -> None:
    # JSON that parses but isn't Configure Realtime URL's body: its own error, 4000215.
    response = httpx.put(sandbox.url("/sandbox" + PATH), json=body, headers=_bearer(sandbox, app))
    _assert_apple_error(response, 400, 4000215)


def test_rejected_body_changes_nothing(sandbox: SandboxProcess, app: AppCredentials) -> None:
    client = sandbox.apple_client(app)
    client.configure_realtime_url(RealtimeUrlRequest(realtimeURL="https://example.com/kept"))
    response = httpx.put(
        sandbox.url("/sandbox" + PATH), json={"realtimeURL": 5}, headers=_bearer(sandbox, app)
    )
    _assert_apple_error(response, 400, 4000215)
    assert client.get_realtime_url().realtimeURL == "https://example.com/kept"


def test_apple_client_parses_the_error_body(sandbox: SandboxProcess, app: AppCredentials) -> None:
    # The client reads errorCode/errorMessage only when the content type is exactly
    # application/json; otherwise api_error and error_message stay None.
    with pytest.raises(APIException) as raised:
        sandbox.apple_client(app).get_realtime_url()
    error = raised.value
    assert error.http_status_code == 404
    assert error.api_error == APIError.REALTIME_URL_NOT_FOUND
    assert error.raw_api_error == 4040021
    assert isinstance(error.error_message, str)
    assert error.error_message


def test_apple_client_parses_a_400_error_body(sandbox: SandboxProcess, app: AppCredentials) -> None:
    with pytest.raises(APIException) as raised:
        sandbox.apple_client(app).configure_realtime_url(
            RealtimeUrlRequest(realtimeURL="ftp://example.com/r")
        )
    assert raised.value.http_status_code == 400
    assert raised.value.api_error == APIError.BAD_REQUEST_REALTIME_URL
    assert raised.value.error_message


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sandbox/inApps/v1/nothing"),
        ("GET", "/production/inApps/v1/nothing"),
        ("GET", "/sandbox/inApps/v1/messaging/realtime"),
        ("GET", "/nothing"),
    ],
)
def test_unknown_route_is_404_without_internals(
    sandbox: SandboxProcess, app: AppCredentials, method: str, path: str
) -> None:
    response = httpx.request(method, sandbox.url(path), headers=_bearer(sandbox, app))
    assert response.status_code == 404
    _assert_no_internals(response)


def test_unknown_environment_prefix_is_404(sandbox: SandboxProcess, app: AppCredentials) -> None:
    response = httpx.get(sandbox.url("/staging" + PATH), headers=_bearer(sandbox, app))
    assert response.status_code == 404
    _assert_no_internals(response)
    # The same request on a real environment prefix reaches the endpoint.
    response = httpx.get(sandbox.url("/sandbox" + PATH), headers=_bearer(sandbox, app))
    _assert_apple_error(response, 404, 4040021)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"realtimeURL": 5}', "application/json"),
        (b"{}", "application/json"),
        (b"\x80abc", "application/json"),
        (b"{not json", "text/plain"),
    ],
    ids=["malformed-json", "wrong-type", "missing-field", "not-utf8", "not-json-content-type"],
)
def test_bad_token_wins_over_bad_body(
    sandbox: SandboxProcess, app: AppCredentials, content: bytes, content_type: str
) -> None:
    response = httpx.put(
        sandbox.url("/sandbox" + PATH),
        content=content,
        headers={"Authorization": "Bearer garbage", "Content-Type": content_type},
    )
    assert response.status_code == 401
    assert response.content == b""
    assert "content-type" not in response.headers
    assert "not a JWT" in response.headers["www-authenticate"]


def test_missing_token_wins_over_malformed_json(sandbox: SandboxProcess) -> None:
    response = httpx.put(
        sandbox.url("/sandbox" + PATH),
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 401
    assert response.content == b""
    assert "missing Authorization header" in response.headers["www-authenticate"]

"""Configure / Get / Delete Realtime URL through Apple's official Python client."""

from __future__ import annotations

import httpx
import pytest
from appstoreserverlibrary.api_client import APIError, APIException
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest

from tests.sandbox_process import SandboxProcess


def _raises(error: APIError, status: int) -> pytest.RaisesExc[APIException]:
    return pytest.raises(
        APIException,
        check=lambda e: e.http_status_code == status and e.api_error == error,
    )


def test_configure_get_delete_on_sandbox(sandbox: SandboxProcess) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    client.configure_realtime_url(RealtimeUrlRequest(realtimeURL="https://example.com/retention"))
    assert client.get_realtime_url().realtimeURL == "https://example.com/retention"

    client.configure_realtime_url(RealtimeUrlRequest(realtimeURL="https://example.com/v2"))
    assert client.get_realtime_url().realtimeURL == "https://example.com/v2"

    client.delete_realtime_url()
    with _raises(APIError.REALTIME_URL_NOT_FOUND, 404):
        client.get_realtime_url()


def test_get_without_configuration_is_4040021(sandbox: SandboxProcess) -> None:
    with _raises(APIError.REALTIME_URL_NOT_FOUND, 404):
        sandbox.apple_client(sandbox.new_app()).get_realtime_url()


def test_delete_without_configuration_succeeds(sandbox: SandboxProcess) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    client.delete_realtime_url()
    with _raises(APIError.REALTIME_URL_NOT_FOUND, 404):
        client.get_realtime_url()


def test_production_is_gated_until_a_performance_test_passed(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    production = sandbox.apple_client(app, "production")
    request = RealtimeUrlRequest(realtimeURL="https://example.com/prod")
    with _raises(APIError.FORBIDDEN_NO_PASSING_TEST, 403):
        production.configure_realtime_url(request)

    with sandbox.control() as control:
        control.put(
            f"/apps/{app.bundle_id}/performance-test-passed", json={"passed": True}
        ).raise_for_status()
    production.configure_realtime_url(request)
    assert production.get_realtime_url().realtimeURL == "https://example.com/prod"


def test_environments_are_separate(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    sandbox.apple_client(app, "sandbox").configure_realtime_url(
        RealtimeUrlRequest(realtimeURL="https://example.com/sandbox")
    )
    with _raises(APIError.REALTIME_URL_NOT_FOUND, 404):
        sandbox.apple_client(app, "production").get_realtime_url()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/retention",
        "example.com/retention",
        "/retention",
        "",
        "http://example.com/retention",  # plain http only for loopback hosts
        "https://exa mple.com:99999/",
    ],
)
def test_bad_urls_are_4000215(sandbox: SandboxProcess, url: str) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    with _raises(APIError.BAD_REQUEST_REALTIME_URL, 400):
        client.configure_realtime_url(RealtimeUrlRequest(realtimeURL=url))


def test_url_over_256_characters_is_4000215(sandbox: SandboxProcess) -> None:
    # Apple's client refuses such a URL itself, so it goes out as raw HTTP with the client's token.
    app = sandbox.new_app()
    token = sandbox.apple_client(app)._generate_token()
    response = httpx.put(
        sandbox.url("/sandbox/inApps/v1/messaging/realtime/url"),
        json={"realtimeURL": "https://example.com/" + "a" * 237},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errorCode"] == 4000215


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/" + "a" * 236,  # exactly 256 characters
        "http://localhost:8000/retention",
        "http://127.0.0.5:8000/retention",
        "http://[::1]:8000/retention",
    ],
)
def test_accepted_urls(sandbox: SandboxProcess, url: str) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    client.configure_realtime_url(RealtimeUrlRequest(realtimeURL=url))
    assert client.get_realtime_url().realtimeURL == url


def test_apps_do_not_see_each_other(sandbox: SandboxProcess) -> None:
    first, second = sandbox.new_app(), sandbox.new_app()
    sandbox.apple_client(first).configure_realtime_url(
        RealtimeUrlRequest(realtimeURL="https://first.example.com/r")
    )
    with _raises(APIError.REALTIME_URL_NOT_FOUND, 404):
        sandbox.apple_client(second).get_realtime_url()
    sandbox.apple_client(second).delete_realtime_url()
    assert sandbox.apple_client(first).get_realtime_url().realtimeURL == (
        "https://first.example.com/r"
    )

"""Bodies that don't validate, in process: each endpoint answers with Apple's error for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.in_process import InProcess, in_process


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("data")) as running:
        yield running


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("POST", "/sandbox/inApps/v1/messaging/performanceTest", 4000211),
        ("PUT", "/sandbox/inApps/v1/messaging/realtime/url", 4000215),
        ("PUT", "/production/inApps/v1/messaging/realtime/url", 4000215),
        ("PUT", "/sandbox/inApps/v1/messaging/default/com.example.app.monthly/en-US", 4000000),
    ],
)
def test_an_empty_body_gets_the_endpoints_own_error(
    running: InProcess, method: str, path: str, code: int
) -> None:
    response = running.client.request(method, path, json={}, headers=running.apple_headers())
    assert response.status_code == 400
    assert response.json()["errorCode"] == code


def test_json_that_does_not_parse_is_a_general_bad_request(running: InProcess) -> None:
    response = running.client.put(
        "/sandbox/inApps/v1/messaging/realtime/url",
        content=b'{"realtimeURL": ',
        headers={**running.apple_headers(), "Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()["errorCode"]) == (400, 4000000)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/production/inApps/v1/messaging/performanceTest"),
        ("GET", "/production/inApps/v1/messaging/performanceTest/result/abc"),
    ],
)
def test_the_performance_test_in_production_is_a_json_404(
    running: InProcess, method: str, path: str
) -> None:
    response = running.client.request(method, path, headers=running.apple_headers())
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errorCode"] == 4040018
    assert "sandbox environment only" in response.json()["errorMessage"]
    unauthenticated = running.client.request(method, path)
    assert unauthenticated.status_code == 401

"""The router's own refusals: a path with a trailing slash is not redirected (the redirect would
be built from the Host header the client sent) but a 404 that says why; an unknown route or a
wrong method is answered in the shape of its surface, a 405 with every method the path takes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.in_process import InProcess, in_process


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("routing")) as s:
        yield s


@pytest.mark.parametrize(
    "path", ["/_sandbox/v1/apps/", "/sandbox/inApps/v1/messaging/image/list/", "/_sandbox/v1/"]
)
def test_a_trailing_slash_is_a_404_not_a_redirect(tmp_path: Path, path: str) -> None:
    # A name the sandbox answers to (an unknown one gets 421 from the gate), not its own.
    with in_process(tmp_path, allowed_hosts="proxy.example") as sandbox:
        response = sandbox.client.get(
            path,
            headers={"Host": "proxy.example", **sandbox.apple_headers()},
            follow_redirects=False,
        )
    assert response.status_code == 404
    assert "location" not in response.headers
    assert "proxy.example" not in response.text
    message = f"Not Found: no route for GET {path} (routes have no trailing slash)"
    if path.startswith("/_sandbox/"):
        assert response.json() == {"error": message}
    else:
        assert response.text == message


def test_the_path_without_the_slash_answers(sandbox: InProcess) -> None:
    assert sandbox.client.get("/_sandbox/v1/apps").status_code == 200


def test_an_unknown_control_route_is_a_json_404(sandbox: InProcess) -> None:
    response = sandbox.client.get("/_sandbox/v1/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "Not Found: no route for GET /_sandbox/v1/nothing"}


def test_a_wrong_method_on_the_control_surface_is_a_json_405_with_allow(
    sandbox: InProcess,
) -> None:
    response = sandbox.client.post("/_sandbox/v1/apps/com.example.app")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/json"
    assert response.headers["allow"] == "DELETE, GET"
    assert response.json() == {
        "error": "Method Not Allowed: POST /_sandbox/v1/apps/com.example.app; it takes DELETE, GET"
    }


def test_apple_surface_routing_errors_stay_plain_text(sandbox: InProcess) -> None:
    headers = sandbox.apple_headers()
    unknown = sandbox.client.get("/sandbox/inApps/v1/nothing", headers=headers)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/plain")
    wrong_method = sandbox.client.patch(
        "/sandbox/inApps/v1/messaging/realtime/url", headers=headers
    )
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"].startswith("text/plain")
    assert wrong_method.headers["allow"] == "DELETE, GET, PUT"

"""A path with a trailing slash is not redirected (the redirect would be built from the Host
header the client sent): it is a 404 that says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.in_process import in_process


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
    assert response.text == f"Not Found: no route for GET {path} (routes have no trailing slash)"


def test_the_path_without_the_slash_answers(tmp_path: Path) -> None:
    with in_process(tmp_path) as sandbox:
        assert sandbox.client.get("/_sandbox/v1/apps").status_code == 200

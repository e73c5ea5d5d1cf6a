"""A 405's ``Allow`` lists every method the path takes, whichever route Starlette tried first."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.in_process import InProcess, in_process

_PARAMETER = re.compile(r"\{[^}]+\}")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("allow")) as s:
        yield s


def _documented_methods(sandbox: InProcess) -> dict[str, set[str]]:
    """Each documented path, its parameters filled in -> the methods of every documented
    operation whose path template it matches (``.../notifications/test`` is also a token)."""
    paths = sandbox.app.openapi()["paths"]
    templates = {_template(path): operations for path, operations in paths.items()}
    filled = {_PARAMETER.sub("x", path) for path in paths}
    return {
        path: {
            m.upper() for pattern, ops in templates.items() if pattern.fullmatch(path) for m in ops
        }
        for path in filled
    }


def _template(path: str) -> re.Pattern[str]:
    return re.compile("[^/]+".join(re.escape(part) for part in _PARAMETER.split(path)))


def test_every_path_answers_405_with_all_its_methods(sandbox: InProcess) -> None:
    paths = _documented_methods(sandbox)
    assert len(paths) > 60
    headers = sandbox.apple_headers()
    wrong = []
    for path, methods in sorted(paths.items()):
        method = next(m for m in ("PATCH", "TRACE", "PUT", "POST") if m not in methods)
        response = sandbox.client.request(method, path, headers=headers)
        allow = response.headers.get("allow")
        if response.status_code != 405 or allow != ", ".join(sorted(methods)):
            wrong.append((method, path, response.status_code, allow))
    assert wrong == []


def test_a_path_with_get_and_delete_routes_allows_both(sandbox: InProcess) -> None:
    response = sandbox.client.post("/_sandbox/v1/apps/com.example.app")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"
    assert response.json()["error"].startswith("Method Not Allowed: POST ")


def test_a_route_outside_the_api_keeps_its_methods(sandbox: InProcess) -> None:
    response = sandbox.client.post("/openapi.json")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"

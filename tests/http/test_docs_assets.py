"""/docs works offline: every script, stylesheet and icon the page loads comes from this server,
without a token, with the content type a browser needs to use it."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.in_process import LOCAL_URL, InProcess, in_process

_CONTENT_TYPES = {
    ".js": {"text/javascript", "application/javascript"},
    ".css": {"text/css"},
    ".png": {"image/png"},
}


class _Assets(HTMLParser):
    """The URLs a page loads: ``<script src>`` and ``<link href>``."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def _assets_of(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    # Every test here only reads; one sandbox serves them all.
    with in_process(tmp_path_factory.mktemp("docs")) as sandbox:
        yield sandbox


def test_docs_loads_a_script_a_stylesheet_and_an_icon_from_this_server(sandbox: InProcess) -> None:
    response = sandbox.client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = _assets_of(response.text)
    assert {Path(urlsplit(url).path).suffix for url in urls} == {".js", ".css", ".png"}
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"/docs loads {url} from another host"
        assert parts.path.startswith("/docs/assets/"), url


def test_each_asset_answers_without_a_token_with_its_content_type(sandbox: InProcess) -> None:
    for url in _assets_of(sandbox.client.get("/docs").text):
        response = sandbox.client.get(url)
        assert response.status_code == 200, url
        content_type = response.headers["content-type"].split(";")[0]
        assert content_type in _CONTENT_TYPES[Path(url).suffix], (url, content_type)
        assert response.content, url


def test_the_script_is_swagger_ui_and_the_page_reads_the_served_document(
    sandbox: InProcess,
) -> None:
    page = sandbox.client.get("/docs").text
    [script] = [url for url in _assets_of(page) if url.endswith(".js")]
    assert b"SwaggerUIBundle" in sandbox.client.get(script).content
    assert "url: '/openapi.json'" in page
    assert sandbox.client.get("/openapi.json").status_code == 200


def test_behind_a_proxy_prefix_the_page_loads_everything_under_it(sandbox: InProcess) -> None:
    behind = TestClient(sandbox.app, base_url=LOCAL_URL, root_path="/appstore")
    page = behind.get("/docs").text
    assert all(url.startswith("/appstore/docs/assets/") for url in _assets_of(page))
    assert "url: '/appstore/openapi.json'" in page


def test_a_missing_asset_is_a_plain_404(sandbox: InProcess) -> None:
    response = sandbox.client.get("/docs/assets/nothing.js")
    assert response.status_code == 404

"""``GET /`` says where to start: base URLs, the default app and its key id, the first commands;
HTML for a browser, JSON when asked. A locked sandbox keeps what its lock protects off the page,
and the gate keeps other sites' pages from reading it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.sandbox import default_credentials
from tests.in_process import LOCAL_URL, InProcess, in_process

JSON = {"Accept": "application/json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TOKEN = "s3cret-admin-token"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("home")) as s:
        yield s


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("home-locked"), admin_token=TOKEN) as s:
        yield s


def _secrets(sandbox: InProcess) -> tuple[str, str, str]:
    """What the admin token locks: the default app's bundle id, issuer id and key id."""
    credentials = default_credentials(sandbox.sandbox)
    assert credentials is not None
    return credentials.bundle_id, credentials.issuer_id, credentials.key_id


def test_a_browser_gets_a_page_with_the_base_urls_the_default_app_and_commands(
    sandbox: InProcess,
) -> None:
    response = sandbox.client.get("/", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    for url in ("/sandbox", "/production", "/_sandbox/v1", "/docs", "/openapi.json"):
        assert f"<code>{LOCAL_URL}{url}</code>" in page
    assert '<a href="/docs">' in page
    for value in _secrets(sandbox):
        assert f"<code>{value}</code>" in page
    assert "<code>appstore-sandbox perf-test --url http://127.0.0.1:8000/retention</code>" in page
    assert "PRIVATE KEY" not in page


def test_json_when_asked_for(sandbox: InProcess) -> None:
    response = sandbox.client.get("/", headers=JSON)
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    bundle_id, issuer_id, key_id = _secrets(sandbox)
    assert body["sandboxUrl"] == f"{LOCAL_URL}/sandbox"
    assert body["productionUrl"] == f"{LOCAL_URL}/production"
    assert body["controlUrl"] == f"{LOCAL_URL}/_sandbox/v1"
    assert body["docsUrl"] == f"{LOCAL_URL}/docs"
    assert body["locked"] is False
    assert body["defaultApp"] == {"bundleId": bundle_id, "issuerId": issuer_id, "keyId": key_id}
    commands = [command["command"] for command in body["commands"]]
    assert commands[0] == f"export APPSTORE_SANDBOX_SERVER={LOCAL_URL}"
    assert "appstore-sandbox perf-test --url http://127.0.0.1:8000/retention" in commands
    assert "PRIVATE KEY" not in response.text


def test_the_page_is_not_in_the_openapi_document(sandbox: InProcess) -> None:
    assert "/" not in sandbox.client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("accept", [JSON, BROWSER])
def test_a_locked_sandbox_leaves_out_what_its_lock_protects(
    locked: InProcess, accept: dict[str, str]
) -> None:
    response = locked.client.get("/", headers=accept)
    assert response.status_code == 200
    assert f"{LOCAL_URL}/sandbox" in response.text
    assert "export APPSTORE_SANDBOX_ADMIN_TOKEN=TOKEN" in response.text
    for value in _secrets(locked):
        assert value not in response.text
    assert locked.client.get("/_sandbox/v1/env").status_code == 401  # what the lock protects


def test_a_locked_sandbox_shows_the_default_app_with_its_token(locked: InProcess) -> None:
    response = locked.client.get("/", headers={"Authorization": f"Bearer {TOKEN}", **JSON})
    body = response.json()
    assert body["locked"] is True
    assert body["defaultApp"]["keyId"] == _secrets(locked)[2]
    wrong = locked.client.get("/", headers={"Authorization": "Bearer wrong", **JSON})
    assert wrong.status_code == 200 and wrong.json()["defaultApp"] is None


def test_other_sites_pages_cannot_read_it(sandbox: InProcess) -> None:
    rebinding = sandbox.client.get("/", headers={"Host": "evil.example"})
    assert rebinding.status_code == 421
    cross_origin = sandbox.client.get("/", headers={"Origin": "http://evil.example"})
    assert cross_origin.status_code == 403
    for response in (rebinding, cross_origin):
        assert _secrets(sandbox)[2] not in response.text


def test_without_the_default_key_the_page_says_how_to_get_it_back(tmp_path: Path) -> None:
    with in_process(tmp_path) as sandbox:
        key_id = _secrets(sandbox)[2]
        keys = f"/_sandbox/v1/apps/{DEFAULT_BUNDLE_ID}/keys/{key_id}"
        assert sandbox.client.delete(keys).status_code == 204
        assert sandbox.client.get("/", headers=JSON).json()["defaultApp"] is None
        page = sandbox.client.get("/").text
    assert key_id not in page
    assert "<code>appstore-sandbox reset</code> brings them back" in page

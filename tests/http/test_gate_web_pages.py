"""The gate refuses what only a web page sends: a foreign Origin, a body a page may post across
sites without asking (text/plain, a form, multipart), and a Host that a DNS-rebinding page
brings; curl, httpx and Apple's clients (no Origin, JSON bodies, the sandbox's own name) pass."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient

from appstore_sandbox.config import Settings
from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from tests.in_process import LOCAL_URL, InProcess, in_process

EVIL = "http://evil.example"
RESET = "/_sandbox/v1/reset"
KEYS = f"/_sandbox/v1/apps/{DEFAULT_BUNDLE_ID}/keys"
APPS = "/_sandbox/v1/apps"
HISTORY = "/sandbox/inApps/v1/notifications/history"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    # One for the module: every test either is refused (and checks nothing changed) or only reads.
    with in_process(tmp_path_factory.mktemp("web-pages")) as s:
        s.client.post(APPS, json={"bundleId": "com.example.kept"}).raise_for_status()
        yield s


def _state(sandbox: InProcess) -> tuple[list[str], list[str]]:
    apps = sandbox.client.get(APPS).json()["apps"]
    keys = sandbox.client.get(KEYS).json()["keys"]
    return sorted(app["bundleId"] for app in apps), sorted(key["keyId"] for key in keys)


SIMPLE_BODIES = ["text-plain", "form", "multipart"]


def _post_simple(
    client: TestClient, path: str, kind: str, headers: dict[str, str]
) -> httpx2.Response:
    """What a web page may post to any site without the browser asking that site first."""
    if kind == "text-plain":
        return client.post(path, content=b"{}", headers={"Content-Type": "text/plain", **headers})
    if kind == "form":
        return client.post(path, data={"keepKeys": "false"}, headers=headers)
    return client.post(path, files={"keepKeys": ("x", b"false")}, headers=headers)


@pytest.mark.parametrize("path", [RESET, KEYS])
@pytest.mark.parametrize("kind", SIMPLE_BODIES)
def test_a_cross_site_simple_post_is_refused_and_changes_nothing(
    sandbox: InProcess, path: str, kind: str
) -> None:
    before = _state(sandbox)
    response = _post_simple(sandbox.client, path, kind, {"Origin": EVIL})
    assert response.status_code == 403
    assert set(response.json()) == {"error"}
    assert "allowed_origins" in response.json()["error"]
    assert _state(sandbox) == before


@pytest.mark.parametrize("path", [RESET, KEYS])
def test_a_simple_body_without_origin_is_415_and_changes_nothing(
    sandbox: InProcess, path: str
) -> None:
    before = _state(sandbox)
    for kind in SIMPLE_BODIES:
        response = _post_simple(sandbox.client, path, kind, {})
        assert response.status_code == 415, kind
        assert set(response.json()) == {"error"}
        assert "application/json" in response.json()["error"]
    assert _state(sandbox) == before


def test_json_bodies_with_parameters_and_bodiless_posts_pass(sandbox: InProcess) -> None:
    charset = {"Content-Type": "application/json; charset=utf-8"}
    response = sandbox.client.post(RESET, content=b'{"keepKeys": true}', headers=charset)
    assert response.status_code == 200
    assert sandbox.client.post(RESET).status_code == 200
    assert sandbox.client.post(KEYS).status_code == 201


def test_a_foreign_origin_is_refused_on_both_surfaces_even_for_a_get(sandbox: InProcess) -> None:
    for origin in (EVIL, "null", "http://127.0.0.1:9999", "https://127.0.0.1:8080"):
        control = sandbox.client.get(APPS, headers={"Origin": origin})
        assert control.status_code == 403, origin
        assert set(control.json()) == {"error"}
        apple = sandbox.client.get(HISTORY, headers={"Origin": origin})
        assert apple.status_code == 403, origin
        assert apple.json()["errorCode"] == 4030000


def test_the_own_origin_and_no_origin_pass(sandbox: InProcess) -> None:
    for headers in (
        {},
        {"Origin": LOCAL_URL},
        {"Origin": "http://localhost:8080", "Host": "localhost:8080"},
    ):
        response = sandbox.client.post(KEYS, headers=headers)
        assert response.status_code == 201, headers
    apple = sandbox.client.get(HISTORY, headers={"Origin": LOCAL_URL, **sandbox.apple_headers()})
    assert apple.status_code != 403


def test_a_rebinding_host_is_refused_on_both_surfaces(sandbox: InProcess) -> None:
    rebound = {"Host": "evil.example:8080"}
    control = sandbox.client.get(f"{KEYS}", headers=rebound)
    assert control.status_code == 421
    assert set(control.json()) == {"error"}
    assert "allowed_hosts" in control.json()["error"]
    apple = sandbox.client.get(HISTORY, headers={**rebound, **sandbox.apple_headers()})
    assert apple.status_code == 421
    assert apple.json()["errorCode"] == 4210000
    # Even same-origin to itself: the page's origin is evil.example's.
    own = sandbox.client.post(RESET, headers={**rebound, "Origin": "http://evil.example:8080"})
    assert own.status_code == 421


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8080", "127.0.0.1:8080", "[::1]:8080", "127.0.0.2"]
)
def test_loopback_names_are_answered(sandbox: InProcess, host: str) -> None:
    assert sandbox.client.get(APPS, headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "localhost.evil.example", "10.0.0.1:8080", "a b", "x@127.0.0.1"]
)
def test_other_names_are_refused_on_loopback(sandbox: InProcess, host: str) -> None:
    assert sandbox.client.get(APPS, headers={"Host": host}).status_code == 421


def test_allowed_hosts_and_origins_admit(tmp_path: Path) -> None:
    with in_process(
        tmp_path,
        allowed_hosts="sandbox.internal, proxy.example:443",
        allowed_origins="http://localhost:5173",
    ) as s:
        for host in ("sandbox.internal", "sandbox.internal:8080", "proxy.example"):
            assert s.client.get(APPS, headers={"Host": host}).status_code == 200, host
        assert s.client.get(APPS, headers={"Host": "evil.example"}).status_code == 421
        own = {"Host": "sandbox.internal:8080", "Origin": "http://sandbox.internal:8080"}
        assert s.client.post(KEYS, headers=own).status_code == 201
        dev_server = {"Origin": "http://localhost:5173"}
        assert s.client.post(KEYS, headers=dev_server).status_code == 201
        assert s.client.post(KEYS, headers={"Origin": "http://localhost:5174"}).status_code == 403


def test_allowed_hosts_star_answers_any_name(tmp_path: Path) -> None:
    with in_process(tmp_path, allowed_hosts="*") as s:
        assert s.client.get(APPS, headers={"Host": "anything.example"}).status_code == 200


def test_every_interface_answers_addresses_and_local_names_only(tmp_path: Path) -> None:
    with in_process(tmp_path, host="0.0.0.0") as s:
        for host in ("10.1.2.3:8080", "localhost", socket.gethostname(), "[fd00::5]:8080"):
            assert s.client.get(APPS, headers={"Host": host}).status_code == 200, host
        assert s.client.get(APPS, headers={"Host": "evil.example"}).status_code == 421


def test_env_urls_come_from_the_listening_address_not_the_host(sandbox: InProcess) -> None:
    values = sandbox.client.get("/_sandbox/v1/env", headers={"Host": "localhost:9999"}).json()
    assert values["sandboxUrl"] == f"{LOCAL_URL}/sandbox"
    assert values["controlUrl"] == f"{LOCAL_URL}/_sandbox/v1"


def test_the_apple_image_upload_still_takes_png(sandbox: InProcess) -> None:
    response = sandbox.client.put(
        "/sandbox/inApps/v1/messaging/image/6a5e1c3e-3ab4-4d1d-9a8a-3b1f3f6c2c10",
        content=b"not a png",
        headers={"Content-Type": "image/png", **sandbox.apple_headers()},
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == 4000161


@pytest.mark.parametrize("origin", ["localhost:5173", "ftp://x", "http://x/path", "null"])
def test_an_allowed_origin_that_is_no_origin_is_refused_at_start(origin: str) -> None:
    with pytest.raises(ValueError, match="allowed_origins"):
        Settings(allowed_origins=f"http://localhost:5173,{origin}")

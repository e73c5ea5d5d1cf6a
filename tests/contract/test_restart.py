"""State lives in the data dir and database: a restarted server is the same sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from appstoreserverlibrary.api_client import APIError, APIException
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest

from tests.conftest import StartSandbox
from tests.sandbox_process import SandboxProcess

REALTIME_URL = "https://example.com/retention"


def _get(process: SandboxProcess, path: str) -> Any:
    with process.control() as control:
        return control.get(path).raise_for_status().json()


@pytest.fixture(scope="module")
def own(start_module_sandbox: StartSandbox) -> SandboxProcess:
    """A server of this module's own, with nothing but what a first start creates."""
    return start_module_sandbox()


@pytest.fixture
def process(own: SandboxProcess) -> SandboxProcess:
    """This module's server, running (a test here may have stopped it)."""
    return own if own.running else own.start()


def test_state_survives_a_restart(process: SandboxProcess) -> None:
    default_purchases = _get(process, "/apps/com.example.app/purchases")["purchases"]
    assert [p["originalTransactionId"] for p in default_purchases] == [
        process.banner["original_transaction_id"]
    ]

    process.apple_client().configure_realtime_url(RealtimeUrlRequest(realtimeURL=REALTIME_URL))
    app = process.new_app()
    with process.control() as control:
        purchase = (
            control.post(f"/apps/{app.bundle_id}/purchases", json={"familyShared": True})
            .raise_for_status()
            .json()
        )
    banner_before = dict(process.banner)
    root_before = process.root_der
    private_key_before = process.private_key

    process.restart()

    banner_after = dict(process.banner)
    for name in ("bundle_id", "app_apple_id", "issuer_id", "key_id", "original_transaction_id"):
        assert banner_after[name] == banner_before[name], name
    assert process.root_der == root_before
    with process.control() as control:
        assert control.get("/certificates/root").content == root_before
    assert process.private_key == private_key_before

    assert process.apple_client().get_realtime_url().realtimeURL == REALTIME_URL

    bundle_ids = [a["bundleId"] for a in _get(process, "/apps")["apps"]]
    assert bundle_ids == ["com.example.app", app.bundle_id]
    keys = _get(process, f"/apps/{app.bundle_id}/keys")["keys"]
    assert [(k["keyId"], k["issuerId"]) for k in keys] == [(app.key_id, app.issuer_id)]
    assert _get(process, f"/apps/{app.bundle_id}/purchases")["purchases"] == [purchase]

    # The key created before the restart still authenticates: auth passes, nothing configured.
    with pytest.raises(APIException) as raised:
        process.apple_client(app).get_realtime_url()
    assert raised.value.http_status_code == 404
    assert raised.value.api_error == APIError.REALTIME_URL_NOT_FOUND


def test_sigterm_stops_the_server_cleanly(process: SandboxProcess) -> None:
    process.apple_client().configure_realtime_url(RealtimeUrlRequest(realtimeURL=REALTIME_URL))

    stopped = process.stop()

    assert stopped is not None
    assert stopped.returncode == 0, stopped.output
    assert "Traceback" not in stopped.output
    assert process.stop() is None

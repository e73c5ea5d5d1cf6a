"""Reset through the CLI and the control surface, checked through Apple's client: every kind of
state is gone, the defaults are back, keys kept or not, refused while a test runs unless forced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from appstoreserverlibrary.api_client import APIError, APIException
from appstoreserverlibrary.models.DefaultConfigurationRequest import DefaultConfigurationRequest
from appstoreserverlibrary.models.NotificationHistoryRequest import NotificationHistoryRequest
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest

from tests.cli.running import run_cli
from tests.conftest import StartSandbox
from tests.contract.notification_helpers import now_ms, set_url, wait_for_attempts
from tests.contract.performance_subjects import subject_for
from tests.contract.retention_client import (
    image_items,
    message_items,
    raises,
    upload_full_size,
    upload_text_message,
)
from tests.receivers import receiver
from tests.sandbox_process import SandboxProcess
from tests.targets import target_server

DAY_S = 86_400


def _get(sandbox: SandboxProcess, path: str) -> Any:
    with sandbox.control() as control:
        return control.get(path).raise_for_status().json()


def _fill(sandbox: SandboxProcess) -> str:
    """State of every kind, on the default app and on another; the other app's bundle id."""
    client = sandbox.apple_client()
    upload_full_size(client)
    message = upload_text_message(client)
    product = f"{sandbox.default_app.bundle_id}.monthly"
    client.configure_default_message(
        product, "en-US", DefaultConfigurationRequest(messageIdentifier=message)
    )
    client.configure_realtime_url(RealtimeUrlRequest(realtimeURL="https://example.com/retention"))
    with receiver(200) as inbox:
        set_url(sandbox, sandbox.default_app, inbox.url)
        token = client.request_test_notification().testNotificationToken
        assert token
        wait_for_attempts(client, token)
    with target_server("ok") as url:
        subject = subject_for(sandbox, url)
        subject.wait(subject.initiate())
    with sandbox.control() as control:
        bundle = sandbox.default_app.bundle_id
        control.post(f"/apps/{bundle}/purchases", json={}).raise_for_status()
        settings = {"renewalDurations": "real", "bundleVersion": "7.1"}
        control.put(f"/apps/{bundle}/subscription-settings", json=settings).raise_for_status()
        control.post("/clock/advance", json={"seconds": DAY_S}).raise_for_status()
    return subject.app.bundle_id


@pytest.fixture(scope="module")
def sandbox(start_module_sandbox: StartSandbox) -> SandboxProcess:
    """One sandbox for the module, each test leaving it reset; the test that drops the default
    key (which the banner names) comes last."""
    return start_module_sandbox()


def test_every_kind_of_state_goes_and_the_defaults_come_back(sandbox: SandboxProcess) -> None:
    before = sandbox.apple_client()  # made before the reset: its key must still work after
    other = _fill(sandbox)
    bundle = sandbox.default_app.bundle_id
    bought = [p["transactionId"] for p in _get(sandbox, f"/apps/{bundle}/purchases")["purchases"]]
    images_dir = sandbox.data_dir / "images"
    assert any(images_dir.rglob("*.png"))

    result = run_cli("reset", "--json", server=sandbox.base_url)

    assert result.returncode == 0, result.stderr
    assert result.json() == {"appsRemoved": 2, "runsInterrupted": 0, "keysKept": True}
    [app] = _get(sandbox, "/apps")["apps"]
    default = sandbox.default_app
    assert (app["bundleId"], app["appAppleId"]) == (default.bundle_id, default.app_apple_id)
    assert [key["keyId"] for key in _get(sandbox, f"/apps/{default.bundle_id}/keys")["keys"]] == [
        default.key_id
    ]
    assert len(_get(sandbox, f"/apps/{default.bundle_id}/purchases")["purchases"]) == 1
    assert _get(sandbox, "/clock")["offsetMs"] == 0
    settings = _get(sandbox, f"/apps/{bundle}/subscription-settings")
    assert settings == {"renewalDurations": "sandbox", "bundleVersion": "1.0"}
    for transaction_id in bought:  # the subscriptions and every transaction of theirs
        with raises(APIError.TRANSACTION_ID_NOT_FOUND, 404):
            before.get_transaction_info(transaction_id)
    with sandbox.control() as control:
        assert control.get(f"/apps/{other}").status_code == 404
    assert image_items(before) == [] and message_items(before) == []
    assert not any(images_dir.rglob("*.png"))
    with raises(APIError.REALTIME_URL_NOT_FOUND, 404):
        before.get_realtime_url()
    with raises(APIError.DEFAULT_MESSAGE_NOT_FOUND, 404):
        before.get_default_message(f"{default.bundle_id}.monthly", "en-US")
    history = before.get_notification_history(
        None, NotificationHistoryRequest(startDate=now_ms() - DAY_S * 1000, endDate=now_ms())
    )
    assert history.notificationHistory == []
    with raises(APIError.SERVER_NOTIFICATION_URL_NOT_FOUND, 404):
        before.request_test_notification()


def test_refused_while_a_test_runs_unless_forced(sandbox: SandboxProcess) -> None:
    with target_server("slow") as url:
        subject = subject_for(sandbox, url, totalRequests=200, totalDuration=30_000, rate="even")
        subject.initiate()
        refused = run_cli("reset", server=sandbox.base_url)
        assert refused.returncode == 2
        assert refused.stderr == (
            "error: 1 performance test(s) running; wait for them to finish, or reset with force "
            "(they end FAIL).\n"
        )
        forced = run_cli("reset", "--force", "--json", server=sandbox.base_url)
    assert forced.returncode == 0, forced.stderr
    assert forced.json()["runsInterrupted"] == 1
    assert _get(sandbox, "/apps")["apps"][0]["bundleId"] == sandbox.default_app.bundle_id


def test_drop_keys_makes_a_new_default_key(sandbox: SandboxProcess) -> None:
    default, key_file = sandbox.default_app, Path(sandbox.banner["key_file"])
    before = sandbox.apple_client(default)
    result = run_cli("reset", "--drop-keys", server=sandbox.base_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "reset: 1 app(s) removed, defaults back (new default key)\n"
    [key] = _get(sandbox, f"/apps/{default.bundle_id}/keys")["keys"]
    assert key["keyId"] != default.key_id
    assert not key_file.exists()
    assert (key_file.parent / f"SubscriptionKey_{key['keyId']}.p8").exists()
    with pytest.raises(APIException) as raised:
        before.get_image_list()
    assert raised.value.http_status_code == 401

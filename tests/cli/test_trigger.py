"""``appstore-sandbox trigger`` against a running sandbox: the change, and one-line refusals."""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

from tests.cli.running import assert_one_line_error, run_cli
from tests.receivers import receiver
from tests.sandbox_process import SandboxProcess


def test_trigger_defaults_to_the_most_recent_purchase_and_says_what_it_did(
    sandbox: SandboxProcess,
) -> None:
    app = sandbox.new_app()
    server = sandbox.base_url
    run_cli("purchases", "create", "--bundle-id", app.bundle_id, server=server)
    newest = run_cli("purchases", "create", "--bundle-id", app.bundle_id, "--json", server=server)

    result = run_cli("trigger", "cancel", "--bundle-id", app.bundle_id, server=server)

    assert result.returncode == 0, result.stderr
    original_id = newest.json()["originalTransactionId"]
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        f"cancel: {original_id} ({app.bundle_id}.monthly)",
        "  changed: auto-renew on → off",
    ]
    assert lines[2].startswith(f"  now: ACTIVE, auto-renew off, latest transactionId {original_id}")
    # The app has no notification URL: Apple's notification is named, and why it went nowhere.
    assert lines[3] == (
        "  notification: DID_CHANGE_RENEWAL_STATUS (AUTO_RENEW_DISABLED) not sent: no sandbox "
        f"notification URL set (appstore-sandbox apps set-notification-url --bundle-id "
        f"{app.bundle_id} --environment sandbox --url URL)"
    )
    assert lines[4:] == ["  later: EXPIRED (VOLUNTARY) when the period ends"]
    listed = run_cli("purchases", "list", "--bundle-id", app.bundle_id, "--json", server=server)
    auto_renew = {p["originalTransactionId"]: p["autoRenew"] for p in listed.json()["purchases"]}
    assert sorted(auto_renew.values()) == [False, True] and auto_renew[original_id] is False
    human = run_cli("purchases", "list", "--bundle-id", app.bundle_id, server=server)
    [line] = [line for line in human.stdout.splitlines() if line.startswith(original_id)]
    assert re.fullmatch(
        rf"{original_id}  {app.bundle_id}\.monthly  ACTIVE  auto-renew off  expires \S+Z  "
        r"renewals 0",
        line,
    )


def test_trigger_names_the_notifications_it_sent_and_where(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    server = sandbox.base_url
    bought = run_cli("purchases", "create", "--bundle-id", app.bundle_id, "--json", server=server)
    original_id = bought.json()["originalTransactionId"]
    with receiver() as inbox:
        set_url = ("apps", "set-notification-url", "--bundle-id", app.bundle_id, "--url", inbox.url)
        assert run_cli(*set_url, server=server).returncode == 0

        result = run_cli("trigger", "renew", "--bundle-id", app.bundle_id, server=server)

        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == f"renew: {original_id} ({app.bundle_id}.monthly)"
        assert re.fullmatch(
            rf"  changed: latest transactionId {original_id} → \d+; expires \S+Z → \S+Z; "
            r"renewals 0 → 1",
            lines[1],
        ), lines[1]
        assert lines[3:] == [
            f"  notification: DID_RENEW sent to {inbox.url} (sandbox)",
            f"  see their delivery: appstore-sandbox notify history --bundle-id {app.bundle_id}",
        ]
        deadline = time.monotonic() + 30
        while inbox.count == 0:
            assert time.monotonic() < deadline, "the DID_RENEW never arrived"
            time.sleep(0.05)
    [delivered] = inbox.bodies
    assert _payload(delivered["signedPayload"])["notificationType"] == "DID_RENEW"


def test_trigger_json_is_one_object_with_the_change_and_the_notifications(
    sandbox: SandboxProcess,
) -> None:
    app = sandbox.new_app()
    server = sandbox.base_url
    run_cli("purchases", "create", "--bundle-id", app.bundle_id, server=server)
    with receiver() as inbox:
        set_url = ("apps", "set-notification-url", "--bundle-id", app.bundle_id, "--url", inbox.url)
        assert run_cli(*set_url, server=server).returncode == 0
        result = run_cli("trigger", "refund", "--bundle-id", app.bundle_id, "--json", server=server)
        body = result.json()
        deadline = time.monotonic() + 30
        while inbox.count == 0:
            assert time.monotonic() < deadline, "the REFUND never arrived"
            time.sleep(0.05)

    assert body["action"] == "refund"
    assert body["status"] == "REVOKED"
    assert {"field": "status", "before": "ACTIVE", "after": "REVOKED"} in body["changes"]
    [notification] = body["notifications"]
    sent = _payload(inbox.bodies[0]["signedPayload"])
    assert notification == {
        "notificationType": "REFUND",
        "subtype": None,
        "environment": "sandbox",
        "url": inbox.url,
        "notificationUUID": sent["notificationUUID"],
    }


def test_a_billing_failure_says_it_changed_the_next_renewal(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    server = sandbox.base_url
    run_cli("purchases", "create", "--bundle-id", app.bundle_id, server=server)
    result = run_cli(
        "trigger", "billing-failure", "--grace-period", "--bundle-id", app.bundle_id, server=server
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == "  changed: next renewal fails into none → BILLING_GRACE_PERIOD"
    assert "  notifications: none now" in lines
    assert lines[-1].startswith("  later: DID_FAIL_TO_RENEW when the period ends")


def _payload(jws: str) -> dict[str, Any]:
    """The payload of a JWS the sandbox signed (its signature is the contract tests' concern)."""
    part = jws.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def test_trigger_refusals_are_one_line(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    server = sandbox.base_url
    no_purchase = run_cli("trigger", "refund", "--bundle-id", app.bundle_id, server=server)
    assert_one_line_error(no_purchase, contains="has no sandbox purchase; buy one with")

    run_cli("purchases", "create", "--bundle-id", app.bundle_id, server=server)
    upgrade = run_cli("trigger", "upgrade", "--bundle-id", app.bundle_id, server=server)
    assert_one_line_error(upgrade, contains="upgrade and downgrade need the productId")
    recovery = run_cli("trigger", "billing-recovery", "--bundle-id", app.bundle_id, server=server)
    assert_one_line_error(recovery, contains="is not in billing retry (ACTIVE)")
    unknown = run_cli("trigger", "explode", server=server)
    assert unknown.returncode == 2 and "'explode' is not one of 'cancel'" in unknown.stderr

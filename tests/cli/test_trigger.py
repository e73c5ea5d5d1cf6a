"""``appstore-sandbox trigger`` against a running sandbox: the change, and one-line refusals."""

from __future__ import annotations

import re

from tests.cli.running import assert_one_line_error, run_cli
from tests.sandbox_process import SandboxProcess


def test_trigger_defaults_to_the_most_recent_purchase_and_says_what_follows(
    sandbox: SandboxProcess,
) -> None:
    app = sandbox.new_app()
    server = sandbox.base_url
    run_cli("purchases", "create", "--bundle-id", app.bundle_id, server=server)
    newest = run_cli("purchases", "create", "--bundle-id", app.bundle_id, "--json", server=server)

    result = run_cli("trigger", "cancel", "--bundle-id", app.bundle_id, server=server)

    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert lines[0].startswith("cancel: auto-renew off: DID_CHANGE_RENEWAL_STATUS")
    original_id = newest.json()["originalTransactionId"]
    assert lines[1].startswith(f"{original_id}  {app.bundle_id}.monthly  ACTIVE  auto-renew off")
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

"""What a new user ran into, each now a clear answer: one line and exit 2 for a mistake, a line
that says "none" for an empty list, and a renewal that moves the expiry."""

from __future__ import annotations

import pytest

from tests.cli.running import assert_one_line_error, run_cli
from tests.sandbox_process import SandboxProcess


def test_perf_test_refuses_a_junit_path_before_running(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    result = run_cli(
        "perf-test", "--bundle-id", app.bundle_id, "--url", "http://127.0.0.1:9/retention",
        "--junit", "/missing/dir/r.xml", server=sandbox.base_url,
    )  # fmt: skip
    assert_one_line_error(result, contains="its folder /missing/dir does not exist")


def test_perf_test_names_the_url_rule(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    run_cli("purchases", "create", "--bundle-id", app.bundle_id, server=sandbox.base_url)
    result = run_cli(
        "perf-test", "--bundle-id", app.bundle_id, "--url", "ftp://x", "--no-wait",
        server=sandbox.base_url,
    )  # fmt: skip
    assert_one_line_error(result, contains="https:// (or http:// to a loopback host)")


def test_set_performance_test_needs_a_flag(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    result = run_cli(
        "apps", "set-performance-test", "--bundle-id", app.bundle_id, server=sandbox.base_url
    )
    assert_one_line_error(result, contains="--passed (opens the production URL) or --not-passed")
    listed = run_cli("apps", "list", "--json", server=sandbox.base_url).json()["apps"]
    [mine] = [item for item in listed if item["bundleId"] == app.bundle_id]
    assert not mine["performanceTestPassed"]


def test_empty_lists_say_so(sandbox: SandboxProcess) -> None:
    bundle_id = f"{sandbox.new_app().bundle_id}.bare"
    run_cli("apps", "create", "--bundle-id", bundle_id, server=sandbox.base_url)
    keys = run_cli("keys", "list", "--bundle-id", bundle_id, server=sandbox.base_url)
    assert keys.stdout == f"no keys for {bundle_id}; make one with: appstore-sandbox keys create\n"
    failures = run_cli(
        "notify", "history", "--only-failures", "--bundle-id", bundle_id, server=sandbox.base_url
    )
    assert failures.stdout == f"no sandbox failed notifications for {bundle_id}\n"


def test_renew_moves_the_expiry_by_a_period(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    server = sandbox.base_url
    bought = run_cli("purchases", "create", "--bundle-id", app.bundle_id, "--json", server=server)
    purchase = bought.json()
    renewed = run_cli(
        "purchases", "renew", "--bundle-id", app.bundle_id,
        "--original-transaction-id", purchase["originalTransactionId"], "--json", server=server,
    ).json()  # fmt: skip
    period = purchase["expiresDate"] - purchase["purchaseDate"]
    assert renewed["transactionId"] != purchase["transactionId"]
    assert renewed["expiresDate"] >= purchase["expiresDate"] + period


@pytest.mark.parametrize("command", [("apps", "list"), ("env",)])
def test_a_malformed_server_url_is_a_one_line_error(command: tuple[str, ...]) -> None:
    result = run_cli(*command, server="http://127.0.0.1:35001.")
    assert_one_line_error(result, contains="--server 'http://127.0.0.1:35001.' is not a URL")

"""``appstore-sandbox demo``: the whole story on embedded defaults, in one command.

A throwaway sandbox and the example developer server are started; Apple's own client configures
the sandbox realtime URL and uploads the message the example server answers with; Apple's
performance test runs against the example server; a PASS opens the production realtime URL, which
Apple's client then configures; a TEST notification follows. Last, a subscriber taps Cancel
Subscription, sees the example's message and cancels: the DID_CHANGE_RENEWAL_STATUS notification
reaches the example server, and Get All Subscription Statuses shows auto-renew off.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import click
from appstoreserverlibrary.api_client import APIException, AppStoreServerAPIClient
from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.models.PerformanceTestRequest import PerformanceTestRequest
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest
from appstoreserverlibrary.models.UploadMessageRequestBody import UploadMessageRequestBody
from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier
from rich.console import Console

from appstore_sandbox.cli import perf_test
from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.control import API
from appstore_sandbox.cli.errors import CliError
from appstore_sandbox.cli.processes import child
from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.example.server import DEFAULT_MESSAGE_ID
from appstore_sandbox.keyfiles import key_file
from appstore_sandbox.serve_process import ServeFailed, ServeProcess

console = Console(highlight=False, soft_wrap=True)
NEXT_STEPS = (
    ("appstore-sandbox serve", "keep a sandbox running (state in ./.appstore-sandbox)"),
    ("appstore-sandbox perf-test --url URL", "test your own Get Retention Message endpoint"),
    ("appstore-sandbox example-server", "run the reference endpoint used above"),
    ("client._base_url = '.../sandbox'", "point Apple's client at the sandbox (README.md)"),
)


@click.command()
# Checked before any server starts: a bad value stops the demo at once, in one line.
@click.option(
    "--total",
    type=click.IntRange(1, 1_000_000),
    default=100,
    show_default=True,
    help="Requests in the performance test.",
)
@click.option(
    "--duration",
    type=click.IntRange(1, 3_600_000),
    default=5000,
    show_default=True,
    help="Test duration in ms.",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Keep the sandbox's state here (default: a temporary directory, removed at the end).",
)
def demo(total: int, duration: int, data_dir: Path | None) -> None:
    """Start a sandbox and an example endpoint, pass Apple's performance test, go to production."""
    try:
        with tempfile.TemporaryDirectory(prefix="appstore-sandbox-demo-") as scratch:
            passed = _run(data_dir or Path(scratch) / "data", Path(scratch), total, duration)
    except KeyboardInterrupt:
        kept = f"; its state stays in {data_dir}" if data_dir else " and its state removed"
        click.echo(
            f"interrupted: the demo's sandbox and example server were stopped{kept}", err=True
        )
        sys.exit(perf_test.INTERRUPTED_EXIT)
    sys.exit(0 if passed else perf_test.FAIL_EXIT)


@contextmanager
def _serving(data_dir: Path, scratch: Path) -> Iterator[str]:
    """``serve`` on a free port (its output kept in the scratch dir); its base URL."""
    server = ServeProcess(data_dir, run_dir=scratch, start_timeout_s=60)
    try:
        server.start()
    except ServeFailed as error:
        last = str(error).strip().splitlines()[-1]
        raise CliError(f"the sandbox did not start: {last}") from error
    try:
        yield server.base_url
    finally:
        server.stop()


def _run(data_dir: Path, scratch: Path, total: int, duration: int) -> bool:
    _step(1, f"Starting the sandbox (data in {data_dir})")
    with _serving(data_dir, scratch) as base:
        console.print(f"   Sandbox base URL {base}/sandbox, production {base}/production")
        _step(2, "Starting the example Get Retention Message endpoint")
        example = ["example-server", "--port", "0", "--server", base, "--quiet"]
        with child(example, "Example server ready on ") as example_base:
            console.print("   It verifies every signed request with Apple's SignedDataVerifier")
            control = SandboxClient(base)
            passed = _story(control, data_dir, f"{example_base}/retention", total, duration)
            if passed:
                _notification(control, data_dir, f"{example_base}/notifications")
                _retention_loop(control, data_dir)
                _next_steps()
            return passed


def _story(control: SandboxClient, data_dir: Path, url: str, total: int, duration: int) -> bool:
    credentials = _credentials(control, data_dir)
    sandbox_client = _apple_client(control.server, credentials, "sandbox")
    _step(3, "Configuring the sandbox realtime URL with Apple's own Python client")
    sandbox_client.configure_realtime_url(RealtimeUrlRequest(realtimeURL=url))
    console.print(f"   realtimeURL = {sandbox_client.get_realtime_url().realtimeURL}")
    _step(4, "Uploading the retention message the endpoint answers with")
    _upload_example_message(sandbox_client)

    app_path = f"{API}/apps/{DEFAULT_BUNDLE_ID}"
    control.json(
        "PUT",
        f"{app_path}/performance-test-config",
        {"totalRequests": total, "totalDuration": duration},
    )
    _step(5, f"Running Apple's performance test: {total} signed requests over {duration} ms")
    started = sandbox_client.initiate_performance_test(
        PerformanceTestRequest(originalTransactionId=credentials["originalTransactionId"])
    )
    path = f"{app_path}/performance-tests/{started.requestId}"
    started_report = control.json("GET", path)
    report = perf_test.wait_with_progress(control, path, started_report, False, owns_sandbox=True)
    perf_test.print_report(report, False)
    if report["result"]["result"] != "PASS":
        return False

    _step(6, "Configuring the production realtime URL (allowed now that the test passed)")
    production = _apple_client(control.server, credentials, "production")
    try:
        production.configure_realtime_url(RealtimeUrlRequest(realtimeURL=url))
    except APIException as error:
        message = f"production URL refused: {error.raw_api_error} {error.error_message}"
        raise CliError(message) from error
    console.print(f"   production realtimeURL = {production.get_realtime_url().realtimeURL}")
    return True


def _upload_example_message(client: AppStoreServerAPIClient) -> None:
    body = UploadMessageRequestBody(
        header="Before you go", body="Stay for one more month at half price."
    )
    try:
        client.upload_message(UUID(DEFAULT_MESSAGE_ID), body)
    except APIException as error:
        if error.http_status_code != 409:  # kept from an earlier demo in the same --data-dir
            message = f"message upload refused: {error.raw_api_error} {error.error_message}"
            raise CliError(message) from error
    console.print(f"   messageIdentifier {DEFAULT_MESSAGE_ID}: every reply names this message")


def _notification(control: SandboxClient, data_dir: Path, url: str) -> None:
    _step(7, "Sending a signed TEST notification to the example endpoint")
    control.json("PUT", f"{API}/apps/{DEFAULT_BUNDLE_ID}/notification-urls/sandbox", {"url": url})
    client = _apple_client(control.server, _credentials(control, data_dir), "sandbox")
    token = client.request_test_notification().testNotificationToken
    record = control.json("GET", f"{API}/apps/{DEFAULT_BUNDLE_ID}/notifications/{token}")
    deadline = time.monotonic() + 10
    while record["status"] == "PENDING" and time.monotonic() < deadline:
        time.sleep(0.1)
        record = control.json("GET", f"{API}/apps/{DEFAULT_BUNDLE_ID}/notifications/{token}")
    for attempt in record["sendAttempts"]:
        console.print(
            f"   attempt: {attempt['sendAttemptResult']} (HTTP {attempt['httpStatus']}, "
            f"{attempt['latencyMs']:.2f} ms); the endpoint verified it with Apple's verifier"
        )
    console.print(f"   testNotificationToken {token}: {record['status']}")


def _retention_loop(control: SandboxClient, data_dir: Path) -> None:
    _step(8, "A subscriber taps Cancel Subscription, sees the message, and cancels")
    app_path = f"{API}/apps/{DEFAULT_BUNDLE_ID}"
    purchase = control.json("POST", f"{app_path}/purchases", {})
    original_id = purchase["originalTransactionId"]
    body = {"transactionId": original_id, "then": "cancel"}
    outcome = control.json("POST", f"{app_path}/simulate-cancel", body)
    shown = outcome["message"]["header"] if outcome["message"] else "Apple's standard sheet"
    console.print(f"   sheet: {outcome['outcome']} message {shown!r}; the customer cancels")
    notification = _delivered(control, app_path, original_id, "DID_CHANGE_RENEWAL_STATUS")
    console.print(
        f"   {notification['notificationType']} ({notification['subtype']}): "
        f"{notification['status']} to the example endpoint"
    )
    client = _apple_client(control.server, _credentials(control, data_dir), "sandbox")
    statuses = client.get_all_subscription_statuses(original_id)
    item = (statuses.data or [])[0].lastTransactions or []
    verifier = SignedDataVerifier(
        [(data_dir / "ca" / "root.cer").read_bytes()], False, Environment.SANDBOX, DEFAULT_BUNDLE_ID
    )
    renewal = verifier.verify_and_decode_renewal_info(item[0].signedRenewalInfo or "")
    state = "on" if renewal.rawAutoRenewStatus == 1 else "off"
    console.print(
        f"   Get All Subscription Statuses: status {item[0].rawStatus}, auto-renew {state} "
        "(renewal info verified with Apple's verifier)"
    )


def _delivered(
    control: SandboxClient, app_path: str, original_id: str, notification_type: str
) -> dict[str, Any]:
    """The subscription's newest notification of that type, once its first attempt is done."""
    deadline = time.monotonic() + 10
    while True:
        for record in control.json("GET", f"{app_path}/notifications?limit=20")["notifications"]:
            if (
                record["notificationType"] == notification_type
                and record["originalTransactionId"] == original_id
                and record["status"] != "PENDING"
            ):
                return dict(record)
        if time.monotonic() > deadline:
            raise CliError(f"no {notification_type} notification was delivered within 10 s")
        time.sleep(0.1)


def _credentials(control: SandboxClient, data_dir: Path) -> dict[str, Any]:
    app_path = f"{API}/apps/{DEFAULT_BUNDLE_ID}"
    key = control.json("GET", f"{app_path}/keys")["keys"][0]
    purchase = control.json("GET", f"{app_path}/purchases")["defaultOriginalTransactionId"]
    return {
        "keyId": key["keyId"],
        "issuerId": key["issuerId"],
        "keyFile": key_file(data_dir / "keys", key["keyId"]),
        "originalTransactionId": purchase,
    }


def _apple_client(
    base: str, credentials: dict[str, Any], environment: str
) -> AppStoreServerAPIClient:
    client = AppStoreServerAPIClient(
        credentials["keyFile"].read_bytes(),
        credentials["keyId"],
        credentials["issuerId"],
        DEFAULT_BUNDLE_ID,
        Environment.SANDBOX if environment == "sandbox" else Environment.PRODUCTION,
    )
    client._base_url = f"{base}/{environment}"  # Apple's client, pointed at the sandbox
    return client


def _step(number: int, text: str) -> None:
    console.print(f"\n[bold]{number}. {text}[/]")


def _next_steps() -> None:
    console.print("\n[bold]Next[/]")
    for command, what in NEXT_STEPS:
        console.print(f"   {command:<40} {what}")

"""``appstore-sandbox perf-test``: run Apple's performance test against your endpoint and report."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from appstore_sandbox.cli import perf_report
from appstore_sandbox.cli.client import SandboxClient, SandboxUnreachable
from appstore_sandbox.cli.control import API
from appstore_sandbox.cli.errors import CliError
from appstore_sandbox.cli.options import Output, bundle_id_option, control_command
from appstore_sandbox.cli.perf_settings import settings_body, settings_options

POLL_S = 0.25
PLAIN_PROGRESS_EVERY_S = 5.0
PENDING = "PENDING"
FAIL_EXIT = 1
INTERRUPTED_EXIT = 130

Report = dict[str, Any]


@click.command("perf-test")
@bundle_id_option
@click.option("--url", default=None, help="Configure this sandbox realtime URL first.")
@click.option(
    "--transaction-id",
    default=None,
    help="originalTransactionId (default: the most recent purchase not ended).",
)
@click.option("--wait/--no-wait", default=True, help="Wait for the result (default) or not.")
@settings_options
@click.option(
    "--junit",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the result as JUnit XML to this file.",
)
@click.option(
    "--request-id",
    default=None,
    help="Show the run with this requestId (one started with --no-wait) instead of starting one; "
    "waits for it unless --no-wait.",
)
@click.option(
    "--records",
    is_flag=True,
    help="With --request-id: print the run's per-request records, one JSON object a line.",
)
@click.option(
    "--cancel",
    "cancel_id",
    default=None,
    metavar="REQUEST_ID",
    help="End the running test with this requestId now: it finishes FAIL with what it measured, "
    "its report noting it was cancelled; prints the report.",
)
@control_command
def perf_test(
    client: SandboxClient,
    out: Output,
    bundle_id: str,
    wait: bool,
    junit: Path | None,
    request_id: str | None,
    records: bool,
    cancel_id: str | None,
    **settings: Any,
) -> None:
    """Run Apple's performance test of your Get Retention Message endpoint.

    Exit status: 0 PASS, 1 FAIL, 2 usage or connection error, 130 interrupted while waiting.
    With --cancel: 0 once the test is cancelled, 2 if it had already finished or is unknown.
    """
    if junit is not None and not wait:
        raise click.UsageError("--junit needs --wait")
    if junit is not None and not junit.resolve().parent.is_dir():
        raise CliError(f"cannot write {junit}: its folder {junit.resolve().parent} does not exist")
    if records and request_id is None:
        raise click.UsageError("--records needs --request-id")
    app = f"{API}/apps/{quote(bundle_id, safe='')}"
    runs = f"{app}/performance-tests"
    if cancel_id is not None:
        if request_id is not None or records or junit is not None:
            raise click.UsageError("--cancel goes without --request-id, --records and --junit")
        print_report(client.json("POST", f"{runs}/{quote(cancel_id, safe='')}/cancel"), out.as_json)
        return
    if request_id is not None:
        started: Report = client.json("GET", f"{runs}/{quote(request_id, safe='')}")
        if records:
            _print_records(client, f"{runs}/{quote(request_id, safe='')}/requests")
            return
        if not wait:
            print_report(started, out.as_json)
            return
    else:
        if settings["transaction_id"] is None:
            _require_a_purchase(client, app, bundle_id)
        started = client.json("POST", runs, start_body(**settings))
        if not wait:
            out.emit(perf_report.json_report(started), [started["requestId"]])
            return
    report = wait_with_progress(client, f"{runs}/{started['requestId']}", started, out.as_json)
    print_report(report, out.as_json)
    if junit is not None:
        _write_junit(junit, report)
    if report["result"]["result"] != perf_report.PASS:
        sys.exit(FAIL_EXIT)


def start_body(url: str | None, transaction_id: str | None, **settings: Any) -> dict[str, Any]:
    """The POST body, without the options left unset (the app's settings apply to those)."""
    body = {"url": url, "originalTransactionId": transaction_id}
    return {name: value for name, value in body.items() if value is not None} | settings_body(
        settings
    )


def _require_a_purchase(client: SandboxClient, app: str, bundle_id: str) -> None:
    # The server would only say that '' is not a transaction id.
    if not client.json("GET", f"{app}/purchases")["purchases"]:
        raise CliError(
            f"{bundle_id} has no sandbox purchase to test with; create one with: "
            f"appstore-sandbox purchases create --bundle-id {bundle_id}"
        )


def wait_for_result(
    client: SandboxClient, path: str, report: Report, on_update: Callable[[Report], None]
) -> Report:
    while report["result"]["result"] == PENDING:
        time.sleep(POLL_S)
        try:
            report = client.json("GET", path)
        except SandboxUnreachable as error:
            raise _run_lost(client, report) from error
        on_update(report)
    return report


def _run_lost(client: SandboxClient, report: Report) -> CliError:
    request_id, bundle_id = report["requestId"], report["bundleId"]
    return CliError(
        f"the sandbox at {client.server} stopped answering while performance test {request_id} "
        "was in progress; the run was lost (a sandbox started again on the same data closes it "
        f"as FAIL; see it with: appstore-sandbox perf-test --bundle-id {bundle_id} --request-id "
        f"{request_id})"
    )


def wait_with_progress(
    client: SandboxClient, path: str, started: Report, as_json: bool, owns_sandbox: bool = False
) -> Report:
    """Poll the run's report until it is final; Ctrl-C exits 130 and leaves the run going.

    With ``owns_sandbox`` (the caller started the sandbox and will stop it) Ctrl-C is the
    caller's to report: there will be no run left to point at.
    """
    on_terminal = sys.stdout.isatty()
    progress = _live_progress(enabled=not as_json) if on_terminal else _plain_progress()
    try:
        with progress as show:
            show(started)
            return wait_for_result(client, path, started, show)
    except KeyboardInterrupt:
        if owns_sandbox:
            raise
        click.echo(
            f"interrupted: performance test {started['requestId']} goes on in the sandbox; "
            f"its report: {client.server}{path}",
            err=True,
        )
        sys.exit(INTERRUPTED_EXIT)


@contextmanager
def _live_progress(enabled: bool) -> Iterator[Callable[[Report], None]]:
    """A transient progress bar fed with each polled report; a no-op when not enabled."""
    if not enabled:
        yield lambda report: None
        return
    columns = (
        TextColumn("[bold]performance test[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("run", total=None, detail="")

        def show(report: Report) -> None:
            total = report["result"]["config"]["totalRequests"]
            progress.update(task, completed=report["done"], total=total, detail=_detail(report))

        yield show


@contextmanager
def _plain_progress(every_s: float = PLAIN_PROGRESS_EVERY_S) -> Iterator[Callable[[Report], None]]:
    """Where no one watches a terminal (a CI log): a line on stderr when the run starts, then
    one every ``every_s`` seconds while it runs, so a minute-long run is never silent. stdout
    keeps only the report (or its JSON)."""
    last_shown: float | None = None

    def show(report: Report) -> None:
        nonlocal last_shown
        result, now = report["result"], time.monotonic()
        config = result["config"]
        if last_shown is None:
            line = (
                f"performance test {report['requestId']} started: {config['totalRequests']} "
                f"requests over {config['totalDuration']} ms, at most "
                f"{config['maxConcurrentRequests']} at once"
            )
        elif now - last_shown >= every_s and result["result"] == PENDING:
            times = result["responseTimes"]
            line = (
                f"performance test {report['requestId']}: {report['done']} of "
                f"{config['totalRequests']} done, {report['successes']} succeeded, "
                f"p50 {times['p50']} ms, p99 {times['p99']} ms"
            )
        else:
            return
        last_shown = now
        click.echo(line, err=True)

    yield show


def _detail(report: Report) -> str:
    times = report["result"]["responseTimes"]
    failures = report["done"] - report["successes"]
    return (
        f"[green]✓ {report['successes']}[/] [red]✗ {failures}[/]  "
        f"p50 {times['p50']} ms  p99 {times['p99']} ms"
    )


def print_report(report: Report, as_json: bool) -> None:
    """The final report on stdout: JSON, or text (coloured on a terminal)."""
    if as_json:
        click.echo(json.dumps(perf_report.json_report(report), indent=2))
        return
    console = Console(highlight=False, emoji=False, soft_wrap=True)
    for line in perf_report.text_lines(report):
        console.print(line)


def _print_records(client: SandboxClient, path: str, page: int = 1000) -> None:
    offset = 0
    while True:
        body = client.json("GET", f"{path}?offset={offset}&limit={page}")
        for record in body["requests"]:
            click.echo(json.dumps(record))
        offset += len(body["requests"])
        if not body["requests"] or offset >= body["total"]:
            return


def _write_junit(path: Path, report: Report) -> None:
    try:
        path.write_bytes(perf_report.junit_xml(report))
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror}") from error

"""``appstore-sandbox notify``: request TEST notifications and follow every delivery attempt."""

from __future__ import annotations

import json
import math
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import click

from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.clock import format_duration
from appstore_sandbox.cli.control import API, ENVIRONMENTS
from appstore_sandbox.cli.dates import iso_utc
from appstore_sandbox.cli.errors import CliError
from appstore_sandbox.cli.options import (
    Output,
    bundle_id_option,
    control_command,
)
from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID

POLL_S = 0.2
DELIVERED, FAILED, PENDING = "DELIVERED", "FAILED", "PENDING"
NOT_DELIVERED_EXIT = 1
INTERRUPTED_EXIT = 130

Record = dict[str, Any]
ShowAttempt = Callable[[int, Record], None]


def _app_path(bundle_id: str, rest: str) -> str:
    return f"{API}/apps/{quote(bundle_id, safe='')}{rest}"


def _record_path(bundle_id: str, token: str) -> str:
    return _app_path(bundle_id, f"/notifications/{quote(token, safe='')}")


def _command(words: str, bundle_id: str) -> str:
    """A command line to suggest, naming the app only when it is not the default one."""
    flag = "" if bundle_id == DEFAULT_BUNDLE_ID else f" --bundle-id {bundle_id}"
    return f"appstore-sandbox {words}{flag}"


def environment_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--environment",
        type=click.Choice(ENVIRONMENTS),
        default="sandbox",
        show_default=True,
        help="Which of the app's notification URLs, as Apple's sandbox or production host.",
    )(func)


@click.group()
def notify() -> None:
    """Send test notifications and see every delivery attempt."""


@notify.command("test")
@bundle_id_option
@environment_option
@click.option("--wait/--no-wait", default=True, help="Follow the delivery (default) or not.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    metavar="S",
    help="Stop waiting after S seconds.",
)
@control_command
def notify_test(
    client: SandboxClient,
    out: Output,
    bundle_id: str,
    environment: str,
    wait: bool,
    timeout: float,
) -> None:
    """Send a TEST notification and follow it.

    Prints each send attempt as it happens, then the decoded payload.

    Exit status: 0 delivered, 1 failed or a retry pending, 2 usage, connection or server error,
    130 interrupted while waiting.
    """
    _require_url(client, bundle_id, environment)
    path = _app_path(bundle_id, "/notifications/test")
    record: Record = client.json("POST", path, {"environment": environment})
    token = record["testNotificationToken"]
    status_command = _command(f"notify status {token}", bundle_id)
    if not wait:
        out.emit(record, [_sent_line(record), f"follow it with: {status_command}"])
        return
    if not out.as_json:
        click.echo(_sent_line(record))
    show: ShowAttempt = (lambda number, attempt: None) if out.as_json else _echo_attempt
    record = _wait(client, _record_path(bundle_id, token), record, timeout, show, status_command)
    if out.as_json:
        click.echo(json.dumps(record, indent=2))
    else:
        for line in [*_payload_lines(record), _outcome_line(record)]:
            click.echo(line)
    if record["status"] != DELIVERED:
        sys.exit(NOT_DELIVERED_EXIT)


def _require_url(client: SandboxClient, bundle_id: str, environment: str) -> None:
    # Checked first so the error can spell out the command that fixes it.
    if environment not in client.json("GET", _app_path(bundle_id, "/notification-urls")):
        fix = _command(f"apps set-notification-url --environment {environment}", bundle_id)
        raise CliError(
            f"no {environment} notification URL is set for {bundle_id}; "
            f"set one with: {fix} --url https://..."
        )


def _wait(
    client: SandboxClient,
    path: str,
    record: Record,
    timeout_s: float,
    show: ShowAttempt,
    status_command: str,
) -> Record:
    try:
        return _follow(client, path, record, timeout_s, show)
    except TimeoutError:
        raise CliError(
            f"no final result after {timeout_s:g} s; check later with: {status_command}"
        ) from None
    except KeyboardInterrupt:
        click.echo(f"interrupted: delivery goes on in the sandbox; see: {status_command}", err=True)
        sys.exit(INTERRUPTED_EXIT)


def _follow(
    client: SandboxClient, path: str, record: Record, timeout_s: float, show: ShowAttempt
) -> Record:
    """Poll the record, showing each new attempt, until it is settled; TimeoutError if not."""
    deadline = time.monotonic() + timeout_s
    shown = 0
    while True:
        attempts = record["sendAttempts"]
        for number, attempt in enumerate(attempts[shown:], start=shown + 1):
            show(number, attempt)
        shown = len(attempts)
        if _settled(record):
            return record
        if time.monotonic() >= deadline:
            raise TimeoutError
        time.sleep(POLL_S)
        record = client.json("GET", path)


def _settled(record: Record) -> bool:
    """Delivered, failed for good, or waiting for a retry (which only the clock brings on)."""
    if record["status"] in (DELIVERED, FAILED):
        return True
    # A PENDING record carries a nextAttemptDate before its first attempt too.
    return bool(record["sendAttempts"]) and record["nextAttemptDate"] is not None


def _sent_line(record: Record) -> str:
    return (
        f"{record['notificationType']} notification ({record['environment']}) "
        f"-> {record['url']}  token {record['testNotificationToken']}"
    )


def _echo_attempt(number: int, attempt: Record) -> None:
    click.echo(_attempt_line(number, attempt))


def _attempt_line(number: int, attempt: Record) -> str:
    result = attempt["sendAttemptResult"]
    http_status, latency = attempt["httpStatus"], attempt["latencyMs"]
    parts = [
        f"attempt {number}",
        iso_utc(attempt["attemptDate"]),
        click.style(result, fg="green" if result == "SUCCESS" else "red"),
        "no HTTP status" if http_status is None else f"HTTP {http_status}",
        "-" if latency is None else f"{latency:.2f} ms",
    ]
    if attempt["explanation"]:
        parts.append(attempt["explanation"])
    return "  ".join(parts)


def _payload_lines(record: Record) -> list[str]:
    return ["payload (decoded signedPayload):", json.dumps(record["payload"], indent=2)]


def _outcome_line(record: Record) -> str:
    attempts = record["sendAttempts"]
    if record["status"] == DELIVERED:
        return f"delivered on attempt {len(attempts)}"
    if record["status"] == FAILED:
        why = "the sandbox environment never retries" if record["environment"] == "sandbox" else ""
        return f"failed after {_count(len(attempts), 'attempt')}" + (f"; {why}" if why else "")
    return _retry_line(record)


def _retry_line(record: Record) -> str:
    next_ms = record["nextAttemptDate"]
    # Advancing by the gap since the last attempt is always enough: the clock is already past it.
    gap_s = math.ceil((next_ms - record["sendAttempts"][-1]["attemptDate"]) / 1000)
    return (
        f"next retry at {iso_utc(next_ms)} (sandbox clock); "
        f"advance it with: appstore-sandbox clock advance {format_duration(gap_s)}"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@notify.command("status")
@click.argument("token")
@bundle_id_option
@control_command
def notify_status(client: SandboxClient, out: Output, token: str, bundle_id: str) -> None:
    """One notification: attempts, next retry, payload.

    TOKEN is its testNotificationToken (a notificationUUID works too).
    """
    try:
        uuid.UUID(token)
    except ValueError:
        raise CliError(
            f"{token!r} is malformed: a testNotificationToken or notificationUUID is a UUID"
        ) from None
    record: Record = client.json("GET", _record_path(bundle_id, token))
    out.emit(record, _record_lines(record))


def _record_lines(record: Record) -> list[str]:
    attempts = record["sendAttempts"]
    lines = [
        f"{_kind(record)} notification ({record['environment']})  {record['status']}",
        f"  token    {record['testNotificationToken'] or '-'}",
        f"  uuid     {record['notificationUUID']}",
        f"  url      {record['url']}",
        f"  created  {iso_utc(record['createdDate'])}",
    ]
    lines += [_attempt_line(n, a) for n, a in enumerate(attempts, start=1)] or ["no attempt yet"]
    if attempts and record["status"] == PENDING and record["nextAttemptDate"] is not None:
        lines.append(_retry_line(record))
    return lines + _payload_lines(record)


def _kind(record: Record) -> str:
    subtype = record["subtype"]
    return str(record["notificationType"]) + (f"/{subtype}" if subtype else "")


@notify.command("history")
@bundle_id_option
@environment_option
@click.option(
    "--only-failures",
    is_flag=True,
    help="Only notifications not delivered, including ones still being retried.",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=100,
    show_default=True,
    metavar="N",
    help="The N most recent notifications (listed oldest first).",
)
@control_command
def notify_history(
    client: SandboxClient,
    out: Output,
    bundle_id: str,
    environment: str,
    only_failures: bool,
    limit: int,
) -> None:
    """The notifications sent most recently to the app, oldest first.

    Each line: created, type, status, attempts, last result, token (or notificationUUID).
    """
    query = urlencode(
        {"environment": environment, "onlyFailures": str(only_failures).lower(), "limit": limit}
    )
    body = client.json("GET", _app_path(bundle_id, f"/notifications?{query}"))
    lines = [_history_line(record) for record in body["notifications"]]
    which = "failed notifications" if only_failures else "notifications"
    out.emit(body, lines or [f"no {environment} {which} for {bundle_id}"])


def _history_line(record: Record) -> str:
    attempts = record["sendAttempts"]
    last = attempts[-1]["sendAttemptResult"] if attempts else "-"
    return "  ".join(
        [
            iso_utc(record["createdDate"]),
            f"{_kind(record):<12}",
            f"{record['status']:<9}",
            f"{_count(len(attempts), 'attempt'):<10}",
            f"{last:<31}",
            record["testNotificationToken"] or record["notificationUUID"],
        ]
    )

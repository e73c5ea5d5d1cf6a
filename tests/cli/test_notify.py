"""``appstore-sandbox notify`` against a real sandbox and a real notification receiver."""

from __future__ import annotations

import json
import re
import time
import uuid

from tests.cli.running import CliResult, assert_one_line_error, run_cli, run_clis
from tests.conftest import StartSandbox
from tests.contract.notification_helpers import set_url
from tests.receivers import receiver
from tests.sandbox_process import AppCredentials, SandboxProcess

HOUR_MS = 3_600_000
ATTEMPT_RE = r"^attempt {number}  \S+Z  {result}  HTTP {status}  [\d.]+ ms"


def notify(sandbox: SandboxProcess, app: AppCredentials, *args: str) -> CliResult:
    return run_cli("notify", *args, "--bundle-id", app.bundle_id, server=sandbox.base_url)


def token_of(result: CliResult) -> str:
    match = re.search(r"token ([0-9a-f-]{36})", result.stdout)
    assert match, result.stdout
    return match.group(1)


def has_attempt(output: str, number: int, result: str, status: int) -> bool:
    pattern = ATTEMPT_RE.format(number=number, result=result, status=status)
    return re.search(pattern, output, re.MULTILINE) is not None


def test_set_url_then_notify_test_delivers(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    with receiver(200) as inbox:
        set_result = run_cli(
            "apps", "set-notification-url", "--bundle-id", app.bundle_id, "--url", inbox.url,
            "--json", server=sandbox.base_url,
        )  # fmt: skip
        assert set_result.json() == {"sandbox": inbox.url}
        result = notify(sandbox, app, "test")
    assert result.returncode == 0, result.stderr
    assert has_attempt(result.stdout, 1, "SUCCESS", 200), result.stdout
    assert '"notificationType": "TEST"' in result.stdout
    assert f'"bundleId": "{app.bundle_id}"' in result.stdout
    assert result.stdout.rstrip().endswith("delivered on attempt 1")
    assert inbox.count == 1
    assert set(inbox.bodies[0]) == {"signedPayload"}


def test_set_url_remove_and_bad_flag_combinations(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    set_url(sandbox, app, "http://127.0.0.1:9/notifications", "production")
    base = ("apps", "set-notification-url", "--bundle-id", app.bundle_id)
    removed, both, neither = run_clis(
        (*base, "--environment", "production", "--remove", "--json"),
        (*base, "--url", "http://127.0.0.1:9/x", "--remove"),
        base,
        server=sandbox.base_url,
    )
    assert removed.json() == {}
    for result in (both, neither):
        assert result.returncode == 2
        assert "exactly one of --url and --remove" in result.stderr


def test_a_500_in_sandbox_fails_at_once(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    with receiver(500) as inbox:
        set_url(sandbox, app, inbox.url)
        result = notify(sandbox, app, "test")
    assert result.returncode == 1, result.stderr
    assert has_attempt(result.stdout, 1, "UNSUCCESSFUL_HTTP_RESPONSE_CODE", 500), result.stdout
    assert "failed after 1 attempt; the sandbox environment never retries" in result.stdout
    assert inbox.count == 1


def test_production_retry_waits_for_the_clock(start_sandbox: StartSandbox) -> None:
    # Its own clock, which starts at real time; the retry is picked up within 50 ms of the advance.
    sandbox = start_sandbox("--notification-poll-ms", "50")
    app = sandbox.new_app()
    with receiver(500) as inbox:
        set_url(sandbox, app, inbox.url, "production")
        first = notify(sandbox, app, "test", "--environment", "production")
        assert first.returncode == 1, first.stderr
        assert has_attempt(first.stdout, 1, "UNSUCCESSFUL_HTTP_RESPONSE_CODE", 500)
        retry = re.search(r"^next retry at (\S+Z) \(sandbox clock\); (.*)$", first.stdout, re.M)
        assert retry, first.stdout
        assert retry.group(2) == "advance it with: appstore-sandbox clock advance 1h"
        advanced = run_cli("clock", "advance", "1h", "--json", server=sandbox.base_url).json()
        assert advanced["offsetMs"] == HOUR_MS
        status = _status_with_attempts(sandbox, app, token_of(first), 2)
        shown = run_cli("clock", "show", server=sandbox.base_url)
    assert has_attempt(status.stdout, 2, "UNSUCCESSFUL_HTTP_RESPONSE_CODE", 500), status.stdout
    assert "next retry at" in status.stdout and "clock advance 12h" in status.stdout
    assert "(+1h ahead of real time)" in shown.stdout
    assert inbox.count == 2


def _status_with_attempts(
    sandbox: SandboxProcess, app: AppCredentials, token: str, count: int
) -> CliResult:
    deadline = time.monotonic() + 5
    while True:
        result = notify(sandbox, app, "status", token)
        assert result.returncode == 0, result.stderr
        if f"\nattempt {count}  " in result.stdout or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_history_only_failures_lists_the_failed_one(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    with receiver(200) as inbox:
        set_url(sandbox, app, inbox.url)
        delivered = notify(sandbox, app, "test", "--json")
        inbox.status = 500
        failed = notify(sandbox, app, "test", "--json")
    assert (delivered.returncode, failed.returncode) == (0, 1)
    delivered_token = json.loads(delivered.stdout)["testNotificationToken"]
    failed_record = json.loads(failed.stdout)
    assert failed_record["status"] == "FAILED"
    failures, everything = run_clis(
        ("notify", "history", "--bundle-id", app.bundle_id, "--only-failures", "--json"),
        ("notify", "history", "--bundle-id", app.bundle_id),
        server=sandbox.base_url,
    )
    tokens = [n["testNotificationToken"] for n in failures.json()["notifications"]]
    assert tokens == [failed_record["testNotificationToken"]]
    lines = everything.stdout.splitlines()
    assert len(lines) == 2
    assert "DELIVERED" in lines[0] and "SUCCESS" in lines[0] and delivered_token in lines[0]
    assert "FAILED" in lines[1] and "UNSUCCESSFUL_HTTP_RESPONSE_CODE" in lines[1]


def test_history_limit_keeps_the_most_recent(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    with receiver(200) as inbox:
        set_url(sandbox, app, inbox.url)
        sent = [notify(sandbox, app, "test", "--json") for _ in range(3)]
    tokens = [json.loads(result.stdout)["testNotificationToken"] for result in sent]
    latest = notify(sandbox, app, "history", "--limit", "2", "--json")
    listed = [n["testNotificationToken"] for n in latest.json()["notifications"]]
    assert listed == tokens[1:]


def test_notify_test_without_a_url_is_a_one_line_error(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    result = notify(sandbox, app, "test", "--environment", "production")
    assert_one_line_error(result, contains="apps set-notification-url")
    assert "no production notification URL" in result.stderr


def test_unknown_token_is_a_one_line_error(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    unknown, garbage = run_clis(
        ("notify", "status", str(uuid.uuid4()), "--bundle-id", app.bundle_id),
        ("notify", "status", "nope", "--bundle-id", app.bundle_id),
        server=sandbox.base_url,
    )
    assert_one_line_error(unknown, contains="not found")
    assert_one_line_error(garbage, contains="'nope' is malformed")

"""``serve --log-level info``: each line ends with the sandbox time while the clock is moved."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from appstore_sandbox.cli.serve_logging import APP_FORMAT, SANDBOX_FIELD, SandboxTimeFilter
from appstore_sandbox.clock import Clock
from tests.conftest import StartSandbox

# 2100-02-01T12:00:00Z
LATER_MS = 4_105_166_400_000


def _formatted(clock: Clock) -> str:
    record = logging.LogRecord("appstore_sandbox", logging.INFO, __file__, 1, "hello", None, None)
    assert SandboxTimeFilter(clock).filter(record)
    return logging.Formatter(APP_FORMAT + SANDBOX_FIELD).format(record)


def test_a_line_says_the_sandbox_time_only_while_the_clock_is_moved() -> None:
    assert _formatted(Clock()) == "INFO appstore_sandbox: hello"
    moved = re.fullmatch(
        r"INFO appstore_sandbox: hello sandbox=(\S+)Z", _formatted(Clock(timedelta(days=400)))
    )
    assert moved, "the sandbox field ends the line"
    stamped = datetime.fromisoformat(moved.group(1)).replace(tzinfo=UTC)
    assert stamped.year > datetime.now(UTC).year


def test_serve_logs_each_request_with_the_sandbox_time(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("--log-level", "info")
    with sandbox.control() as control:
        control.get("/health").raise_for_status()
        control.post("/clock/set", json={"now": LATER_MS}).raise_for_status()
        control.get("/clock").raise_for_status()
        control.post("/clock/reset").raise_for_status()
        control.get("/clock").raise_for_status()
    stopped = sandbox.stop()
    assert stopped is not None and stopped.returncode == 0, stopped
    # The last five: start_sandbox's own health checks come first.
    lines = [line for line in stopped.output.splitlines() if "/_sandbox/v1/" in line][-5:]
    assert [line.split('"')[1] for line in lines] == [
        "GET /_sandbox/v1/health HTTP/1.1",
        "POST /_sandbox/v1/clock/set HTTP/1.1",
        "GET /_sandbox/v1/clock HTTP/1.1",
        "POST /_sandbox/v1/clock/reset HTTP/1.1",
        "GET /_sandbox/v1/clock HTTP/1.1",
    ]
    stamps = [re.search(r" 200 OK sandbox=(\S+)Z$", line) for line in lines]
    assert [stamp is not None for stamp in stamps] == [False, True, True, False, False], lines
    for stamp in stamps[1:3]:
        assert stamp is not None
        logged = datetime.fromisoformat(stamp.group(1)).replace(tzinfo=UTC)
        # The clock runs on from the time set: the line is stamped at or after it.
        assert logged >= datetime.fromtimestamp(LATER_MS / 1000, UTC)

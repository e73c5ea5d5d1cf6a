"""``appstore-sandbox clock``: what a duration and a time may be, and setting, showing and resetting
the clock of a sandbox in this process (advancing it to make a retry due is in test_notify, on a
real server)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import datetime

import pytest

from appstore_sandbox.cli.clock import format_duration
from tests.cli.running import InProcessServer, assert_one_line_error, run_cli, run_clis
from tests.in_process import LOCAL_URL, InProcessTransport, in_process


def free_server_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_clock_advance_rejects_durations_that_do_not_move_it() -> None:
    # No sandbox listens there: a duration that got past parsing would fail differently.
    results = run_clis(
        ("clock", "advance", "0s"),
        ("clock", "advance", "soon"),
        ("clock", "advance", "1h1h"),
        ("clock", "advance", "--", "-5m"),
        server=free_server_url(),
    )
    for result in results:
        assert result.returncode == 2, result.stderr
        assert "Invalid value for 'DURATION'" in result.stderr
        assert "Traceback" not in result.stderr


def test_clock_set_wants_an_iso_time_with_its_zone() -> None:
    results = run_clis(
        ("clock", "set", "tomorrow"),
        ("clock", "set", "2027-01-31T12:00:00"),
        server=free_server_url(),
    )
    for result in results:
        assert result.returncode == 2, result.stderr
        assert "Invalid value for 'TIME'" in result.stderr
    assert "has no time zone; add Z for UTC" in results[1].stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    """A sandbox of this module's own, whose clock the tests move, in this process."""
    with in_process(tmp_path_factory.mktemp("clock")) as app:
        yield InProcessServer(LOCAL_URL, InProcessTransport(app.client))


def test_set_show_and_reset(server: InProcessServer) -> None:
    set_to = run_cli("clock", "set", "2100-01-31T12:00:00Z", server=server)
    shown = run_cli("clock", "show", server=server)
    state = run_cli("clock", "show", "--json", server=server).json()
    reset = run_cli("clock", "reset", server=server)

    assert set_to.returncode == 0, set_to.stderr
    sandbox_line, real_line = shown.stdout.splitlines()
    sandbox = re.fullmatch(r"sandbox time  (2100-01-31T12:00:\S+Z)  \(\+(\w+) ahead of real time\)",
                           sandbox_line)  # fmt: skip
    real = re.fullmatch(r"real time     (\S+Z)", real_line)
    assert sandbox and real, shown.stdout
    offset_ms = _ms(sandbox.group(1)) - _ms(real.group(1))
    assert sandbox.group(2) == format_duration(round(offset_ms / 1000))
    assert state["now"] - state["offsetMs"] == state["realNow"]
    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.splitlines()[0].endswith("(real time)")
    assert run_cli("clock", "show", "--json", server=server).json()["offsetMs"] == 0


def _ms(iso: str) -> int:
    return round(datetime.fromisoformat(iso).timestamp() * 1000)


def test_a_time_before_the_real_now_is_a_one_line_error(server: InProcessServer) -> None:
    result = run_cli("clock", "set", "2020-01-01T00:00:00+02:00", server=server)
    assert_one_line_error(result, contains="2019-12-31T22:00:00Z is before the real time")
    assert "clock reset" in result.stderr

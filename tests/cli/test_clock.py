"""``appstore-sandbox clock``: what a duration may be (advancing it is in test_notify)."""

from __future__ import annotations

import socket

from tests.cli.running import run_clis


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

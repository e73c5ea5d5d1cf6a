"""The ticker: its job runs on a thread of its own, at once when woken, and on after a failure."""

from __future__ import annotations

import logging
import threading

import pytest

from appstore_sandbox.ticker import Ticker

# Long enough that a run the test sees came from a wake or the start, never from the period.
LONG_PERIOD_S = 3600
WAIT_S = 10


def test_the_job_runs_at_start_and_again_when_woken() -> None:
    runs: list[str] = []
    ran = threading.Semaphore(0)

    def job() -> None:
        runs.append(threading.current_thread().name)
        ran.release()

    ticker = Ticker("test-ticker", job, LONG_PERIOD_S)
    ticker.start()
    try:
        assert ran.acquire(timeout=WAIT_S)
        ticker.wake()
        assert ran.acquire(timeout=WAIT_S)
    finally:
        ticker.stop()
    assert runs == ["test-ticker", "test-ticker"]
    assert not ticker.running


def test_a_failed_run_is_logged_and_the_next_one_comes(caplog: pytest.LogCaptureFixture) -> None:
    second = threading.Event()
    calls = 0

    def job() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the database is away")
        second.set()

    ticker = Ticker("flaky", job, LONG_PERIOD_S)
    with caplog.at_level(logging.ERROR, logger="appstore_sandbox.ticker"):
        ticker.start()
        try:
            ticker.wake()
            assert second.wait(WAIT_S)
        finally:
            ticker.stop()
    assert "the flaky ticker's run failed" in caplog.text
    assert "the database is away" in caplog.text

"""The shared sandbox clock: set and reset through the control surface, and every process on one
database following the stored offset, back as well as forward, with concurrent advances adding up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from appstore_sandbox.clock import Clock, SharedClock
from appstore_sandbox.store import Store, migrate, open_engine
from appstore_sandbox.store.clock import CLOCK_OFFSET_META_KEY
from tests.in_process import InProcess, in_process

CLOCK = "/_sandbox/v1/clock"
HOUR_MS = 3_600_000
# 2100-01-01T00:00:00Z: far ahead of any real time a test runs at.
LATER_MS = 4_102_444_800_000


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[InProcess]:
    with in_process(tmp_path) as sandbox:
        yield sandbox


def _stored(sandbox: InProcess) -> str | None:
    return sandbox.sandbox.store.meta_value(CLOCK_OFFSET_META_KEY)


def test_set_makes_the_time_given_now_for_every_reader(sandbox: InProcess) -> None:
    real = sandbox.sandbox.clock.real_now_ms
    before = real()
    response = sandbox.client.post(f"{CLOCK}/set", json={"now": LATER_MS})
    after = real()
    assert response.status_code == 200
    state = response.json()
    assert state["now"] - state["offsetMs"] == state["realNow"]
    assert before <= state["realNow"] <= after
    # The offset was taken at some real time between before and after.
    assert LATER_MS - after <= state["offsetMs"] <= LATER_MS - before
    assert _stored(sandbox) == str(state["offsetMs"])
    assert sandbox.client.get(CLOCK).json()["offsetMs"] == state["offsetMs"]


def test_reset_goes_back_to_real_time_after_an_advance_or_a_set(sandbox: InProcess) -> None:
    sandbox.client.post(f"{CLOCK}/advance", json={"seconds": 86_400}).raise_for_status()
    sandbox.client.post(f"{CLOCK}/set", json={"now": LATER_MS}).raise_for_status()
    response = sandbox.client.post(f"{CLOCK}/reset")
    assert response.status_code == 200
    assert response.json()["offsetMs"] == 0
    assert response.json()["now"] == response.json()["realNow"]
    assert _stored(sandbox) == "0"
    assert sandbox.sandbox.clock.offset_ms == 0


def test_a_time_before_the_real_now_is_refused_naming_both_and_the_way_back(
    sandbox: InProcess,
) -> None:
    sandbox.client.post(f"{CLOCK}/advance", json={"seconds": 3600}).raise_for_status()
    response = sandbox.client.post(f"{CLOCK}/set", json={"now": 1_577_836_800_000})
    assert response.status_code == 400
    error = response.json()["error"]
    assert "2020-01-01T00:00:00Z is before the real time" in error
    assert "never runs behind real time" in error and "clock reset" in error
    assert _stored(sandbox) == str(HOUR_MS), "nothing changed"


@pytest.mark.parametrize("body", [{}, {"now": "2027-01-31T12:00:00Z"}, {"now": True}, []])
def test_a_set_without_a_millisecond_time_is_a_400(sandbox: InProcess, body: object) -> None:
    response = sandbox.client.post(f"{CLOCK}/set", json=body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert _stored(sandbox) is None


def _store(path: Path) -> Store:
    engine = open_engine(f"sqlite:///{path / 'sandbox.db'}")
    migrate(engine)
    return Store(engine)


@pytest.fixture
def two_processes(tmp_path: Path) -> Iterator[tuple[SharedClock, SharedClock, Clock]]:
    """Two processes' clocks on one database, each with its own engine; and the second's Clock."""
    first, second = _store(tmp_path), _store(tmp_path)
    second_clock = Clock()
    try:
        yield (
            SharedClock(first.clock, Clock()),
            SharedClock(second.clock, second_clock),
            second_clock,
        )
    finally:
        first.engine.dispose()
        second.engine.dispose()


def test_other_processes_follow_the_clock_back_as_well_as_forward(
    two_processes: tuple[SharedClock, SharedClock, Clock],
) -> None:
    first, second, second_clock = two_processes
    first.advance(2 * 86_400)
    second.sync()
    assert second_clock.offset_ms == 2 * 86_400_000
    earlier = first.set(first.time().real_ms + HOUR_MS)
    assert earlier.offset_ms <= HOUR_MS
    second.sync()
    assert second_clock.offset_ms == earlier.offset_ms, "an earlier time is adopted too"
    first.reset()
    second.sync()
    assert second_clock.offset_ms == 0


def test_advances_made_at_once_by_two_processes_all_count(
    two_processes: tuple[SharedClock, SharedClock, Clock],
) -> None:
    first, second, _ = two_processes
    start = threading.Barrier(2)

    def advance(clock: SharedClock) -> None:
        start.wait()
        for _ in range(40):
            clock.advance(1)

    threads = [threading.Thread(target=advance, args=(clock,)) for clock in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert first.time().offset_ms == second.time().offset_ms == 80_000

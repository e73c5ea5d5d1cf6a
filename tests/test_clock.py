"""The sandbox clock stays before MAX_TIME, so every timestamp it makes stays valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from appstore_sandbox.clock import MAX_TIME, Clock


def test_advance_moves_time_forward() -> None:
    clock = Clock()
    before = clock.now()
    assert clock.advance(timedelta(days=1)) - before >= timedelta(days=1)


def test_advance_to_max_time_or_past_it_is_refused_and_changes_nothing() -> None:
    clock = Clock()
    for delta in (clock.headroom(), clock.headroom() * 2, timedelta(days=3_000_000)):
        with pytest.raises(ValueError, match="2200"):
            clock.advance(delta)
    assert clock.offset == timedelta(0)


def test_headroom_is_what_is_left_before_max_time() -> None:
    clock = Clock()
    assert abs(clock.now() + clock.headroom() - MAX_TIME) < timedelta(seconds=1)
    clock.advance(clock.headroom() - timedelta(days=1))
    assert timedelta(0) < clock.headroom() <= timedelta(days=1)


def test_a_stored_offset_past_max_time_is_cut_down_to_it() -> None:
    # What an older version saved after "clock advance 3000000d" or an advance to year 9998.
    clock = Clock()
    clock.set_offset(datetime(9998, 1, 1, tzinfo=UTC) - datetime.now(UTC))
    assert clock.now() <= MAX_TIME + timedelta(seconds=1)
    assert clock.now() + timedelta(days=30) > clock.now()  # still room for a subscription period


def test_max_time_fits_in_64_bit_milliseconds_with_room_to_spare() -> None:
    assert MAX_TIME.timestamp() * 1000 < 2**53


def test_a_stored_offset_is_adopted_exactly_so_the_clock_can_go_back() -> None:
    clock = Clock()
    clock.set_offset(timedelta(days=2))
    assert clock.offset == timedelta(days=2)
    clock.set_offset(timedelta(hours=1))
    assert clock.offset == timedelta(hours=1)
    clock.reset()
    assert clock.offset == timedelta(0)


def test_the_clock_never_runs_behind_real_time() -> None:
    clock = Clock()
    clock.set_offset(timedelta(hours=-1))
    assert clock.offset == timedelta(0)


def test_sandbox_milliseconds_are_real_milliseconds_plus_the_offset() -> None:
    clock = Clock(timedelta(hours=1, milliseconds=7))
    assert clock.offset_ms == 3_600_007
    before = clock.real_now_ms()
    now = clock.now_ms()
    after = clock.real_now_ms()
    assert before + clock.offset_ms <= now <= after + clock.offset_ms

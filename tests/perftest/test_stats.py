"""Running statistics: what counts in the percentiles, examples, buckets, and a saved snapshot."""

from __future__ import annotations

import random

from appstore_sandbox.outbound.results import Attempt, SendAttemptResult
from appstore_sandbox.perftest.frames import RecordTuple
from appstore_sandbox.perftest.stats import EXAMPLES_PER_REASON, RunStats

SUCCESS, TIMED_OUT, REFUSED = (
    SendAttemptResult.SUCCESS,
    SendAttemptResult.TIMED_OUT,
    SendAttemptResult.NO_RESPONSE,
)


def _stats() -> RunStats:
    stats = RunStats()
    for sequence, latency_ms in enumerate((10, 20, 30, 40)):
        stats.record(sequence, f"ok-{sequence}", Attempt(SUCCESS, latency_ms * 1000, 200), 100)
    stats.record(4, "late", Attempt(TIMED_OUT, 700_000, None, "no complete response"), 250)
    stats.record(5, "refused", Attempt(REFUSED, None, None, "connection refused"), None)
    return stats


def test_counts_and_failures() -> None:
    stats = _stats()
    assert (stats.done, stats.successes) == (6, 4)
    assert stats.failures() == {"NO_RESPONSE": 1, "TIMED_OUT": 1}


def test_percentiles_cover_time_outs_but_not_requests_that_never_reached_the_server() -> None:
    stats = _stats()
    assert stats.histogram.get_total_count() == 5
    times = stats.response_times()
    assert times["p50"] == 30
    assert times["p99"] == 700
    assert stats.response_times_us()["p50"] // 1000 == 30


def test_send_lag_percentiles() -> None:
    lag = _stats().send_lag_ms()
    assert lag["p50"] == 0.1
    assert lag["max"] == 0.25


def test_examples_are_capped_per_reason() -> None:
    stats = RunStats()
    for sequence in range(EXAMPLES_PER_REASON + 5):
        stats.record(sequence, f"r{sequence}", Attempt(TIMED_OUT, 800_000, None, "late"))
    assert len(stats.examples["TIMED_OUT"]) == EXAMPLES_PER_REASON
    assert [example.sequence for example in stats.examples["TIMED_OUT"]] == [0, 1, 2]


def test_an_answer_at_the_threshold_lands_in_the_thresholds_bucket() -> None:
    stats = RunStats()
    stats.record(0, "edge", Attempt(SUCCESS, 700_000, 200))
    stats.record(1, "over", Attempt(SUCCESS, 701_000, 200))
    buckets = stats.histogram_buckets((500, 700, 1000))
    assert buckets == [
        {"upToMs": 500, "count": 0},
        {"upToMs": 700, "count": 1},
        {"upToMs": 1000, "count": 1},
        {"upToMs": -1, "count": 0},
    ]


def test_a_saved_snapshot_restores_every_figure() -> None:
    stats = _stats()
    stats.set_engine(pid=4242, clock="kernel", peakRssKb=51_200)
    restored = RunStats.restore(stats.progress_json())
    assert restored.progress_json() == stats.progress_json()
    assert restored.response_times() == stats.response_times()
    assert restored.send_lag_ms() == stats.send_lag_ms()
    assert restored.engine == {"pid": 4242, "clock": "kernel", "peakRssKb": 51_200}


def test_time_outs_are_not_counted_in_the_buckets_of_answers() -> None:
    # Time-outs are recorded at the time waited (the threshold), or a tick past it; at 150 ms
    # the histogram keeps 128 µs steps, so 150.0 and 150.09 ms fall in two different steps.
    stats = RunStats()
    stats.record(0, "answer", Attempt(SUCCESS, 149_000, 200))
    stats.record(1, "at", Attempt(TIMED_OUT, 150_000, None, "late"))
    stats.record(2, "past", Attempt(TIMED_OUT, 150_090, None, "late"))
    assert stats.histogram_buckets((100, 150, 200)) == [
        {"upToMs": 100, "count": 0},
        {"upToMs": 150, "count": 1},
        {"upToMs": 200, "count": 0},
        {"upToMs": -1, "count": 0},
    ]
    assert stats.response_times()["p99"] == 150, "the percentiles keep the time-outs"
    restored = RunStats.restore(stats.progress_json())
    assert restored.histogram_buckets((100, 150, 200)) == stats.histogram_buckets((100, 150, 200))


def _record_tuples() -> list[RecordTuple]:
    generator = random.Random(7)
    records: list[RecordTuple] = []
    for sequence in range(400):
        lag = generator.choice([None, 0, 3, 3, 40, 5_000])
        latency = generator.choice([150, 150, 151, 2_049, 52_000, 52_031, 700_000])
        roll = generator.random()
        if roll < 0.8:
            records.append((sequence, f"id-{sequence}", "SUCCESS", 200, latency, "", None, lag))
        elif roll < 0.85:
            problem = "message m1 is not approved"
            records.append((sequence, f"id-{sequence}", "SUCCESS", 200, latency, "", problem, lag))
        elif roll < 0.95:
            records.append(
                (sequence, f"id-{sequence}", "TIMED_OUT", None, 700_000, "late", None, lag)
            )
        else:
            records.append(
                (sequence, f"id-{sequence}", "NO_RESPONSE", None, None, "refused", None, None)
            )
    return records


def test_a_batch_counts_exactly_as_its_records_one_by_one() -> None:
    one_by_one, batched = RunStats(), RunStats()
    records = _record_tuples()
    for sequence, identifier, result, status, latency, explanation, problem, lag in records:
        attempt = Attempt(SendAttemptResult(result), latency, status, explanation, problem)
        one_by_one.record(sequence, identifier, attempt, lag)
    batched.record_batch(records[:150])
    batched.record_batch(records[150:])
    assert batched.progress_json() == one_by_one.progress_json()
    assert batched.response_times_us() == one_by_one.response_times_us()
    assert batched.send_lag_ms() == one_by_one.send_lag_ms()


def test_figures_follow_records_made_after_a_report() -> None:
    stats = RunStats()
    stats.record(0, "fast", Attempt(SUCCESS, 10_000, 200))
    assert stats.response_times()["p99"] == 10
    assert stats.histogram_buckets((50,)) == [
        {"upToMs": 50, "count": 1},
        {"upToMs": -1, "count": 0},
    ]
    stats.record_batch([(1, "slow", "SUCCESS", 200, 90_000, "", None, None)])
    assert stats.response_times()["p99"] == 90
    assert stats.histogram_buckets((50,)) == [
        {"upToMs": 50, "count": 1},
        {"upToMs": -1, "count": 1},
    ]


def test_a_batch_of_failures_alone_counts_no_successes() -> None:
    stats = RunStats()
    stats.record_batch([(0, "late", "TIMED_OUT", None, 700_000, "late", None, 5)])
    assert dict(stats.results) == {"TIMED_OUT": 1}
    assert (stats.done, stats.successes) == (1, 0)

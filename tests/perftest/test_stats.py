"""Running statistics: what counts in the percentiles, examples, buckets, and a saved snapshot."""

from __future__ import annotations

from appstore_sandbox.outbound.results import Attempt, SendAttemptResult
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

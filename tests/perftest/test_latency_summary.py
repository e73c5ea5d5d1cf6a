"""The one-pass summary gives exactly hdrh's own figures."""

from __future__ import annotations

import random

import pytest
from hdrh.histogram import HdrHistogram

from appstore_sandbox.perftest.latency_summary import Recorded


def _histogram(seed: int) -> HdrHistogram:
    generator = random.Random(seed)
    histogram = HdrHistogram(1, 3_600_000_000, 3)
    for _ in range(5000):
        histogram.record_value(int(generator.lognormvariate(11, 0.6)))
    histogram.record_value(3_000_000_000)
    return histogram


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentiles_and_mean_match_hdrh(seed: int) -> None:
    histogram = _histogram(seed)
    recorded = Recorded.of(histogram)
    for percentile in (0.0, 1.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0):
        assert recorded.value_at_percentile(percentile) == histogram.get_value_at_percentile(
            percentile
        )
    assert recorded.mean() == pytest.approx(histogram.get_mean_value(), rel=1e-12)


def test_an_empty_histogram() -> None:
    recorded = Recorded.of(HdrHistogram(1, 3_600_000_000, 3))
    assert (recorded.total, recorded.mean(), recorded.value_at_percentile(99)) == (0, 0.0, 0)


def test_counts_up_to_edges_by_each_buckets_lowest_value() -> None:
    histogram = HdrHistogram(1, 3_600_000_000, 3)
    for value in (10, 700_000, 700_100, 702_000, 2_000_000):
        histogram.record_value(value)
    counts = Recorded.of(histogram).counts_up_to((500_000, 700_000, 1_000_000))
    # 700.1 ms shares its bucket (lowest value 699.904 ms) with 700 ms; 702 ms does not.
    assert counts == [1, 2, 1, 1]


def test_a_snapshot_keeps_its_figures_when_more_values_are_recorded() -> None:
    histogram = _histogram(1)
    recorded = Recorded.of(histogram)
    before = (recorded.total, recorded.value_at_percentile(99), recorded.mean())
    for _ in range(5000):
        histogram.record_value(10)
    assert (recorded.total, recorded.value_at_percentile(99), recorded.mean()) == before


def test_a_histogram_restored_from_a_saved_run_gives_the_same_figures() -> None:
    histogram = _histogram(4)
    restored = HdrHistogram.decode(histogram.encode())
    original, copy = Recorded.of(histogram), Recorded.of(restored)
    for percentile in (0.0, 50.0, 99.0, 100.0):
        assert copy.value_at_percentile(percentile) == original.value_at_percentile(percentile)
    assert copy.mean() == original.mean()
    assert copy.counts_up_to((100_000, 1_000_000)) == original.counts_up_to((100_000, 1_000_000))


@pytest.mark.parametrize("value", [1, 2047, 2048, 2049, 3_600_000_000])
def test_a_single_value_at_the_edges_of_the_counters(value: int) -> None:
    histogram = HdrHistogram(1, 3_600_000_000, 3)
    histogram.record_value(value)
    recorded = Recorded.of(histogram)
    assert recorded.value_at_percentile(50) == histogram.get_value_at_percentile(50)
    assert recorded.mean() == pytest.approx(histogram.get_mean_value(), rel=1e-12)
    assert recorded.total == 1

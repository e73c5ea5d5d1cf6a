"""Percentiles, mean and bucket counts of an HdrHistogram from one pass over its counts.

hdrh's own methods walk all of the histogram's ~23,000 counters in Python for every figure,
tens of milliseconds each; a report needs seven figures and is polled several times a second
while a run goes on, on the core that also generates the load. Here the non-empty counters are
collected once, with scans that stay in C (a table per histogram shape gives each counter's
value), and every figure is read from that short list with the same rounding rules as hdrh's
(the results are identical). A ``Recorded`` is a snapshot: values recorded after it was taken
don't change its figures.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram


@dataclass(frozen=True)
class _Shape:
    """Per counter index of histograms of one shape: the lowest value it stands for, and half
    the width of its range (hdrh counts a value at its range's middle for the mean)."""

    values: list[int]
    half_widths: list[int]


@dataclass(frozen=True)
class Recorded:
    """The non-empty counters of a histogram: their lowest values, counts and half widths."""

    histogram: HdrHistogram
    values: list[int]  # ascending
    half_widths: list[int]
    counts: list[int]
    cumulative: list[int]  # counts up to and including each counter

    @classmethod
    def of(cls, histogram: HdrHistogram) -> Recorded:
        if not histogram.get_total_count():
            return cls(histogram, [], [], [], [])
        shape = _shape_of(histogram)
        # Only the counters from the smallest value's to the largest's can be non-empty. Read
        # as a plain list (from the ctypes array, without a copy) and filtered with
        # itertools.compress, they are scanned in C.
        low = bisect.bisect_right(shape.values, histogram.get_min_value()) - 1
        high = bisect.bisect_right(shape.values, histogram.get_max_value())
        counter_format = histogram.counts._type_._type_
        counters = memoryview(histogram.counts).cast("B").cast(counter_format)[low:high]
        counts = counters.tolist()
        filled = list(itertools.compress(counts, counts))
        return cls(
            histogram,
            list(itertools.compress(shape.values[low:high], counts)),
            list(itertools.compress(shape.half_widths[low:high], counts)),
            filled,
            list(itertools.accumulate(filled)),
        )

    @property
    def total(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0

    def value_at_percentile(self, percentile: float) -> int:
        """As ``HdrHistogram.get_value_at_percentile``."""
        if not self.total:
            return 0
        target = max(int(min(percentile, 100.0) * self.total / 100 + 0.5), 1)
        value = self.values[bisect.bisect_left(self.cumulative, target)]
        if percentile:
            return int(self.histogram.get_highest_equivalent_value(value))
        return value

    def mean(self) -> float:
        """As ``HdrHistogram.get_mean_value``: each counter counts at its range's middle."""
        if not self.total:
            return 0.0
        middles = map(operator.add, self.values, self.half_widths)
        return float(sum(map(operator.mul, middles, self.counts))) / self.total

    def counts_up_to(self, edges: tuple[int, ...]) -> list[int]:
        """Counts per bucket ``(previous edge, edge]`` by each counter's lowest value; the last
        is open. So a value just over an edge that shares its counter with the edge counts
        there. ``edges`` ascend."""
        cumulative = [0, *self.cumulative]
        reached = [cumulative[bisect.bisect_right(self.values, edge)] for edge in edges]
        bounds = [0, *reached, self.total]
        return [upper - lower for lower, upper in itertools.pairwise(bounds)]


def _shape_of(histogram: HdrHistogram) -> _Shape:
    return _shape(
        histogram.lowest_trackable_value,
        histogram.highest_trackable_value,
        histogram.significant_figures,
    )


@functools.cache
def _shape(lowest: int, highest: int, significant_figures: int) -> _Shape:
    model = HdrHistogram(lowest, highest, significant_figures)
    values = [_value_from_index(model, index) for index in range(model.counts_len)]
    half_widths = [(model.get_highest_equivalent_value(v) - v + 1) >> 1 for v in values]
    return _Shape(values, half_widths)


def _value_from_index(histogram: HdrHistogram, index: int) -> int:
    """As ``HdrHistogram.get_value_from_index``."""
    half_count = histogram.sub_bucket_half_count
    bucket_index = (index >> histogram.sub_bucket_half_count_magnitude) - 1
    sub_bucket_index = (index & (half_count - 1)) + half_count
    if bucket_index < 0:
        sub_bucket_index -= half_count
        bucket_index = 0
    return int(sub_bucket_index << (bucket_index + histogram.unit_magnitude))

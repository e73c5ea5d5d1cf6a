"""Percentiles, mean and bucket counts of an HdrHistogram from one pass over its counts.

hdrh's own methods walk all of the histogram's ~23,000 counters in Python for every figure,
tens of milliseconds each; a report needs seven figures and is polled several times a second
while a run goes on. Here the non-empty counters are collected once and every figure is read
from that short list, with the same rounding rules as hdrh's (the results are identical).
A ``Recorded`` is a snapshot: values recorded after it was taken don't change its figures.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram


@dataclass(frozen=True)
class Recorded:
    """The non-empty buckets of a histogram: each bucket's lowest value and its count."""

    histogram: HdrHistogram
    buckets: list[tuple[int, int]]
    total: int

    @classmethod
    def of(cls, histogram: HdrHistogram) -> Recorded:
        # The counters are a ctypes array; read as a plain list they are five times quicker
        # to scan, and itertools.compress keeps the scan itself in C.
        counter_format = histogram.counts._type_._type_
        counts = memoryview(histogram.counts).cast("B").cast(counter_format).tolist()
        filled = itertools.compress(range(len(counts)), counts)
        buckets = [(_value_from_index(histogram, index), counts[index]) for index in filled]
        return cls(histogram, buckets, sum(count for _, count in buckets))

    def value_at_percentile(self, percentile: float) -> int:
        """As ``HdrHistogram.get_value_at_percentile``."""
        target = max(int(min(percentile, 100.0) * self.total / 100 + 0.5), 1)
        seen = 0
        for value, count in self.buckets:
            seen += count
            if seen >= target:
                if percentile:
                    return int(self.histogram.get_highest_equivalent_value(value))
                return value
        return 0

    def mean(self) -> float:
        """As ``HdrHistogram.get_mean_value``: each bucket counts at its middle value."""
        if not self.total:
            return 0.0
        highest = self.histogram.get_highest_equivalent_value
        weighted = sum(
            (value + ((highest(value) - value + 1) >> 1)) * count for value, count in self.buckets
        )
        return float(weighted) / self.total

    def counts_up_to(self, edges: tuple[int, ...]) -> list[int]:
        """Counts per bucket ``(previous edge, edge]`` by each bucket's lowest value; the last
        is open. So a value just over an edge that shares its bucket with the edge counts there.
        """
        counts = [0] * (len(edges) + 1)
        for value, count in self.buckets:
            index = next((i for i, edge in enumerate(edges) if value <= edge), -1)
            counts[index] += count
        return counts


def _value_from_index(histogram: HdrHistogram, index: int) -> int:
    """As ``HdrHistogram.get_value_from_index``, in one call instead of two."""
    half_count = histogram.sub_bucket_half_count
    bucket_index = (index >> histogram.sub_bucket_half_count_magnitude) - 1
    sub_bucket_index = (index & (half_count - 1)) + half_count
    if bucket_index < 0:
        sub_bucket_index -= half_count
        bucket_index = 0
    return int(sub_bucket_index << (bucket_index + histogram.unit_magnitude))

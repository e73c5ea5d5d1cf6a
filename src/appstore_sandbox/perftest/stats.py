"""Running statistics of a performance test: counts, failure examples and a latency histogram.

Memory stays flat whatever ``totalRequests`` is: an HdrHistogram, a counter per result, and at
most ``EXAMPLES_PER_REASON`` example failures per result.
"""

from __future__ import annotations

import base64
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from appstore_sandbox.outbound.results import Attempt, SendAttemptResult
from appstore_sandbox.perftest.catalog_tally import CatalogTally
from appstore_sandbox.perftest.frames import RecordTuple
from appstore_sandbox.perftest.latency_summary import Recorded

EXAMPLES_PER_REASON = 3
_SUCCESS = SendAttemptResult.SUCCESS.value
_LOWEST_US, _HIGHEST_US, _DIGITS = 1, 3_600_000_000, 3
PERCENTILES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}


@dataclass(frozen=True)
class FailureExample:
    sequence: int
    request_identifier: str
    result: str
    http_status: int | None
    latency_ms: float | None
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "requestIdentifier": self.request_identifier,
            "sendAttemptResult": self.result,
            "httpStatus": self.http_status,
            "latencyMs": self.latency_ms,
            "explanation": self.explanation,
        }


@dataclass
class RunStats:
    """Thread-safe: the engine records from its thread while the API reads snapshots."""

    histogram: HdrHistogram = field(default_factory=lambda: _histogram())
    done: int = 0
    successes: int = 0
    results: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[FailureExample]] = field(default_factory=dict)
    catalog: CatalogTally = field(default_factory=CatalogTally)
    send_lag: HdrHistogram = field(default_factory=lambda: _histogram())
    # The time-outs of ``histogram`` again: a time-out is no answer, and the buckets of answers
    # leave them out (they get a row of their own), while the percentiles keep them.
    timed_out: HdrHistogram = field(default_factory=lambda: _histogram())
    engine: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _snapshots: dict[int, Recorded] = field(default_factory=dict, repr=False)

    def record(
        self,
        sequence: int,
        request_identifier: str,
        attempt: Attempt,
        send_lag_us: int | None = None,
    ) -> None:
        with self._lock:
            if send_lag_us is not None:
                _record_values(self.send_lag, (send_lag_us,))
            self._record(sequence, request_identifier, attempt)

    def record_batch(self, records: Sequence[RecordTuple]) -> None:
        """The outcomes of a frame from the engine, at a fraction of ``record``'s cost each.

        This runs on the core that also generates the load, thousands of times a second: plain
        successes are only counted here, and their latencies go to the histogram grouped by
        value (one ``record_value`` per distinct value). The rest are recorded one by one.
        """
        latencies: list[int] = []
        send_lags: list[int] = []
        others: list[RecordTuple] = []
        for record in records:
            _, _, result, _, latency_us, _, catalog_problem, send_lag_us = record
            if send_lag_us is not None:
                send_lags.append(send_lag_us)
            if result == _SUCCESS and catalog_problem is None and latency_us is not None:
                latencies.append(latency_us)
            else:
                others.append(record)
        with self._lock:
            _record_values(self.send_lag, send_lags)
            if latencies:
                _record_values(self.histogram, latencies)
                self.done += len(latencies)
                self.successes += len(latencies)
                self.results[_SUCCESS] += len(latencies)
            for sequence, identifier, result, status, latency_us, explanation, problem, _ in others:
                attempt = Attempt(
                    SendAttemptResult(result), latency_us, status, explanation, problem
                )
                self._record(sequence, identifier, attempt)

    def _record(self, sequence: int, request_identifier: str, attempt: Attempt) -> None:
        """One outcome; the caller holds the lock."""
        self.done += 1
        self.results[attempt.result.value] += 1
        if attempt.succeeded:
            self.successes += 1
        # Percentiles cover every request that was sent: complete answers and time-outs
        # (at the time waited); not requests that never reached the server (refused, DNS).
        if attempt.latency_us is not None and _was_sent(attempt):
            latency_us = max(_LOWEST_US, min(attempt.latency_us, _HIGHEST_US))
            self.histogram.record_value(latency_us)
            if attempt.result is SendAttemptResult.TIMED_OUT:
                self.timed_out.record_value(latency_us)
        if not attempt.succeeded:
            examples = self.examples.setdefault(attempt.result.value, [])
            if len(examples) < EXAMPLES_PER_REASON:
                examples.append(_example(sequence, request_identifier, attempt))
        if attempt.catalog_problem:
            self.catalog.record(sequence, request_identifier, attempt.catalog_problem)

    def response_times(self) -> dict[str, int]:
        """Apple's PerformanceTestResponseTimes, integer milliseconds."""
        return {name: _ms(value) for name, value in self.response_times_us().items()}

    def response_times_us(self) -> dict[str, int]:
        """The same figures in microseconds, as precise as the histogram keeps them."""
        with self._lock:
            recorded = self._recorded(self.histogram)
        if recorded.total == 0:
            return {"average": 0, **dict.fromkeys(PERCENTILES, 0)}
        times = {"average": round(recorded.mean())}
        for name, percentile in PERCENTILES.items():
            times[name] = recorded.value_at_percentile(percentile)
        return times

    def send_lag_ms(self) -> dict[str, float]:
        """How late requests left against their schedule: p50, p99 and the worst, in ms."""
        with self._lock:
            recorded = self._recorded(self.send_lag)
            worst = self.send_lag.get_max_value()
        if recorded.total == 0:
            return {"p50": 0.0, "p99": 0.0, "max": 0.0}
        return {
            "p50": recorded.value_at_percentile(50) / 1000,
            "p99": recorded.value_at_percentile(99) / 1000,
            "max": worst / 1000,
        }

    def set_engine(self, **facts: Any) -> None:
        """What the engine process said about itself: pid, clock, peak memory."""
        with self._lock:
            self.engine.update(facts)

    def catalog_problems(self) -> dict[str, Any]:
        with self._lock:
            return self.catalog.to_json()

    def failures(self) -> dict[str, int]:
        with self._lock:
            return {
                reason: count
                for reason, count in sorted(self.results.items())
                if reason != SendAttemptResult.SUCCESS.value
            }

    def histogram_buckets(self, edges_ms: tuple[int, ...]) -> list[dict[str, int]]:
        """Answers counted per bucket ``(previous edge, edge]`` of their latency; the last is
        open. Time-outs are not answers: they are counted in ``failures`` only."""
        with self._lock:
            recorded, timed_out = self._recorded(self.histogram), self._recorded(self.timed_out)
        # By the lowest value a bucket stands for, so 699.9 ms never counts as "> 700 ms".
        edges_us = tuple(edge * 1000 for edge in edges_ms)
        counts = recorded.counts_up_to(edges_us)
        late = timed_out.counts_up_to(edges_us)
        return [
            {"upToMs": edge, "count": count - not_answered}
            for edge, count, not_answered in zip((*edges_ms, -1), counts, late, strict=True)
        ]

    def _recorded(self, histogram: HdrHistogram) -> Recorded:
        """A snapshot of ``histogram``, taken again only when it has changed (a report reads
        the latency histogram three times); the caller holds the lock."""
        snapshot = self._snapshots.get(id(histogram))
        if (
            snapshot is None
            or snapshot.histogram is not histogram
            or snapshot.total != histogram.get_total_count()
        ):
            snapshot = self._snapshots[id(histogram)] = Recorded.of(histogram)
        return snapshot

    def encoded_histogram(self) -> str:
        with self._lock:
            return base64.b64encode(self.histogram.encode()).decode()

    @classmethod
    def restore(cls, data: dict[str, Any]) -> RunStats:
        """Stats from a saved progress snapshot (see ``progress_json``)."""
        stats = cls()
        if data.get("histogram"):
            stats.histogram = HdrHistogram.decode(base64.b64decode(data["histogram"]))
        stats.done = int(data.get("done", 0))
        stats.successes = int(data.get("successes", 0))
        stats.results = Counter(data.get("results", {}))
        stats.examples = {
            reason: [FailureExample(**_example_fields(item)) for item in items]
            for reason, items in data.get("examples", {}).items()
        }
        stats.catalog = CatalogTally.from_json(data.get("catalog"))
        if data.get("sendLag"):
            stats.send_lag = HdrHistogram.decode(base64.b64decode(data["sendLag"]))
        if data.get("timedOut"):
            stats.timed_out = HdrHistogram.decode(base64.b64decode(data["timedOut"]))
        stats.engine = dict(data.get("engine", {}))
        return stats

    def progress_json(self) -> dict[str, Any]:
        histogram = self.encoded_histogram()
        with self._lock:
            send_lag = base64.b64encode(self.send_lag.encode()).decode()
            timed_out = base64.b64encode(self.timed_out.encode()).decode()
            return {
                "done": self.done,
                "successes": self.successes,
                "results": dict(self.results),
                "examples": {
                    reason: [example.to_json() for example in items]
                    for reason, items in self.examples.items()
                },
                "histogram": histogram,
                "catalog": self.catalog.to_json(),
                "sendLag": send_lag,
                "timedOut": timed_out,
                "engine": dict(self.engine),
            }


def _histogram() -> HdrHistogram:
    return HdrHistogram(_LOWEST_US, _HIGHEST_US, _DIGITS)


def _record_values(histogram: HdrHistogram, values: Iterable[int]) -> None:
    """Record each value, clamped to the histogram's range; hdrh's Python per distinct value."""
    for value, count in Counter(values).items():
        histogram.record_value(max(_LOWEST_US, min(value, _HIGHEST_US)), count)


def _was_sent(attempt: Attempt) -> bool:
    return attempt.result not in (SendAttemptResult.NO_RESPONSE, SendAttemptResult.SOCKET_ISSUE)


def _example(sequence: int, request_identifier: str, attempt: Attempt) -> FailureExample:
    latency = None if attempt.latency_us is None else round(attempt.latency_us / 1000, 1)
    return FailureExample(
        sequence,
        request_identifier,
        attempt.result.value,
        attempt.http_status,
        latency,
        attempt.explanation,
    )


def _example_fields(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "sequence": item["sequence"],
        "request_identifier": item["requestIdentifier"],
        "result": item["sendAttemptResult"],
        "http_status": item["httpStatus"],
        "latency_ms": item["latencyMs"],
        "explanation": item["explanation"],
    }


def _ms(microseconds: float) -> int:
    return round(microseconds / 1000)

"""Latency fidelity through the product: the engine's p50/p99 beside wrk's against a 50 ms server.

    python benchmarks/fidelity.py            # about 4 minutes

The target (a raw uvloop server from ``_common`` answering 50 ms after each request) runs on
core 0. On core 1, in turn: the sandbox's engine (``serve`` on core 1, each run started by the
``perf-test`` CLI with ``--rate max`` and live progress on a pseudo-terminal) and wrk with one
thread and as many connections as the run's concurrency, posting a body the engine signed.
The third row repeats 10 in flight with a busy loop pinned to core 1. Each cell is the median of
three runs. Targets: |Δp50| <= 0.5 ms and |Δp99| <= 2 ms; under the hog, the engine's p99 within
2 ms of quiet wrk's (wrk under the same hog is printed beside it).
"""

from __future__ import annotations

import argparse
import os
import re
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from _common import (
    GENERATOR_CORE,
    HERE,
    MESSAGE_BODY,
    RUNS,
    cpu_hog,
    cpu_seconds,
    delay_target,
    keep_off_generator_core,
    median_of_runs,
    pinned,
    print_table,
    require,
    run,
    warn_if_busy,
)
from _sandbox import (
    Report,
    Sandbox,
    engine_line,
    engine_numbers,
    failed,
    percentiles,
    perf_test,
    sandbox,
    signed_body_file,
    warn_without_progress,
)

IN_FLIGHT = (10, 100)
HOG_IN_FLIGHT = 10
DELAY_MS = 50
SECONDS = 10
TARGET_P50_MS, TARGET_P99_MS = 0.5, 2.0
Numbers = dict[str, float]
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def engine_percentiles(box: Sandbox, url: str, in_flight: int) -> tuple[Numbers, Report]:
    """p50 and p99 of one perf-test run of about ``SECONDS``, as precise as the product says."""
    total = in_flight * SECONDS * 1000 // DELAY_MS  # one reply per delay per request in flight
    done = perf_test(box, url, total, in_flight, timeout_s=SECONDS * 6 + 60)
    failed(done.report)
    warn_without_progress(done)
    found = percentiles(box, done.report)
    return {"p50": found.p50_ms, "p99": found.p99_ms}, done.report


def wrk_percentiles(url: str, in_flight: int, body_file: Path) -> Numbers:
    command = ["wrk", "-t1", f"-c{in_flight}", f"-d{SECONDS}s", "--latency"]
    command += ["-s", str(HERE / "post.lua"), url]
    env = {**os.environ, "BENCH_BODY_FILE": str(body_file)}
    output = run(pinned(GENERATOR_CORE, command), SECONDS + 30, env)
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw errors:\n{output}")
    block = output.split("Latency Distribution", 1)[1]
    found = dict(re.findall(r"(\d+)%\s+([\d.]+(?:us|ms|s))", block))
    return {"p50": _ms(found["50"]), "p99": _ms(found["99"])}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNIT_MS[unit]


def under_hog(measure: Callable[[], Numbers]) -> Numbers:
    with cpu_hog(GENERATOR_CORE, max_s=SECONDS * 6 + 90):
        time.sleep(0.5)  # let the scheduler see it as a steady competitor
        return measure()


class Bench:
    """One sandbox, one target, one signed body. ``one_run`` measures every cell of the table
    once, so drift between runs hits all of them alike."""

    def __init__(self, box: Sandbox, url: str, server_pid: int, body_file: Path) -> None:
        self.box, self.url, self.server_pid, self.body_file = box, url, server_pid, body_file
        self.last_report: Report = {}
        self.target_busy = 0.0

    def one_run(self) -> Numbers:
        numbers: Numbers = {}
        for in_flight in IN_FLIGHT:
            numbers |= self._tagged(f"{in_flight} engine", partial(self.engine, in_flight))
            numbers |= engine_numbers(self.last_report) if in_flight == HOG_IN_FLIGHT else {}
            numbers |= self._tagged(f"{in_flight} wrk", partial(self.wrk, in_flight))
        hog = f"{HOG_IN_FLIGHT} hog"
        numbers |= self._tagged(
            f"{hog} engine", partial(under_hog, partial(self.engine, HOG_IN_FLIGHT))
        )
        numbers |= self._tagged(f"{hog} wrk", partial(under_hog, partial(self.wrk, HOG_IN_FLIGHT)))
        return numbers

    def engine(self, in_flight: int) -> Numbers:
        numbers, self.last_report = engine_percentiles(self.box, self.url, in_flight)
        return numbers

    def wrk(self, in_flight: int) -> Numbers:
        return wrk_percentiles(self.url, in_flight, self.body_file)

    def _tagged(self, prefix: str, measure: Callable[[], Numbers]) -> Numbers:
        """``measure``'s numbers under ``prefix``; notes the largest share of core 0 the target
        server used meanwhile (it must not be the bottleneck)."""
        before, started = cpu_seconds(self.server_pid), time.monotonic()
        numbers = measure()
        share = (cpu_seconds(self.server_pid) - before) / (time.monotonic() - started)
        self.target_busy = max(self.target_busy, share)
        return {f"{prefix} {name}": value for name, value in numbers.items()}


def delta(ours: float, theirs: float, target: float | None) -> str:
    difference = ours - theirs
    missed = target is not None and abs(difference) > target
    return f"{difference:+.2f}" + (f" (> {target:g})" if missed else "")


def row(label: str, ours: str, theirs: str, r: Numbers, hog: str = "") -> list[str]:
    """A table row: ``ours`` and ``theirs`` are key prefixes in the medians ``r``."""
    return [
        label,
        f"{r[ours + ' p50']:.2f}",
        f"{r[theirs + ' p50']:.2f}",
        delta(r[ours + " p50"], r[theirs + " p50"], None if hog else TARGET_P50_MS),
        f"{r[ours + ' p99']:.2f}",
        f"{r[theirs + ' p99']:.2f}",
        delta(r[ours + " p99"], r[theirs + " p99"], TARGET_P99_MS),
        f"{r[hog + ' p50']:.2f} / {r[hog + ' p99']:.2f}" if hog else "",
    ]


def rows(r: Numbers) -> list[list[str]]:
    quiet = [row(f"{n} in flight", f"{n} engine", f"{n} wrk", r) for n in IN_FLIGHT]
    n = HOG_IN_FLIGHT
    return [
        *quiet,
        row(f"{n} in flight, CPU hog", f"{n} hog engine", f"{n} wrk", r, f"{n} hog wrk"),
    ]


HEADERS = ["load", "engine p50", "wrk p50", "Δp50", "engine p99", "wrk p99", "Δp99",
           "wrk p50 / p99 under hog"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    require("wrk", "taskset")
    warn_if_busy()
    keep_off_generator_core()
    with (
        sandbox() as box,
        delay_target(DELAY_MS) as (url, pid),
        signed_body_file(box, MESSAGE_BODY.encode()) as body_file,
    ):
        bench = Bench(box, url, pid, body_file)
        medians = median_of_runs(args.runs, "fidelity", bench.one_run)
        source = percentiles(box, bench.last_report).source
    print_table(HEADERS, rows(medians))
    print(f"(milliseconds; engine percentiles from {source}. The hog row: the engine with a busy "
          f"loop on core 1 beside quiet wrk, the target; last column, wrk under the same hog. "
          f"The target server kept core 0 at most {bench.target_busy:.0%} busy.)")  # fmt: skip
    print(engine_line(bench.last_report) + " (last run, under the hog)")


if __name__ == "__main__":
    main()

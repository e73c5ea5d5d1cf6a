"""Latency fidelity: the engine's p50/p99 beside wrk's against a server with a fixed 50 ms delay.

The target (a raw asyncio + uvloop server from ``_common``) runs on core 0; the engine and wrk
each run on core 1 in turn. Each cell is the median of three runs.
Target: |delta p50| <= 0.5 ms and |delta p99| <= 2 ms.
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
    RUNS,
    cpu_seconds,
    delay_target,
    engine,
    median_of_runs,
    pinned,
    print_table,
    require,
    run,
    signed_body_file,
    warn_if_busy,
)

IN_FLIGHT = (10, 100)
DELAY_MS = 50
SECONDS = 10
TARGET_P50_MS, TARGET_P99_MS = 0.5, 2.0
Percentiles = Callable[[], tuple[float, float]]
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def engine_percentiles(url: str, in_flight: int) -> tuple[float, float]:
    total = in_flight * SECONDS * 1000 // DELAY_MS  # about SECONDS at one reply per delay
    summary = engine(url, total, in_flight, max_seconds=SECONDS * 6)
    return summary["p50_ms"], summary["p99_ms"]


def wrk_percentiles(url: str, in_flight: int, body_file: Path) -> tuple[float, float]:
    command = ["wrk", "-t1", f"-c{in_flight}", f"-d{SECONDS}s", "--latency"]
    command += ["-s", str(HERE / "post.lua"), url]
    env = {**os.environ, "BENCH_BODY_FILE": str(body_file)}
    output = run(pinned(GENERATOR_CORE, command), SECONDS + 30, env)
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw errors:\n{output}")
    block = output.split("Latency Distribution", 1)[1]
    found = dict(re.findall(r"(\d+)%\s+([\d.]+(?:us|ms|s))", block))
    return _ms(found["50"]), _ms(found["99"])


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNIT_MS[unit]


def with_server_load(server_pid: int, percentiles: Percentiles) -> tuple[float, float, float]:
    """p50 and p99 of one load run, and the share of core 0 the target used meanwhile."""
    cpu_before, started = cpu_seconds(server_pid), time.monotonic()
    p50, p99 = percentiles()
    return p50, p99, (cpu_seconds(server_pid) - cpu_before) / (time.monotonic() - started)


def one_run(url: str, server_pid: int, in_flight: int, body_file: Path) -> dict[str, float]:
    ours = with_server_load(server_pid, partial(engine_percentiles, url, in_flight))
    theirs = with_server_load(server_pid, partial(wrk_percentiles, url, in_flight, body_file))
    return {
        "engine p50": ours[0],
        "engine p99": ours[1],
        "wrk p50": theirs[0],
        "wrk p99": theirs[1],
        "target busy": max(ours[2], theirs[2]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    require("wrk", "taskset")
    warn_if_busy()
    rows, busy = [], []
    with delay_target(DELAY_MS) as (url, pid), signed_body_file() as body_file:
        for in_flight in IN_FLIGHT:
            run_once = partial(one_run, url, pid, in_flight, body_file)
            r = median_of_runs(args.runs, f"{in_flight} in flight", run_once)
            d50, d99 = r["engine p50"] - r["wrk p50"], r["engine p99"] - r["wrk p99"]
            rows.append(
                [
                    str(in_flight),
                    f"{r['engine p50']:.2f}",
                    f"{r['wrk p50']:.2f}",
                    f"{d50:+.2f}" + ("" if abs(d50) <= TARGET_P50_MS else " (> 0.5)"),
                    f"{r['engine p99']:.2f}",
                    f"{r['wrk p99']:.2f}",
                    f"{d99:+.2f}" + ("" if abs(d99) <= TARGET_P99_MS else " (> 2)"),
                ]
            )
            busy.append(f"{r['target busy']:.0%} at {in_flight}")
    print_table(
        ["in flight", "engine p50", "wrk p50", "Δp50", "engine p99", "wrk p99", "Δp99"], rows
    )
    print(f"(milliseconds; the target server kept core 0 busy {', '.join(busy)} in flight)")


if __name__ == "__main__":
    main()

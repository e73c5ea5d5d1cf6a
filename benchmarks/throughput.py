"""Signed requests per second through the product, beside Locust's unsigned ones, against nginx.

    python benchmarks/throughput.py          # about 2.5 minutes

nginx (one worker) answers a static, valid RealtimeResponseBody on core 0. On core 1: the sandbox
(``appstore-sandbox serve``, and so its engine), the ``perf-test`` CLI that starts each run with
``--rate max`` and draws its live progress on a pseudo-terminal, and Locust's FastHttpUser posting
one body the engine signed, with as many users as the run's concurrency. Each cell is the median
of three runs. Target: engine >= 1.5 x Locust.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

from _common import (
    MESSAGE_BODY,
    RUNS,
    keep_off_generator_core,
    locust_run,
    median_of_runs,
    nginx_target,
    print_table,
    require,
    warn_if_busy,
)
from _sandbox import (
    Report,
    Sandbox,
    elapsed_s,
    engine_line,
    engine_numbers,
    failed,
    perf_test,
    sandbox,
    signed_body_file,
    warn_without_progress,
)

CONCURRENCIES = (10, 50)
SECONDS = 10  # each side's run length
CALIBRATION = (3_000, 12_000)  # two unmeasured runs per concurrency size the measured ones
MIN_REQUESTS = 2_000
TARGET_RATIO = 1.5


def engine_run(box: Sandbox, url: str, concurrency: int, requests: int) -> Report:
    done = perf_test(box, url, requests, concurrency, timeout_s=SECONDS * 12 + 60)
    failed(done.report)
    warn_without_progress(done)
    return done.report


def engine_rps(report: Report) -> float:
    """totalRequests over the run's elapsed time as its report gives it."""
    return float(report["result"]["config"]["totalRequests"]) / elapsed_s(report)


def calibrated_requests(box: Sandbox, url: str, concurrency: int) -> int:
    """About ``SECONDS`` worth of requests. Two unmeasured runs of different sizes give the rate
    without the fixed cost of starting a run (which would make a short run look slow)."""
    small, large = (elapsed_s(engine_run(box, url, concurrency, n)) for n in CALIBRATION)
    rate = (CALIBRATION[1] - CALIBRATION[0]) / max(0.1, large - small)
    start_s = max(0.0, small - CALIBRATION[0] / rate)
    requests = max(MIN_REQUESTS, int(round(rate * SECONDS, -3)))
    print(f"concurrency {concurrency}: {rate:,.0f} req/s after about {start_s:.2f} s to start "
          f"a run; runs of {requests:,}", file=sys.stderr)  # fmt: skip
    return requests


def one_run(
    box: Sandbox, url: str, concurrency: int, requests: int, body_file: Path, last: list[Report]
) -> dict[str, float]:
    report = engine_run(box, url, concurrency, requests)
    last[:] = [report]
    return {
        "engine": engine_rps(report),
        "locust": locust_run(url, concurrency, body_file, SECONDS).requests_per_second,
        "engine s": elapsed_s(report),
        **engine_numbers(report),
    }


def row(concurrency: int, result: dict[str, float]) -> list[str]:
    ratio = result["engine"] / result["locust"]
    verdict = "" if ratio >= TARGET_RATIO else f" (< {TARGET_RATIO})"
    return [
        str(concurrency),
        f"{result['engine']:,.0f}",
        f"{result['locust']:,.0f}",
        f"{ratio:.2f}{verdict}",
        f"{result['engine s']:.1f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine-requests", type=int, default=None, help="instead of sizing")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    require("nginx", "locust", "taskset")
    warn_if_busy()
    keep_off_generator_core()
    rows: list[list[str]] = []
    last: list[Report] = []
    with (
        sandbox() as box,
        nginx_target() as url,
        signed_body_file(box, MESSAGE_BODY.encode()) as body_file,
    ):
        for concurrency in CONCURRENCIES:
            requests = args.engine_requests or calibrated_requests(box, url, concurrency)
            run_once = partial(one_run, box, url, concurrency, requests, body_file, last)
            result = median_of_runs(args.runs, f"concurrency {concurrency}", run_once)
            rows.append(row(concurrency, result))
    headers = ["concurrency", "engine req/s (signed)", "locust req/s (unsigned)", "ratio"]
    print_table([*headers, "engine run s"], rows)
    print(engine_line(last[0]) + " (last run)")


if __name__ == "__main__":
    main()

"""Signed requests per second of the performance test engine beside Locust's, against nginx.

nginx (one worker) answers a static RealtimeResponseBody on core 0; the load generator runs on
core 1. The engine signs every body; Locust's FastHttpUser posts one pre-signed body of the same
size. Each cell is the median of three runs. Target: engine >= 1.5 x Locust.
"""

from __future__ import annotations

import argparse
import json
import os
from functools import partial
from pathlib import Path

from _common import (
    GENERATOR_CORE,
    HERE,
    RUNS,
    engine,
    median_of_runs,
    nginx_target,
    pinned,
    print_table,
    require,
    run,
    signed_body_file,
    warn_if_busy,
)

CONCURRENCIES = (10, 50)
ENGINE_REQUESTS = 45_000  # about ten seconds at ~4,500 req/s
LOCUST_SECONDS = 10
TARGET_RATIO = 1.5


def engine_rps(url: str, concurrency: int, requests: int) -> float:
    return float(engine(url, requests, concurrency, max_seconds=120)["requests_per_second"])


def locust_rps(url: str, users: int, body_file: Path) -> float:
    command = ["locust", "-f", str(HERE / "_locustfile.py"), "--headless", "--only-summary"]
    command += ["--users", str(users), "--spawn-rate", str(users)]
    command += ["--run-time", f"{LOCUST_SECONDS}s", "--stop-timeout", "0"]
    command += ["--host", url.rstrip("/"), "--json", "--loglevel", "WARNING"]
    env = {**os.environ, "BENCH_BODY_FILE": str(body_file)}
    entries = json.loads(run(pinned(GENERATOR_CORE, command), LOCUST_SECONDS + 60, env))
    failures = sum(entry["num_failures"] for entry in entries)
    if failures:
        raise RuntimeError(f"locust saw {failures} failed requests")
    seconds = max(e["last_request_timestamp"] for e in entries) - min(
        e["start_time"] for e in entries
    )
    return sum(entry["num_requests"] for entry in entries) / seconds


def one_run(url: str, concurrency: int, requests: int, body_file: Path) -> dict[str, float]:
    return {
        "engine": engine_rps(url, concurrency, requests),
        "locust": locust_rps(url, concurrency, body_file),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine-requests", type=int, default=ENGINE_REQUESTS)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    require("nginx", "locust", "taskset")
    warn_if_busy()
    rows = []
    with nginx_target() as url, signed_body_file() as body_file:
        for concurrency in CONCURRENCIES:
            run_once = partial(one_run, url, concurrency, args.engine_requests, body_file)
            result = median_of_runs(args.runs, f"concurrency {concurrency}", run_once)
            ratio = result["engine"] / result["locust"]
            verdict = "" if ratio >= TARGET_RATIO else f" (< {TARGET_RATIO})"
            row = [str(concurrency), f"{result['engine']:,.0f}", f"{result['locust']:,.0f}"]
            rows.append([*row, f"{ratio:.2f}{verdict}"])
    print_table(["concurrency", "engine req/s (signed)", "locust req/s (unsigned)", "ratio"], rows)


if __name__ == "__main__":
    main()

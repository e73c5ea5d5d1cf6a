"""Where the generator core's CPU goes during a run, per request, beside Locust's.

    python benchmarks/generator_cpu.py          # about 1 minute

nginx answers on core 0, as in throughput.py. On core 1: ``appstore-sandbox serve`` and the
``perf-test`` CLI (live progress on, under a pseudo-terminal) run ``--rate max`` with 10 in flight,
then Locust's FastHttpUser posts the same signed body for 10 s. Each figure is CPU time (user +
system, from ``/proc`` and ``os.times``) divided by the requests sent:

- engine: the run's engine process (a child of ``serve``, counted once ``serve`` has reaped it);
- sandbox: the ``serve`` process itself, during the run (folding outcomes into the run's
  statistics, writing per-request records, answering the CLI's polls);
- CLI: the ``perf-test`` process, start to end, less a one-request run's (its start-up);
- Locust: the Locust process.

Every cell is the median of three runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

from _common import (
    GENERATOR_CORE,
    MESSAGE_BODY,
    RUNS,
    children_cpu_s,
    cpu_seconds,
    keep_off_generator_core,
    locust_run,
    median_of_runs,
    nginx_target,
    print_table,
    require,
    warn_if_busy,
)
from _sandbox import Sandbox, elapsed_s, perf_test, sandbox, signed_body_file

IN_FLIGHT = 10
SECONDS = 10
REQUESTS = 150_000


def cli_and_run_cpu(box: Sandbox, url: str, requests: int) -> tuple[float, float, float, int]:
    """CPU seconds of the sandbox, its engine and the CLI over one run, and the requests sent."""
    sandbox_before = cpu_seconds(box.pid)
    engines_before = cpu_seconds(box.pid, reaped_children=True)
    cli_before = children_cpu_s(os.times())
    done = perf_test(box, url, requests, IN_FLIGHT, timeout_s=SECONDS * 12 + 60)
    cli_s = children_cpu_s(os.times()) - cli_before
    sandbox_s = cpu_seconds(box.pid) - sandbox_before
    engine_s = cpu_seconds(box.pid, reaped_children=True) - engines_before
    sent = int(done.report["result"]["config"]["totalRequests"])
    print(f"run of {sent:,} in {elapsed_s(done.report):.1f} s", file=sys.stderr)
    return sandbox_s, engine_s, cli_s, sent


def one_run(box: Sandbox, url: str, body_file: Path, cli_start_s: float) -> dict[str, float]:
    sandbox_s, engine_s, cli_s, sent = cli_and_run_cpu(box, url, REQUESTS)
    locust = locust_run(url, IN_FLIGHT, body_file, SECONDS)
    ours = {
        "engine": engine_s / sent * 1e6,
        "sandbox": sandbox_s / sent * 1e6,
        "CLI": max(0.0, cli_s - cli_start_s) / sent * 1e6,
    }
    return {**ours, "ours": sum(ours.values()), "locust": locust.cpu_s / locust.requests * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    require("nginx", "locust", "taskset")
    warn_if_busy()
    keep_off_generator_core()
    with (
        sandbox(GENERATOR_CORE) as box,
        nginx_target() as url,
        signed_body_file(box, MESSAGE_BODY.encode()) as body_file,
    ):
        cli_start_s = cli_and_run_cpu(box, url, 1)[2]
        measure = partial(one_run, box, url, body_file, cli_start_s)
        result = median_of_runs(args.runs, f"{IN_FLIGHT} in flight", measure)
    print_table(
        ["µs of CPU per request", "engine", "sandbox", "CLI", "all of ours (signed)", "Locust"],
        [
            [
                f"{IN_FLIGHT} in flight",
                *(f"{result[name]:.1f}" for name in ("engine", "sandbox", "CLI", "ours")),
                f"{result['locust']:.1f}",
            ]
        ],
    )


if __name__ == "__main__":
    main()

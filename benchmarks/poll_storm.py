"""Latency under a poll storm: the same run with and without hundreds of report polls meanwhile.

    python benchmarks/poll_storm.py          # 1.5 to 4 minutes (longer while polls are slow)

The 50 ms target of ``fidelity.py`` on core 0, the sandbox and the ``perf-test`` CLI (live
progress on a pseudo-terminal) on core 1, 10 in flight for about 10 s. In the storm run a
process on core 0 GETs the running test's report from the control surface 200 times a second
until the run is final, as dashboards or CI jobs polling the same sandbox would. Both runs go
through the same relay, which tells the storm the run's requestId. Each cell is the median of
three runs. Target: the two p99s within 2 ms of each other.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from _common import (
    RUNS,
    delay_target,
    keep_off_generator_core,
    median_of_runs,
    print_table,
    require,
    warn_if_busy,
)
from _sandbox import (
    Report,
    Sandbox,
    elapsed_s,
    engine_line,
    failed,
    percentiles,
    perf_test,
    sandbox,
    warn_without_progress,
)
from _storm import Relay, poll_storm

IN_FLIGHT = 10
DELAY_MS = 50
SECONDS = 10
POLLS_PER_S = 200
STORM_MAX_S = SECONDS * 4  # a bound: a run the storm slows down gets quiet after this
TARGET_P99_MS = 2.0
Numbers = dict[str, float]


def engine_run(box: Sandbox, url: str, relay: Relay) -> Report:
    total = IN_FLIGHT * SECONDS * 1000 // DELAY_MS
    done = perf_test(box, url, total, IN_FLIGHT, timeout_s=SECONDS * 6 + 60, server=relay.url)
    warn_without_progress(done)
    return done.report


def quiet(box: Sandbox, url: str) -> Report:
    with Relay(box) as relay:
        return engine_run(box, url, relay)


def stormy(box: Sandbox, url: str) -> tuple[Report, Numbers]:
    """A run with the storm polling its report from the moment it started until it is final."""
    with Relay(box) as relay, ThreadPoolExecutor(1) as pool:
        running = pool.submit(engine_run, box, url, relay)
        if not relay.started.wait(60):
            running.result(timeout=SECONDS * 6 + 60)  # raises the CLI's error, if it had one
            raise RuntimeError("the relay saw no performance test start")
        report_url = box.report_url(relay.request_id)
        with poll_storm(report_url, POLLS_PER_S, max_s=STORM_MAX_S) as storm:
            report = running.result(timeout=SECONDS * 6 + 60)
    return report, storm


def one_run(box: Sandbox, url: str, last: list[Report]) -> Numbers:
    calm_report = quiet(box, url)
    calm = percentiles(box, calm_report)
    report, storm = stormy(box, url)
    loud = percentiles(box, report)
    last[:] = [report]
    return {
        "quiet p50": calm.p50_ms,
        "quiet p99": calm.p99_ms,
        "quiet failed": failed(calm_report),
        "quiet s": elapsed_s(calm_report),
        "storm p50": loud.p50_ms,
        "storm p99": loud.p99_ms,
        "storm failed": failed(report),
        "storm s": elapsed_s(report),
        **storm,
    }


def row(r: Numbers) -> list[str]:
    d99 = r["storm p99"] - r["quiet p99"]
    return [
        str(IN_FLIGHT),
        f"{r['quiet p50']:.2f}",
        f"{r['storm p50']:.2f}",
        f"{r['quiet p99']:.2f}",
        f"{r['storm p99']:.2f}",
        f"{d99:+.2f}" + ("" if abs(d99) <= TARGET_P99_MS else f" (> {TARGET_P99_MS:g})"),
        f"{r['quiet failed']:.0f} / {r['storm failed']:.0f}",
        f"{r['polls per s']:.0f}",
        f"{r['poll p99 ms']:.1f}",
    ]


HEADERS = ["in flight", "p50 quiet", "p50 storm", "p99 quiet", "p99 storm", "Δp99",
           "failed quiet / storm", "polls/s answered", "poll p99"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    require("taskset")
    warn_if_busy()
    keep_off_generator_core()
    last: list[Report] = []
    with sandbox() as box, delay_target(DELAY_MS) as (url, _):
        quiet(box, url)  # warm-up, not measured
        medians = median_of_runs(args.runs, "poll storm", partial(one_run, box, url, last))
        source = percentiles(box, last[0]).source
    print_table(HEADERS, [row(medians)])
    print(f"(milliseconds; engine percentiles from {source}; {medians['polls']:.0f} polls in "
          f"the storm run, {medians['poll errors']:.0f} failed)")  # fmt: skip
    print(engine_line(last[0]) + " (last storm run)")


if __name__ == "__main__":
    main()

"""Peak RSS of the engine process after 10,000 and after 1,000,000 requests against nginx.

Each run is a fresh engine process (50 in flight, as fast as possible, every attempt recorded
into a ``RunStats``) that reports its own ``ru_maxrss`` at the end. Each cell is the median of
three runs. Target: the two peaks under 10 MB apart. ``--quick`` uses 10,000 vs 200,000.
"""

from __future__ import annotations

import argparse

from _common import RUNS, engine, median_of_runs, nginx_target, print_table, require, warn_if_busy

CONCURRENCY = 50
SMALL, LARGE, QUICK_LARGE = 10_000, 1_000_000, 200_000
MAX_SECONDS = 1800  # a bound, not an expectation: 1,000,000 requests take several minutes
TARGET_MB = 10


def peak_rss_mb(url: str, requests: int) -> float:
    summary = engine(url, requests, CONCURRENCY, MAX_SECONDS, all_must_succeed=False)
    return float(summary["peak_rss_kb"]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 vs 200,000 requests")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    require("nginx", "taskset")
    warn_if_busy()
    sizes = (SMALL, QUICK_LARGE if args.quick else LARGE)
    with nginx_target() as url:
        peaks = median_of_runs(
            args.runs, "peak RSS MB", lambda: {f"{n:,}": peak_rss_mb(url, n) for n in sizes}
        )
    baseline = peaks[f"{SMALL:,}"]
    rows = []
    for size in sizes:
        delta = round(peaks[f"{size:,}"] - baseline, 1) + 0.0  # no "-0.0"
        verdict = "" if size == SMALL or abs(delta) < TARGET_MB else f" (>= {TARGET_MB})"
        rows.append([f"{size:,}", f"{peaks[f'{size:,}']:.1f}", f"{delta:+.1f}{verdict}"])
    print_table(["requests", "peak RSS MB", "Δ vs 10k"], rows)


if __name__ == "__main__":
    main()

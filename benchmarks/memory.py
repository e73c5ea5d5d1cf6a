"""Peak RSS of the engine process after 10,000 and after 1,000,000 requests, through the product.

    python benchmarks/memory.py              # 10,000 vs 1,000,000 requests: about 5 minutes
    python benchmarks/memory.py --quick      # 10,000 vs 200,000: about 4 minutes

Each run is a fresh sandbox (``serve`` on core 1) and one ``perf-test`` run (live progress on a
pseudo-terminal) of that many requests against nginx on core 0, 50 in flight, ``--rate max``.
Two figures per run: the report's ``engine.peakRssKb`` (n/a when absent), and the largest VmHWM
sampled from /proc meanwhile, of the sandbox's child processes or, when the engine runs inside
the sandbox (no children), of the sandbox process itself. Each cell is the median of three runs.
Target: the two peaks under 10 MB apart.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from _common import (
    RUNS,
    keep_off_generator_core,
    median_of_runs,
    nginx_target,
    print_table,
    require,
    warn_if_busy,
)
from _sandbox import (
    engine_line,
    engine_peak_rss_kb,
    perf_test,
    sandbox,
    warn_without_progress,
)

CONCURRENCY = 50
SMALL, LARGE, QUICK_LARGE = 10_000, 1_000_000, 200_000
MAX_SECONDS = 1800  # a bound, not an expectation: 1,000,000 requests take several minutes
PROGRESS_S = 30
TARGET_MB = 10
NA = float("nan")  # the report has no engine.peakRssKb


def peaks_mb(url: str, requests: int, notes: list[str]) -> dict[str, float]:
    """A fresh sandbox, one run of ``requests``: the engine's peak resident memory in MB, as the
    report gives it and as sampled from /proc."""
    with sandbox() as box, PeakRss(box.pid) as sampled, progress_lines(requests, sampled):
        done = perf_test(box, url, requests, CONCURRENCY, timeout_s=MAX_SECONDS)
    warn_without_progress(done)
    notes[:] = [sampled.source, engine_line(done.report)]
    reported = engine_peak_rss_kb(done.report)
    return {
        f"{requests:,} report": NA if reported is None else reported / 1024,
        f"{requests:,} sampled": sampled.peak_kb / 1024,
    }


class PeakRss:
    """Samples VmHWM from /proc while a run goes: of the sandbox's child processes (an engine
    process), or of the sandbox itself if it never had any (an engine running inside it)."""

    def __init__(self, pid: int, every_s: float = 0.5) -> None:
        self._pid, self._every_s = pid, every_s
        self.children_kb = self.own_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @property
    def peak_kb(self) -> int:
        return self.children_kb or self.own_kb

    @property
    def source(self) -> str:
        if self.children_kb:
            return "largest VmHWM of the sandbox's child processes (the engine), sampled each 0.5 s"
        return "VmHWM of the sandbox process (no child process: the engine runs inside it)"

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self._every_s):
            children = [_vm_hwm_kb(pid) for pid in descendants(self._pid)]
            self.children_kb = max(self.children_kb, *children, 0)
            self.own_kb = max(self.own_kb, _vm_hwm_kb(self._pid))


def descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _vm_hwm_kb(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


@contextlib.contextmanager
def progress_lines(requests: int, sampled: PeakRss) -> Iterator[None]:
    """Every ``PROGRESS_S`` a line on stderr, so a long run shows it is alive."""
    stop, started = threading.Event(), time.monotonic()

    def report() -> None:
        while not stop.wait(PROGRESS_S):
            print(f"  {requests:,} requests: {time.monotonic() - started:.0f} s, "
                  f"sampled peak RSS {sampled.peak_kb / 1024:.1f} MB",
                  file=sys.stderr, flush=True)  # fmt: skip

    thread = threading.Thread(target=report, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def one_run(url: str, sizes: tuple[int, ...], notes: list[str]) -> dict[str, float]:
    return {name: mb for n in sizes for name, mb in peaks_mb(url, n, notes).items()}


def rows(peaks: dict[str, float], sizes: tuple[int, ...]) -> list[list[str]]:
    table = []
    for size in sizes:
        cells = [f"{size:,}"]
        for source in ("report", "sampled"):
            peak, baseline = peaks[f"{size:,} {source}"], peaks[f"{SMALL:,} {source}"]
            cells += [_mb(peak), _delta(peak - baseline, check=size != SMALL)]
        table.append(cells)
    return table


def _mb(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1f}"


def _delta(value: float, check: bool) -> str:
    if math.isnan(value):
        return "n/a"
    delta = round(value, 1) + 0.0  # no "-0.0"
    return f"{delta:+.1f}" + (f" (>= {TARGET_MB})" if check and abs(delta) >= TARGET_MB else "")


HEADERS = ["requests", "engine.peakRssKb MB", "Δ vs 10k", "VmHWM MB (/proc)", "Δ vs 10k"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 vs 200,000 requests")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    require("nginx", "taskset")
    warn_if_busy()
    keep_off_generator_core()
    sizes = (SMALL, QUICK_LARGE if args.quick else LARGE)
    notes: list[str] = []  # whose VmHWM was sampled; the engine line, of the last run
    with nginx_target() as url:
        peaks = median_of_runs(args.runs, "peak RSS MB", partial(one_run, url, sizes, notes))
    print_table(HEADERS, rows(peaks, sizes))
    print(f"(MB; the report's figure is the engine's own account, n/a when absent; the other is "
          f"the {notes[0]})")  # fmt: skip
    print(notes[1] + " (last run)")


if __name__ == "__main__":
    main()

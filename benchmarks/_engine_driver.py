"""Drive the performance test engine the way the sandbox does, and print one JSON summary line.

Built as ``perftest/service.py`` and ``perftest/execution.py`` build a run: a fresh certificate
chain and JWS signer, ``RealtimeRequests``, an aiohttp ``Sender`` on a uvloop event loop,
``run_load`` as fast as the concurrency allows, every attempt recorded into a ``RunStats``.
Progress goes to stderr every ``--progress-s`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from datetime import UTC, datetime
from typing import Any

import uvloop

from appstore_sandbox.clock import Clock
from appstore_sandbox.outbound.sender import Sender
from appstore_sandbox.perftest.engine import LoadPlan, run_load
from appstore_sandbox.perftest.execution import USER_AGENT
from appstore_sandbox.perftest.payloads import RealtimeRequests, Subscriber
from appstore_sandbox.perftest.response_check import judge_realtime_reply
from appstore_sandbox.perftest.stats import RunStats
from appstore_sandbox.signing import JwsSigner, create_chain

SUBSCRIBER = Subscriber("2000000113421827", 4829959097, "com.example.app.monthly")


def realtime_requests() -> RealtimeRequests:
    signer = JwsSigner(create_chain(datetime.now(UTC)))
    return RealtimeRequests(signer, Clock(), SUBSCRIBER, "Sandbox")


async def report_progress(stats: RunStats, total: int, every_s: float) -> None:
    started = time.perf_counter()
    while True:
        await asyncio.sleep(every_s)
        elapsed = time.perf_counter() - started
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"  engine: {stats.done:,}/{total:,} requests, {elapsed:.0f} s, "
            f"peak RSS {rss_mb:.1f} MB",
            file=sys.stderr,
            flush=True,
        )


async def drive(args: argparse.Namespace) -> dict[str, Any]:
    requests = realtime_requests()
    stats = RunStats()
    plan = LoadPlan(args.url, args.total, args.concurrency, timeout_s=args.timeout_s,
                    requests_per_second=None)  # fmt: skip
    sender = Sender(args.concurrency, USER_AGENT)
    progress = asyncio.create_task(report_progress(stats, args.total, args.progress_s))
    started = time.perf_counter()
    try:
        async with asyncio.timeout(args.max_seconds):
            await run_load(plan, requests, sender, judge_realtime_reply, stats.record)
    finally:
        seconds = time.perf_counter() - started
        progress.cancel()
        await sender.close()
    histogram = stats.histogram
    return {
        "requests": stats.done,
        "successes": stats.successes,
        "results": dict(stats.results),
        "seconds": seconds,
        "requests_per_second": stats.successes / seconds,
        "p50_ms": histogram.get_value_at_percentile(50) / 1000,
        "p99_ms": histogram.get_value_at_percentile(99) / 1000,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url")
    parser.add_argument("--total", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--timeout-s", type=float, default=5.0, help="per request")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="whole run")
    parser.add_argument("--progress-s", type=float, default=10.0)
    parser.add_argument("--print-body", action="store_true", help="print one signed body")
    args = parser.parse_args()
    if args.print_body:
        sys.stdout.write(realtime_requests().next()[1].decode())
        return
    if not args.url:
        parser.error("--url is required")
    summary = uvloop.run(drive(args))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

"""CPU per request of the outbound Sender, beside aiohttp sending the same POSTs.

nginx (one worker, core 0) answers every POST with a valid reply. This process, on core 1, sends
``--requests`` POSTs with ``--in-flight`` requests in flight, through each client in turn on a
uvloop event loop (no signing, no judging: HTTP only), and prints the median over ``--runs`` of
its CPU time (user + system) per request and of its requests per second.

    python benchmarks/sender_cost.py            # about 30 s
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
import uvloop
from _common import GENERATOR_CORE, median_of_runs, nginx_target, print_table, require

from appstore_sandbox.outbound.sender import Sender

BODY = b'{"signedPayload":"' + b"x" * 2400 + b'"}'  # about the size of a signed request
USER_AGENT = "appstore-sandbox (sender cost benchmark)"
TIMEOUT_S = 5.0

Post = Callable[[], Awaitable[int]]  # one POST; returns the reply's status (0 on failure)


async def _sender_posts(url: str, in_flight: int, count: int) -> float:
    sender = Sender(in_flight, USER_AGENT)

    async def post() -> int:
        exchange = await sender.post(url, BODY, TIMEOUT_S)
        return exchange.reply.status if exchange.reply else 0

    try:
        return await _drive(post, in_flight, count)
    finally:
        await sender.close()


async def _aiohttp_posts(url: str, in_flight: int, count: int) -> float:
    """The Sender as it was before this client: aiohttp with a trace hook for the write time."""
    trace = aiohttp.TraceConfig()
    trace.on_request_chunk_sent.append(_note_write)
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=in_flight, limit_per_host=in_flight),
        headers={"User-Agent": USER_AGENT, "Content-Type": "application/json"},
        timeout=aiohttp.ClientTimeout(total=None),
        skip_auto_headers=("Accept-Encoding",),
        trace_configs=[trace],
    )

    async def post() -> int:
        async with asyncio.timeout(TIMEOUT_S):
            request = session.post(url, data=BODY, max_redirects=10, trace_request_ctx={})
            async with request as response:
                await response.read()
                return response.status

    try:
        return await _drive(post, in_flight, count)
    finally:
        await session.close()


async def _note_write(_session: object, context: object, _params: object) -> None:
    context.trace_request_ctx.setdefault("written", time.perf_counter())  # type: ignore[attr-defined]


async def _drive(post: Post, in_flight: int, count: int) -> float:
    """Send ``count`` POSTs, ``in_flight`` at a time, after a warm-up; the seconds it took."""
    for _ in range(in_flight):
        await post()
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            if await post() != 200:
                raise RuntimeError("a POST failed: is nginx still up?")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return time.perf_counter() - started


def _measure(
    client: Callable[[str, int, int], Coroutine[Any, Any, float]],
    url: str,
    in_flight: int,
    count: int,
) -> dict[str, float]:
    cpu_before = time.process_time()
    seconds: float = uvloop.run(client(url, in_flight, count))
    cpu_us = (time.process_time() - cpu_before) * 1e6
    return {"cpu_us_per_request": cpu_us / count, "requests_per_second": count / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    require("nginx", "taskset")
    os.sched_setaffinity(0, {GENERATOR_CORE})
    clients = {"outbound.Sender": _sender_posts, "aiohttp (before)": _aiohttp_posts}
    with nginx_target() as url:

        def one_run() -> dict[str, float]:
            numbers = {}
            for name, client in clients.items():
                for key, value in _measure(client, url, args.in_flight, args.requests).items():
                    numbers[f"{name} {key}"] = value
            return numbers

        medians = median_of_runs(args.runs, f"{args.in_flight} in flight", one_run)
    rows = [
        [
            name,
            f"{medians[f'{name} cpu_us_per_request']:.1f}",
            f"{medians[f'{name} requests_per_second']:,.0f}",
        ]
        for name in clients
    ]
    print_table(["client", "CPU µs / request", "requests / s"], rows)


if __name__ == "__main__":
    main()

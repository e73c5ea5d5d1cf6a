"""The load engine: at most N requests in flight, paced, each signed before its clock starts."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from appstore_sandbox.outbound.results import Attempt, HttpReply


class Transport(Protocol):
    async def post(
        self, url: str, body: bytes, timeout_s: float, judge: Callable[[HttpReply], Attempt]
    ) -> Attempt: ...


class Requests(Protocol):
    def next(self) -> tuple[str, bytes]: ...


OnAttempt = Callable[[int, str, Attempt], None]


@dataclass(frozen=True)
class LoadPlan:
    url: str
    total: int
    concurrency: int
    timeout_s: float
    requests_per_second: float | None  # None: as fast as the concurrency allows


async def run_load(
    plan: LoadPlan,
    requests: Requests,
    transport: Transport,
    judge: Callable[[HttpReply], Attempt],
    on_attempt: OnAttempt,
) -> None:
    """Send ``plan.total`` requests; request *i* is not sent before ``start + i / rate``.

    A fixed set of workers (one per allowed in-flight request) shares one sequence counter, so
    the cap holds without a task per request and a slow server delays later requests instead of
    piling them up.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    sequence = itertools.count()
    interval = 1 / plan.requests_per_second if plan.requests_per_second else 0.0

    async def worker() -> None:
        while (number := next(sequence)) < plan.total:
            if interval:
                delay = start + number * interval - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            request_identifier, body = requests.next()
            attempt = await transport.post(plan.url, body, plan.timeout_s, judge)
            on_attempt(number, request_identifier, attempt)

    await asyncio.gather(*(worker() for _ in range(min(plan.concurrency, plan.total))))

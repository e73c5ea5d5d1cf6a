"""The load loop: at most N requests in flight, paced, each signed before its clock starts.

It runs inside the engine process (see ``engine_process``) and knows nothing of the server: it
takes requests from a ``Requests``, sends them through a ``Transport``, judges each reply and
hands the outcome, with its send lag, to a callback.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Protocol

from appstore_sandbox.outbound.results import Attempt, Clock, Exchange, Judge, judged


class Transport(Protocol):
    clock: Clock

    async def post(self, url: str, body: bytes, timeout_s: float) -> Exchange: ...


class Requests(Protocol):
    def next(self) -> tuple[str, bytes]: ...


class OnAttempt(Protocol):
    def __call__(
        self, sequence: int, request_identifier: str, attempt: Attempt, send_lag_us: int | None
    ) -> None: ...


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
    judge: Judge,
    on_attempt: OnAttempt,
) -> None:
    """Send ``plan.total`` requests; request *i* is not sent before ``start + i / rate``.

    A fixed set of workers (one per allowed in-flight request) shares one sequence counter, so
    the cap holds without a task per request and a slow server delays later requests instead of
    piling them up.

    Send lag is how late a request left: against the even schedule when the plan has a rate
    (as wrk2 reports it), and against the moment its worker's previous reply arrived when it
    sends as fast as it can. A busy generator shows up there, not in the latencies.
    """
    loop = asyncio.get_running_loop()
    start, start_ns = loop.time(), time.time_ns()
    sequence = itertools.count()
    interval = 1 / plan.requests_per_second if plan.requests_per_second else 0.0

    async def worker() -> None:
        due_ns = start_ns
        while (number := next(sequence)) < plan.total:
            if interval:
                due_ns = start_ns + int(number * interval * 1e9)
                delay = start + number * interval - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            request_identifier, body = requests.next()
            exchange = await transport.post(plan.url, body, plan.timeout_s)
            lag_us = max(0, (exchange.sent_ns - due_ns) // 1000) if exchange.sent_ns else None
            on_attempt(number, request_identifier, judged(exchange, judge), lag_us)
            if not interval:
                due_ns = exchange.received_ns or time.time_ns()

    await asyncio.gather(*(worker() for _ in range(min(plan.concurrency, plan.total))))

"""Running one performance test on a thread of its own, with its own event loop.

The engine gets a loop that serves nothing else, so API traffic and database writes in the
server never delay a measured request. The engine only appends records to a buffer; another
thread (the service's heartbeat) writes them to the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import uvloop

from appstore_sandbox.outbound.results import Attempt
from appstore_sandbox.outbound.sender import Judge, Sender
from appstore_sandbox.perftest.config import PerformanceTestConfig
from appstore_sandbox.perftest.engine import LoadPlan, Requests, run_load
from appstore_sandbox.perftest.response_check import judge_realtime_reply
from appstore_sandbox.perftest.stats import RunStats
from appstore_sandbox.store import PerformanceTestRun, RequestRecord

USER_AGENT = "appstore-sandbox (Retention Messaging performance test)"


@dataclass
class Execution:
    """A run in progress in this process."""

    run: PerformanceTestRun
    config: PerformanceTestConfig
    requests: Requests
    judge: Judge = judge_realtime_reply
    stats: RunStats = field(default_factory=RunStats)
    interruption: str | None = None
    _buffer: list[RequestRecord] = field(default_factory=list)
    _buffer_lock: threading.Lock = field(default_factory=threading.Lock)
    _flush_lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _task: asyncio.Task[None] | None = None
    _thread: threading.Thread | None = None

    @property
    def request_id(self) -> str:
        return self.run.request_id

    def start(self, on_done: Callable[[Execution], None]) -> None:
        self._thread = threading.Thread(
            target=self._main, args=(on_done,), name=f"perftest-{self.request_id}", daemon=True
        )
        self._thread.start()

    def interrupt(self, reason: str) -> None:
        """Stop sending; the run then finishes as FAIL with ``reason``."""
        self.interruption = reason
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def take_records(self) -> list[RequestRecord]:
        with self._buffer_lock:
            records, self._buffer = self._buffer, []
        return records

    @contextlib.contextmanager
    def flushing(self):  # type: ignore[no-untyped-def]
        """Held while records are written, so two flushes never interleave."""
        with self._flush_lock:
            yield

    def _main(self, on_done: Callable[[Execution], None]) -> None:
        try:
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(self._drive())
        except asyncio.CancelledError:
            pass
        except Exception as error:  # a bug must still close the run, never leave it PENDING
            self.interruption = f"internal error in the load engine: {error!r}"
        finally:
            on_done(self)

    async def _drive(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        if self.interruption:
            return
        config = self.config
        plan = LoadPlan(
            url=self.run.target,
            total=config.totalRequests,
            concurrency=config.maxConcurrentRequests,
            timeout_s=config.responseTimeThreshold / 1000,
            requests_per_second=config.requests_per_second,
        )
        sender = Sender(config.maxConcurrentRequests, USER_AGENT)
        try:
            await run_load(plan, self.requests, sender, self.judge, self._record)
        finally:
            await sender.close()

    def _record(self, sequence: int, request_identifier: str, attempt: Attempt) -> None:
        self.stats.record(sequence, request_identifier, attempt)
        record = RequestRecord(
            run_request_id=self.request_id,
            sequence=sequence,
            request_identifier=request_identifier,
            result=attempt.result.value,
            http_status=attempt.http_status,
            latency_us=attempt.latency_us,
            explanation=attempt.explanation or _catalog_note(attempt),
        )
        with self._buffer_lock:
            self._buffer.append(record)


def _catalog_note(attempt: Attempt) -> str:
    """A catalog problem on a request that still counted (warn mode) is kept with the request."""
    return f"catalog problem: {attempt.catalog_problem}" if attempt.catalog_problem else ""

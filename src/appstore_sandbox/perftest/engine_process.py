"""The engine process: one performance test, measured by an interpreter that does nothing else.

Started by the sandbox as ``python -m appstore_sandbox.perftest.engine_process RECORDS_FD`` with
the job, the app's catalog included, as one JSON line on stdin. It loads the signing key once,
then sends; it never opens the database, so it starts without loading the database layer.
Outcomes go back as frames (see ``frames``) on RECORDS_FD, written through the event loop's pipe
transport so a slow reader never blocks a measurement. Anything more on stdin, or its end (the
sandbox stopped or died), stops the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import resource
import sys
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvloop

from appstore_sandbox.clock import Clock
from appstore_sandbox.outbound.policy import DEFAULT_POLICY, OutboundPolicy
from appstore_sandbox.outbound.results import Attempt
from appstore_sandbox.outbound.transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    SenderTransports,
    TransportOptions,
)
from appstore_sandbox.perftest.engine import LoadPlan, run_load
from appstore_sandbox.perftest.frames import Batch, Done, Frame, Hello, RecordTuple, encode
from appstore_sandbox.realtime.app_state import AppState
from appstore_sandbox.realtime.catalog_judge import CatalogJudge, RememberingJudge
from appstore_sandbox.realtime.payloads import RealtimeRequests, Subscriber
from appstore_sandbox.realtime.response_rules import ResponseRules
from appstore_sandbox.signing import JwsSigner, load_chain

USER_AGENT = "appstore-sandbox (Retention Messaging performance test)"
FLUSH_S = 0.1
_DRAIN_S = 5.0


@dataclass(frozen=True)
class EngineJob:
    """Everything the engine process needs, as the sandbox hands it over."""

    request_id: str
    url: str
    total: int
    concurrency: int
    timeout_ms: int
    requests_per_second: float | None
    subscriber: Subscriber
    environment: str
    clock_offset_ms: int
    app_state: dict[str, Any]  # AppState.to_json(): what judging a reply needs
    ca_dir: str
    policy: OutboundPolicy = DEFAULT_POLICY
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def to_line(self) -> bytes:
        return json.dumps(asdict(self)).encode() + b"\n"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EngineJob:
        return cls(
            **{
                **data,
                "subscriber": Subscriber(**data["subscriber"]),
                "policy": OutboundPolicy.from_json(data["policy"]),
            }
        )

    @property
    def plan(self) -> LoadPlan:
        return LoadPlan(
            self.url, self.total, self.concurrency, self.timeout_ms / 1000, self.requests_per_second
        )


def peak_rss_kb() -> int:
    """This process's own peak resident memory.

    On Linux ``ru_maxrss`` survives ``exec``: a child of the sandbox would report the sandbox's
    peak if it was higher. VmHWM is the process's own high-water mark.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, else KiB
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1])


class _Outbox:
    """Outcomes waiting to be sent to the sandbox, and the pipe they go down."""

    def __init__(self, transport: asyncio.WriteTransport, lost: asyncio.Event) -> None:
        self._transport = transport
        self._lost = lost
        self._pending: list[RecordTuple] = []

    def record(
        self, sequence: int, request_identifier: str, attempt: Attempt, send_lag_us: int | None
    ) -> None:
        self._pending.append(
            (
                sequence,
                request_identifier,
                attempt.result.value,
                attempt.http_status,
                attempt.latency_us,
                attempt.explanation,
                attempt.catalog_problem,
                send_lag_us,
            )
        )

    def send(self, frame: Frame) -> None:
        if not self._lost.is_set():
            self._transport.write(encode(frame))

    def flush(self) -> None:
        if self._pending:
            records, self._pending = self._pending, []
            self.send(Batch(records, peak_rss_kb()))

    async def flush_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.flush()

    async def drain(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _DRAIN_S
        while self._transport.get_write_buffer_size() and not self._lost.is_set():
            if loop.time() > deadline:
                return
            await asyncio.sleep(0.005)


class _Watch(asyncio.Protocol):
    """Sets ``event`` when the pipe it reads says anything, ends, or breaks."""

    def __init__(self, event: asyncio.Event) -> None:
        self._event = event

    def data_received(self, data: bytes) -> None:
        self._event.set()

    def eof_received(self) -> bool:
        self._event.set()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._event.set()


def _prepare(job: EngineJob) -> tuple[RealtimeRequests, RememberingJudge]:
    signer = JwsSigner(load_chain(Path(job.ca_dir)))
    clock = Clock(timedelta(milliseconds=job.clock_offset_ms))
    requests = RealtimeRequests(signer, clock, job.subscriber, job.environment)
    state = AppState.from_json(job.app_state)
    judge = CatalogJudge(ResponseRules(state), job.subscriber, state.strict)
    return requests, RememberingJudge(judge)


async def _run(job: EngineJob, records_fd: int) -> None:
    loop = asyncio.get_running_loop()
    stop, lost = asyncio.Event(), asyncio.Event()
    pipe = os.fdopen(records_fd, "wb", buffering=0)
    transport, _ = await loop.connect_write_pipe(lambda: _Watch(lost), pipe)
    await loop.connect_read_pipe(lambda: _Watch(stop), os.fdopen(0, "rb", buffering=0))
    outbox = _Outbox(transport, lost)
    error: str | None = None
    try:
        requests, judge = _prepare(job)
        transports = SenderTransports(job.policy, job.max_response_bytes)
        sender = transports.open(TransportOptions(job.concurrency, USER_AGENT))
        outbox.send(Hello(os.getpid(), sender.clock))
        gc.freeze()  # what was loaded stays; collections then only scan what the run creates
        try:
            await _until_stopped(
                run_load(job.plan, requests, sender, judge, outbox.record), outbox, stop, lost
            )
        finally:
            await sender.close()
    except Exception as failure:  # reported to the sandbox, which closes the run as FAIL
        error = f"{type(failure).__name__}: {failure}"
    outbox.flush()
    outbox.send(Done(peak_rss_kb(), error))
    await outbox.drain()
    transport.close()


async def _until_stopped(
    load: Any, outbox: _Outbox, stop: asyncio.Event, lost: asyncio.Event
) -> None:
    """Run ``load`` to its end, unless the sandbox says stop or stops listening."""
    sending = asyncio.ensure_future(load)
    flushing = asyncio.ensure_future(outbox.flush_every(FLUSH_S))
    stopped = asyncio.ensure_future(stop.wait())
    gone = asyncio.ensure_future(lost.wait())
    try:
        await asyncio.wait({sending, stopped, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        finished = sending.done()
        for task in (sending, flushing, stopped, gone):
            task.cancel()
        for task in (sending, flushing, stopped, gone):
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if finished:
        sending.result()  # a bug in the load loop surfaces as the run's error


def _read_job() -> EngineJob:
    data = b""
    while b"\n" not in data:
        chunk = os.read(0, 65536)
        if not chunk:
            raise SystemExit("the sandbox closed the job pipe before sending the job")
        data += chunk
    line, _, rest = data.partition(b"\n")
    if rest:  # told to stop before it started
        raise SystemExit(0)
    return EngineJob.from_json(json.loads(line))


def main() -> None:
    records_fd = int(sys.argv[1])
    job = _read_job()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_run(job, records_fd))


if __name__ == "__main__":
    main()

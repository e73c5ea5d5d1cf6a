"""A performance test in progress, seen from the sandbox: its engine process and what it reports.

The engine runs in an OS process of its own (``engine_process``), so API requests, polls and
database writes in the sandbox never share an interpreter with the measuring loop. A thread
here reads the engine's frames, folds them into the run's statistics and buffers the records;
the service's heartbeat writes them to the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

from appstore_sandbox.perftest.config import PerformanceTestConfig
from appstore_sandbox.perftest.engine_process import EngineJob
from appstore_sandbox.perftest.frames import Batch, Done, Frame, Hello, RecordTuple, read_frame
from appstore_sandbox.perftest.stats import RunStats
from appstore_sandbox.store import PerformanceTestRun, RequestRow

_STOP = b"stop\n"
_KILL_AFTER_S = 5.0


@dataclass
class Execution:
    """A run whose engine process this sandbox process started."""

    run: PerformanceTestRun
    config: PerformanceTestConfig
    job: EngineJob
    stats: RunStats = field(default_factory=RunStats)
    interruption: str | None = None
    _buffer: list[RequestRow] = field(default_factory=list)
    _buffer_lock: threading.Lock = field(default_factory=threading.Lock)
    _flush_lock: threading.Lock = field(default_factory=threading.Lock)
    _process: subprocess.Popen[bytes] | None = None
    _reader: threading.Thread | None = None
    _finished: bool = False

    @property
    def request_id(self) -> str:
        return self.run.request_id

    def start(self, on_done: Callable[[Execution], None]) -> None:
        """Start the engine process and the thread that listens to it."""
        read_fd, write_fd = os.pipe()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "appstore_sandbox.perftest.engine_process", str(write_fd)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                pass_fds=(write_fd,),
            )
        except OSError as error:
            os.close(read_fd)
            self.interruption = f"the load engine process could not start: {error}"
            on_done(self)
            return
        finally:
            os.close(write_fd)
        self._tell(self.job.to_line())
        records = os.fdopen(read_fd, "rb")
        self._reader = threading.Thread(
            target=self._listen,
            args=(records, on_done),
            name=f"perftest-{self.request_id}",
            daemon=True,
        )
        self._reader.start()

    def interrupt(self, reason: str) -> None:
        """Stop sending; the run then finishes as FAIL with ``reason``."""
        if self.interruption is None:
            self.interruption = reason
        self._tell(_STOP)

    def join(self, timeout: float) -> None:
        """Wait for the run to close; an engine that doesn't stop in time is killed."""
        if self._reader is None:
            return
        self._reader.join(min(timeout, _KILL_AFTER_S))
        if self._reader.is_alive() and self._process is not None:
            self._process.kill()
            self._reader.join(timeout)

    @property
    def engine_pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def take_records(self) -> list[RequestRow]:
        with self._buffer_lock:
            records, self._buffer = self._buffer, []
        return records

    @contextmanager
    def flushing(self) -> Iterator[None]:
        """Held while records are written, so two flushes never interleave."""
        with self._flush_lock:
            yield

    def _tell(self, message: bytes) -> None:
        stdin = self._process.stdin if self._process is not None else None
        if stdin is None:
            return
        try:
            stdin.write(message)
            stdin.flush()
        except (BrokenPipeError, ValueError):  # the engine already exited, or stdin is closed
            pass

    def _listen(self, records: IO[bytes], on_done: Callable[[Execution], None]) -> None:
        try:
            with records:
                while (frame := read_frame(records)) is not None:
                    self._take(frame)
        except Exception as error:  # a bug must still close the run, never leave it PENDING
            self.interruption = self.interruption or f"internal error reading the engine: {error!r}"
        finally:
            self._close_engine()
            on_done(self)

    def _take(self, frame: Frame) -> None:
        if isinstance(frame, Hello):
            self.stats.set_engine(pid=frame.pid, clock=frame.clock)
        elif isinstance(frame, Batch):
            self.stats.set_engine(peakRssKb=frame.peak_rss_kb)
            self._record_all(frame.records)
        elif isinstance(frame, Done):
            self._finished = True
            self.stats.set_engine(peakRssKb=frame.peak_rss_kb)
            if frame.error is not None and self.interruption is None:
                self.interruption = f"internal error in the load engine: {frame.error}"

    def _record_all(self, records: list[RecordTuple]) -> None:
        self.stats.record_batch(records)
        run = self.request_id
        rows: list[RequestRow] = [
            (run, number, identifier, result, status, latency, note or _catalog_note(problem))
            for number, identifier, result, status, latency, note, problem, _ in records
        ]
        with self._buffer_lock:
            self._buffer.extend(rows)

    def _close_engine(self) -> None:
        process = self._process
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            code = process.wait(_KILL_AFTER_S)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        if not self._finished and self.interruption is None:
            self.interruption = (
                f"interrupted: the load engine process (pid {process.pid}) "
                f"{_how_it_ended(code)} before the test finished"
            )


def _how_it_ended(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


def _catalog_note(problem: str | None) -> str:
    """A catalog problem on a request that still counted (warn mode) is kept with the request."""
    return f"catalog problem: {problem}" if problem else ""

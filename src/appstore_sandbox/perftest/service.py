"""Initiate Performance Test / Get Performance Test Results: the rules, runs, and their upkeep.

Durability: every run is a database row with an owner (this process) and a lease the owner
renews each heartbeat (a second by default) while it writes progress and per-request records. A
run whose lease lapses (its process was killed) is closed as FAIL by whichever sandbox process
notices first, with what was measured until then and a note saying why. A process that stops
cleanly closes its own runs the same way before it exits. Nothing stays PENDING.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from appstore_sandbox.catalog.products import AUTO_RENEWABLE
from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import (
    AppTransactionIdNotSupported,
    BadInput,
    Conflict,
    ExistingPerformanceTestRun,
    FamilySharingNotSupported,
    InvalidPerformanceTestRequest,
    InvalidRequestId,
    InvalidTransactionId,
    PerformanceTestRunNotFound,
    TransactionIdNotOriginal,
)
from appstore_sandbox.outbound.policy import DEFAULT_POLICY, OutboundPolicy
from appstore_sandbox.outbound.transport import DEFAULT_MAX_RESPONSE_BYTES
from appstore_sandbox.perftest.catalog_tally import CatalogTally
from appstore_sandbox.perftest.config import (
    DEFAULT_LIMITS,
    PerformanceTestConfig,
    PerformanceTestLimits,
)
from appstore_sandbox.perftest.engine_process import EngineJob
from appstore_sandbox.perftest.execution import Execution
from appstore_sandbox.perftest.pruning import (
    DEFAULT_RECORDS_POLICY,
    RecordPruner,
    RecordsPolicy,
)
from appstore_sandbox.perftest.stats import RunStats
from appstore_sandbox.perftest.view import FAIL, PASS, PENDING, RunView, passed
from appstore_sandbox.realtime.app_state import load_app_state
from appstore_sandbox.realtime.payloads import Subscriber
from appstore_sandbox.store import (
    App,
    PerformanceTestRun,
    Purchase,
    RequestRecord,
    RunAlreadyPending,
    Store,
    TooManyRunsPending,
)

_TRANSACTION_ID = re.compile(r"^[0-9]{1,32}$")
CANCELLED = (
    "cancelled by a request to the sandbox while the test was running; the numbers are those "
    "measured until then"
)


@dataclass(frozen=True)
class EngineSetup:
    """Where an engine process finds the signing key (it loads it itself), and the outbound
    policy and realtime reply cap it sends under."""

    ca_dir: Path
    policy: OutboundPolicy = DEFAULT_POLICY
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES


@dataclass(frozen=True)
class LeaseTiming:
    """How often this process saves its runs' progress and renews their leases (and looks for
    abandoned runs), and how long a lease lasts past the last renewal (Settings checks that it
    spans two heartbeats)."""

    heartbeat_ms: int
    lease_ms: int


@dataclass(frozen=True)
class RequestPage:
    """Some of a run's per-request records; ``total`` counts every record that matched."""

    total: int
    records: list[RequestRecord]


class PerformanceTestService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        engine_setup: EngineSetup,
        timing: LeaseTiming,
        limits: PerformanceTestLimits = DEFAULT_LIMITS,
        records: RecordsPolicy = DEFAULT_RECORDS_POLICY,
    ) -> None:
        self._store = store
        self._runs = store.performance_tests
        self._clock = clock
        self._engine_setup = engine_setup
        self._timing = timing
        self.limits = limits
        self.records = RecordPruner(store.performance_tests, clock, records)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._executions: dict[str, Execution] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self.interrupted_at_stop = 0

    # settings

    def app_config(self, app: App) -> PerformanceTestConfig:
        stored = self._runs.app_config(app.id)
        return (
            PerformanceTestConfig.from_json(json.loads(stored))
            if stored
            else (PerformanceTestConfig())
        )

    def set_app_config(
        self, app: App, overrides: dict[str, object] | None
    ) -> PerformanceTestConfig:
        """Replace the app's settings (``None`` restores Apple's defaults)."""
        config = PerformanceTestConfig().with_overrides(overrides or {})
        self._check_limits(config, BadInput)
        self._runs.set_app_config(app.id, json.dumps(config.to_json()) if overrides else None)
        return config

    # Apple's operations

    def initiate(
        self,
        app: App,
        original_transaction_id: str,
        overrides: dict[str, object] | None = None,
    ) -> RunView:
        purchase = self._original_purchase(app, original_transaction_id)
        target = self._store.realtime_url(app.id, Environment.SANDBOX.value)
        if target is None:
            raise InvalidPerformanceTestRequest(
                "Configure the sandbox realtime URL before initiating a performance test."
            )
        config = self.app_config(app).with_overrides(overrides or {})
        self._check_limits(config, BadInput if overrides else InvalidPerformanceTestRequest)
        now = self._clock.now_ms()
        run = PerformanceTestRun(
            request_id=str(uuid.uuid4()),
            app_id=app.id,
            original_transaction_id=purchase.original_transaction_id,
            target=target,
            config=json.dumps(config.to_json()),
            status=PENDING,
            created_ms=now,
            finished_ms=None,
            owner=self.owner,
            lease_until_ms=_wall_ms() + self._timing.lease_ms,
            progress=None,
            note=None,
        )
        subscriber = Subscriber(
            purchase.original_transaction_id, app.app_apple_id, purchase.product_id
        )
        execution = self._execution(app, run, config, subscriber)
        try:
            self._runs.add_run(run, self.limits.max_running, _wall_ms())
        except RunAlreadyPending as error:
            running = self._runs.pending_run_id(app.id)
            raise ExistingPerformanceTestRun(
                f"A performance test is already running for {app.bundle_id}: {running}."
            ) from error
        except TooManyRunsPending as error:
            raise InvalidPerformanceTestRequest(
                f"This sandbox already runs {error.running} performance tests, its limit "
                "(serve --performance-test-max-running); try again when one has finished."
            ) from error
        with self._lock:
            self._executions[run.request_id] = execution
        execution.start(self._complete)
        return self._view(run, app, execution.stats)

    def _check_limits(
        self, config: PerformanceTestConfig, error: type[BadInput | InvalidPerformanceTestRequest]
    ) -> None:
        problem = self.limits.problem(config)
        if problem is not None:
            raise error(problem)

    def _execution(
        self,
        app: App,
        run: PerformanceTestRun,
        config: PerformanceTestConfig,
        subscriber: Subscriber,
    ) -> Execution:
        """The engine process judges every reply against the app's catalog as it is now."""
        state = load_app_state(self._store, app, Environment.SANDBOX)
        job = EngineJob(
            request_id=run.request_id,
            url=run.target,
            total=config.totalRequests,
            concurrency=config.maxConcurrentRequests,
            timeout_ms=config.responseTimeThreshold,
            requests_per_second=config.requests_per_second,
            subscriber=subscriber,
            environment=Environment.SANDBOX.payload_value,
            clock_offset_ms=int(self._clock.offset.total_seconds() * 1000),
            app_state=state.to_json(),
            ca_dir=str(self._engine_setup.ca_dir.resolve()),
            policy=self._engine_setup.policy,
            max_response_bytes=self._engine_setup.max_response_bytes,
        )
        stats = RunStats(catalog=CatalogTally(state.mode))
        return Execution(run, config, job, stats)

    def result(self, app: App, request_id: str) -> RunView:
        try:
            uuid.UUID(request_id)
        except ValueError as error:
            raise InvalidRequestId(f"{request_id!r} is not a requestId (a UUID).") from error
        run = self._runs.run(request_id)
        if run is None or run.app_id != app.id:
            raise PerformanceTestRunNotFound()
        with self._lock:
            execution = self._executions.get(request_id)
        if execution is not None and run.status == PENDING:
            return self._view(run, app, execution.stats)
        stats = RunStats.restore(json.loads(run.progress)) if run.progress else RunStats()
        return self._view(run, app, stats)

    def cancel(self, app: App, request_id: str, timeout_s: float = 10) -> RunView:
        """End a running test now as FAIL with the note ``CANCELLED``; a finished one is a
        Conflict. A run of another process on the database is closed in the database, and that
        process stops its engine at its next heartbeat."""
        before = self.result(app, request_id)  # refuses unknown ids and other apps' runs
        if before.status != PENDING:
            raise _already_finished(before)
        with self._lock:
            execution = self._executions.get(request_id)
        if execution is not None:
            execution.interrupt(CANCELLED)
            execution.join(timeout_s)
        else:
            self._runs.finish(request_id, FAIL, None, self._clock.now_ms(), note=CANCELLED)
        view = self.result(app, request_id)
        if view.run.note != CANCELLED:  # it finished on its own meanwhile
            raise _already_finished(view)
        return view

    def requests(
        self, app: App, request_id: str, result: str | None, offset: int, limit: int
    ) -> RequestPage:
        """Per-request records of one of the app's runs (saved about each second)."""
        self.result(app, request_id)  # refuses another app's run as unknown
        total, records = self._runs.requests(request_id, result, offset, limit)
        return RequestPage(total, records)

    def _original_purchase(self, app: App, transaction_id: str) -> Purchase:
        if not isinstance(transaction_id, str) or not _TRANSACTION_ID.match(transaction_id):
            raise InvalidTransactionId(
                f"originalTransactionId {transaction_id!r} is not a transaction id (digits)."
            )
        transaction = self._store.subscriptions.transaction(transaction_id)
        purchase = (
            self._store.subscriptions.subscription(transaction.original_transaction_id)
            if transaction is not None
            else None
        )
        if transaction is None and self._store.subscriptions.by_app_transaction_id(
            app.id, transaction_id
        ):
            # BadRequestAppTransactionIdForUnsupportedEndpointError: its code is unpublished;
            # 4000048 is Apple's AppTransactionIdNotSupportedError.
            raise AppTransactionIdNotSupported()
        if purchase is None or purchase.app_id != app.id:
            raise InvalidTransactionId(
                f"{transaction_id} is not a sandbox purchase of {app.bundle_id} "
                "(see: appstore-sandbox purchases list)."
            )
        if purchase.original_transaction_id != transaction_id:
            raise TransactionIdNotOriginal(
                f"{transaction_id} is a renewal; its originalTransactionId is "
                f"{purchase.original_transaction_id}."
            )
        if purchase.family_shared:
            raise FamilySharingNotSupported()
        product = self._store.product(app.id, purchase.product_id)
        if product is None or product.type != AUTO_RENEWABLE:
            raise InvalidPerformanceTestRequest(
                f"{transaction_id} is not an auto-renewable subscription."
            )
        # Apple asks for an active auto-renewable subscription (InvalidPerformanceTestRequestError
        # is its error for any other invalid request; the code for this case is unpublished).
        ended = {"EXPIRED": "expired", "REVOKED": "refunded"}.get(purchase.status)
        if ended is not None:
            raise InvalidPerformanceTestRequest(
                f"{transaction_id} has {ended}; the performance test needs an active "
                "subscription (buy one: appstore-sandbox purchases create)."
            )
        return purchase

    def _view(self, run: PerformanceTestRun, app: App, stats: RunStats) -> RunView:
        config = PerformanceTestConfig.from_json(json.loads(run.config))
        return RunView(run, config, stats, app.bundle_id, self._clock.now_ms())

    # upkeep

    def start(self) -> None:
        """Close runs abandoned by a dead process now, then keep leases and records current."""
        self._sweep()
        self.records.prune_quietly()
        self._heartbeat = threading.Thread(
            target=self._beat, name="perftest-heartbeat", daemon=True
        )
        self._heartbeat.start()

    def running(self) -> int:
        """Runs in progress in every process sharing the database."""
        return self._runs.count_running(_wall_ms())

    def interrupt_all(self, reason: str, timeout_s: float = 10) -> int:
        """Stop this process's runs (they finish as FAIL with ``reason``); how many there were."""
        with self._lock:
            executions = list(self._executions.values())
        for execution in executions:
            execution.interrupt(reason)
        for execution in executions:
            execution.join(timeout_s)
        return len(executions)

    def stop(self, timeout_s: float = 10) -> None:
        """Stop this process's runs (they finish as FAIL) and the heartbeat."""
        self._stopping.set()
        self.interrupted_at_stop = self.interrupt_all(
            "interrupted: the sandbox was stopped while the test was running"
        )
        if self._heartbeat is not None:
            self._heartbeat.join(timeout_s)

    def _beat(self) -> None:
        while not self._stopping.wait(self._timing.heartbeat_ms / 1000):
            with self._lock:
                executions = list(self._executions.values())
            for execution in executions:
                self._save(execution)
            self._sweep()

    def _save(self, execution: Execution) -> None:
        with execution.flushing():
            self._runs.add_requests(execution.take_records())
            still_ours = self._runs.save_progress(
                execution.request_id,
                self.owner,
                json.dumps(execution.stats.progress_json()),
                _wall_ms() + self._timing.lease_ms,
            )
        if not still_ours:
            execution.interrupt("interrupted: another sandbox process closed this run")

    def _sweep(self) -> None:
        for run in self._runs.abandoned_runs(_wall_ms()):
            self._runs.finish(
                run.request_id,
                FAIL,
                progress=None,
                finished_ms=self._clock.now_ms(),
                note="interrupted: the sandbox process running this test stopped unexpectedly; "
                "the numbers are those saved before it stopped",
            )

    def _complete(self, execution: Execution) -> None:
        """Called on the run's own thread when sending is over, whatever the reason."""
        with execution.flushing():
            self._runs.add_requests(execution.take_records())
            status = (
                PASS
                if execution.interruption is None and passed(execution.config, execution.stats)
                else FAIL
            )
            now = self._clock.now_ms()
            closed = self._runs.finish(
                execution.request_id,
                status,
                json.dumps(execution.stats.progress_json()),
                now,
                note=execution.interruption,
                owner=self.owner,
            )
        if closed and status == PASS:
            self._store.set_performance_test_passed(execution.run.app_id, now)
        with self._lock:
            self._executions.pop(execution.request_id, None)
        self.records.prune_quietly()


def _already_finished(view: RunView) -> Conflict:
    return Conflict(
        f"performance test {view.run.request_id} has already finished ({view.status}); only a "
        "running test can be cancelled."
    )


def _wall_ms() -> int:
    # Leases measure whether a process is alive, so they use real time, never the sandbox clock
    # (advancing it to trigger notification retries must not expire running tests).
    return int(time.time() * 1000)

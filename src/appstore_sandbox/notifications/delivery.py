"""Delivering notifications: a worker with its own thread and event loop in every process.

It claims due notifications in the database (so each attempt happens once, whichever process
claims it), POSTs them with the same sender the performance test uses, records each attempt and
schedules the next one. A claim is renewed every third of its lease until its attempt is
recorded, so an attempt may take longer than the lease (a slow receiver, a delay fault).
Requesting a notification wakes the worker at once; due retries are picked up by polling, so a
retry made due by advancing the sandbox clock goes out within a poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable

import uvloop

from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.faults import Call, Fault, Faults
from appstore_sandbox.notifications.schedule import RetrySchedule
from appstore_sandbox.outbound.results import Attempt, HttpReply, SendAttemptResult, judged
from appstore_sandbox.outbound.transport import Transport, TransportOptions, Transports
from appstore_sandbox.store import Notification, NotificationStore, SendAttempt
from appstore_sandbox.store.notifications import DELIVERED, FAILED, PENDING, DeliveryOutcome

logger = logging.getLogger("appstore_sandbox.notifications")
CLAIM_LEASE_MS = 60_000
BATCH = 100
USER_AGENT = "App Store Server Notifications (appstore-sandbox)"
REPLY_BYTES_READ = 64 * 1024


def _noted(fault: Fault, explanation: str) -> str:
    """An attempt's explanation, with the fault that changed it named first."""
    what = "dropped" if fault.spec.kind == "drop" else f"delayed {fault.spec.delay_ms} ms"
    note = f"{what} by fault {fault.fault_id} injected by the sandbox"
    return f"{note}; {explanation}" if explanation else note


def judge_notification_reply(reply: HttpReply) -> Attempt:
    """Apple counts any status from 200 to 206 as delivered; the body does not matter.

    So the worker's sender reads at most REPLY_BYTES_READ of a body and cuts a longer one
    instead of refusing it: a 200 with a huge body is still a delivery, timed to the cut.
    """
    if 200 <= reply.status <= 206:
        return Attempt(SendAttemptResult.SUCCESS, None, reply.status)
    return Attempt(
        SendAttemptResult.UNSUCCESSFUL_HTTP_RESPONSE_CODE,
        None,
        reply.status,
        f"HTTP {reply.status}; only 200-206 count as delivered",
    )


class DeliveryWorker:
    def __init__(
        self,
        store: NotificationStore,
        clock: Clock,
        schedule: RetrySchedule,
        timeout_s: float,
        owner: str,
        transports: Transports,
        *,
        poll_s: float,
        faults: Faults | None = None,
        bundle_id_of: Callable[[int], str | None] = lambda app_id: None,
        lease_ms: int = CLAIM_LEASE_MS,
    ) -> None:
        self._faults = faults or Faults()
        self._bundle_id_of = bundle_id_of
        self._store = store
        self._transports = transports
        self._clock = clock
        self._schedule = schedule
        self._timeout_s = timeout_s
        self._poll_s = poll_s
        self.owner = owner
        self.lease_ms = lease_ms
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._handed_over: deque[Notification] = deque()  # appended by request threads
        # Claims this worker holds, from the claim until its attempt is recorded; their leases
        # are renewed meanwhile, however long the attempt takes (a slow receiver, a delay fault).
        self._held: dict[int, asyncio.Task[None]] = {}
        self._lost: set[int] = set()  # held, but a renewal found another process owns the claim
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._main, name="notification-delivery", daemon=True
        )
        self._thread.start()
        self._ready.wait(10)

    @property
    def running(self) -> bool:
        return self._loop is not None and not self._stopping

    def wake(self) -> None:
        if self._loop is not None and self._wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just closed
                self._loop.call_soon_threadsafe(self._wake.set)

    def hand_over(self, notification: Notification) -> None:
        """Deliver a notification this process claimed when it stored it; no claim query needed.

        Should the worker be stopping, the claim's lease lapses and a poll, here or in another
        process, picks the notification up.
        """
        self._handed_over.append(notification)
        self.wake()

    def stop(self, timeout_s: float = 10) -> None:
        self._stopping = True
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _main(self) -> None:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(self._run())

    async def _run(self) -> None:
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._ready.set()
        sender = self._transports.open(
            TransportOptions(BATCH, USER_AGENT, REPLY_BYTES_READ, cut_oversized=True)
        )
        outcomes: asyncio.Queue[DeliveryOutcome] = asyncio.Queue()
        recorder = asyncio.create_task(self._record(outcomes))
        renewer = asyncio.create_task(self._renew_claims())

        def deliver(notifications: list[Notification]) -> None:
            for notification in notifications:
                # Already held: its lease lapsed under a late renewal and this worker claimed it
                # again; the attempt in flight is the one.
                if notification.id not in self._held:
                    task = asyncio.create_task(self._deliver(sender, notification, outcomes))
                    self._held[notification.id] = task
                    task.add_done_callback(functools.partial(self._ended, notification.id))

        next_poll = 0.0
        try:
            while not self._stopping:
                self._wake.clear()
                handed_over = self._take_handed_over()
                deliver(handed_over)
                # Woken only for notifications handed over, it polls at its usual pace.
                if self._loop.time() >= next_poll or not handed_over:
                    deliver(await asyncio.to_thread(self._claim))
                    next_poll = self._loop.time() + self._poll_s
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_s)
        finally:
            # The server stops taking requests before the worker stops: nothing more arrives.
            deliver(self._take_handed_over())
            await asyncio.gather(*self._held.values(), return_exceptions=True)
            await outcomes.join()
            recorder.cancel()
            renewer.cancel()
            await sender.close()

    def _take_handed_over(self) -> list[Notification]:
        taken = []
        while self._handed_over:
            taken.append(self._handed_over.popleft())
        return taken

    def _claim(self) -> list[Notification]:
        try:
            wall_ms = int(time.time() * 1000)
            return self._store.claim_due(
                self.owner, self._clock.now_ms(), wall_ms, self.lease_ms, BATCH
            )
        except Exception:  # a database hiccup must not kill delivery for good
            logger.exception("could not claim due notifications")
            return []

    async def _deliver(
        self,
        sender: Transport,
        notification: Notification,
        outcomes: asyncio.Queue[DeliveryOutcome],
    ) -> None:
        body = json.dumps({"signedPayload": notification.signed_payload}).encode()
        attempt_ms = self._clock.now_ms()
        fault = self._fault_for(notification)
        if fault is not None and fault.spec.kind == "delay":
            await self._faults.hold(fault)
        if notification.id in self._lost:
            self._held.pop(notification.id, None)  # the process that took the claim sends it
            return
        if fault is not None and fault.spec.kind == "drop":
            attempt = Attempt(SendAttemptResult.NO_RESPONSE, None, explanation=_noted(fault, ""))
        else:
            exchange = await sender.post(notification.url, body, self._timeout_s)
            attempt = judged(exchange, judge_notification_reply)
            if fault is not None:
                attempt = dataclasses.replace(
                    attempt, explanation=_noted(fault, attempt.explanation)
                )
        number = notification.attempts + 1
        next_ms = None
        if attempt.succeeded:
            status = DELIVERED
        else:
            environment = Environment(notification.environment)
            next_ms = self._schedule.next_attempt_ms(environment, number, attempt_ms)
            status = PENDING if next_ms is not None else FAILED
        record = SendAttempt(
            notification_id=notification.id,
            number=number,
            attempt_ms=attempt_ms,
            result=attempt.result.value,
            http_status=attempt.http_status,
            latency_us=attempt.latency_us,
            explanation=attempt.explanation,
        )
        outcomes.put_nowait(DeliveryOutcome(record, status, next_ms))

    def _fault_for(self, notification: Notification) -> Fault | None:
        if not self._faults.active:
            return None
        bundle_id = self._bundle_id_of(notification.app_id) or ""
        fault = self._faults.take(Call("notifications", bundle_id, notification.environment))
        if fault is not None:
            logger.warning(
                "fault %s injected by the sandbox: %s of notification %s",
                fault.fault_id,
                fault.spec.kind,
                notification.notification_uuid,
            )
        return fault

    def _ended(self, notification_id: int, task: asyncio.Task[None]) -> None:
        """An attempt that ended without an outcome to record lets its claim lapse."""
        self._lost.discard(notification_id)
        if task.cancelled():
            self._held.pop(notification_id, None)
        elif (error := task.exception()) is not None:
            self._held.pop(notification_id, None)
            logger.error("could not deliver notification %d", notification_id, exc_info=error)

    async def _renew_claims(self) -> None:
        while True:
            await asyncio.sleep(self.lease_ms / 3000)
            if self._held:
                await self._renew(list(self._held))

    async def _renew(self, notification_ids: list[int]) -> None:
        until_ms = int(time.time() * 1000) + self.lease_ms
        try:
            lost = await asyncio.to_thread(
                self._store.renew_claims, self.owner, notification_ids, until_ms
            )
        except Exception:  # the next renewal tries again, within the lease
            logger.exception(
                "could not renew the claims on %d notifications", len(notification_ids)
            )
            return
        for notification_id in lost:
            task = self._held.get(notification_id)
            # A finished attempt's claim is released when it is recorded, which says so if the
            # claim was lost; only attempts still running need telling.
            if task is not None and not task.done():
                self._lost.add(notification_id)
                logger.warning(
                    "the claim on notification %d lapsed (this process was stalled longer than "
                    "its lease) and another process took it; that process makes the attempt",
                    notification_id,
                )

    async def _record(self, outcomes: asyncio.Queue[DeliveryOutcome]) -> None:
        """Write finished attempts in batches: one transaction for all that finished meanwhile."""
        while True:
            batch = [await outcomes.get()]
            while not outcomes.empty():
                batch.append(outcomes.get_nowait())
            try:
                await self._write(batch)
            finally:
                for _ in batch:
                    outcomes.task_done()

    async def _write(self, batch: list[DeliveryOutcome]) -> None:
        # Until it is written, an attempt's claim keeps other processes off the notification;
        # if this process dies first, the lease lapses and the attempt is made again.
        while True:
            try:
                lost = await asyncio.to_thread(self._store.record_outcomes, batch, self.owner)
            except Exception:
                logger.exception("could not record %d send attempts; retrying", len(batch))
                await asyncio.sleep(self._poll_s)
                continue
            for outcome in batch:
                self._held.pop(outcome.attempt.notification_id, None)
            for notification_id in lost:
                logger.warning(
                    "notification %d was claimed by another process before its attempt "
                    "was recorded; that process sends it again",
                    notification_id,
                )
            return

"""The renewal clock: what the sandbox clock has made due (a period ends, a grace period or
billing retry runs out) applied, with its notifications; the renewal ticker calls
:meth:`Renewals.catch_up`, and reads apply what is due first (:meth:`Renewals.current`)."""

from __future__ import annotations

from appstore_sandbox.clock import Clock
from appstore_sandbox.store import Purchase, Store
from appstore_sandbox.subscriptions import lifecycle
from appstore_sandbox.subscriptions.changes import Changes

# Changes applied per subscription and poll: enough for years of real-duration renewals, and a
# bound should a subscription's state ever fail to move forward.
_MAX_STEPS = 1000
_DUE_BATCH = 100


class Renewals:
    def __init__(self, store: Store, clock: Clock, changes: Changes) -> None:
        self._store = store
        self._subscriptions = store.subscriptions
        self._clock = clock
        self._changes = changes

    def catch_up(self) -> int:
        """Apply every change the sandbox clock has made due; how many were applied."""
        applied = 0
        while due := self._subscriptions.due(self._clock.now_ms(), _DUE_BATCH):
            moved = sum(self._run_clock(purchase) for purchase in due)
            applied += moved
            if not moved:
                break
        return applied

    def current(self, purchase: Purchase) -> Purchase:
        """``purchase`` as the sandbox clock has it now (what is due applied first)."""
        if purchase.next_event_ms is None or purchase.next_event_ms > self._clock.now_ms():
            return purchase
        self._run_clock(purchase)
        return self._subscriptions.subscription(purchase.original_transaction_id) or purchase

    def _run_clock(self, purchase: Purchase) -> int:
        app = self._store.app_by_id(purchase.app_id)
        if app is None:
            return 0
        applied = 0
        for _ in range(_MAX_STEPS):
            state = self._changes.state(app, purchase)
            step = lifecycle.scheduled(state, self._clock.now_ms())
            if step is None:
                break
            if self._changes.apply(app, purchase, step) is not None:
                applied += 1
            current = self._subscriptions.subscription(purchase.original_transaction_id)
            if current is None:
                break
            purchase = current
        return applied

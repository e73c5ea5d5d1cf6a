"""Renewals have a ticker of their own: subscriptions renew as the sandbox clock moves, with no
notification delivery running, and a move of the clock wakes the ticker at once."""

from __future__ import annotations

import time
from pathlib import Path

from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.sandbox import Sandbox
from tests.in_process import in_process

# Far longer than the test: a renewal it sees was made by the wake the clock's move gave.
HOUR_MS = 3_600_000
WAIT_S = 10


def _renewals(sandbox: Sandbox, original_transaction_id: str, at_least: int) -> int:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        stored = sandbox.store.subscriptions.subscription(original_transaction_id)
        assert stored is not None
        if stored.renewals >= at_least:
            return stored.renewals
        time.sleep(0.02)
    raise AssertionError(f"{original_transaction_id} did not renew {at_least} times")


def test_an_advance_of_the_clock_renews_without_the_delivery_worker(tmp_path: Path) -> None:
    with in_process(tmp_path, notification_poll_ms=HOUR_MS) as running:
        sandbox = running.sandbox
        app = sandbox.control.app(DEFAULT_BUNDLE_ID)
        purchase = sandbox.subscriptions.buy(app)
        sandbox.renewal_ticker.start()
        try:
            sandbox.control.clock.advance(11 * 60)  # two sandbox months
            renewals = _renewals(sandbox, purchase.original_transaction_id, 2)
        finally:
            sandbox.renewal_ticker.stop()
        assert renewals == 2
        assert not sandbox.notifications.worker.running

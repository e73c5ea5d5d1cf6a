"""Which subscription a performance test may run for: the original transaction of an active
auto-renewable subscription of the app (Apple's Initiate Performance Test)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from appstore_sandbox.errors import (
    InvalidPerformanceTestRequest,
    InvalidTransactionId,
    TransactionIdNotOriginal,
)
from appstore_sandbox.sandbox import Sandbox
from appstore_sandbox.store import App
from appstore_sandbox.subscriptions.service import Trigger
from tests.in_process import in_process


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with in_process(tmp_path) as running:
        yield running.sandbox


def _bought(sandbox: Sandbox) -> tuple[App, str]:
    app = sandbox.control.app("com.example.app")
    return app, sandbox.subscriptions.buy(app).original_transaction_id


def test_an_older_renewals_transaction_id_is_not_an_original_one(sandbox: Sandbox) -> None:
    app, original_id = _bought(sandbox)
    first_renewal = sandbox.subscriptions.trigger(app, original_id, Trigger("renew")).purchase
    sandbox.subscriptions.trigger(app, original_id, Trigger("renew"))
    with pytest.raises(TransactionIdNotOriginal, match=original_id):
        sandbox.performance_tests.initiate(app, first_renewal.transaction_id)


@pytest.mark.parametrize("ending", ["expired", "refunded"])
def test_an_ended_subscription_is_refused(sandbox: Sandbox, ending: str) -> None:
    app, original_id = _bought(sandbox)
    if ending == "refunded":
        sandbox.subscriptions.trigger(app, original_id, Trigger("refund"))
    else:
        sandbox.subscriptions.trigger(app, original_id, Trigger("cancel"))
        sandbox.clock.advance(timedelta(minutes=6))
        sandbox.subscriptions.catch_up()
    with pytest.raises(InvalidPerformanceTestRequest, match=ending):
        sandbox.performance_tests.initiate(app, original_id)


def test_another_apps_subscription_is_unknown(sandbox: Sandbox) -> None:
    _, original_id = _bought(sandbox)
    other = sandbox.control.create_app("com.example.other", None)
    with pytest.raises(InvalidTransactionId):
        sandbox.performance_tests.initiate(other, original_id)

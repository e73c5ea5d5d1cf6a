"""Subscription rules that need no wire: triggers refused in the wrong state, products that
can't be bought or switched to, and renewals applied by the clock, in process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import BadInput, NotFound
from appstore_sandbox.sandbox import Sandbox
from appstore_sandbox.store import App, Product
from appstore_sandbox.subscriptions.service import Trigger
from tests.in_process import in_process


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with in_process(tmp_path) as running:
        yield running.sandbox


def _app(sandbox: Sandbox) -> App:
    return sandbox.control.app("com.example.app")


def test_a_cancelled_subscription_cannot_be_cancelled_again(sandbox: Sandbox) -> None:
    app = _app(sandbox)
    purchase = sandbox.subscriptions.buy(app)
    sandbox.subscriptions.trigger(app, purchase.original_transaction_id, Trigger("cancel"))
    with pytest.raises(BadInput, match="auto-renew off"):
        sandbox.subscriptions.trigger(app, purchase.original_transaction_id, Trigger("cancel"))


def test_switching_products_stays_within_the_subscription_group(sandbox: Sandbox) -> None:
    app = _app(sandbox)
    sandbox.store.add_product(Product(app.id, "other.group", "AUTO_RENEWABLE", "Other"))
    purchase = sandbox.subscriptions.buy(app)
    otid = purchase.original_transaction_id
    with pytest.raises(BadInput, match="not in the subscription group"):
        sandbox.subscriptions.trigger(app, otid, Trigger("upgrade", product_id="other.group"))
    with pytest.raises(NotFound):
        sandbox.subscriptions.trigger(app, otid, Trigger("downgrade", product_id="missing"))
    with pytest.raises(BadInput, match="need the productId"):
        sandbox.subscriptions.trigger(app, otid, Trigger("upgrade"))


def test_only_auto_renewable_subscriptions_are_bought(sandbox: Sandbox) -> None:
    app = _app(sandbox)
    sandbox.store.add_product(Product(app.id, "coins", "CONSUMABLE", ""))
    with pytest.raises(BadInput, match="auto-renewable"):
        sandbox.subscriptions.buy(app, "coins")


def test_offers_must_exist_and_billing_recovery_needs_a_failure(sandbox: Sandbox) -> None:
    app = _app(sandbox)
    otid = sandbox.subscriptions.buy(app).original_transaction_id
    with pytest.raises(NotFound, match="offers create"):
        sandbox.subscriptions.trigger(app, otid, Trigger("offer-redeemed", offer_id="nope"))
    with pytest.raises(BadInput, match="not in billing retry"):
        sandbox.subscriptions.trigger(app, otid, Trigger("billing-recovery"))
    with pytest.raises(BadInput, match="action must be one of"):
        sandbox.subscriptions.trigger(app, otid, Trigger("explode"))


def test_reads_catch_up_with_the_clock_without_a_worker(sandbox: Sandbox) -> None:
    app = _app(sandbox)
    purchase = sandbox.subscriptions.buy(app)
    sandbox.clock.advance(timedelta(minutes=11))
    current = sandbox.subscriptions.current(purchase)
    assert current.renewals == 2
    assert current.expires_ms == purchase.expires_ms + 2 * 300_000
    # The first start's purchase renewed twice too; then nothing is left due.
    assert sandbox.subscriptions.catch_up() == 2
    assert sandbox.subscriptions.catch_up() == 0


def test_a_refunded_subscription_is_not_resubscribed(sandbox: Sandbox) -> None:
    app = _app(sandbox)
    otid = sandbox.subscriptions.buy(app).original_transaction_id
    refunded = sandbox.subscriptions.trigger(app, otid, Trigger("refund")).purchase
    assert refunded.status == "REVOKED" and refunded.next_event_ms is None
    with pytest.raises(BadInput, match="refunded"):
        sandbox.subscriptions.trigger(app, otid, Trigger("resubscribe"))
    with pytest.raises(BadInput, match="refunded already"):
        sandbox.subscriptions.trigger(app, otid, Trigger("refund"))


def test_a_trigger_comes_after_what_the_clock_made_due(sandbox: Sandbox) -> None:
    # No delivery worker runs in process: only the trigger can apply the grace period's end.
    app = _app(sandbox)
    sandbox.notifications.set_url(app, Environment.SANDBOX, "http://127.0.0.1:9/notifications")
    otid = sandbox.subscriptions.buy(app).original_transaction_id
    sandbox.subscriptions.trigger(app, otid, Trigger("billing-failure", grace_period=True))
    sandbox.clock.advance(timedelta(minutes=5, seconds=1))  # the renewal fails
    sandbox.subscriptions.current(sandbox.subscriptions.subscription(app, otid))
    sandbox.clock.advance(timedelta(minutes=5, seconds=1))  # the grace period ends
    sandbox.subscriptions.trigger(app, otid, Trigger("billing-recovery"))
    sent = sandbox.notifications.sent(app, Environment.SANDBOX, only_failures=False, limit=10)
    assert [(s.notification.notification_type, s.notification.subtype) for s in sent] == [
        ("SUBSCRIBED", "INITIAL_BUY"),
        ("DID_FAIL_TO_RENEW", "GRACE_PERIOD"),
        ("GRACE_PERIOD_EXPIRED", None),
        ("DID_RENEW", "BILLING_RECOVERY"),
    ]

"""Revision 0008 on a database made before it: existing transactions are numbered in the order
they were bought, so that Transaction History's revisions have a sequence to point into."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from appstore_sandbox.store import Store, migrate
from tests.store.old_databases import database_at


def test_transactions_made_before_0008_are_numbered_in_purchase_order(tmp_path: Path) -> None:
    with database_at(tmp_path, "0007") as (engine, connection):
        connection.execute(
            text(
                "INSERT INTO purchases (app_id, original_transaction_id, transaction_id, "
                "product_id, environment, family_shared, status, purchase_ms, expires_ms) "
                "VALUES (1, '2000000000000001', '2000000000000003', 'com.example.old.monthly', "
                "'Sandbox', 0, 'ACTIVE', 1000, 3000)"
            )
        )
        for transaction_id, purchase_ms in (("2000000000000003", 2000), ("2000000000000001", 1000)):
            connection.execute(
                text(
                    "INSERT INTO transactions (transaction_id, app_id, original_transaction_id, "
                    "web_order_line_item_id, product_id, purchase_ms, original_purchase_ms, "
                    "expires_ms, reason, ownership, environment) VALUES (:id, 1, "
                    "'2000000000000001', :id, 'com.example.old.monthly', :at, 1000, :at + 1000, "
                    "'PURCHASE', 'PURCHASED', 'Sandbox')"
                ),
                {"id": transaction_id, "at": purchase_ms},
            )

    migrate(engine)

    store = Store(engine)
    [purchase] = store.purchases(1)
    transactions = store.subscriptions.transactions("2000000000000001")
    assert [(t.transaction_id, t.change_seq) for t in transactions] == [
        ("2000000000000001", 1),
        ("2000000000000003", 2),
    ]
    assert (purchase.changes, purchase.renewal_fails) == (2, None)

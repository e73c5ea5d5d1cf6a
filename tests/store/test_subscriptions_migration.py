"""Revision 0007 on a database made before it: each purchase gets its transaction and renews
from its expiry on the sandbox clock."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import text

from appstore_sandbox.store import Store, migrate
from appstore_sandbox.store.database import _MIGRATIONS, _newest_revision
from tests.store.old_databases import database_at


def test_purchases_made_before_subscriptions_get_their_transactions(tmp_path: Path) -> None:
    with database_at(tmp_path, "0006") as (engine, connection):
        connection.execute(
            text(
                "INSERT INTO purchases (app_id, original_transaction_id, transaction_id, "
                "product_id, environment, family_shared, status, purchase_ms, expires_ms) "
                "VALUES (1, '2000000000000001', '2000000000000002', 'com.example.old.monthly', "
                "'Sandbox', 1, 'ACTIVE', 1000, 2000)"
            )
        )

    migrate(engine)

    store = Store(engine)
    [purchase] = store.purchases(1)
    [transaction] = store.subscriptions.transactions("2000000000000001")
    assert (purchase.next_event_ms, purchase.recent_start_ms, purchase.auto_renew) == (
        2000,
        1000,
        True,
    )
    assert transaction.transaction_id == "2000000000000002"
    assert (transaction.reason, transaction.ownership) == ("RENEWAL", "FAMILY_SHARED")
    assert (transaction.purchase_ms, transaction.expires_ms) == (1000, 2000)
    engine.dispose()


def test_the_newest_revision_read_from_file_names_is_alembics_head() -> None:
    # A server whose database is at this revision skips alembic at start.
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    assert _newest_revision() == ScriptDirectory.from_config(config).get_current_head()

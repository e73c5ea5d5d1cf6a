"""Revision 0008 on a database made before it: keys keep working and have no private key
(``open_sandbox`` adopts the default key's from its .p8; see tests/test_sandbox_keys.py)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from appstore_sandbox.store import Store, migrate
from tests.store.old_databases import database_at


def test_keys_made_before_0008_have_no_private_key(tmp_path: Path) -> None:
    with database_at(tmp_path, "0007") as (engine, connection):
        connection.execute(
            text(
                "INSERT INTO api_keys (key_id, issuer_id, app_id, public_key_pem, created_ms) "
                "VALUES ('OLDKEY', 'issuer', 1, 'PUBLIC', 5)"
            )
        )

    migrate(engine)

    key = Store(engine).key_by_id("OLDKEY")
    assert key is not None
    assert (key.public_key_pem, key.created_ms, key.private_key_pem) == ("PUBLIC", 5, None)
    engine.dispose()

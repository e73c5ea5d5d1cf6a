"""Revision 0008 on a database made before it: keys keep working and have no private key
(``open_sandbox`` adopts the default key's from its .p8; see tests/test_sandbox_keys.py)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from appstore_sandbox.store import Store, migrate, open_engine
from appstore_sandbox.store.database import _MIGRATIONS


def test_keys_made_before_0008_have_no_private_key(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        connection.execute(
            text(
                "INSERT INTO apps (id, bundle_id, app_apple_id, created_ms) "
                "VALUES (1, 'com.example.old', 123, 0)"
            )
        )
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

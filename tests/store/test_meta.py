"""The meta table: a value stored once and shared by every process on the database."""

from __future__ import annotations

from pathlib import Path

from appstore_sandbox.store import Store, migrate, open_engine


def _store(path: Path) -> Store:
    engine = open_engine(f"sqlite:///{path / 'sandbox.db'}")
    migrate(engine)
    return Store(engine)


def test_the_first_value_stored_is_the_one_everyone_gets(tmp_path: Path) -> None:
    first, second = _store(tmp_path), _store(tmp_path)
    try:
        assert first.first_meta_value("secret", "a") == "a"
        assert second.first_meta_value("secret", "b") == "a"
        assert first.meta_value("secret") == "a"
    finally:
        first.engine.dispose()
        second.engine.dispose()


def test_a_swap_stores_only_over_the_value_it_expects(tmp_path: Path) -> None:
    first, second = _store(tmp_path), _store(tmp_path)
    try:
        assert first.swap_meta_value("offset", None, "1")
        assert not second.swap_meta_value("offset", None, "2"), "a first value is there already"
        assert second.swap_meta_value("offset", "1", "3")
        assert not first.swap_meta_value("offset", "1", "4"), "read before the other's write"
        assert first.meta_value("offset") == "3"
    finally:
        first.engine.dispose()
        second.engine.dispose()

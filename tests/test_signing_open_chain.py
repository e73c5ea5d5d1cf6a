"""open_chain: the chain on disk and the one the database keeps are one chain, or start fails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appstore_sandbox.signing import (
    ChainError,
    ChainPems,
    create_chain,
    load_chain,
    open_chain,
    save_chain,
)

NOW = datetime.now(UTC)


@dataclass
class FakeShared:
    """The database's chain; ``racer`` is a chain another process keeps first."""

    kept: ChainPems | None = None
    racer: ChainPems | None = None
    where: str = "the database sqlite:///shared.db"

    def stored(self) -> ChainPems | None:
        return self.kept

    def store_first(self, pems: ChainPems) -> ChainPems:
        self.kept = self.kept or self.racer or pems
        return self.kept


def test_the_first_process_keeps_the_chain_it_creates(tmp_path: Path) -> None:
    shared = FakeShared()
    chain = open_chain(tmp_path / "ca", NOW, shared)
    assert shared.kept == ChainPems.of(chain)
    assert load_chain(tmp_path / "ca").root_der() == chain.root_der()


def test_a_fresh_data_dir_adopts_the_kept_chain(tmp_path: Path) -> None:
    kept = ChainPems.of(create_chain(NOW))
    chain = open_chain(tmp_path / "ca", NOW, FakeShared(kept))
    assert ChainPems.of(chain) == kept
    assert ChainPems.of(load_chain(tmp_path / "ca")) == kept


def test_a_process_that_loses_the_race_signs_with_the_winners_chain(tmp_path: Path) -> None:
    winner = ChainPems.of(create_chain(NOW))
    chain = open_chain(tmp_path / "ca", NOW, FakeShared(racer=winner))
    assert ChainPems.of(chain) == winner


def test_a_data_dir_with_another_chain_is_refused(tmp_path: Path) -> None:
    save_chain(create_chain(NOW), tmp_path / "ca")
    shared = FakeShared(ChainPems.of(create_chain(NOW)))
    with pytest.raises(ChainError, match=r"differs from the one in the database sqlite:///"):
        open_chain(tmp_path / "ca", NOW, shared)


def test_the_same_chain_on_disk_and_kept_starts(tmp_path: Path) -> None:
    chain = create_chain(NOW)
    save_chain(chain, tmp_path / "ca")
    assert open_chain(tmp_path / "ca", NOW, FakeShared(ChainPems.of(chain))).root == chain.root


def test_unreadable_kept_pems_name_where_they_are(tmp_path: Path) -> None:
    broken = ChainPems("not a pem", "", "", "")
    with pytest.raises(ChainError, match=r"in the database sqlite:///shared\.db is unreadable"):
        open_chain(tmp_path / "ca", NOW, FakeShared(broken))

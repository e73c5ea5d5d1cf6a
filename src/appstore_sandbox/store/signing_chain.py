"""The certificate chain kept in the database, so every process on it signs with one root."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from appstore_sandbox.signing import ChainPems
from appstore_sandbox.store import schema
from appstore_sandbox.store.database import transaction

_chain = schema.signing_chain
_ONLY_ROW = 1


class ChainStore:
    """Implements ``signing.SharedChain``: the first process to keep a chain wins."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def where(self) -> str:
        return f"the database {self.engine.url.render_as_string(hide_password=True)}"

    def stored(self) -> ChainPems | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(_chain).where(_chain.c.id == _ONLY_ROW)).first()
        if row is None:
            return None
        return ChainPems(row.root_pem, row.intermediate_pem, row.leaf_pem, row.leaf_key_pem)

    def store_first(self, pems: ChainPems) -> ChainPems:
        try:
            with transaction(self.engine) as connection:
                connection.execute(
                    insert(_chain).values(
                        id=_ONLY_ROW,
                        root_pem=pems.root,
                        intermediate_pem=pems.intermediate,
                        leaf_pem=pems.leaf,
                        leaf_key_pem=pems.leaf_key,
                    )
                )
        except IntegrityError:  # another process kept its chain first
            kept = self.stored()
            assert kept is not None
            return kept
        return pems

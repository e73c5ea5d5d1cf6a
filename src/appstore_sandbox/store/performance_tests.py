"""Persistence of performance test runs, their per-request records and per-app settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from appstore_sandbox.store import schema
from appstore_sandbox.store.database import insert_rows, transaction, upsert
from appstore_sandbox.store.errors import RunAlreadyPending, TooManyRunsPending
from appstore_sandbox.store.records import PerformanceTestRun, RequestRecord, RequestRow

PENDING = "PENDING"
_runs = schema.performance_test_runs
_requests = schema.performance_test_requests
_configs = schema.performance_test_configs
# Any constant works; it only has to be the same in every process sharing a PostgreSQL database.
_RUN_STARTS_LOCK_ID = 0x5A4E_D80D


@dataclass(frozen=True)
class RunRecords:
    """How many per-request records a finished run still has, and when it finished."""

    request_id: str
    finished_ms: int
    records: int


class PerformanceTestStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def app_config(self, app_id: int) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(
                select(_configs.c.config).where(_configs.c.app_id == app_id)
            ).scalar()

    def set_app_config(self, app_id: int, config: str | None) -> None:
        with transaction(self.engine) as connection:
            if config is None:
                connection.execute(delete(_configs).where(_configs.c.app_id == app_id))
            else:
                upsert(connection, _configs, {"app_id": app_id, "config": config})

    def add_run(
        self, run: PerformanceTestRun, max_running: int | None = None, now_ms: int = 0
    ) -> None:
        """Insert a PENDING run, unless ``max_running`` runs with leases past ``now_ms`` are
        PENDING already (all apps, all processes)."""
        try:
            with transaction(self.engine) as connection:
                if max_running is not None:
                    _serialize_run_starts(connection)
                    running = _count_running(connection, now_ms)
                    if running >= max_running:
                        raise TooManyRunsPending(running)
                connection.execute(insert(_runs).values(**asdict(run)))
        except IntegrityError as error:
            raise RunAlreadyPending() from error

    def run(self, request_id: str) -> PerformanceTestRun | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(_runs).where(_runs.c.request_id == request_id)).first()
        return PerformanceTestRun(**row._mapping) if row else None

    def count_running(self, now_ms: int) -> int:
        """PENDING runs whose lease is current, all apps and processes."""
        with self.engine.connect() as connection:
            return _count_running(connection, now_ms)

    def pending_run_id(self, app_id: int) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(
                select(_runs.c.request_id).where(
                    _runs.c.app_id == app_id, _runs.c.status == PENDING
                )
            ).scalar()

    def save_progress(
        self, request_id: str, owner: str, progress: str, lease_until_ms: int
    ) -> bool:
        """Store progress and extend the lease; False if the run is no longer ours and pending."""
        with transaction(self.engine) as connection:
            result = connection.execute(
                update(_runs)
                .where(_mine(request_id, owner))
                .values(progress=progress, lease_until_ms=lease_until_ms)
            )
        return result.rowcount == 1

    def finish(
        self,
        request_id: str,
        status: str,
        progress: str | None,
        finished_ms: int,
        note: str | None = None,
        owner: str | None = None,
    ) -> bool:
        """Close a pending run exactly once (only its owner may, unless ``owner`` is None)."""
        condition = (
            _mine(request_id, owner)
            if owner
            else and_(_runs.c.request_id == request_id, _runs.c.status == PENDING)
        )
        values: dict[str, object] = {"status": status, "finished_ms": finished_ms, "note": note}
        if progress is not None:
            values["progress"] = progress
        with transaction(self.engine) as connection:
            result = connection.execute(update(_runs).where(condition).values(**values))
        return result.rowcount == 1

    def abandoned_runs(self, now_ms: int) -> list[PerformanceTestRun]:
        """Pending runs whose owner stopped renewing its lease."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(_runs).where(_runs.c.status == PENDING, _runs.c.lease_until_ms < now_ms)
            )
            return [PerformanceTestRun(**row._mapping) for row in rows]

    def add_requests(self, records: Sequence[RequestRow]) -> None:
        if not records:
            return
        with transaction(self.engine) as connection:
            insert_rows(connection, _requests, RequestRecord._fields, records)

    def count_records(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(_requests)).scalar_one())

    def finished_runs_with_records(self) -> list[RunRecords]:
        """Finished runs that still have records, the longest finished first."""
        statement = (
            select(_runs.c.request_id, _runs.c.finished_ms, func.count().label("records"))
            .join(_requests, _requests.c.run_request_id == _runs.c.request_id)
            .where(_runs.c.status != PENDING)
            .group_by(_runs.c.request_id, _runs.c.finished_ms)
            .order_by(_runs.c.finished_ms, _runs.c.request_id)
        )
        with self.engine.connect() as connection:
            return [
                RunRecords(row.request_id, row.finished_ms or 0, row.records)
                for row in connection.execute(statement)
            ]

    def prune_records(self, request_id: str) -> int:
        """Delete a finished run's per-request records and count them on the run."""
        with transaction(self.engine) as connection:
            deleted = connection.execute(
                delete(_requests).where(_requests.c.run_request_id == request_id)
            ).rowcount
            connection.execute(
                update(_runs)
                .where(_runs.c.request_id == request_id, _runs.c.status != PENDING)
                .values(records_pruned=_runs.c.records_pruned + deleted)
            )
        return int(deleted)

    def requests(
        self, request_id: str, result: str | None, offset: int, limit: int
    ) -> tuple[int, list[RequestRecord]]:
        condition = _requests.c.run_request_id == request_id
        if result:
            condition = and_(condition, _requests.c.result == result)
        with self.engine.connect() as connection:
            total = connection.execute(
                select(func.count()).select_from(_requests).where(condition)
            ).scalar_one()
            rows = connection.execute(
                select(_requests)
                .where(condition)
                .order_by(_requests.c.sequence)
                .offset(offset)
                .limit(limit)
            )
            return total, [RequestRecord(**row._mapping) for row in rows]


def _serialize_run_starts(connection: Connection) -> None:
    """Starts count and insert one at a time, across processes sharing the database."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _RUN_STARTS_LOCK_ID})
    else:  # SQLite: a write, even one that changes nothing, takes the database's write lock
        connection.execute(update(_runs).where(_runs.c.request_id == "").values(status=PENDING))


def _count_running(connection: Connection, now_ms: int) -> int:
    condition = and_(_runs.c.status == PENDING, _runs.c.lease_until_ms >= now_ms)
    return int(
        connection.execute(select(func.count()).select_from(_runs).where(condition)).scalar_one()
    )


def _mine(request_id: str, owner: str) -> ColumnElement[bool]:
    return and_(_runs.c.request_id == request_id, _runs.c.status == PENDING, _runs.c.owner == owner)

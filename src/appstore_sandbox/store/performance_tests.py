"""Persistence of performance test runs, their per-request records and per-app settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import ColumnElement, Engine, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from appstore_sandbox.store import schema
from appstore_sandbox.store.database import transaction
from appstore_sandbox.store.errors import RunAlreadyPending
from appstore_sandbox.store.records import PerformanceTestRun, RequestRecord

PENDING = "PENDING"
_runs = schema.performance_test_runs
_requests = schema.performance_test_requests
_configs = schema.performance_test_configs


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
            connection.execute(delete(_configs).where(_configs.c.app_id == app_id))
            if config is not None:
                connection.execute(insert(_configs).values(app_id=app_id, config=config))

    def add_run(self, run: PerformanceTestRun) -> None:
        try:
            with transaction(self.engine) as connection:
                connection.execute(insert(_runs).values(**asdict(run)))
        except IntegrityError as error:
            raise RunAlreadyPending() from error

    def run(self, request_id: str) -> PerformanceTestRun | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(_runs).where(_runs.c.request_id == request_id)).first()
        return PerformanceTestRun(**row._mapping) if row else None

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

    def add_requests(self, records: Sequence[RequestRecord]) -> None:
        if not records:
            return
        with transaction(self.engine) as connection:
            connection.execute(insert(_requests), [vars(record) for record in records])

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


def _mine(request_id: str, owner: str) -> ColumnElement[bool]:
    return and_(_runs.c.request_id == request_id, _runs.c.status == PENDING, _runs.c.owner == owner)

"""What the store raises: facts about the data, for the services to turn into API errors.

StoreError
├── AlreadyExists        a row with the same key is there (a unique constraint said so)
├── RunAlreadyPending    the app already has a PENDING performance test run
└── TooManyRunsPending   as many runs as allowed are PENDING (all apps)
"""

from __future__ import annotations


class StoreError(Exception):
    """A write the database refused."""


class AlreadyExists(StoreError):
    """``what`` names the row in words, e.g. "Product com.example.app.monthly"."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"{what} already exists.")


class RunAlreadyPending(StoreError):
    """The app already has a PENDING run (the partial unique index said so)."""


class TooManyRunsPending(StoreError):
    """``running`` runs are PENDING with live leases, which is as many as allowed."""

    def __init__(self, running: int) -> None:
        self.running = running
        super().__init__(f"{running} performance tests are running.")

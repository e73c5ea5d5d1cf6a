"""Review of uploaded images and messages: Apple's App Review, played by the developer.

With ``--review auto`` (the default) new content is APPROVED at once, so local work is never
blocked; with ``--review manual`` it stays PENDING until approved or rejected through the
control surface (``appstore-sandbox review approve|reject``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from appstore_sandbox.clock import Clock
from appstore_sandbox.config import ReviewMode
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import BadInput, NotFound
from appstore_sandbox.retention.identifiers import is_uuid
from appstore_sandbox.retention.models import ReviewState
from appstore_sandbox.store import App, Store
from appstore_sandbox.store.records import RetentionImage, RetentionMessage


@dataclass(frozen=True)
class ReviewedItem:
    kind: Literal["image", "message"]
    identifier: str
    state: ReviewState


@dataclass(frozen=True)
class ReviewQueue:
    images: list[RetentionImage]
    messages: list[RetentionMessage]


class ReviewService:
    def __init__(self, store: Store, clock: Clock, mode: ReviewMode) -> None:
        self._store = store
        self._clock = clock
        self.mode = mode

    @property
    def initial_state(self) -> ReviewState:
        """The state new images and messages get."""
        return ReviewState.APPROVED if self.mode == "auto" else ReviewState.PENDING

    def approve(self, app: App, environment: Environment, identifier: str) -> ReviewedItem:
        return self._decide(app, environment, identifier, ReviewState.APPROVED)

    def reject(self, app: App, environment: Environment, identifier: str) -> ReviewedItem:
        return self._decide(app, environment, identifier, ReviewState.REJECTED)

    def items(self, app: App, environment: Environment) -> ReviewQueue:
        with self._store.retention.reading(app.id, environment.value) as content:
            return ReviewQueue(images=content.images(), messages=content.messages())

    def _decide(
        self, app: App, environment: Environment, identifier: str, state: ReviewState
    ) -> ReviewedItem:
        if not is_uuid(identifier):
            raise BadInput(f"{identifier!r} is not an image or message identifier (a UUID).")
        identifier = identifier.lower()
        now_ms = self._clock.now_ms()
        with self._store.retention.locked(app.id, environment.value) as content:
            if content.set_image_state(identifier, state.value, now_ms):
                return ReviewedItem("image", identifier, state)
            if content.set_message_state(identifier, state.value, now_ms):
                return ReviewedItem("message", identifier, state)
        raise NotFound(
            f"{app.bundle_id} has no image or message {identifier} in {environment.value}."
        )

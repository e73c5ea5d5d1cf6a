"""What fills the notification outbox: a surface announces, the notifications service writes.

A surface that sends Apple's notifications (a subscription's purchase, renewal or trigger)
announces them to an :class:`Outbox`; the notifications service, the one producer of outbox rows,
looks up the app's notification URL, wraps and signs each announcement, and gives back the rows
(:class:`NewNotification`). The surface stores them with the change they announce, in one
transaction, through the outbox's one insert (``store.notifications.insert_notification``).
The composition root hands the notifications service to the surfaces as their ``Outbox``, so no
surface imports another. No rules here: the vocabulary both sides share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from appstore_sandbox.environments import Environment
from appstore_sandbox.store.notifications import NewNotification
from appstore_sandbox.store.records import App


@dataclass(frozen=True)
class Announcement:
    """One notification a surface wants sent: its type, when, about whom, and its ``data``.

    ``data`` makes the payload's ``data`` object; it is called only if the app has a URL to send
    to, so what it signs costs nothing otherwise.
    """

    notification_type: str
    subtype: str | None
    at_ms: int
    data: Callable[[], Mapping[str, Any]]
    transaction_id: str | None = None


class Outbox(Protocol):
    def outgoing(
        self, app: App, environment: Environment, announcements: Sequence[Announcement]
    ) -> list[NewNotification]:
        """The rows that send ``announcements`` to the app's URL for ``environment``, signed;
        none if it has no URL there. Not stored yet: the caller stores them with its change."""
        ...

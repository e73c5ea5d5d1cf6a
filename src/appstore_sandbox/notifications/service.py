"""Notifications: URLs, the outbox's one producer, Request a Test Notification, its status,
and history."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import (
    BadInput,
    InvalidTestNotificationToken,
    ServerNotificationUrlNotFound,
    TestNotificationNotFound,
    TransactionIdNotFound,
)
from appstore_sandbox.notifications import history, payloads
from appstore_sandbox.notifications.delivery import DeliveryWorker
from appstore_sandbox.outbound.policy import OutboundPolicy
from appstore_sandbox.sealing import KEY_META
from appstore_sandbox.signing import JwsSigner
from appstore_sandbox.store import App, Notification, SendAttempt, Store
from appstore_sandbox.store.notifications import HistoryQuery, NewNotification
from appstore_sandbox.store.outbox import Announcement


@dataclass(frozen=True)
class SentNotification:
    """A notification and every attempt to deliver it so far."""

    notification: Notification
    attempts: list[SendAttempt]


@dataclass(frozen=True)
class HistoryPage:
    """One page of Get Notification History; ``pagination_token`` asks for the next one."""

    notifications: list[SentNotification]
    pagination_token: str | None

    @property
    def has_more(self) -> bool:
        return self.pagination_token is not None


class NotificationService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        signer: JwsSigner,
        worker: DeliveryWorker,
        policy: OutboundPolicy,
    ) -> None:
        self._store = store
        self._notifications = store.notifications
        self._clock = clock
        self._signer = signer
        self.worker = worker
        self._policy = policy
        key = store.first_meta_value(KEY_META, secrets.token_hex(32))
        self._seal = history.TokenSeal(bytes.fromhex(key))

    # URLs (App Store Connect keeps these; the control surface sets them here)

    def set_url(self, app: App, environment: Environment, url: str | None) -> None:
        if url is not None and (problem := self._policy.callback_problem(url)):
            raise BadInput(f"Invalid notification URL: {problem}.")
        self._notifications.set_url(app.id, environment.value, url, self._clock.now_ms())

    def urls(self, app: App) -> dict[str, str]:
        return self._notifications.urls(app.id)

    # the outbox: every notification the sandbox sends is made here

    def outgoing(
        self, app: App, environment: Environment, announcements: Sequence[Announcement]
    ) -> list[NewNotification]:
        """The rows that send ``announcements`` (a subscription's changes) to the app's URL for
        ``environment``, signed; none without a URL. The caller stores them with its change."""
        url = self._url(app, environment)
        if url is None:
            return []
        return [self._new(app, environment, url, announced) for announced in announcements]

    def _url(self, app: App, environment: Environment) -> str | None:
        return self._notifications.url(app.id, environment.value)

    def _new(
        self,
        app: App,
        environment: Environment,
        url: str,
        announcement: Announcement,
        test_token: str | None = None,
    ) -> NewNotification:
        payload = payloads.notification_payload(announcement, announcement.data())
        return NewNotification(
            notification_uuid=payload["notificationUUID"],
            app_id=app.id,
            environment=environment.value,
            notification_type=announcement.notification_type,
            subtype=announcement.subtype,
            transaction_id=announcement.transaction_id,
            test_token=test_token,
            url=url,
            signed_payload=self._signer.sign(payload),
            created_ms=announcement.at_ms,
        )

    # Apple's operations

    def request_test(self, app: App, environment: Environment) -> Notification:
        url = self._url(app, environment)
        if url is None:
            raise ServerNotificationUrlNotFound(
                f"No {environment.value} notification URL is set for {app.bundle_id} "
                "(appstore-sandbox apps set-notification-url)."
            )
        now = self._clock.now_ms()
        test = Announcement("TEST", None, now, lambda: payloads.test_data(app, environment))
        # This process sends the first attempt itself, so the row is stored already claimed.
        claimed_by = self.worker.owner if self.worker.running else None
        notification = self._notifications.add(
            self._new(app, environment, url, test, test_token=str(uuid.uuid4())),
            claimed_by,
            int(time.time() * 1000) + self.worker.lease_ms,
        )
        if claimed_by:
            self.worker.hand_over(notification)
        return notification

    def test_status(self, app: App, environment: Environment, token: str) -> SentNotification:
        try:
            uuid.UUID(token)
        except ValueError as error:
            raise InvalidTestNotificationToken() from error
        notification = self._notifications.by_test_token(token)
        if (
            notification is None
            or notification.app_id != app.id
            or notification.environment != environment.value
        ):
            raise TestNotificationNotFound()
        sent = self._with_attempts([notification])[0]
        if not sent.attempts:
            # Apple answers 404 until the first attempt has a result.
            raise TestNotificationNotFound("The first send attempt has not finished yet.")
        return sent

    def history(
        self, app: App, environment: Environment, body: Any, token: str | None
    ) -> HistoryPage:
        now = self._clock.now_ms()
        request = history.parse_request(body, environment, now, self._clock.real_now_ms())
        after_id = history.decode_token(self._seal.open(token), request, now) if token else 0
        original_id = self._customer(app, request.transaction_id)
        page = self._notifications.history(
            HistoryQuery(
                app_id=app.id,
                environment=environment.value,
                start_ms=request.start_ms,
                end_ms=request.end_ms,
                notification_type=request.notification_type,
                subtype=request.subtype,
                transaction_id=original_id,
                only_failures=request.only_failures,
                after_id=after_id,
                limit=history.PAGE_SIZE + 1,
            )
        )
        has_more = len(page) > history.PAGE_SIZE
        page = page[: history.PAGE_SIZE]
        next_token = (
            self._seal.seal(history.encode_token(request, page[-1].id, now)) if has_more else None
        )
        return HistoryPage(self._with_attempts(page), next_token)

    def _customer(self, app: App, transaction_id: str | None) -> str | None:
        """The original transaction id behind any transaction id of the customer."""
        if transaction_id is None:
            return None
        for purchase in self._store.purchases(app.id):
            if transaction_id in (purchase.original_transaction_id, purchase.transaction_id):
                return purchase.original_transaction_id
        raise TransactionIdNotFound()

    # the sandbox's own views

    def find(self, app: App, token_or_uuid: str) -> SentNotification:
        notification = self._notifications.by_test_token(
            token_or_uuid
        ) or self._notifications.by_uuid(token_or_uuid)
        if notification is None or notification.app_id != app.id:
            raise TestNotificationNotFound()
        return self._with_attempts([notification])[0]

    def sent(
        self, app: App, environment: Environment, only_failures: bool, limit: int
    ) -> list[SentNotification]:
        """The ``limit`` most recent notifications, oldest first."""
        query = HistoryQuery(
            app.id, environment.value, 0, 2**62, None, None, None, only_failures, 0, limit, True
        )
        return self._with_attempts(self._notifications.history(query)[::-1])

    def _with_attempts(self, notifications: list[Notification]) -> list[SentNotification]:
        attempts = self._notifications.attempts([n.id for n in notifications])
        return [SentNotification(n, attempts[n.id]) for n in notifications]

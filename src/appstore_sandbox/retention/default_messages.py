"""Configure / Get / Delete Default Message: the rules, without HTTP."""

from __future__ import annotations

from appstore_sandbox.catalog.products import AUTO_RENEWABLE
from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import (
    DefaultMessageNotFound,
    GeneralBadRequest,
    ImageNotApproved,
    InvalidLocale,
    InvalidProductId,
    MessageNotApproved,
    MessageNotFound,
)
from appstore_sandbox.retention.identifiers import canonical_uuid
from appstore_sandbox.retention.locales import is_app_store_locale, locale_hint
from appstore_sandbox.retention.models import ReviewState
from appstore_sandbox.store import App, Store
from appstore_sandbox.store.records import RetentionMessage
from appstore_sandbox.store.retention import RetentionContent

_APPROVED = ReviewState.APPROVED.value


class DefaultMessageService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def configure(
        self,
        app: App,
        environment: Environment,
        product_id: str,
        locale: str,
        message_identifier: str | None,
    ) -> None:
        """Idempotent: replaces any default already set for this product and locale."""
        self._check_target(app, product_id, locale)
        if message_identifier is None:
            # Required by Apple's docs, optional in Apple's Python client; the error for a
            # missing value is unconfirmed: 4000000.
            raise GeneralBadRequest("Invalid request: messageIdentifier is required.")
        identifier = canonical_uuid(message_identifier, "messageIdentifier")
        with self._store.retention.locked(app.id, environment.value) as content:
            message = content.message(identifier)
            if message is None:
                raise MessageNotFound(f"Message {identifier} not found.")
            _check_approved(content, message)
            content.set_default_message(product_id, locale, identifier, self._clock.now_ms())

    def get(self, app: App, environment: Environment, product_id: str, locale: str) -> str:
        self._check_target(app, product_id, locale)
        with self._store.retention.reading(app.id, environment.value) as content:
            identifier = content.default_message(product_id, locale)
        if identifier is None:
            raise DefaultMessageNotFound(
                f"No default message is configured for {product_id} in {locale}."
            )
        return identifier

    def delete(self, app: App, environment: Environment, product_id: str, locale: str) -> None:
        """Idempotent: succeeds when no default is configured."""
        self._check_target(app, product_id, locale)
        with self._store.retention.locked(app.id, environment.value) as content:
            content.delete_default_message(product_id, locale)

    def _check_target(self, app: App, product_id: str, locale: str) -> None:
        product = self._store.product(app.id, product_id)
        if product is None:
            raise InvalidProductId(f"{app.bundle_id} has no product {product_id!r}.")
        if product.type != AUTO_RENEWABLE:
            raise InvalidProductId(
                f"{product_id} is not an auto-renewable subscription; default messages are "
                "only for auto-renewable subscriptions."
            )
        if not is_app_store_locale(locale):
            raise InvalidLocale(f"Invalid locale {locale!r}{locale_hint(locale)}.")


def _check_approved(content: RetentionContent, message: RetentionMessage) -> None:
    if message.state != _APPROVED:
        raise MessageNotApproved(
            f"Message {message.message_identifier} is {message.state}; only APPROVED messages "
            "can be default messages."
        )
    for image_identifier in message.image_identifiers:
        image = content.image(image_identifier)
        state = image.state if image else "missing"
        if state != _APPROVED:
            raise ImageNotApproved(
                f"Image {image_identifier} of message {message.message_identifier} is {state}; "
                "its images must be APPROVED too."
            )

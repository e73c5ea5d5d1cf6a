"""Upload Message / Delete Message / Get Message List: the rules, without HTTP."""

from __future__ import annotations

from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import (
    BadRequestImageSize,
    GeneralBadRequest,
    MaximumNumberOfMessagesReached,
    MessageAlreadyExists,
    MessageNotFound,
)
from appstore_sandbox.retention.identifiers import canonical_uuid
from appstore_sandbox.retention.message_rules import check_message_text
from appstore_sandbox.retention.models import (
    HeaderPosition,
    ImageSize,
    ReviewState,
    UploadMessageRequestBody,
)
from appstore_sandbox.retention.review import ReviewService
from appstore_sandbox.store import App, Store
from appstore_sandbox.store.records import MessageBullet, RetentionMessage
from appstore_sandbox.store.retention import RetentionContent

MAX_MESSAGES = 2000  # per app (and, here, per environment)


class MessageService:
    def __init__(self, store: Store, clock: Clock, review: ReviewService) -> None:
        self._store = store
        self._clock = clock
        self._review = review

    def upload(
        self,
        app: App,
        environment: Environment,
        message_identifier: str,
        body: UploadMessageRequestBody,
    ) -> RetentionMessage:
        identifier = canonical_uuid(message_identifier, "messageIdentifier")
        check_message_text(body)
        message = self._new_message(identifier, body)
        with self._store.retention.locked(app.id, environment.value) as content:
            if content.message(identifier) is not None:
                raise MessageAlreadyExists(
                    f"Message {identifier} already exists; message identifiers can't be "
                    "reused for a new upload."
                )
            if content.count_messages() >= MAX_MESSAGES:
                raise MaximumNumberOfMessagesReached(
                    f"{app.bundle_id} already has {MAX_MESSAGES} messages; delete some first."
                )
            _check_images(content, message)
            content.add_message(message)
        return message

    def _new_message(self, identifier: str, body: UploadMessageRequestBody) -> RetentionMessage:
        now_ms = self._clock.now_ms()
        state = self._review.initial_state
        bullets = tuple(
            MessageBullet(
                text=bullet.text,
                image_identifier=canonical_uuid(
                    bullet.imageIdentifier, f"bulletPoints[{number}].imageIdentifier"
                ),
                alt_text=bullet.altText,
            )
            for number, bullet in enumerate(body.bulletPoints or [])
        )
        image = body.image
        return RetentionMessage(
            message_identifier=identifier,
            state=state.value,
            header=body.header,
            body=body.body,
            header_position=body.headerPosition or HeaderPosition.ABOVE_BODY.value,
            image_identifier=canonical_uuid(image.imageIdentifier, "image.imageIdentifier")
            if image
            else None,
            image_alt_text=image.altText if image else None,
            bullets=bullets,
            created_ms=now_ms,
            reviewed_ms=now_ms if state is ReviewState.APPROVED else None,
        )

    def delete(self, app: App, environment: Environment, message_identifier: str) -> None:
        """Also removes the default configurations naming the message (unconfirmed at Apple)."""
        identifier = canonical_uuid(message_identifier, "messageIdentifier")
        with self._store.retention.locked(app.id, environment.value) as content:
            if content.message(identifier) is None:
                raise MessageNotFound(f"Message {identifier} not found.")
            content.delete_message(identifier)

    def list(self, app: App, environment: Environment) -> list[RetentionMessage]:
        with self._store.retention.reading(app.id, environment.value) as content:
            return content.messages()


def _check_images(content: RetentionContent, message: RetentionMessage) -> None:
    """The message image must be a FULL_SIZE image, each bullet image a BULLET_POINT one."""
    wanted = []
    if message.image_identifier:
        wanted.append(("image", message.image_identifier, ImageSize.FULL_SIZE))
    for number, bullet in enumerate(message.bullets):
        wanted.append((f"bulletPoints[{number}]", bullet.image_identifier, ImageSize.BULLET_POINT))
    for field, identifier, size in wanted:
        image = content.image(identifier)
        if image is None:
            # Apple documents no error for an unknown image (4040014 is listed for Delete Image
            # only, and 4000216 would misdescribe it): a clear 4000000 (unconfirmed).
            raise GeneralBadRequest(
                f"Invalid request: {field} names image {identifier}, which does not exist; "
                "upload it first."
            )
        if image.image_size != size.value:
            raise BadRequestImageSize(
                f"{field} names image {identifier}, uploaded as {image.image_size}; "
                f"it must be a {size.value} image."
            )

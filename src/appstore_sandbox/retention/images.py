"""Upload Image / Delete Image / Get Image List: the rules, without HTTP."""

from __future__ import annotations

import hashlib
import logging

from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import (
    BadRequestImageSize,
    ImageAlreadyExists,
    ImageInUse,
    ImageNotFound,
    MaximumNumberOfImagesReached,
)
from appstore_sandbox.retention.identifiers import canonical_uuid
from appstore_sandbox.retention.models import ImageSize, ReviewState
from appstore_sandbox.retention.png import check_png
from appstore_sandbox.retention.review import ReviewService
from appstore_sandbox.store import App, Store
from appstore_sandbox.store.image_files import ImageFiles, ImageKey
from appstore_sandbox.store.records import RetentionImage

MAX_IMAGES = 2000  # per app (and, here, per environment)
logger = logging.getLogger(__name__)


class ImageService:
    def __init__(
        self, store: Store, files: ImageFiles, clock: Clock, review: ReviewService
    ) -> None:
        self._store = store
        self._files = files
        self._clock = clock
        self._review = review

    def upload(
        self,
        app: App,
        environment: Environment,
        image_identifier: str,
        image_size: str | None,
        data: bytes,
    ) -> RetentionImage:
        image = self._new_image(
            canonical_uuid(image_identifier, "imageIdentifier"), parse_image_size(image_size), data
        )
        with self._store.retention.locked(app.id, environment.value) as content:
            if content.image(image.image_identifier) is not None:
                raise ImageAlreadyExists(
                    f"Image {image.image_identifier} already exists; image identifiers can't "
                    "be reused for a new upload."
                )
            if content.count_images() >= MAX_IMAGES:
                raise MaximumNumberOfImagesReached(
                    f"{app.bundle_id} already has {MAX_IMAGES} images; delete some first."
                )
            content.add_image(image)
            # Written before the commit, so a 2xx means both the row and the file are on disk.
            self._files.write(app.id, environment.value, image.image_identifier, data)
        return image

    def _new_image(self, image_identifier: str, size: ImageSize, data: bytes) -> RetentionImage:
        checked = check_png(data, size)
        now_ms = self._clock.now_ms()
        state = self._review.initial_state
        return RetentionImage(
            image_identifier=image_identifier,
            image_size=size.value,
            state=state.value,
            width=checked.width,
            height=checked.height,
            byte_size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            created_ms=now_ms,
            reviewed_ms=now_ms if state is ReviewState.APPROVED else None,
        )

    def delete(self, app: App, environment: Environment, image_identifier: str) -> None:
        identifier = canonical_uuid(image_identifier, "imageIdentifier")
        with self._store.retention.locked(app.id, environment.value) as content:
            if content.image(identifier) is None:
                raise ImageNotFound(f"Image {identifier} not found.")
            if content.image_in_use(identifier):
                raise ImageInUse(
                    f"Image {identifier} is used by a message; delete the message(s) first."
                )
            content.delete_image(identifier)
        self._files.delete(app.id, environment.value, identifier)

    def delete_files(self, app: App) -> None:
        """The files of an app whose rows are gone (the app was deleted)."""
        self._files.delete_app(app.id)

    def list(self, app: App, environment: Environment) -> list[RetentionImage]:
        with self._store.retention.reading(app.id, environment.value) as content:
            return content.images()

    def check_files(self) -> tuple[str, ...]:
        """At start-up: remove temporary files a crash left, and report files and rows that
        don't match (one log line each); the problems found."""
        problems = [
            f"removed {path}, an image upload a crash interrupted"
            for path in self._files.remove_leftovers()
        ]
        rows = {ImageKey(*key) for key in self._store.retention.image_keys()}
        files = self._files.keys()
        problems += [
            f"image file {self._files.path(*key)} has no image in the database "
            "(an upload that never completed); delete it"
            for key in sorted(files - rows)
        ]
        problems += [
            f"image {key.image_identifier} (app {key.app_id}, {key.environment}) has no file "
            f"at {self._files.path(*key)} (uploaded by a sandbox with another data dir?)"
            for key in sorted(rows - files)
        ]
        for problem in problems:
            logger.warning("%s", problem)
        return tuple(problems)


def parse_image_size(value: str | None) -> ImageSize:
    """The ``imageSize`` query parameter; absent means FULL_SIZE.

    Apple documents no error for a value other than FULL_SIZE or BULLET_POINT (unconfirmed);
    we answer BadRequestImageSizeError 4000216, whose name fits, rather than 4000161, which is
    about the image file itself.
    """
    if value is None:
        return ImageSize.FULL_SIZE
    try:
        return ImageSize(value)
    except ValueError:
        raise BadRequestImageSize(
            f"Invalid imageSize {value!r}; use FULL_SIZE or BULLET_POINT."
        ) from None

"""Upload Image / Delete Image / Get Image List: the rules, without HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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
from appstore_sandbox.store.image_files import ImageFiles, ImageKey, IncomingFile
from appstore_sandbox.store.records import RetentionImage

MAX_IMAGES = 2000  # per app (and, here, per environment)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageUpload:
    """An Upload Image call whose identifier and size are valid; its body goes to ``file``."""

    image_identifier: str
    size: ImageSize
    file: IncomingFile


class ImageService:
    def __init__(
        self, store: Store, files: ImageFiles, clock: Clock, review: ReviewService
    ) -> None:
        self._store = store
        self._files = files
        self._clock = clock
        self._review = review

    @contextmanager
    def receiving(
        self,
        app: App,
        environment: Environment,
        image_identifier: str,
        image_size: str | None,
    ) -> Iterator[ImageUpload]:
        """An upload whose identifier and size are valid, with a temporary file for its body
        (removed on leaving unless :meth:`store` kept it)."""
        identifier = canonical_uuid(image_identifier, "imageIdentifier")
        size = parse_image_size(image_size)
        with self._files.incoming(app.id, environment.value, identifier) as file:
            yield ImageUpload(identifier, size, file)

    def store(self, app: App, environment: Environment, upload: ImageUpload) -> RetentionImage:
        """Check the received body, then add its row and its file together."""
        image = self._new_image(upload)
        upload.file.sync()  # the slow part of keeping it, outside the lock
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
            # Renamed into place before the commit, so a 2xx means both the row and the file
            # are on disk.
            upload.file.keep()
        return image

    def upload(
        self,
        app: App,
        environment: Environment,
        image_identifier: str,
        image_size: str | None,
        data: bytes,
    ) -> RetentionImage:
        """Upload Image with the whole body at hand."""
        with self.receiving(app, environment, image_identifier, image_size) as upload:
            upload.file.write(data)
            return self.store(app, environment, upload)

    def _new_image(self, upload: ImageUpload) -> RetentionImage:
        checked = check_png(upload.file.contents(), upload.size)
        now_ms = self._clock.now_ms()
        state = self._review.initial_state
        return RetentionImage(
            image_identifier=upload.image_identifier,
            image_size=upload.size.value,
            state=state.value,
            width=checked.width,
            height=checked.height,
            byte_size=upload.file.byte_size,
            sha256=upload.file.sha256(),
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

    def reset(self) -> None:
        """The images folder goes (their rows went with the apps)."""
        self._files.delete_all()

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

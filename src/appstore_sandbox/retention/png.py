"""The checks of Upload Image: a PNG, without transparency, of the size its ``imageSize`` needs."""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from appstore_sandbox.errors import InvalidImage
from appstore_sandbox.retention.models import ImageSize

FULL_SIZE_WIDTH = 3840
FULL_SIZE_MIN_HEIGHT = 160
FULL_SIZE_MAX_HEIGHT = 2160
BULLET_POINT_SIDE = 1024
_BY = "\u00d7"  # multiplication sign, as in "1920x1080"
_TO = "\u2013"  # en dash, as in "160-2160"
# Modes that carry an alpha channel (lowercase "a": premultiplied alpha).
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
# What Pillow raises for data it cannot read as an image.
_UNREADABLE = (UnidentifiedImageError, OSError, SyntaxError, ValueError, zlib.error)


@dataclass(frozen=True)
class CheckedImage:
    width: int
    height: int


def check_png(data: bytes, image_size: ImageSize) -> CheckedImage:
    """Dimensions of a valid image, or :class:`InvalidImage` (4000161) saying what is wrong."""
    if not data:
        raise InvalidImage("Invalid image: the request body is empty; send the PNG file.")
    try:
        image = Image.open(io.BytesIO(data))
    except (*_UNREADABLE, Image.DecompressionBombError) as error:
        raise InvalidImage("Invalid image: the body is not a readable PNG image.") from error
    with image:
        if image.format != "PNG":
            raise InvalidImage(f"Invalid image: the image is {image.format}; it must be a PNG.")
        _check_dimensions(image.size, image_size)
        _check_opaque(image)
        size = image.size
        _verify(image)
    return CheckedImage(*size)


def dimensions_problem(size: tuple[int, int], image_size: ImageSize) -> str | None:
    width, height = size
    if image_size is ImageSize.BULLET_POINT:
        if (width, height) == (BULLET_POINT_SIDE, BULLET_POINT_SIDE):
            return None
        return (
            f"image is {width}{_BY}{height}; BULLET_POINT images must be "
            f"{BULLET_POINT_SIDE}{_BY}{BULLET_POINT_SIDE}"
        )
    if width == FULL_SIZE_WIDTH and FULL_SIZE_MIN_HEIGHT <= height <= FULL_SIZE_MAX_HEIGHT:
        return None
    return (
        f"image is {width}{_BY}{height}; FULL_SIZE images must be {FULL_SIZE_WIDTH} wide and "
        f"{FULL_SIZE_MIN_HEIGHT}{_TO}{FULL_SIZE_MAX_HEIGHT} high"
    )


def _check_dimensions(size: tuple[int, int], image_size: ImageSize) -> None:
    problem = dimensions_problem(size, image_size)
    if problem:
        raise InvalidImage(f"Invalid image: {problem}.")


def _check_opaque(image: Image.Image) -> None:
    if image.mode in _ALPHA_MODES:
        raise InvalidImage(
            f"Invalid image: the image has an alpha channel (mode {image.mode}); "
            "images must not have transparency."
        )
    if "transparency" in image.info:
        raise InvalidImage(
            "Invalid image: the image has a transparent color (tRNS chunk); "
            "images must not have transparency."
        )


def _verify(image: Image.Image) -> None:
    """Read every chunk and check its CRC, so a truncated or damaged file is refused.

    Pillow's ``verify`` does not inflate the pixel data: a full decode costs ~5 ms for the
    smallest FULL_SIZE image and far more for large ones, on every upload.
    """
    try:
        image.verify()
    except _UNREADABLE as error:
        raise InvalidImage(f"Invalid image: the PNG data is corrupt ({error}).") from error

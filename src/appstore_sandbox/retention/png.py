"""The checks of Upload Image: a PNG, without transparency, of the size its ``imageSize`` needs."""

from __future__ import annotations

import bisect
import io
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from PIL import Image, UnidentifiedImageError

from appstore_sandbox.errors import InvalidImage
from appstore_sandbox.retention.models import ImageSize
from appstore_sandbox.retention.png_chunks import PNG_SIGNATURE, Span, check_chunks

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

FULL_SIZE_WIDTH = 3840
FULL_SIZE_MIN_HEIGHT = 160
FULL_SIZE_MAX_HEIGHT = 2160
BULLET_POINT_SIDE = 1024
_BY = "\u00d7"  # multiplication sign, as in "1920x1080"
_TO = "\u2013"  # en dash, as in "160-2160"
# Modes that carry an alpha channel (lowercase "a": premultiplied alpha).
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
# What Pillow raises for data it cannot read as an image.
_UNREADABLE = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    zlib.error,
    Image.DecompressionBombError,
)


@dataclass(frozen=True)
class CheckedImage:
    width: int
    height: int


def check_png(source: bytes | Path, image_size: ImageSize) -> CheckedImage:
    """Dimensions of a valid image, or :class:`InvalidImage` (4000161) saying what is wrong.

    ``source`` is the body, or the file holding it (read a piece at a time, never whole).
    """
    with _opened(source) as file:
        if not file.read(len(PNG_SIGNATURE)):
            raise InvalidImage("Invalid image: the request body is empty; send the PNG file.")
        file.seek(0)
        if file.read(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
            raise InvalidImage(f"Invalid image: {_not_png(file)}.")
        spans = check_chunks(file)
        return _check_pixels(io.BufferedReader(_Spans(file, spans)), image_size)


@contextmanager
def _opened(source: bytes | Path) -> Iterator[BinaryIO]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    else:
        with source.open("rb") as file:
            yield file


class _Spans(io.RawIOBase):
    """Some byte ranges of a file, end to end, as one read-only file.

    Given only the chunks that decide the pixels, Pillow never reads the others, which it
    reads whole into memory (text, ICC profiles, private chunks: one may be as large as the
    body), some of them twice.
    """

    def __init__(self, file: BinaryIO, spans: list[Span]) -> None:
        super().__init__()
        self._file = file
        self._spans = spans
        self._starts = list(accumulate((length for _, length in spans), initial=0))
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._starts[-1]}
        self._position = max(0, base[whence] + offset)
        return self._position

    def readinto(self, buffer: WriteableBuffer) -> int:
        index = bisect.bisect_right(self._starts, self._position) - 1
        if index >= len(self._spans):
            return 0
        offset, length = self._spans[index]
        within = self._position - self._starts[index]
        target = memoryview(buffer).cast("B")
        self._file.seek(offset + within)
        data = self._file.read(min(len(target), length - within))
        target[: len(data)] = data
        self._position += len(data)
        return len(data)


def _not_png(file: BinaryIO) -> str:
    file.seek(0)
    try:
        with Image.open(file) as image:
            return f"the image is {image.format}; it must be a PNG"
    except _UNREADABLE:
        return "the body is not a readable PNG image"


def _check_pixels(file: BinaryIO, image_size: ImageSize) -> CheckedImage:
    try:
        image = Image.open(file, formats=["PNG"])
    except _UNREADABLE as error:
        raise InvalidImage("Invalid image: the body is not a readable PNG image.") from error
    with image:
        _check_dimensions(image.size, image_size)
        _check_opaque(image)
        _decode(image)
        return CheckedImage(*image.size)


def _decode(image: Image.Image) -> None:
    """Inflate and unfilter every pixel, so damaged pixel data is refused. The dimensions are
    checked first: at most 3840x2160 pixels (33 MB decoded), whatever the data claims."""
    try:
        image.load()
    except _UNREADABLE as error:
        raise InvalidImage(f"Invalid image: the PNG data is corrupt ({error}).") from error


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

"""The Upload Image checks, in-process (retention/png.py)."""

from __future__ import annotations

import pytest

from appstore_sandbox.errors import InvalidImage
from appstore_sandbox.retention.models import ImageSize
from appstore_sandbox.retention.png import check_png, dimensions_problem
from tests import pngs

FULL, BULLET = ImageSize.FULL_SIZE, ImageSize.BULLET_POINT
X, TO = "\u00d7", "\u2013"  # the multiplication sign and en dash the messages use
FULL_RULE = f"FULL_SIZE images must be 3840 wide and 160{TO}2160 high"
BULLET_RULE = f"BULLET_POINT images must be 1024{X}1024"


@pytest.mark.parametrize(
    ("data", "size", "dimensions"),
    [
        (pngs.full_size(160), FULL, (3840, 160)),
        (pngs.full_size(2160), FULL, (3840, 2160)),
        (pngs.smallest_full_size(), FULL, (3840, 160)),
        (pngs.image(3840, 500, "L"), FULL, (3840, 500)),
        (pngs.image(3840, 500, "P"), FULL, (3840, 500)),
        (pngs.bullet_point(), BULLET, (1024, 1024)),
    ],
    ids=["lowest", "highest", "one-bit", "grayscale", "palette", "bullet"],
)
def test_valid_images(data: bytes, size: ImageSize, dimensions: tuple[int, int]) -> None:
    checked = check_png(data, size)
    assert (checked.width, checked.height) == dimensions


@pytest.mark.parametrize(
    ("size", "dimensions", "problem"),
    [
        (FULL, (1920, 1080), f"image is 1920{X}1080; {FULL_RULE}"),
        (FULL, (3840, 159), f"image is 3840{X}159; {FULL_RULE}"),
        (FULL, (3840, 2161), f"image is 3840{X}2161; {FULL_RULE}"),
        (BULLET, (1024, 1023), f"image is 1024{X}1023; {BULLET_RULE}"),
        (BULLET, (3840, 160), f"image is 3840{X}160; {BULLET_RULE}"),
    ],
)
def test_dimension_messages(size: ImageSize, dimensions: tuple[int, int], problem: str) -> None:
    assert dimensions_problem(dimensions, size) == problem


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pngs.image(3840, 160, "RGBA"), "alpha channel (mode RGBA)"),
        (pngs.image(3840, 160, "LA"), "alpha channel (mode LA)"),
        (pngs.with_transparent_color(), "transparent color (tRNS chunk)"),
        (pngs.palette_with_transparency(), "transparent color (tRNS chunk)"),
        (pngs.image(3840, 160, "RGB", "JPEG"), "the image is JPEG; it must be a PNG"),
        (pngs.image(3840, 160, "RGB", "GIF"), "the image is GIF; it must be a PNG"),
        (pngs.image(1920, 1080), f"image is 1920{X}1080"),
        (pngs.full_size()[:-40], "corrupt"),
        (pngs.full_size()[:60], "corrupt"),
        (pngs.full_size()[:20], "not a readable PNG"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not a readable PNG"),
        (b"", "empty"),
    ],
    ids=[
        "rgba",
        "gray-alpha",
        "rgb-trns",
        "palette-trns",
        "jpeg",
        "gif",
        "wrong-size",
        "truncated-end",
        "truncated-pixels",
        "truncated-header",
        "bad-header",
        "empty",
    ],
)
def test_invalid_images(data: bytes, message: str) -> None:
    with pytest.raises(InvalidImage) as raised:
        check_png(data, FULL)
    assert raised.value.code == 4000161
    assert message in raised.value.message


def test_flipped_byte_in_pixel_data_is_refused() -> None:
    data = bytearray(pngs.full_size())
    data[data.index(b"IDAT") + 10] ^= 0xFF  # the CRC no longer matches
    with pytest.raises(InvalidImage, match="corrupt"):
        check_png(bytes(data), FULL)

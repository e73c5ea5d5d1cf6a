"""The Upload Image checks, in-process (retention/png.py)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from appstore_sandbox.errors import InvalidImage
from appstore_sandbox.retention.models import ImageSize
from appstore_sandbox.retention.png import CheckedImage, check_png, dimensions_problem
from appstore_sandbox.retention.png_chunks import MAX_CHUNKS
from tests import pngs

FULL, BULLET = ImageSize.FULL_SIZE, ImageSize.BULLET_POINT
MB = 1024 * 1024
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


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pngs.without(b"IDAT"), "corrupt (no IDAT chunk: it has no pixel data)"),
        (pngs.idat_before_ihdr(), "not a readable PNG image (its first chunk is IDAT, not IHDR)"),
        (pngs.random_idat(), "corrupt"),
        (pngs.without(b"PLTE", pngs.image(3840, 160, "P")), "color type 3) without a PLTE"),
        (pngs.with_header_byte(12, 5), "interlace method 5; PNG has 0 (none) and 1 (Adam7)"),
        (pngs.with_header_byte(8, 3), "color type 2 with bit depth 3"),
        (pngs.two_headers(), "corrupt (a second IHDR chunk)"),
        (pngs.animated(), "animated PNG (acTL chunk); images must be still"),
        (pngs.inserted_before_iend((b"fdAT", b"\0" * 8)), "animated PNG (fdAT chunk)"),
        (pngs.inserted_before_iend((b"PLTE", b"\0" * 3)), "a PLTE chunk after IDAT"),
        (pngs.inserted_before_iend((b"ABCD", b"")), "unknown critical chunk ABCD"),
        (pngs.assemble([*pngs.chunks(pngs.full_size())[:-1], (b"IEND", b"x")]), "IEND chunk"),
    ],
    ids=[
        "no-idat",
        "idat-before-ihdr",
        "random-idat",
        "palette-without-plte",
        "interlace-5",
        "bit-depth-3",
        "two-ihdr",
        "apng",
        "apng-frame-data",
        "plte-after-idat",
        "unknown-critical-chunk",
        "iend-with-data",
    ],
)
def test_damaged_structure_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidImage) as raised:
        check_png(data, FULL)
    assert raised.value.code == 4000161
    assert message in raised.value.message


def test_a_file_is_read_like_the_body(tmp_path: Path) -> None:
    (tmp_path / "good.png").write_bytes(pngs.full_size())
    (tmp_path / "bad.png").write_bytes(pngs.random_idat())
    assert check_png(tmp_path / "good.png", FULL) == CheckedImage(3840, 160)
    with pytest.raises(InvalidImage, match="corrupt"):
        check_png(tmp_path / "bad.png", FULL)


@pytest.mark.parametrize("where", ["before-idat", "after-idat"])
def test_ancillary_chunks_are_not_read_whole(tmp_path: Path, where: str) -> None:
    # A chunk may be as large as the body: Pillow would read it whole, and more than once.
    padding = (b"prIv", b"\0" * 8 * MB)
    insert = pngs.inserted_after_header if where == "before-idat" else pngs.inserted_before_iend
    (tmp_path / "padded.png").write_bytes(insert(padding))
    tracemalloc.start()
    try:
        assert check_png(tmp_path / "padded.png", FULL) == CheckedImage(3840, 160)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MB


def test_a_body_of_countless_chunks_is_refused() -> None:
    [header, *rest] = pngs.chunks(pngs.full_size())
    filler = [(b"prIv", b"")] * (MAX_CHUNKS - len(rest))  # one chunk over, with IHDR
    with pytest.raises(InvalidImage, match=f"corrupt \\(more than {MAX_CHUNKS} chunks\\)"):
        check_png(pngs.assemble([header, *filler, *rest]), FULL)
    check_png(pngs.assemble([header, *filler[1:], *rest]), FULL)  # exactly MAX_CHUNKS

"""Images for the retention tests, made with Pillow (cached: some are large to encode)."""

from __future__ import annotations

import io
from functools import cache
from typing import Any


@cache
def image(width: int, height: int, mode: str = "RGB", fmt: str = "PNG", **save: Any) -> bytes:
    from PIL import Image

    color: Any = {"RGB": (20, 120, 200), "RGBA": (20, 120, 200, 128), "LA": (90, 128)}.get(mode, 1)
    buffer = io.BytesIO()
    Image.new(mode, (width, height), color).save(buffer, fmt, **save)
    return buffer.getvalue()


def full_size(height: int = 160) -> bytes:
    """A valid FULL_SIZE image: 3840 wide; 160 high is the smallest allowed."""
    return image(3840, height)


def bullet_point() -> bytes:
    """A valid BULLET_POINT image: 1024x1024."""
    return image(1024, 1024)


@cache
def smallest_full_size() -> bytes:
    """The fewest bytes a valid FULL_SIZE PNG takes: 3840x160, one bit per pixel."""
    return image(3840, 160, "1", optimize=True)


def with_transparent_color() -> bytes:
    """An RGB PNG whose tRNS chunk makes one color transparent (no alpha channel)."""
    return image(3840, 160, "RGB", transparency=(20, 120, 200))


def palette_with_transparency() -> bytes:
    return image(3840, 160, "P", transparency=0)

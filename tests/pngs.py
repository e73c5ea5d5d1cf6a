"""Images for the retention tests, made with Pillow (cached: some are large to encode)."""

from __future__ import annotations

import io
import random
import struct
import zlib
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


# --- PNGs damaged chunk by chunk (each chunk's CRC made right again) ---------------------

Chunk = tuple[bytes, bytes]  # type, data
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunks(png: bytes) -> list[Chunk]:
    found, at = [], len(_SIGNATURE)
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        found.append((png[at + 4 : at + 8], png[at + 8 : at + 8 + length]))
        at += 12 + length
    return found


def assemble(parts: list[Chunk]) -> bytes:
    out = bytearray(_SIGNATURE)
    for kind, data in parts:
        out += struct.pack(">I", len(data)) + kind + data
        out += struct.pack(">I", zlib.crc32(kind + data))
    return bytes(out)


def without(kind: bytes, png: bytes | None = None) -> bytes:
    return assemble([chunk for chunk in chunks(png or full_size()) if chunk[0] != kind])


def idat_before_ihdr() -> bytes:
    [header, *rest] = chunks(full_size())
    return assemble([*rest[:-1], header, rest[-1]])


def random_idat() -> bytes:
    """The IDAT's bytes replaced by as many random ones (a fixed seed)."""
    noise = random.Random(18).randbytes
    return assemble([(k, noise(len(d)) if k == b"IDAT" else d) for k, d in chunks(full_size())])


def with_header_byte(offset: int, value: int) -> bytes:
    [(kind, header), *rest] = chunks(full_size())
    return assemble([(kind, header[:offset] + bytes([value]) + header[offset + 1 :]), *rest])


def two_headers() -> bytes:
    [header, *rest] = chunks(full_size())
    return assemble([header, header, *rest])


def inserted_before_iend(chunk: Chunk, png: bytes | None = None) -> bytes:
    parts = chunks(png or full_size())
    return assemble([*parts[:-1], chunk, parts[-1]])


@cache
def animated() -> bytes:
    """An APNG of two frames, as Pillow writes it (acTL, fcTL, IDAT, fcTL, fdAT)."""
    from PIL import Image

    frames = [Image.new("RGB", (3840, 160), color) for color in ((20, 120, 200), (200, 20, 20))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def inserted_after_header(chunk: Chunk, png: bytes | None = None) -> bytes:
    [header, *rest] = chunks(png or full_size())
    return assemble([header, chunk, *rest])

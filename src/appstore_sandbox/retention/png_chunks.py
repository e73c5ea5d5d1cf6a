"""The structure of a PNG, chunk by chunk: what Pillow reads past without a word.

Pillow decodes a PNG whose IDAT comes before its IHDR, that has two IHDRs, a palette image
without a palette, an interlace method that doesn't exist, or animation chunks; and it stops
reading at the first IDAT, so it never sees what follows. Here every chunk is read (a piece at
a time: a chunk may be as large as the body), its CRC checked, and its place checked against the
ordering rules of the PNG specification (W3C PNG, 3rd edition, 5.6).
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

from appstore_sandbox.errors import InvalidImage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PIECE = 64 * 1024
_MAX_LENGTH = 2**31 - 1
_IHDR_LENGTH = 13
_CRITICAL = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND"})
_ANIMATION = frozenset({b"acTL", b"fcTL", b"fdAT"})
# What decides the pixels and whether they are opaque; Pillow needs no other chunk.
_PIXELS = frozenset({b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"})
_OVERHEAD = 12  # a chunk's length, type and CRC
# Each chunk costs a few microseconds of Python: a body of 2.8 million empty chunks would hold
# a thread (and the GIL) for seconds. Encoders write a few thousand at most (libpng: 8 KiB of
# pixel data per IDAT, about 4,000 for the largest image).
MAX_CHUNKS = 100_000
_PALETTE, _GRAY, _GRAY_ALPHA = 3, 0, 4
# Color type: the bit depths it allows.
_BIT_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


class _Problem(Exception):
    """What is wrong with the structure, in words that follow "the PNG data is corrupt"."""


Span = tuple[int, int]  # offset, length


def check_chunks(file: BinaryIO) -> list[Span]:
    """Read ``file`` from just after the signature to IEND; :class:`InvalidImage` if a chunk is
    damaged or out of place. The parts of the file that decide the pixels: the signature and
    the IHDR, PLTE, tRNS, IDAT and IEND chunks, whole."""
    spans = [(0, len(PNG_SIGNATURE))]
    try:
        length, head = _first_chunk(file)
    except _Problem as problem:
        message = f"Invalid image: the body is not a readable PNG image ({problem})."
        raise InvalidImage(message) from None
    _add_span(spans, len(PNG_SIGNATURE), length)
    try:
        color_type = _check_header(length, head)
        _check_the_rest(file, color_type, spans)
    except _Problem as problem:
        raise InvalidImage(f"Invalid image: the PNG data is corrupt ({problem}).") from None
    return spans


def _add_span(spans: list[Span], offset: int, length: int) -> None:
    last_offset, last_length = spans[-1]
    if last_offset + last_length == offset:
        spans[-1] = (last_offset, last_length + _OVERHEAD + length)
    else:
        spans.append((offset, _OVERHEAD + length))


def _first_chunk(file: BinaryIO) -> tuple[int, bytes]:
    kind, length, head = _chunk(file)
    if kind != b"IHDR":
        raise _Problem(f"its first chunk is {_name(kind)}, not IHDR")
    return length, head


def _check_header(length: int, head: bytes) -> int:
    """The color type of a valid IHDR."""
    if length != _IHDR_LENGTH:
        raise _Problem(f"its IHDR chunk has {length} bytes, not {_IHDR_LENGTH}")
    fields: tuple[int, ...] = struct.unpack(">IIBBBBB", head)
    width, height, depth, color, compression, filtering, interlace = fields
    if not (0 < width <= _MAX_LENGTH and 0 < height <= _MAX_LENGTH):
        raise _Problem(f"IHDR gives a size of {width}x{height}")
    if depth not in _BIT_DEPTHS.get(color, ()):
        raise _Problem(f"IHDR gives color type {color} with bit depth {depth}")
    if compression or filtering:
        raise _Problem(f"IHDR gives compression method {compression}, filter method {filtering}")
    if interlace not in (0, 1):
        raise _Problem(f"IHDR gives interlace method {interlace}; PNG has 0 (none) and 1 (Adam7)")
    return color


def _check_the_rest(file: BinaryIO, color_type: int, spans: list[Span]) -> None:
    seen = {b"IHDR"}
    previous = b"IHDR"
    for _ in range(MAX_CHUNKS - 1):  # after IHDR
        offset = file.tell()
        kind, length, _ = _chunk(file)
        _check_place(kind, length, previous, seen, color_type)
        if kind in _PIXELS:
            _add_span(spans, offset, length)
        if kind == b"IEND":
            return
        seen.add(kind)
        previous = kind
    raise _Problem(f"more than {MAX_CHUNKS} chunks")


def _check_place(
    kind: bytes, length: int, previous: bytes, seen: set[bytes], color_type: int
) -> None:
    if kind in _ANIMATION:
        raise InvalidImage(
            f"Invalid image: the image is an animated PNG ({_name(kind)} chunk); "
            "images must be still."
        )
    if kind[0:1].isupper() and kind not in _CRITICAL:
        raise _Problem(f"an unknown critical chunk {_name(kind)}")
    if kind == b"IHDR":
        raise _Problem("a second IHDR chunk")
    if kind == b"PLTE":
        _check_palette(length, seen, color_type)
    elif kind == b"IDAT":
        if color_type == _PALETTE and b"PLTE" not in seen:
            raise _Problem("a palette image (color type 3) without a PLTE chunk before its IDAT")
        if b"IDAT" in seen and previous != b"IDAT":
            raise _Problem(f"its IDAT chunks are not consecutive ({_name(previous)} between)")
    elif kind == b"IEND":
        if b"IDAT" not in seen:
            raise _Problem("no IDAT chunk: it has no pixel data")
        if length:
            raise _Problem(f"its IEND chunk has {length} bytes of data")


def _check_palette(length: int, seen: set[bytes], color_type: int) -> None:
    if b"PLTE" in seen:
        raise _Problem("a second PLTE chunk")
    if b"IDAT" in seen:
        raise _Problem("a PLTE chunk after IDAT")
    if color_type in (_GRAY, _GRAY_ALPHA):
        raise _Problem(f"a PLTE chunk in a grayscale image (color type {color_type})")
    if length % 3 or not 3 <= length <= 3 * 256:
        raise _Problem(f"a PLTE chunk of {length} bytes")


def _chunk(file: BinaryIO) -> tuple[bytes, int, bytes]:
    """The next chunk's type, length and first 13 bytes of data, its CRC checked."""
    prefix = file.read(8)
    if len(prefix) < 8:
        raise _Problem("it ends before its IEND chunk")
    length, kind = struct.unpack(">I4s", prefix)
    if not kind.isalpha():
        raise _Problem(f"a chunk type {kind!r} that is not four ASCII letters")
    if length > _MAX_LENGTH:
        raise _Problem(f"chunk {_name(kind)} claims {length} bytes")
    crc, head = zlib.crc32(kind), b""
    remaining = length
    while remaining:
        piece = file.read(min(remaining, _PIECE))
        if not piece:
            raise _Problem(f"it ends inside its {_name(kind)} chunk")
        head += piece[: _IHDR_LENGTH - len(head)]
        crc = zlib.crc32(piece, crc)
        remaining -= len(piece)
    stored = file.read(4)
    if len(stored) < 4:
        raise _Problem(f"it ends inside its {_name(kind)} chunk")
    if struct.unpack(">I", stored)[0] != crc:
        raise _Problem(f"the CRC of chunk {_name(kind)} does not match its data")
    return kind, length, head


def _name(kind: bytes) -> str:
    return kind.decode("ascii") if kind.isalpha() else repr(kind)

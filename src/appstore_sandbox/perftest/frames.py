"""What the engine process tells the server: length-prefixed frames on a pipe.

Both ends are this package, started by the same sandbox, so frames are pickles: the cheapest
encoding for the engine, whose interpreter must stay free for measuring.

Frames, in order: one ``Hello``; any number of ``Batch``; one ``Done`` when the engine ends
normally (a missing ``Done`` means the engine process died).
"""

from __future__ import annotations

import pickle
import struct
from dataclasses import dataclass
from typing import IO

from appstore_sandbox.outbound.results import Clock

_LENGTH = struct.Struct("!I")

# (sequence, requestIdentifier, sendAttemptResult, httpStatus, latency µs, explanation,
#  catalog problem, send lag µs)
RecordTuple = tuple[int, str, str, int | None, int | None, str, str | None, int | None]


@dataclass(frozen=True, slots=True)
class Hello:
    pid: int
    clock: Clock


@dataclass(frozen=True, slots=True)
class Batch:
    records: list[RecordTuple]
    peak_rss_kb: int


@dataclass(frozen=True, slots=True)
class Done:
    peak_rss_kb: int
    error: str | None  # set when the engine itself failed (a bug, a missing key file)


Frame = Hello | Batch | Done


def encode(frame: Frame) -> bytes:
    data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def read_frame(stream: IO[bytes]) -> Frame | None:
    """The next frame, or ``None`` at the end of the stream (also when it ends mid-frame)."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    data = stream.read(length)
    if len(data) < length:
        return None
    frame: Frame = pickle.loads(data)
    return frame

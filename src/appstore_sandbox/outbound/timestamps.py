"""Kernel receive timestamps on a TCP socket (Linux ``SO_TIMESTAMPNS``).

With the option on, every ``recvmsg`` that returns data carries an ``SCM_TIMESTAMPNS`` control
message: the wall-clock time at which the kernel received the last segment it copied out. A reply
stamped this way is timed by the wire, however late the event loop gets to it.
"""

from __future__ import annotations

import functools
import socket
import struct
import sys

# Missing from the socket module on Python < 3.14; the value is the same on every Linux ABI.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SCM_TIMESTAMPNS = SO_TIMESTAMPNS
_TIMESPEC = struct.Struct("ll")
ANCILLARY_SIZE = socket.CMSG_SPACE(_TIMESPEC.size)


def enable(sock: socket.socket) -> bool:
    """Ask for receive timestamps on ``sock``; False where the kernel offers none."""
    if sys.platform != "linux":
        return False
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    except OSError:
        return False
    return True


@functools.cache
def available() -> bool:
    """Whether sockets opened here get kernel timestamps (tried once on a throwaway socket)."""
    with socket.socket() as probe:
        return enable(probe)


def received_ns(ancillary: list[tuple[int, int, bytes]]) -> int:
    """The kernel's receive time in ``recvmsg`` control data, in ns; 0 if there is none."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPNS and len(data) >= _TIMESPEC.size:
            seconds, nanoseconds = _TIMESPEC.unpack_from(data)
            return int(seconds * 1_000_000_000 + nanoseconds)
    return 0

"""Running a ``socketserver`` server on a background thread for the length of a ``with`` block."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# How often serve_forever() checks for shutdown(): its default, 0.5 s, is paid at every exit.
STOP_POLL_S = 0.02


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, args=(STOP_POLL_S,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

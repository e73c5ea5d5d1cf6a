"""A job run on a thread of its own at a steady pace, and at once when woken."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Ticker:
    """Runs ``job`` every ``period_s`` from :meth:`start` to :meth:`stop`; :meth:`wake` runs it
    now (or right after the run in progress). A failed run is logged and the next one comes."""

    def __init__(self, name: str, job: Callable[[], None], period_s: float) -> None:
        self.name = name
        self._job = job
        self._period_s = period_s
        self._woken = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._woken.set()

    def stop(self, timeout_s: float = 10) -> None:
        self._stopping.set()
        self._woken.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _main(self) -> None:
        while not self._stopping.is_set():
            self._woken.clear()
            try:
                self._job()
            except Exception:  # one failed run must not stop the ones after it
                logger.exception("the %s ticker's run failed", self.name)
            self._woken.wait(self._period_s)

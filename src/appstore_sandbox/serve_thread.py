"""``serve`` in a thread of this process: the same app, server and settings on a free loopback
port, without a child process (no interpreter to start, no imports to repeat).

For tests that need a real socket (Apple's client, the verifier) but not a process of its own to
kill or signal. What ``ServeProcess.facts`` holds is in :attr:`ServeThread.facts` too.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 30
_POLL_S = 0.01


class ServeThread:
    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.data_dir = data_dir
        self._settings = settings
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self._failure: BaseException | None = None
        self.facts: dict[str, Any] = {}

    def start(self) -> ServeThread:
        from appstore_sandbox.cli.ready_file import ready_facts
        from appstore_sandbox.cli.sockets import listen
        from appstore_sandbox.cli.uvicorn_server import Server, uvicorn_config
        from appstore_sandbox.config import Settings
        from appstore_sandbox.sandbox import open_sandbox

        settings = Settings(data_dir=self.data_dir, port=0, **self._settings)
        listener = listen(settings.host, settings.port)
        settings = dataclasses.replace(settings, port=listener.getsockname()[1])
        try:
            sandbox = open_sandbox(settings, listening=listener.getsockname()[:2])
        except BaseException:
            listener.close()
            raise
        started = threading.Event()
        server = Server(
            uvicorn_config(sandbox, "warning", own_logging=False),
            before_shutdown=sandbox.faults.close,
            when_started=started.set,
        )
        self._server = server
        self.facts = ready_facts(sandbox, settings.base_url)

        def run() -> None:
            try:
                server.run(sockets=[listener])
            except BaseException as error:  # reported by start() or stop()
                self._failure = error
            finally:
                sandbox.close()
                listener.close()

        self._thread = threading.Thread(target=run, name="appstore-sandbox", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not started.wait(_POLL_S):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the sandbox did not start in this process: {self._failure}")
        return self

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._server.should_exit = True
        thread.join()

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def base_url(self) -> str:
        return str(self.facts["baseUrl"])

"""The one launcher of ``appstore-sandbox serve``: a child process on a free loopback port.

It passes ``--ready-file`` and waits for that file, so it never reads the banner; what the file
says (URLs, default app and key, root certificate) is :attr:`ServeProcess.facts`. The server's
output goes to a log file beside the ready file. ``Sandbox`` (the Python API), the CLI's
``demo``, the test suite and the benchmarks all start ``serve`` through this.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10
_POLL_S = 0.02


class ServeFailed(RuntimeError):
    """``serve`` exited during start-up, or was not ready in time; the message has its output."""


@dataclass(frozen=True)
class Stopped:
    """How a ``serve`` process ended: its exit status and everything it printed."""

    returncode: int
    output: str


class ServeProcess:
    """``serve --port 0`` on ``data_dir`` (and ``database_url``), with more ``serve`` arguments.

    ``env`` adds to the environment the child gets (the caller's ``APPSTORE_SANDBOX_*``
    variables are left out, so only what is passed here configures it); ``command_prefix`` runs
    it under another command (``taskset -c 1``, say); ``port`` keeps one port across restarts;
    ``log_file`` keeps every start's output in one file (appended), instead of a file per start
    removed at stop; the ready file (and that log) go in ``run_dir``, by default beside the data
    dir. ``start`` again after ``stop`` or ``kill`` reuses the data dir and
    database, as a restart does.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str | None = None,
        serve_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        command_prefix: Sequence[str] = (),
        port: int = 0,
        log_file: Path | None = None,
        run_dir: Path | None = None,
        start_timeout_s: float = START_TIMEOUT_S,
    ) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.serve_args = list(serve_args)
        self._env = dict(env or {})
        self._command_prefix = list(command_prefix)
        self._port = port
        self._kept_log = log_file
        self._run_dir = run_dir or data_dir.parent
        self._log_offset = 0
        self._start_timeout_s = start_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._ready_file: Path | None = None
        self._log: Path | None = None
        self.facts: dict[str, Any] = {}

    def start(self) -> ServeProcess:
        if self._process is not None:
            return self
        # New for each start: two servers may share a data dir.
        self._run_dir.mkdir(parents=True, exist_ok=True)
        run = f"{self.data_dir.name}.{uuid.uuid4().hex[:12]}"
        self._ready_file = self._run_dir / f"{run}.ready.json"
        self._log = self._kept_log or self._run_dir / f"{run}.log"
        self._log_offset = self._log.stat().st_size if self._log.exists() else 0
        command = [*self._command_prefix, sys.executable, "-m", "appstore_sandbox", "serve"]
        command += ["--port", str(self._port), "--data-dir", str(self.data_dir)]
        command += [*self.serve_args, "--ready-file", str(self._ready_file)]
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=self._child_env()
            )
        try:
            self.facts = self._wait_until_ready(self._process, self._ready_file)
        except BaseException:
            self.kill()
            raise
        return self

    def stop(self) -> Stopped | None:
        """SIGTERM, then wait (SIGKILL after ``STOP_TIMEOUT_S``); ``None`` if not running."""
        process, self._process = self._process, None
        if process is None:
            return None
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return Stopped(process.returncode, self._take_output())

    def kill(self) -> None:
        """SIGKILL: the server gets no chance to clean up, as in a crash."""
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait()
        self._take_output()
        if self._ready_file is not None:
            self._ready_file.unlink(missing_ok=True)

    def restart(self) -> ServeProcess:
        self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self._process is not None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise ServeFailed("serve is not running")
        return self._process.pid

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        return self._process

    @property
    def output(self) -> str:
        """What the server has printed so far in this start (its banner first)."""
        if self._log is None or not self._log.exists():
            return ""
        with self._log.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    @property
    def base_url(self) -> str:
        return str(self.facts["baseUrl"])

    def _take_output(self) -> str:
        output = self.output
        if self._log is not None and self._kept_log is None:
            self._log.unlink(missing_ok=True)
        return output

    def _child_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("APPSTORE_SANDBOX_")}
        if self.database_url:
            env["APPSTORE_SANDBOX_DATABASE_URL"] = self.database_url
        return env | self._env

    def _wait_until_ready(
        self, process: subprocess.Popen[bytes], ready_file: Path
    ) -> dict[str, Any]:
        deadline = time.monotonic() + self._start_timeout_s
        while not ready_file.exists():
            if process.poll() is not None:
                raise ServeFailed(f"appstore-sandbox serve exited:\n{self.output.strip()}")
            if time.monotonic() > deadline:
                raise ServeFailed(
                    f"appstore-sandbox serve not ready after {self._start_timeout_s:g} s:\n"
                    + self.output.strip()
                )
            time.sleep(_POLL_S)
        facts: dict[str, Any] = json.loads(ready_file.read_text())
        return facts

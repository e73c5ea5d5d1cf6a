"""Running the ``appstore-sandbox`` command line in tests.

``run_cli`` invokes the command in this process with click's ``CliRunner`` (no interpreter start
per call); ``run_cli_process`` runs ``python -m appstore_sandbox`` as a real subprocess, for what
only a process shows: the entry point, signals, servers the command starts itself. Both hide the
caller's APPSTORE_SANDBOX_* variables from the command.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from appstore_sandbox.cli import main

CLI_TIMEOUT_S = 60


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.returncode == 0, self.stderr
        return json.loads(self.stdout)


@dataclass(frozen=True)
class InProcessServer:
    """A sandbox app in the test's own process: the commands reach ``url`` through
    ``transport`` instead of a socket."""

    url: str
    transport: httpx.BaseTransport


def run_cli(
    *args: str,
    server: str | InProcessServer | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> CliResult:
    """``appstore-sandbox ARGS [--server SERVER]`` in this process.

    An exception the command does not turn into an exit status fails the test with its traceback,
    as it would print one in a real process.
    """
    transport = server.transport if isinstance(server, InProcessServer) else None
    url = server.url if isinstance(server, InProcessServer) else server
    command = [*args, *(["--server", url] if url is not None else [])]
    hidden = {k: None for k in os.environ if k.startswith("APPSTORE_SANDBOX_")}
    runner = CliRunner(env={**hidden, **(env or {})})
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        result = runner.invoke(main, command, prog_name="appstore-sandbox", obj=transport)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


def run_clis(*invocations: Sequence[str], server: str | InProcessServer) -> list[CliResult]:
    """Independent invocations, one after the other."""
    return [run_cli(*args, server=server) for args in invocations]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("APPSTORE_SANDBOX_")}


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "appstore_sandbox", *args]


def run_cli_process(*args: str, server: str | None = None, cwd: Path | None = None) -> CliResult:
    """``python -m appstore_sandbox ARGS [--server SERVER]`` as a real subprocess."""
    command = cli_command(*args, *(["--server", server] if server is not None else []))
    completed = subprocess.run(
        command, capture_output=True, text=True, cwd=cwd, env=clean_env(), timeout=CLI_TIMEOUT_S
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


def assert_one_line_error(result: CliResult, *, contains: str = "") -> None:
    """Exit status 2, and exactly one ``error: ...`` line on stderr, no traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert contains in lines[0]

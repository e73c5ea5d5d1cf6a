"""Session sandboxes shared by every xdist worker of a run, not started once per worker.

The first worker to ask for a sandbox with some ``serve`` arguments starts it, under a file lock,
and records it in the run's base temp directory; the other workers attach to the record. No
worker stops one (another may still be using it): the process that ends the run does, once every
worker is done (``stop_recorded``). Tests on a shared sandbox isolate themselves with
``new_app()`` and never stop it, so sharing it across workers is as safe as across modules.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.sandbox_process import SandboxProcess, process_gone

RECORDS = "shared-sandboxes"


@dataclass(frozen=True)
class _Record:
    pid: int
    data_dir: str
    database_url: str | None
    extra_args: list[str]
    banner: dict[str, str]


def shared_sandbox(
    root: Path, extra_args: tuple[str, ...], start: Callable[[], SandboxProcess]
) -> SandboxProcess:
    """The run's sandbox with ``extra_args``: started by ``start`` if no worker has started it."""
    root.mkdir(exist_ok=True)
    name = hashlib.sha256("\0".join(extra_args).encode()).hexdigest()[:16]
    path = root / f"{name}.json"
    with _locked(root / f"{name}.lock"):
        if path.exists():
            record = _Record(**json.loads(path.read_text()))
            return SandboxProcess(
                Path(record.data_dir),
                record.database_url,
                record.extra_args,
                record.banner,
                attached_pid=record.pid,
            )
        sandbox = start()
        record = _Record(
            sandbox.pid, str(sandbox.data_dir), sandbox.database_url, sandbox.extra_args,
            sandbox.banner,
        )  # fmt: skip
        path.write_text(json.dumps(asdict(record)))
        return sandbox


def stop_recorded(root: Path) -> None:
    """SIGTERM every shared sandbox recorded under ``root``, then wait for each to exit."""
    pids = [_Record(**json.loads(path.read_text())).pid for path in root.glob("*.json")]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for pid in pids:
        if not process_gone(pid):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

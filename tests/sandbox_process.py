"""Runs the real ``appstore-sandbox serve`` in a subprocess on a free loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from appstoreserverlibrary.api_client import AppStoreServerAPIClient
from appstoreserverlibrary.models.Environment import Environment

from appstore_sandbox.config import Settings
from appstore_sandbox.store import Store, open_engine

START_TIMEOUT_S = 30
_POLL_S = 0.02


@dataclass(frozen=True)
class AppCredentials:
    """An app of the sandbox and one of its API keys."""

    bundle_id: str
    app_apple_id: int
    key_id: str
    issuer_id: str
    private_key: bytes


@dataclass(frozen=True)
class Stopped:
    """How a ``serve`` process ended."""

    returncode: int
    output: str


@dataclass
class SandboxProcess:
    """A ``serve`` process; ``restart()`` keeps its data dir and database."""

    data_dir: Path
    database_url: str | None = None
    extra_args: list[str] = field(default_factory=list)
    banner: dict[str, str] = field(default_factory=dict)
    _process: subprocess.Popen[str] | None = None

    def start(self) -> SandboxProcess:
        command = [sys.executable, "-m", "appstore_sandbox", "serve", "--port", "0"]
        command += ["--data-dir", str(self.data_dir), *self.extra_args]
        if "--ready-file" in self.extra_args:
            ready_file = Path(self.extra_args[self.extra_args.index("--ready-file") + 1])
        else:
            # Beside the data dir, one per start: two servers may share a data dir.
            ready_file = self.data_dir.parent / f"{self.data_dir.name}.ready-{uuid.uuid4()}.json"
            command += ["--ready-file", str(ready_file)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("APPSTORE_SANDBOX_")}
        if self.database_url:
            env["APPSTORE_SANDBOX_DATABASE_URL"] = self.database_url
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        self.banner = _wait_for_ready_file(self._process, ready_file)
        return self

    def stop(self) -> Stopped | None:
        """SIGTERM the server; its exit status and what it printed after the banner."""
        if self._process is None:
            return None
        process, self._process = self._process, None
        process.terminate()
        try:
            output, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        return Stopped(process.returncode, output or "")

    def kill(self) -> None:
        """SIGKILL: the server gets no chance to clean up, as in a crash."""
        if self._process is None:
            return
        process, self._process = self._process, None
        process.kill()
        process.communicate()

    def restart(self) -> SandboxProcess:
        self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self._process is not None

    @property
    def pid(self) -> int:
        assert self._process is not None, "the sandbox is not running"
        return self._process.pid

    @property
    def base_url(self) -> str:
        return self.banner["base_url"]

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def private_key(self) -> bytes:
        return Path(self.banner["key_file"]).read_bytes()

    @property
    def root_der(self) -> bytes:
        return Path(self.banner["root_certificate_file"]).read_bytes()

    def control(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url + "/_sandbox/v1", timeout=10)

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The server's own database, opened from this process (for what no API reaches)."""
        settings = Settings(data_dir=self.data_dir, database_url=self.database_url)
        engine = open_engine(settings.effective_database_url)
        try:
            yield Store(engine)
        finally:
            engine.dispose()

    @property
    def default_app(self) -> AppCredentials:
        """The app, key and purchase every sandbox creates on first start."""
        return AppCredentials(
            bundle_id=self.banner["bundle_id"],
            app_apple_id=int(self.banner["app_apple_id"]),
            key_id=self.banner["key_id"],
            issuer_id=self.banner["issuer_id"],
            private_key=self.private_key,
        )

    def new_app(self) -> AppCredentials:
        """A fresh app with its own key, so a test never sees another test's state."""
        bundle_id = f"com.example.test{uuid.uuid4().hex[:10]}"
        with self.control() as control:
            app = control.post("/apps", json={"bundleId": bundle_id}).raise_for_status().json()
            key = control.post(f"/apps/{bundle_id}/keys").raise_for_status().json()
        return AppCredentials(
            bundle_id, app["appAppleId"], key["keyId"], key["issuerId"], key["privateKey"].encode()
        )

    def apple_client(
        self, app: AppCredentials | None = None, environment: str = "sandbox"
    ) -> AppStoreServerAPIClient:
        """Apple's official client, built normally, with its base URL pointed at this sandbox."""
        app = app or self.default_app
        client = AppStoreServerAPIClient(
            app.private_key,
            app.key_id,
            app.issuer_id,
            app.bundle_id,
            Environment.SANDBOX if environment == "sandbox" else Environment.PRODUCTION,
        )
        client._base_url = f"{self.base_url}/{environment}"
        return client


def stop_all(processes: list[SandboxProcess]) -> None:
    """SIGTERM every server first, then wait for each: they shut down side by side."""
    for sandbox in processes:
        if sandbox._process is not None:
            sandbox._process.terminate()
    for sandbox in processes:
        sandbox.stop()


def process_gone(pid: int, timeout_s: float = 10) -> bool:
    """Whether process ``pid`` exits (or is already gone) within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _wait_for_ready_file(process: subprocess.Popen[str], ready_file: Path) -> dict[str, str]:
    """What ``serve --ready-file`` wrote once it answered, in the names the tests use."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready_file.exists():
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError("sandbox exited during start-up:\n" + output)
        if time.monotonic() > deadline:
            raise RuntimeError(f"sandbox did not start within {START_TIMEOUT_S} s")
        time.sleep(_POLL_S)
    facts = json.loads(ready_file.read_text())
    values = {"base_url": facts["baseUrl"], "root_certificate_file": facts["rootCertificateFile"]}
    app = facts["defaultApp"]
    if app is not None:
        values |= {
            "bundle_id": app["bundleId"],
            "app_apple_id": str(app["appAppleId"]),
            "issuer_id": app["issuerId"],
            "key_id": app["keyId"],
            "key_file": app["keyFile"] or "",
            "original_transaction_id": app["originalTransactionId"] or "",
        }
    return values

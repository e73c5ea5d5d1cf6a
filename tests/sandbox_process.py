"""The real ``appstore-sandbox serve`` in a subprocess on a free loopback port, started by the one
launcher (:mod:`appstore_sandbox.serve_process`), with what the tests ask of it."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from appstoreserverlibrary.api_client import AppStoreServerAPIClient
from appstoreserverlibrary.models.Environment import Environment

from appstore_sandbox.config import Settings
from appstore_sandbox.control_client import ControlClient
from appstore_sandbox.serve_process import ServeProcess, Stopped
from appstore_sandbox.store import Store, open_engine


@dataclass(frozen=True)
class AppCredentials:
    """An app of the sandbox and one of its API keys."""

    bundle_id: str
    app_apple_id: int
    key_id: str
    issuer_id: str
    private_key: bytes


@dataclass
class SandboxProcess:
    """A ``serve`` process (started by the one launcher); ``restart()`` keeps its data dir and
    database."""

    data_dir: Path
    database_url: str | None = None
    extra_args: list[str] = field(default_factory=list)
    banner: dict[str, str] = field(default_factory=dict)
    attached_pid: int | None = None  # a server another xdist worker started and shares
    _server: ServeProcess | None = None

    def start(self) -> SandboxProcess:
        self._server = ServeProcess(
            self.data_dir, database_url=self.database_url, serve_args=self.extra_args
        ).start()
        self.banner = _named(self._server.facts)
        return self

    def stop(self) -> Stopped | None:
        """SIGTERM the server; its exit status and everything it printed."""
        server, self._server = self._server, None
        return server.stop() if server is not None else None

    def terminate(self) -> None:
        """SIGTERM without waiting (``stop`` then waits)."""
        if self._server is not None and self._server.process is not None:
            self._server.process.terminate()

    def kill(self) -> None:
        """SIGKILL: the server gets no chance to clean up, as in a crash."""
        server, self._server = self._server, None
        if server is not None:
            server.kill()

    def restart(self) -> SandboxProcess:
        self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def pid(self) -> int:
        if self._server is None and self.attached_pid is not None:
            return self.attached_pid
        assert self._server is not None, "the sandbox is not running"
        return self._server.pid

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
        """The control surface, raw: the test checks statuses itself."""
        return ControlClient(self.base_url + "/_sandbox/v1", timeout=10).http

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
        sandbox.terminate()
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


def _named(facts: dict[str, Any]) -> dict[str, str]:
    """What ``serve --ready-file`` wrote, in the names the tests use."""
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

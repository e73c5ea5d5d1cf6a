"""The Python API: a real sandbox for a test suite, and Apple's clients already pointed at it.

    from appstore_sandbox import Sandbox

    with Sandbox() as sbx:
        client = sbx.client()          # Apple's AppStoreServerAPIClient, default app and key
        verifier = sbx.verifier()      # Apple's SignedDataVerifier, trusting the sandbox's root
        ...

``Sandbox()`` starts ``appstore-sandbox serve`` on a free loopback port with a throwaway data dir
(SQLite, or ``database_url=`` for PostgreSQL) and stops it, leaving no process or file behind;
``Sandbox.attach(url)`` uses one that is already running. Everything goes through the sandbox's
HTTP surfaces, as a user's own code would: nothing here imports the server.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
from appstoreserverlibrary.api_client import APIError, APIException, AppStoreServerAPIClient
from appstoreserverlibrary.models.CheckTestNotificationResponse import (
    CheckTestNotificationResponse,
)
from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.models.PerformanceTestRequest import PerformanceTestRequest
from appstoreserverlibrary.models.PerformanceTestResultResponse import (
    PerformanceTestResultResponse,
)
from appstoreserverlibrary.models.PerformanceTestStatus import PerformanceTestStatus
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest
from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier

from appstore_sandbox.control_client import ControlClient, ControlError, ControlRefused
from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.serve_process import ServeFailed, ServeProcess
from appstore_sandbox.serve_thread import ServeThread

_POLL_S = 0.05


class SandboxError(RuntimeError):
    """The sandbox could not start, or answered a control call with an error."""


@dataclass(frozen=True)
class AppKey:
    """An app and one of its In-App Purchase keys: what Apple's client signs its tokens with."""

    bundle_id: str
    app_apple_id: int
    issuer_id: str
    key_id: str
    private_key: bytes


@dataclass(frozen=True)
class PerformanceTestOutcome:
    """Apple's result of a finished run and the sandbox's report of it (per-reason examples,
    histogram, engine figures)."""

    request_id: str
    result: PerformanceTestResultResponse
    report: dict[str, Any]

    @property
    def passed(self) -> bool:
        return self.result.result == PerformanceTestStatus.PASS


class Sandbox:
    """A sandbox this process started (``Sandbox()``) or found running (``Sandbox.attach``)."""

    def __init__(
        self,
        *,
        database_url: str | None = None,
        serve_args: tuple[str, ...] = (),
        admin_token: str | None = None,
    ) -> None:
        self._database_url = database_url
        self._serve_args = serve_args
        self._admin_token = admin_token
        self._server: ServeProcess | ServeThread | None = None
        self._thread_settings: dict[str, Any] | None = None
        self._data_dir: Path | None = None
        self._url: str | None = None
        self._http: ControlClient | None = None
        self._env: dict[str, Any] | None = None

    @classmethod
    def in_process(cls, **settings: Any) -> Sandbox:
        """A sandbox served from a thread of this process (``serve``'s app, server and
        settings, by their ``Settings`` names: ``rate_limits="off"``...) on a free
        loopback port with a throwaway data dir: no child process to start. Use it as
        ``Sandbox()``; it has no ``pid``."""
        sandbox = cls(admin_token=settings.get("admin_token"))
        sandbox._thread_settings = settings
        return sandbox

    @classmethod
    def attach(cls, url: str, admin_token: str | None = None) -> Sandbox:
        """A sandbox already running at ``url`` (``http://HOST:PORT``); never stopped by us."""
        sandbox = cls(admin_token=admin_token)
        sandbox._url = url.rstrip("/")
        sandbox._connect()
        return sandbox

    # --- lifetime ---------------------------------------------------------------

    def start(self) -> Self:
        """Start ``serve`` on a free loopback port with a throwaway data dir."""
        if self._url is not None:
            return self
        self._data_dir = Path(tempfile.mkdtemp(prefix="appstore-sandbox-"))
        env = {"APPSTORE_SANDBOX_ADMIN_TOKEN": self._admin_token} if self._admin_token else {}
        if self._thread_settings is not None:
            self._server = ServeThread(self._data_dir / "data", **self._thread_settings)
        else:
            self._server = ServeProcess(
                self._data_dir / "data",
                database_url=self._database_url,
                serve_args=self._serve_args,
                env=env,
            )
        try:
            self._url = self._server.start().base_url
            self._connect()
        except ServeFailed as error:
            self.stop()
            raise SandboxError(str(error)) from error
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server this process started and remove its data dir; idempotent."""
        if self._http is not None:
            self._http.close()
            self._http = None
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        if self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        """The server's process id, when this process started it."""
        server = self._server
        return server.pid if isinstance(server, ServeProcess) and server.running else None

    # --- where it is and who the default app is ----------------------------------

    @property
    def url(self) -> str:
        if self._url is None:
            raise SandboxError("the sandbox is not running: use `with Sandbox() as sbx:`")
        return self._url

    @property
    def sandbox_url(self) -> str:
        """Base URL for Apple's clients in the Sandbox environment."""
        return f"{self.url}/sandbox"

    @property
    def production_url(self) -> str:
        return f"{self.url}/production"

    @property
    def control_url(self) -> str:
        return f"{self.url}/_sandbox/v1"

    @property
    def default_key(self) -> AppKey:
        """The default app (``com.example.app``) and its key, as the sandbox made them."""
        env = self._defaults()
        return AppKey(
            bundle_id=env["bundleId"],
            app_apple_id=env["appAppleId"],
            issuer_id=env["issuerId"],
            key_id=env["keyId"],
            private_key=Path(env["keyFile"]).read_bytes(),
        )

    @property
    def original_transaction_id(self) -> str:
        """The default app's active sandbox subscription."""
        return str(self._defaults()["originalTransactionId"])

    @property
    def root_certificate(self) -> bytes:
        """The root certificate (DER) every signature of the sandbox chains to."""
        return self._call("GET", "/certificates/root").content

    # --- Apple's clients ----------------------------------------------------------

    def client(
        self, environment: str = "sandbox", key: AppKey | None = None
    ) -> AppStoreServerAPIClient:
        """Apple's ``AppStoreServerAPIClient`` for ``key``'s app (default: the default app)."""
        key = key or self.default_key
        client = AppStoreServerAPIClient(
            key.private_key, key.key_id, key.issuer_id, key.bundle_id, _environment(environment)
        )
        # Apple's library has no public setting for its base URL; this is the one it uses.
        client._base_url = f"{self.url}/{environment}"
        return client

    def verifier(
        self, environment: str = "sandbox", bundle_id: str | None = None
    ) -> SignedDataVerifier:
        """Apple's ``SignedDataVerifier`` trusting the sandbox's root, without online checks."""
        app = self._app(bundle_id or self.default_key.bundle_id)
        return SignedDataVerifier(
            [self.root_certificate],
            False,
            _environment(environment),
            app["bundleId"],
            app["appAppleId"],
        )

    # --- state ---------------------------------------------------------------------

    def apps(self) -> list[dict[str, Any]]:
        """Every app, with its products and whether it passed a performance test."""
        return list(self._call("GET", "/apps").json()["apps"])

    def create_app(self, bundle_id: str, app_apple_id: int | None = None) -> dict[str, Any]:
        body = {"bundleId": bundle_id, "appAppleId": app_apple_id}
        return dict(self._call("POST", "/apps", body).json())

    def create_key(self, bundle_id: str = DEFAULT_BUNDLE_ID) -> AppKey:
        """A new key for the app; the private key is returned and kept nowhere else."""
        key = self._call("POST", f"/apps/{bundle_id}/keys").json()
        app = self._app(bundle_id)
        return AppKey(
            bundle_id, app["appAppleId"], key["issuerId"], key["keyId"], key["privateKey"].encode()
        )

    def create_purchase(
        self, bundle_id: str = DEFAULT_BUNDLE_ID, product_id: str | None = None
    ) -> dict[str, Any]:
        """An active sandbox subscription; its ``originalTransactionId`` is in the answer."""
        body = {"productId": product_id} if product_id else {}
        return dict(self._call("POST", f"/apps/{bundle_id}/purchases", body).json())

    def set_notification_url(
        self, url: str, environment: str = "sandbox", bundle_id: str = DEFAULT_BUNDLE_ID
    ) -> None:
        self._call("PUT", f"/apps/{bundle_id}/notification-urls/{environment}", {"url": url})

    def advance_clock(self, seconds: float) -> int:
        """Move sandbox time forward (retries fall due); the new sandbox time in UNIX ms."""
        return int(self._call("POST", "/clock/advance", {"seconds": seconds}).json()["now"])

    def set_clock(self, when: datetime | int) -> int:
        """Make sandbox time ``when`` from now on; the new sandbox time in UNIX ms.

        ``when`` is a datetime with its time zone, or UNIX milliseconds, from the real time up to
        2200 (the sandbox never runs behind real time; :meth:`reset_clock` goes back to it).
        """
        if isinstance(when, datetime):
            if when.tzinfo is None:
                raise ValueError("set_clock needs a datetime with a time zone (e.g. UTC)")
            when = round(when.timestamp() * 1000)
        return int(self._call("POST", "/clock/set", {"now": when}).json()["now"])

    def reset_clock(self) -> int:
        """Sandbox time back to real time, for every process on the database; now in UNIX ms."""
        return int(self._call("POST", "/clock/reset").json()["now"])

    def reset(self, keep_keys: bool = True, force: bool = False) -> dict[str, Any]:
        """Back to the first-start state; the default key stays unless ``keep_keys=False``."""
        body = {"keepKeys": keep_keys, "force": force}
        return dict(self._call("POST", "/reset", body).json())

    # --- doing things -----------------------------------------------------------------

    def request_test_notification(
        self, environment: str = "sandbox", key: AppKey | None = None, timeout_s: float = 30
    ) -> CheckTestNotificationResponse:
        """Request a TEST notification through Apple's endpoint and wait for its first send
        attempt; the answer carries the signed payload and every attempt so far."""
        client = self.client(environment, key)
        token = client.request_test_notification().testNotificationToken
        if not token:
            raise SandboxError("Request a Test Notification gave no token")
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return client.get_test_notification_status(token)
            except APIException as error:  # 4040008 until the first attempt has finished
                if error.api_error != APIError.TEST_NOTIFICATION_NOT_FOUND:
                    raise
                if time.monotonic() > deadline:
                    raise SandboxError(f"no send attempt finished within {timeout_s} s") from error
            time.sleep(_POLL_S)

    def run_performance_test(
        self, url: str, key: AppKey | None = None, timeout_s: float = 300, **config: Any
    ) -> PerformanceTestOutcome:
        """Apple's performance test against ``url``, through Apple's endpoints, waited for.

        ``config`` takes the control surface's performance-test settings by their JSON names
        (``totalRequests``, ``maxConcurrentRequests``, ``totalDuration``, ``rate``, ...), for
        this run only: the app's settings are put back once the run has started. A name that
        is not a setting is a ``TypeError``.
        """
        key = key or self.default_key
        path = f"/apps/{key.bundle_id}/performance-test-config"
        saved: dict[str, Any] = dict(self._call("GET", path).json())
        _check_setting_names(config, saved)
        client = self.client("sandbox", key)
        client.configure_realtime_url(RealtimeUrlRequest(realtimeURL=url))
        transaction = self._default_purchase(key.bundle_id)
        if config:
            self._call("PUT", path, config)
        try:
            started = client.initiate_performance_test(
                PerformanceTestRequest(originalTransactionId=transaction)
            )
        finally:
            if config:  # the run keeps the settings it started with
                self._call("PUT", path, saved)
        request_id = started.requestId
        if not request_id:
            raise SandboxError("Initiate Performance Test gave no requestId")
        deadline = time.monotonic() + timeout_s
        while (result := client.get_performance_test_results(request_id)).result == (
            PerformanceTestStatus.PENDING
        ):
            if time.monotonic() > deadline:
                raise SandboxError(
                    f"performance test {request_id} still PENDING after {timeout_s} s"
                )
            time.sleep(_POLL_S * 2)
        path = f"/apps/{key.bundle_id}/performance-tests/{request_id}"
        return PerformanceTestOutcome(request_id, result, dict(self._call("GET", path).json()))

    def cancel_performance_test(
        self, request_id: str, bundle_id: str = DEFAULT_BUNDLE_ID
    ) -> dict[str, Any]:
        """End a running performance test now (it finishes FAIL, its note saying it was
        cancelled); the sandbox's report of it. A finished or unknown run is a SandboxError."""
        path = f"/apps/{bundle_id}/performance-tests/{request_id}/cancel"
        return dict(self._call("POST", path).json())

    # --- faults (the control surface's /faults, where the sandbox has it) ---------------

    def trigger(
        self,
        action: str,
        original_transaction_id: str | None = None,
        *,
        bundle_id: str = DEFAULT_BUNDLE_ID,
        product_id: str | None = None,
        offer_id: str | None = None,
        grace_period: bool = False,
        revocation_reason: int = 0,
        revocation_type: str = "REFUND_FULL",
        revocation_percentage: int | None = None,
    ) -> dict[str, Any]:
        """Do to a subscription what its customer or Apple would (``cancel``, ``resubscribe``,
        ``refund``, ``billing-failure``, ``billing-recovery``, ``upgrade``, ``downgrade``,
        ``offer-redeemed``, ``renew``); Apple's notifications follow. The subscription after.

        ``original_transaction_id`` defaults to the app's default purchase (the most recent whose
        subscription has not ended); ``product_id`` is for
        upgrade and downgrade, ``offer_id`` for offer-redeemed, ``grace_period`` for
        billing-failure, ``revocation_reason``, ``revocation_type`` and
        ``revocation_percentage`` (milliunits) for refund.
        """
        original_id = original_transaction_id or self._default_purchase(bundle_id)
        body = {
            "action": action,
            "productId": product_id,
            "offerId": offer_id,
            "gracePeriod": grace_period,
            "revocationReason": revocation_reason,
            "revocationType": revocation_type,
            "revocationPercentage": revocation_percentage,
        }
        path = f"/apps/{bundle_id}/purchases/{original_id}/triggers"
        return dict(self._call("POST", path, body).json())

    def add_fault(self, **spec: Any) -> dict[str, Any]:
        return dict(self._call("POST", "/faults", spec).json())

    def faults(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/faults").json()["faults"])

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # --- internals ------------------------------------------------------------------

    def _connect(self) -> None:
        self._http = ControlClient(self.control_url, self._admin_token)
        self._call("GET", "/health")

    def _call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        if self._http is None:
            raise SandboxError("the sandbox is not running: use `with Sandbox() as sbx:`")
        try:
            return self._http.request(method, path, body)
        except ControlRefused as error:
            raise SandboxError(
                f"{method} {path}: {error.status_code} {error.response.text}"
            ) from error
        except ControlError as error:
            cause = error.__cause__ or error
            raise SandboxError(
                f"no sandbox answers at {self._url} ({type(cause).__name__}: {cause}); is "
                "`appstore-sandbox serve` running there?"
            ) from error

    def _defaults(self) -> dict[str, Any]:
        return dict(self._call("GET", "/env").json())

    def _app(self, bundle_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/apps/{bundle_id}").json())

    def _default_purchase(self, bundle_id: str) -> str:
        """The sandbox's default purchase of the app (the most recent whose subscription has
        not ended), bought first if the app has none."""
        listed = self._call("GET", f"/apps/{bundle_id}/purchases").json()
        default = listed["defaultOriginalTransactionId"]
        if default is None:
            return str(self.create_purchase(bundle_id)["originalTransactionId"])
        return str(default)


def _environment(name: str) -> Environment:
    environments = {"sandbox": Environment.SANDBOX, "production": Environment.PRODUCTION}
    if name not in environments:
        raise ValueError(f"environment must be 'sandbox' or 'production', not {name!r}")
    return environments[name]


def _check_setting_names(given: dict[str, Any], known: dict[str, Any]) -> None:
    for name in given:
        if name not in known:
            close = [known_name for known_name in known if known_name.startswith(name)]
            close = close or difflib.get_close_matches(name, list(known), n=1)
            hint = f"did you mean {close[0]}?" if close else f"the settings are {', '.join(known)}"
            raise TypeError(f"{name!r} is not a performance-test setting ({hint})")

"""Settings: declared once here, mirrored as ``serve`` options and APPSTORE_SANDBOX_* variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

RateLimitMode = Literal["off", "apple"]
RetrySchedule = Literal["apple", "fast"]
ReviewMode = Literal["auto", "manual"]


_POSITIVE = (
    "performance_test_max_running",
    "performance_test_max_total_requests",
    "performance_test_max_concurrent_requests",
    "performance_test_records_max_rows",
    "performance_test_records_max_age_days",
    "max_faults",
    "max_body_bytes",
    "max_image_bytes",
    "keep_alive_timeout_s",
    "header_timeout_s",
    "max_header_bytes",
    "max_header_count",
    "body_timeout_s",
    "body_deadline_s",
)


def url_host(host: str) -> str:
    """``host`` as a URL spells it; an every-interface address as the loopback one."""
    if host in {"0.0.0.0", "::"}:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _is_origin(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.path in ("", "/")


def _setting(default: Any, help: str, **extra: Any) -> Any:
    return field(default=default, metadata={"help": help, **extra})


@dataclass(frozen=True)
class Settings:
    """Everything ``serve`` reads at start-up; passed down, never read from os.environ later."""

    host: str = _setting("127.0.0.1", "Interface to listen on.")
    port: int = _setting(8080, "Port to listen on (0 picks a free one).")
    data_dir: Path = _setting(
        Path(".appstore-sandbox"),
        "Where the database, certificate authority and keys live.",
    )
    database_url: str | None = _setting(
        None, "SQLAlchemy URL, e.g. postgresql://user@host/db (default: SQLite in the data dir)."
    )
    strict: bool = _setting(
        False, "Behave exactly like Apple: https-only callback URLs and Apple's rate limits."
    )
    rate_limits: RateLimitMode = _setting(
        "off",
        "Apple's per-app rate limits: 'apple' enforces them (sandbox at 10%).",
        choices=("off", "apple"),
    )
    retry_schedule: RetrySchedule = _setting(
        "apple",
        "Production notification retries: 'apple' waits 1, 12, 24, 48 and 72 hours (sandbox "
        "time); 'fast' waits that many seconds instead.",
        choices=("apple", "fast"),
    )
    delivery_timeout_ms: int = _setting(
        5000, "How long a notification receiver may take to answer before TIMED_OUT."
    )
    review: ReviewMode = _setting(
        "auto",
        "Review of uploaded retention images and messages: 'auto' approves them at once; "
        "'manual' keeps them PENDING until 'appstore-sandbox review approve|reject'.",
        choices=("auto", "manual"),
    )
    admin_token: str | None = _setting(
        None, "If set, the /_sandbox/v1 control surface requires 'Authorization: Bearer TOKEN'."
    )
    token_clock_leeway_s: int = _setting(
        60,
        "How far ahead of the sandbox's clock a client's clock may be: an Apple-surface token's "
        "iat and nbf (and its 60-minute lifetime) get this leeway; an expired token gets none.",
    )
    allowed_hosts: str | None = _setting(
        None,
        "Comma-separated extra names the sandbox answers to in the Host header ('*': any, for "
        "running behind a proxy or in a container). Always answered: the --host value, and "
        "localhost and loopback addresses on loopback; on 0.0.0.0 or :: also any address and "
        "this machine's hostname. Others get 421, which stops DNS rebinding.",
    )
    allowed_origins: str | None = _setting(
        None,
        "Comma-separated origins (scheme://host:port) of web pages allowed to call the sandbox; "
        "its own origin always is. A request with another Origin header gets 403. Clients "
        "that are not browsers send no Origin and are not affected.",
    )
    outbound_allowed_hosts: str | None = _setting(
        None,
        "Comma-separated hosts the sandbox may call (URLs and redirects); any other is refused. "
        "Unset: any host the callback URL rule allows.",
    )
    realtime_max_response_bytes: int = _setting(
        1_048_576,
        "Largest realtime response body read (performance tests, cancel simulation); a larger "
        "one is INVALID_RESPONSE.",
    )
    # Advanced, for tests: how quickly the sandbox notices what it otherwise notices in seconds.
    performance_test_heartbeat_ms: int = _setting(
        1000,
        "Advanced (testing): how often a running performance test saves its progress and "
        "renews its lease, and how often abandoned runs are looked for.",
    )
    performance_test_lease_ms: int = _setting(
        10_000,
        "Advanced (testing): how long a performance test outlives its process's last heartbeat "
        "before another sandbox process closes it as FAIL; at least twice the heartbeat.",
    )
    notification_poll_ms: int = _setting(
        250,
        "Advanced (testing): how often the delivery worker looks for notifications that are "
        "due, and the renewal ticker for renewals (retries and renewals made due by the sandbox "
        "clock go out within this interval).",
    )
    notification_lease_ms: int = _setting(
        60_000,
        "Advanced (testing): how long a notification's delivery claim outlives its process's "
        "last renewal before another sandbox process may make the attempt; renewed every "
        "third of it while an attempt is in flight.",
    )
    performance_test_max_running: int = _setting(
        4,
        "Performance tests that may run at once (all apps, all processes on the database); "
        "one more is refused with InvalidPerformanceTestRequestError (4000211).",
    )
    performance_test_max_total_requests: int = _setting(
        10_000_000, "Largest totalRequests a performance test may have; a larger one is refused."
    )
    performance_test_max_concurrent_requests: int = _setting(
        2000, "Largest maxConcurrentRequests a performance test may have; more is refused."
    )
    performance_test_records_max_rows: int = _setting(
        2_000_000,
        "Per-request records kept in all; past it the records of the runs that finished first "
        "are pruned (their numbers are kept). Also: appstore-sandbox prune.",
    )
    performance_test_records_max_age_days: int = _setting(
        30, "Per-request records of runs that finished longer ago than this are pruned."
    )
    max_faults: int = _setting(
        1000,
        "Faults that may be set at once (appstore-sandbox faults add); one more is refused "
        "with 400.",
    )
    max_body_bytes: int = _setting(
        1_048_576,
        "Largest request body, except images: a larger one is refused with 413 before it is "
        "read. Apple's largest JSON body (Upload Message) is a few kilobytes.",
    )
    max_image_bytes: int = _setting(
        33_554_432,
        "Largest Upload Image body: a larger one is refused with 413 before it is read. The "
        "default fits an uncompressed 8-bit 3840x2160 PNG (24.9 MB).",
    )
    keep_alive_timeout_s: int = _setting(
        5, "How long an idle keep-alive connection stays open between requests."
    )
    header_timeout_s: int = _setting(
        10,
        "How long a client may take to send a request's headers (counted from the connection "
        "or the request's first byte); a slower or silent connection is closed.",
    )
    max_header_bytes: int = _setting(
        65_536,
        "Largest header section of a request (request line and headers), counted as it "
        "arrives; a larger one is answered 431 and its connection closed. Apple's clients send "
        "well under 2 KB.",
    )
    max_header_count: int = _setting(
        100,
        "Most header fields a request may have; more are answered 431 and the connection closed.",
    )
    body_timeout_s: int = _setting(
        30,
        "How long a request's body may pause between two pieces once its headers are in; a "
        "slower body is answered 408 and its connection closed.",
    )
    body_deadline_s: int = _setting(
        60,
        "How long a request's whole body may take once its headers are in, however steadily it "
        "trickles; a slower body is answered 408 and its connection closed.",
    )

    def __post_init__(self) -> None:
        # A lease shorter than two heartbeats could lapse under a live run on a busy machine.
        heartbeat, lease = self.performance_test_heartbeat_ms, self.performance_test_lease_ms
        if heartbeat <= 0 or lease < 2 * heartbeat:
            raise ValueError(
                f"performance_test_lease_ms ({lease}) must be at least twice "
                f"performance_test_heartbeat_ms ({heartbeat}), which must be positive"
            )
        if self.notification_poll_ms <= 0:
            raise ValueError("notification_poll_ms must be positive")
        if self.notification_lease_ms < 100:
            raise ValueError("notification_lease_ms must be at least 100")
        if not 0 <= self.token_clock_leeway_s <= 3600:
            raise ValueError("token_clock_leeway_s must be 0 to 3600 seconds")
        for name in _POSITIVE:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if not 0 <= self.port <= 65_535:
            raise ValueError(f"port {self.port} is not a TCP port (0 to 65535; 0 picks a free one)")
        for origin in (self.allowed_origins or "").split(","):
            if origin.strip() and not _is_origin(origin.strip()):
                raise ValueError(
                    f"allowed_origins: {origin.strip()!r} is not an origin; give "
                    "scheme://host[:port], e.g. http://localhost:5173"
                )
        scheme = self.database_url.partition(":")[0] if self.database_url else "sqlite"
        if scheme.partition("+")[0] not in ("sqlite", "postgresql"):
            raise ValueError(
                f"database URL scheme {scheme!r} is not supported: use sqlite:///PATH or "
                "postgresql://USER@HOST:PORT/DATABASE"
            )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'sandbox.db').resolve()}"

    @property
    def base_url(self) -> str:
        """Where clients on this machine reach the sandbox: built from the listening address
        (``serve`` sets the port it got for ``--port 0``), never from a request's Host."""
        return f"http://{url_host(self.host)}:{self.port}"

    @property
    def rate_limits_enabled(self) -> bool:
        return self.strict or self.rate_limits == "apple"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def ca_dir(self) -> Path:
        return self.data_dir / "ca"

    @property
    def images_dir(self) -> Path:
        """Uploaded retention images (PNG files); their metadata is in the database."""
        return self.data_dir / "images"

"""Settings: declared once here, mirrored as ``serve`` options and APPSTORE_SANDBOX_* variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

RateLimitMode = Literal["off", "apple"]
RetrySchedule = Literal["apple", "fast"]
ReviewMode = Literal["auto", "manual"]


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

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'sandbox.db').resolve()}"

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

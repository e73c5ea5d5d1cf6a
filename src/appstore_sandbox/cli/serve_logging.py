"""``serve``'s log lines, uvicorn's and the sandbox's own: each says the sandbox time while the
sandbox clock runs ahead of real time (`` sandbox=2027-01-31T12:00:00Z`` at the end), so that a
line's dates can be matched with the signed dates the sandbox produced at that moment."""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from appstore_sandbox.clock import Clock

APP_FORMAT = "%(levelname)s %(name)s: %(message)s"
SANDBOX_FIELD = "%(sandbox)s"


class SandboxTimeFilter(logging.Filter):
    """Gives each record a ``sandbox`` field: `` sandbox=<time>Z`` while the clock is moved,
    empty while the sandbox runs on real time (the usual case, left uncluttered)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock

    def filter(self, record: logging.LogRecord) -> bool:
        moved = self._clock.offset_ms != 0
        record.sandbox = f" sandbox={self._clock.now():%Y-%m-%dT%H:%M:%SZ}" if moved else ""
        return True


def log_config(clock: Clock, level: str) -> dict[str, Any]:
    """uvicorn's logging configuration with the sandbox field on every line, and the same
    handler for the sandbox's own loggers (the root logger) at ``level``."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"sandbox_time": {"()": SandboxTimeFilter, "clock": clock}}
    for formatter in config["formatters"].values():
        formatter["fmt"] += SANDBOX_FIELD
    config["formatters"]["sandbox"] = {"format": APP_FORMAT + SANDBOX_FIELD}
    config["handlers"]["sandbox"] = {
        "class": "logging.StreamHandler",
        "formatter": "sandbox",
        "stream": "ext://sys.stderr",
    }
    for handler in config["handlers"].values():
        handler["filters"] = ["sandbox_time"]
    config["root"] = {"handlers": ["sandbox"], "level": level.upper()}
    return config

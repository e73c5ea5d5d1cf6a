"""``appstore-sandbox clock``: read the sandbox clock, or move it forward to make retries due."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import click

from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.control import API
from appstore_sandbox.cli.options import Output, control_command

UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
# Units largest first, each at most once: 1d, 12h, 1h30m, 90s.
_DURATION = re.compile(r"(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?")


class DurationParam(click.ParamType):  # type: ignore[type-arg,unused-ignore]
    """A positive duration such as 90s, 30m, 12h, 1d or 1h30m, converted to whole seconds."""

    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int):
            return value
        seconds = parse_duration(str(value))
        if seconds is None:
            self.fail(f"{value!r} is not a duration like 90s, 30m, 12h, 1d or 1h30m", param, ctx)
        if seconds <= 0:
            self.fail(f"{value!r} does not move the clock; give a positive duration", param, ctx)
        return seconds


def parse_duration(text: str) -> int | None:
    """Seconds in ``text`` (``1h30m`` -> 5400), or None when it is not a duration."""
    match = _DURATION.fullmatch(text.strip().lower())
    counts = match.groupdict() if match else {}
    if not any(counts.values()):
        return None
    return sum(int(count) * UNIT_SECONDS[unit] for unit, count in counts.items() if count)


def format_duration(seconds: int) -> str:
    """The inverse of :func:`parse_duration`: 5400 -> ``1h30m``, 0 -> ``0s``."""
    parts = []
    for unit, size in UNIT_SECONDS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def iso_utc(ms: int) -> str:
    """UNIX milliseconds as ISO-8601 UTC, e.g. ``2026-01-01T00:00:00.500Z``."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@click.group()
def clock() -> None:
    """The sandbox clock: move time forward to make retries due."""


def _clock_lines(state: dict[str, Any]) -> list[str]:
    offset_s = round(state["offsetMs"] / 1000)
    offset = f"+{format_duration(offset_s)} ahead of real time" if offset_s else "real time"
    return [f"sandbox time {iso_utc(state['now'])}  ({offset})"]


@clock.command("show")
@control_command
def clock_show(client: SandboxClient, out: Output) -> None:
    """Show the sandbox time and how far it is ahead of real time."""
    state = client.json("GET", f"{API}/clock")
    out.emit(state, _clock_lines(state))


@clock.command("advance")
@click.argument("duration", type=DurationParam())
@control_command
def clock_advance(client: SandboxClient, out: Output, duration: int) -> None:
    """Move sandbox time forward by DURATION.

    DURATION is like 90s, 30m, 12h, 1d or 1h30m; time never goes back. Notification retries
    that become due are sent right away.
    """
    state = client.json("POST", f"{API}/clock/advance", {"seconds": duration})
    out.emit(state, _clock_lines(state))

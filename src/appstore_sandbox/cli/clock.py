"""``appstore-sandbox clock``: read the sandbox clock, move it forward (retries fall due), set it
to a time, or reset it to real time."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import click

from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.control import API
from appstore_sandbox.cli.dates import iso_utc
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


class InstantParam(click.ParamType):  # type: ignore[type-arg,unused-ignore]
    """An ISO-8601 time with its time zone, such as 2027-01-31T12:00:00Z, as UNIX milliseconds."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int):
            return value
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not an ISO-8601 time like 2027-01-31T12:00:00Z", param, ctx)
        if moment.tzinfo is None:
            self.fail(
                f"{value!r} has no time zone; add Z for UTC (2027-01-31T12:00:00Z) or an "
                "offset (+02:00)",
                param,
                ctx,
            )
        return round(moment.timestamp() * 1000)


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


@click.group()
def clock() -> None:
    """The sandbox clock: show it, move it forward, set it, or reset it to real time.

    Signed dates, purchase and expiry dates, notification retries and the notification history
    window follow it; token expiry and rate limits follow real time.
    """


def _clock_lines(state: dict[str, Any]) -> list[str]:
    return [
        f"sandbox time  {iso_utc(state['now'])}  ({_offset_text(state['offsetMs'])})",
        f"real time     {iso_utc(state['realNow'])}",
    ]


def _offset_text(offset_ms: int) -> str:
    if offset_ms == 0:
        return "real time"
    if offset_ms < 1000:
        return f"+{offset_ms}ms ahead of real time"
    return f"+{format_duration(round(offset_ms / 1000))} ahead of real time"


@clock.command("show")
@control_command
def clock_show(client: SandboxClient, out: Output) -> None:
    """Show the sandbox time, the real time and how far the sandbox is ahead."""
    state = client.json("GET", f"{API}/clock")
    out.emit(state, _clock_lines(state))


@clock.command("advance")
@click.argument("duration", type=DurationParam())
@control_command
def clock_advance(client: SandboxClient, out: Output, duration: int) -> None:
    """Move sandbox time forward by DURATION.

    DURATION is like 90s, 30m, 12h, 1d or 1h30m. Notification retries that become due are sent
    right away. `clock reset` goes back to real time.
    """
    state = client.json("POST", f"{API}/clock/advance", {"seconds": duration})
    out.emit(state, _clock_lines(state))


@clock.command("set")
@click.argument("time", type=InstantParam())
@control_command
def clock_set(client: SandboxClient, out: Output, time: int) -> None:
    """Make the sandbox time TIME from now on (it keeps running from there).

    TIME is ISO-8601 with a time zone, like 2027-01-31T12:00:00Z, from the real time up to
    2200: the sandbox never runs behind real time, because Apple's clients sign their tokens
    with it. Notification retries that become due are sent right away.
    """
    state = client.json("POST", f"{API}/clock/set", {"now": time})
    out.emit(state, _clock_lines(state))


@clock.command("reset")
@control_command
def clock_reset(client: SandboxClient, out: Output) -> None:
    """Back to real time, for every sandbox process on the database.

    Notification retries keep their sandbox-time due dates: one scheduled by an advanced clock
    waits until real time (or a new advance) reaches it.
    """
    state = client.json("POST", f"{API}/clock/reset")
    out.emit(state, _clock_lines(state))

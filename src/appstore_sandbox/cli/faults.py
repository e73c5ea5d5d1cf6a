"""``appstore-sandbox faults``: make Apple's API, or notification deliveries, fail on purpose."""

from __future__ import annotations

from typing import Any

import click

from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.control import API
from appstore_sandbox.cli.options import Output, control_command


@click.group()
def faults() -> None:
    """Faults on demand: Apple's 429, 500 or 401, a delay, or a dropped connection."""


@faults.command("add")
@click.argument("kind", type=click.Choice(["429", "500", "401", "delay", "drop"]))
@click.option(
    "--notifications",
    is_flag=True,
    help="Act on notification deliveries (KIND delay or drop) instead of Apple's API.",
)
@click.option("--bundle-id", default=None, help="Only this app (default: every app).")
@click.option(
    "--environment",
    type=click.Choice(["sandbox", "production", "both"]),
    default=None,
    help="Only calls to this environment (default: both).",
)
@click.option(
    "--operation",
    default=None,
    help="Apple's operation name (getImageList, 'Get Image List', get_image_list) or a path like "
    "/inApps/v1/messaging/image/* (default: every operation).",
)
@click.option("--method", default=None, help="Only this HTTP method (default: every method).")
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="Act on the next N matching calls, then stop (default: every call).",
)
@click.option(
    "--fraction",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="Act on this share of matching calls, picked at random (0.1 is one in ten).",
)
@click.option("--seed", type=int, default=None, help="Seed for --fraction, to repeat a run.")
@click.option(
    "--delay-ms",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="delay: how long the call (or the notification's attempt) is held before it goes on.",
)
@click.option(
    "--retry-after-s",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="429: when the answer's Retry-After says to retry, in seconds from now (sent as UNIX "
    "milliseconds, as Apple does).",
)
@control_command
def faults_add(client: SandboxClient, out: Output, notifications: bool, **spec: Any) -> None:
    """Add a fault: Apple's API, or a notification delivery, fails on purpose.

    A fault of KIND acts on the calls it matches (--bundle-id, --environment, --operation,
    --method; by default every call): the next --count of them, a --fraction of them, or all.
    It lasts until it is used up or cleared (faults clear), a reset or a restart of serve.

    \b
    KIND:
      429    Apple's rate limit: 4290000 with Retry-After (--retry-after-s)
      500    Apple's 5000000
      401    no body, as Apple answers a bad token
      delay  wait --delay-ms, then answer as usual (a notification's attempt waits)
      drop   close the connection with no response (a notification: NO_RESPONSE)

    Example, the next two Get Image List calls are rate-limited for 5 seconds:

    \b
      appstore-sandbox faults add 429 --operation "Get Image List" --count 2 --retry-after-s 5
    """
    body = {_camel(name): value for name, value in spec.items() if value is not None}
    body["target"] = "notifications" if notifications else "api"
    fault = client.json("POST", f"{API}/faults", body)
    out.emit(fault, [_line(fault)])


@faults.command("list")
@control_command
def faults_list(client: SandboxClient, out: Output) -> None:
    """The faults set, with how many calls each has acted on."""
    listed = client.json("GET", f"{API}/faults")
    lines = [_line(fault) for fault in listed["faults"]] or ["no faults"]
    out.emit(listed, lines)


@faults.command("clear")
@click.argument("fault_id", required=False)
@control_command
def faults_clear(client: SandboxClient, out: Output, fault_id: str | None) -> None:
    """Remove FAULT_ID, or every fault; the calls they hold in a delay go on at once."""
    client.request("DELETE", f"{API}/faults" + (f"/{fault_id}" if fault_id else ""))
    out.emit({"cleared": fault_id or "all"}, [f"cleared {fault_id or 'every fault'}"])


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def _line(fault: dict[str, Any]) -> str:
    scope = [
        fault["target"],
        fault.get("bundleId") or "every app",
        fault.get("environment") or "both environments",
        fault.get("operation") or "every operation",
    ]
    if fault.get("count"):
        when = f"next {fault['count']} ({fault['remaining']} left)"
    elif fault.get("fraction"):
        when = f"{fault['fraction']:.0%} of calls"
    else:
        when = "every call"
    return f"{fault['faultId']}  {fault['kind']}  {', '.join(scope)}; {when}; {fault['hits']} hit"

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
@click.option("--notifications", is_flag=True, help="Act on notification deliveries instead.")
@click.option("--bundle-id", default=None, help="Only this app (default: every app).")
@click.option("--environment", type=click.Choice(["sandbox", "production", "both"]), default=None)
@click.option(
    "--operation",
    default=None,
    help="Apple's operation name (getImageList, 'Get Image List', get_image_list) or a path like "
    "/inApps/v1/messaging/image/* (default: every operation).",
)
@click.option("--method", default=None, help="Only this HTTP method.")
@click.option("--count", type=click.IntRange(min=1), default=None, help="The next N calls.")
@click.option("--fraction", type=click.FloatRange(0, 1, min_open=True), default=None)
@click.option("--seed", type=int, default=None, help="Seed for --fraction.")
@click.option("--delay-ms", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option("--retry-after-s", type=click.IntRange(min=0), default=60, show_default=True)
@control_command
def faults_add(client: SandboxClient, out: Output, notifications: bool, **spec: Any) -> None:
    """Add a fault of KIND (429, 500, 401, delay, drop; notifications: delay, drop)."""
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

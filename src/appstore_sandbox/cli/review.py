"""``appstore-sandbox review``: play App Review for images and messages (serve --review manual)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import click

from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.options import Output, bundle_id_option, control_command

F = TypeVar("F", bound=Callable[..., Any])
API = "/_sandbox/v1"


def environment_option(func: F) -> F:
    return click.option(
        "--environment",
        type=click.Choice(["sandbox", "production"]),
        default="sandbox",
        show_default=True,
        help="Which environment's content (each has its own images and messages).",
    )(func)


def _review_path(bundle_id: str, environment: str, rest: str = "") -> str:
    return f"{API}/apps/{quote(bundle_id, safe='')}/review/{environment}{rest}"


def _item_line(item: dict[str, Any]) -> str:
    return f"{item['kind']:<8} {item['identifier']}  {item['state']}"


@click.group()
def review() -> None:
    """Approve or reject uploaded images and messages (for serve --review manual)."""


@review.command("list")
@bundle_id_option
@environment_option
@control_command
def review_list(client: SandboxClient, out: Output, bundle_id: str, environment: str) -> None:
    """List the app's images and messages with their review state."""
    body = client.json("GET", _review_path(bundle_id, environment))
    lines = [f"review mode: {body['mode']}"]
    lines += [_item_line(item) for item in body["items"]] or ["no images or messages"]
    out.emit(body, lines)


def _decide(decision: str) -> click.Command:
    @click.argument("identifier")
    @bundle_id_option
    @environment_option
    @control_command
    def command(
        client: SandboxClient, out: Output, identifier: str, bundle_id: str, environment: str
    ) -> None:
        path = _review_path(bundle_id, environment, f"/{quote(identifier, safe='')}/{decision}")
        item = client.json("POST", path)
        out.emit(item, [_item_line(item)])

    command.__doc__ = f"{decision.capitalize()} an image or a message, by its identifier."
    return review.command(decision)(command)


review_approve = _decide("approve")
review_reject = _decide("reject")

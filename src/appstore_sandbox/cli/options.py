"""Options every control command shares: --server, --admin-token, --json."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import click
import httpx

from appstore_sandbox.cli.client import DEFAULT_SERVER, SandboxClient
from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Output:
    as_json: bool

    def emit(self, data: Any, lines: Iterable[str]) -> None:
        """Print ``data`` as JSON with --json, else the human ``lines``."""
        if self.as_json:
            click.echo(json.dumps(data, indent=2))
        else:
            for line in lines:
                click.echo(line)


def control_command(func: F) -> F:
    """Give a command a connected :class:`SandboxClient` and an :class:`Output`."""

    @click.option(
        "--server",
        envvar="APPSTORE_SANDBOX_SERVER",
        default=DEFAULT_SERVER,
        show_default=True,
        help="Base URL of a running sandbox.",
    )
    @click.option(
        "--admin-token",
        envvar="APPSTORE_SANDBOX_ADMIN_TOKEN",
        default=None,
        help="Admin token, if the sandbox was started with one.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
    @wraps(func)
    def wrapper(server: str, admin_token: str | None, as_json: bool, **kwargs: Any) -> Any:
        client = SandboxClient(server, admin_token, transport=_given_transport())
        return func(client=client, out=Output(as_json), **kwargs)

    return wrapper  # type: ignore[return-value]


def _given_transport() -> httpx.BaseTransport | None:
    """A transport the caller of ``main`` passed as its context object (``obj=``), as the tests
    do to reach an app in their own process; otherwise the commands use the network."""
    return click.get_current_context().find_object(httpx.BaseTransport)


def bundle_id_option(func: F) -> F:
    return click.option(
        "--bundle-id", default=DEFAULT_BUNDLE_ID, show_default=True, help="The app's bundle id."
    )(func)

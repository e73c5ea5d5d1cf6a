"""``appstore-sandbox env``: what a client needs, so scripts stop reading the banner."""

from __future__ import annotations

import re
import shlex

import click

from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.control import API
from appstore_sandbox.cli.options import Output, control_command

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@click.command()
@click.option("--shell", is_flag=True, help="Print `export APPSTORE_SANDBOX_...=...` lines.")
@control_command
def env(client: SandboxClient, out: Output, shell: bool) -> None:
    """Base URLs, the default app's issuer id, key id, key file and purchase, the root cert.

    `eval "$(appstore-sandbox env --shell)"` sets them in a shell.
    """
    values = client.json("GET", f"{API}/env")
    if shell and not out.as_json:
        server = str(values["sandboxUrl"]).removesuffix("/sandbox")
        lines = [f"export APPSTORE_SANDBOX_SERVER={shlex.quote(server)}"]  # for the CLI itself
        lines += [f"export {_variable(k)}={shlex.quote(str(v))}" for k, v in values.items()]
    else:
        lines = [f"{name:<24} {value}" for name, value in values.items()]
    out.emit(values, lines)


def _variable(name: str) -> str:
    """``sandboxUrl`` -> ``APPSTORE_SANDBOX_SANDBOX_URL``."""
    return "APPSTORE_SANDBOX_" + _CAMEL.sub("_", name).upper()

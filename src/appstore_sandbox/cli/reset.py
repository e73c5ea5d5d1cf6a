"""``appstore-sandbox reset``: the sandbox back to its first-start state."""

from __future__ import annotations

from typing import Any

import click

from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.control import API
from appstore_sandbox.cli.options import Output, control_command


@click.command()
@click.option(
    "--keep-keys/--drop-keys",
    default=True,
    show_default=True,
    help="Keep the default app's appAppleId and keys (same key ids, same .p8 files).",
)
@click.option("--force", is_flag=True, help="Stop running performance tests (they end FAIL).")
@control_command
def reset(client: SandboxClient, out: Output, keep_keys: bool, force: bool) -> None:
    """Return the sandbox to its first-start state, keeping its certificate chain.

    Every app and what it owns (keys, purchases, products, offers, messages, images, default
    messages, URLs, notifications, performance tests) goes; the clock's offset and the rate
    limits are reset; the default app, key and purchase come back.
    """
    result = client.json("POST", f"{API}/reset", {"keepKeys": keep_keys, "force": force})
    out.emit(result, [_summary(result)])


def _summary(result: dict[str, Any]) -> str:
    keys = "default keys kept" if result["keysKept"] else "new default key"
    runs = result["runsInterrupted"]
    stopped = f"; {runs} running test(s) stopped" if runs else ""
    return f"reset: {result['appsRemoved']} app(s) removed, defaults back ({keys}){stopped}"

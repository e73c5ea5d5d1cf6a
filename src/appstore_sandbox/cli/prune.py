"""``appstore-sandbox prune``: delete older performance test runs' per-request records."""

from __future__ import annotations

from typing import Any

import click

from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.control import API
from appstore_sandbox.cli.options import Output, control_command


@click.command()
@click.option(
    "--max-rows",
    type=click.IntRange(min=0),
    default=None,
    help="Keep at most this many records in all (default: the server's setting).",
)
@click.option(
    "--max-age-days",
    type=click.IntRange(min=0),
    default=None,
    help="Prune records of runs that finished longer ago (default: the server's setting).",
)
@control_command
def prune(
    client: SandboxClient, out: Output, max_rows: int | None, max_age_days: int | None
) -> None:
    """Delete older performance test runs' per-request records (their numbers are kept).

    The runs that finished first go first; running tests are never pruned. The server also
    prunes by its settings at start and after every run.
    """
    body = {"maxRows": max_rows, "maxAgeDays": max_age_days}
    result = client.json("POST", f"{API}/performance-tests/prune", body)
    out.emit(result, [_summary(result)])


def _summary(result: dict[str, Any]) -> str:
    return (
        f"pruned {result['records']} records of {result['runs']} runs; {result['kept']} kept "
        f"(limits: {result['maxRows']} records, {result['maxAgeDays']:g} days)"
    )

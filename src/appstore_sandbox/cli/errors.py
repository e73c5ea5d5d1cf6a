"""The CLI's one-line errors (kept apart from the HTTP client so ``serve`` needn't import it)."""

from __future__ import annotations

from typing import Any

import click

USAGE_OR_CONNECTION_EXIT = 2


class CliError(click.ClickException):
    """A one-line error on stderr and exit status 2 (1 is kept for a failed test)."""

    exit_code = USAGE_OR_CONNECTION_EXIT

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)

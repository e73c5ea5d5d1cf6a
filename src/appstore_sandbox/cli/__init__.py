"""The ``appstore-sandbox`` command line."""

from __future__ import annotations

import click

from appstore_sandbox import __version__
from appstore_sandbox.cli.control import apps, certs, keys, purchases
from appstore_sandbox.cli.example import example_server
from appstore_sandbox.cli.perf_test import perf_test
from appstore_sandbox.cli.serve import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="appstore-sandbox")
def main() -> None:
    """Apple's App Store server (Retention Messaging API, notification testing) on your machine."""


for command in (serve, apps, keys, purchases, certs, perf_test, example_server):
    main.add_command(command)

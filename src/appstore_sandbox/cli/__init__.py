"""The ``appstore-sandbox`` command line.

Commands are imported only when they run: ``serve`` pulls in the whole server, and a quick
``apps list`` should not pay for that.
"""

from __future__ import annotations

import importlib

import click

from appstore_sandbox.version import __version__

# name -> (module:attribute, one-line help shown by --help without importing the module)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo:demo", "The whole story on embedded defaults, in one command."),
    "serve": ("serve:serve", "Run the sandbox until Ctrl-C."),
    "perf-test": ("perf_test:perf_test", "Run Apple's performance test of your endpoint."),
    "example-server": ("example:example_server", "Run the reference developer endpoint."),
    "apps": ("control:apps", "Apps the sandbox knows (bundle id, appAppleId, products)."),
    "keys": ("control:keys", "In-App Purchase API keys that sign requests to the sandbox."),
    "purchases": ("control:purchases", "Sandbox subscriptions: buy, renew, list, delete."),
    "certs": ("control:certs", "The sandbox's signing certificates."),
    "review": ("review:review", "Approve or reject uploaded images and messages."),
    "products": ("catalog:products", "Products: auto-renewable subscriptions in groups."),
    "offers": ("catalog:offers", "Promotional offers of subscriptions."),
    "simulate-cancel": (
        "simulate:simulate_cancel",
        "Tap Cancel Subscription: see the message the customer would get.",
    ),
    "notify": ("notify:notify", "Send test notifications and see every delivery attempt."),
    "clock": ("clock:clock", "The sandbox clock: show it, move it forward, set it, reset it."),
    "prune": ("prune:prune", "Delete older performance test runs' per-request records."),
    "reset": ("reset:reset", "Back to the first-start state (keeps the certificate chain)."),
    "env": ("env:env", "Base URLs and the default app's credentials, for clients and scripts."),
    "faults": ("faults:faults", "Make Apple's API or notification deliveries fail on purpose."),
    "trigger": (
        "trigger:trigger",
        "Cancel, refund, fail billing, upgrade...: a subscription changes, notifications follow.",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name][0].split(":")
        module = importlib.import_module(f"appstore_sandbox.cli.{module_name}")
        command: click.Command = getattr(module, attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short_help) for name, (_, short_help) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="appstore-sandbox")
def main() -> None:
    """Apple's App Store server (Retention Messaging API, notification testing) on your machine."""

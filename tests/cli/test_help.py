"""``--help`` documents every command and option."""

from __future__ import annotations

from collections.abc import Iterator

import click

from appstore_sandbox.cli import main
from tests.cli.running import run_cli


def _commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Command]]:
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def test_every_option_of_every_command_has_a_help_text() -> None:
    undocumented = [
        f"{name} {param.opts[0]}"
        for name, command in _commands(main)
        for param in command.params
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert undocumented == []
    assert [name for name, command in _commands(main) if not command.help] == []


def test_faults_add_help_says_what_a_fault_is_with_an_example() -> None:
    result = run_cli("faults", "add", "--help")

    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())  # click wraps lines to the terminal
    assert "Add a fault: Apple's API, or a notification delivery, fails on purpose." in text
    assert "429 Apple's rate limit: 4290000 with Retry-After (--retry-after-s)" in text
    assert "drop close the connection with no response" in text
    assert (
        'appstore-sandbox faults add 429 --operation "Get Image List" --count 2 '
        "--retry-after-s 5" in text
    )
    for option, words in [
        ("--environment [sandbox|production|both]", "Only calls to this environment"),
        ("--fraction FLOAT RANGE", "Act on this share of matching calls"),
        ("--delay-ms INTEGER RANGE", "delay: how long the call"),
        ("--retry-after-s INTEGER RANGE", "429: when the answer's Retry-After says to retry"),
    ]:
        assert f"{option} {words}" in text, option

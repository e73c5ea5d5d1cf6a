"""``appstore-sandbox serve``: settings as options and variables, and refusals before it starts.

Each check here ends before a server would run, so the command runs in this process.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from appstore_sandbox.cli.serve import serve
from appstore_sandbox.config import Settings
from tests.cli.running import assert_one_line_error, run_cli


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield listener.getsockname()[1]


def test_serve_on_a_busy_port_is_a_one_line_error(busy_port: int, tmp_path: Path) -> None:
    result = run_cli(
        "serve", "--port", str(busy_port), "--data-dir", str(tmp_path / "data"), cwd=tmp_path
    )
    assert_one_line_error(result, contains=f"cannot listen on 127.0.0.1:{busy_port}")
    assert "Ready on" not in result.stdout


def test_every_setting_is_an_option_and_a_variable() -> None:
    options = {param.name: param for param in serve.params if isinstance(param, click.Option)}
    for field in dataclasses.fields(Settings):
        option = options[field.name]
        assert option.opts == [f"--{field.name.replace('_', '-')}"]
        assert option.envvar == f"APPSTORE_SANDBOX_{field.name.upper()}"
        assert option.default == field.default
    advanced = [
        name for name, option in options.items() if "Advanced (testing)" in (option.help or "")
    ]
    assert advanced == [
        "performance_test_heartbeat_ms",
        "performance_test_lease_ms",
        "notification_poll_ms",
        "notification_lease_ms",
    ]


def _serve_options() -> list[click.Option]:
    return [
        param for param in serve.params if isinstance(param, click.Option) and param.name != "help"
    ]


def test_every_serve_option_has_its_environment_variable() -> None:
    for option in _serve_options():
        assert option.name is not None
        assert option.envvar == f"APPSTORE_SANDBOX_{option.name.upper()}", option.opts
        assert option.show_envvar, option.opts


def test_serve_help_names_each_options_variable() -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0, result.stderr
    text = "".join(result.stdout.split())  # click wraps and breaks the lines anywhere
    for option in _serve_options():
        assert f"envvar:{option.envvar}" in text, option.opts


def test_the_readmes_configuration_table_lists_every_option() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    table = readme.partition("\n## Configuration\n")[2].partition("\n## ")[0]
    rows = [line for line in table.splitlines() if line.startswith("| `--")]
    listed = [row.split("`")[1] for row in rows]
    for option in _serve_options():
        [name] = option.opts
        assert name in listed, f"README's configuration table lacks {name}"
        row = rows[listed.index(name)]
        assert f"`{option.envvar}`" in row


def test_a_lease_shorter_than_two_heartbeats_is_refused(tmp_path: Path) -> None:
    # The heartbeat comes from the variable, the lease from the option.
    result = run_cli(
        "serve", "--port", "0", "--data-dir", str(tmp_path), "--performance-test-lease-ms", "1500",
        env={"APPSTORE_SANDBOX_PERFORMANCE_TEST_HEARTBEAT_MS": "1000"},
    )  # fmt: skip
    assert_one_line_error(result, contains="performance_test_lease_ms (1500) must be at least")
    assert "performance_test_heartbeat_ms (1000)" in result.stderr
    assert not (tmp_path / "sandbox.db").exists(), "refused before anything was created"


def test_the_banner_says_what_to_do_when_the_key_file_cannot_be_written(tmp_path: Path) -> None:
    # A database made before generated keys were kept in it, opened with a new data dir.
    from sqlalchemy import text

    from appstore_sandbox.cli.serve import banner
    from appstore_sandbox.sandbox import open_sandbox

    sandbox = open_sandbox(Settings(data_dir=tmp_path))
    try:
        with sandbox.store.engine.begin() as connection:
            connection.execute(text("UPDATE api_keys SET private_key_pem = NULL"))
            connection.execute(text("DELETE FROM meta WHERE key LIKE 'default_key_pem.%'"))
        for key_file in (tmp_path / "keys").glob("*.p8"):
            key_file.unlink()
        [line] = [line for line in banner(sandbox, "http://x").splitlines() if "Key file" in line]
    finally:
        sandbox.close()
    assert "is missing and this database has no copy of it" in line
    assert "appstore-sandbox keys create" in line

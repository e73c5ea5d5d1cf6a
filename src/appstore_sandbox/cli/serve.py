"""``appstore-sandbox serve``: options generated from :class:`Settings`, a banner, uvicorn."""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import logging
import signal
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from appstore_sandbox.cli.errors import CliError
from appstore_sandbox.cli.sockets import listen
from appstore_sandbox.config import Settings
from appstore_sandbox.version import __version__

if TYPE_CHECKING:
    from appstore_sandbox.sandbox import Sandbox

ENV_PREFIX = "APPSTORE_SANDBOX_"


def settings_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """One click option per Settings field, each also read from APPSTORE_SANDBOX_<NAME>."""
    hints = typing.get_type_hints(Settings)
    for field in reversed(dataclasses.fields(Settings)):
        func = click.option(f"--{field.name.replace('_', '-')}", **_option_kwargs(field, hints))(
            func
        )
    return func


def _option_kwargs(field: dataclasses.Field[Any], hints: dict[str, Any]) -> dict[str, Any]:
    kind = hints[field.name]
    kwargs: dict[str, Any] = {
        "help": field.metadata["help"],
        "envvar": ENV_PREFIX + field.name.upper(),
        "default": field.default,
        "show_default": field.default is not None,
        "show_envvar": True,
    }
    if kind is bool:
        kwargs["is_flag"] = True
    elif "choices" in field.metadata:
        kwargs["type"] = click.Choice(field.metadata["choices"])
    elif kind is int:
        kwargs["type"] = int
    elif kind is Path:
        kwargs["type"] = click.Path(path_type=Path, file_okay=False)
    return kwargs


@click.command()
@settings_options
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"], case_sensitive=False),
    default="warning",
    show_default=True,
    envvar=ENV_PREFIX + "LOG_LEVEL",
    show_envvar=True,
    help="Server log level; info logs one line per request.",
)
@click.option(
    "--ready-file",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar=ENV_PREFIX + "READY_FILE",
    show_envvar=True,
    help="Once the server answers, write its URLs, default app and key here as JSON (for "
    "launchers: wait for the file instead of reading the banner).",
)
def serve(log_level: str, ready_file: Path | None, **values: Any) -> None:
    """Run the sandbox until Ctrl-C."""
    # Imported here: the server's dependencies are heavy and other commands don't need them.
    from sqlalchemy.exc import SQLAlchemyError

    from appstore_sandbox.cli.ready_file import ready_facts, write_ready_file
    from appstore_sandbox.cli.serve_logging import APP_FORMAT
    from appstore_sandbox.cli.uvicorn_server import Server, uvicorn_config
    from appstore_sandbox.sandbox import open_sandbox
    from appstore_sandbox.signing import ChainError

    try:
        settings = Settings(**values)
    except ValueError as error:
        raise CliError(str(error)) from error
    logging.basicConfig(level=log_level.upper(), format=APP_FORMAT)
    listener = listen(settings.host, settings.port)
    # The port it got (for --port 0): what the app builds its own URLs from.
    settings = dataclasses.replace(settings, port=listener.getsockname()[1])
    try:
        sandbox = open_sandbox(settings, listening=listener.getsockname()[:2])
    except ChainError as error:
        listener.close()
        raise CliError(str(error)) from error
    except OSError as error:
        listener.close()
        where = error.filename or settings.data_dir
        raise CliError(f"cannot use {where}: {error.strerror or error}") from error
    except SQLAlchemyError as error:
        listener.close()
        raise CliError(
            f"cannot open the database {_shown(settings)}: {_first_line(error)}"
        ) from error
    try:
        click.echo(banner(sandbox, settings.base_url))
        config = uvicorn_config(sandbox, log_level)
        # uvicorn shuts down gracefully on SIGTERM, then re-raises it to the handler it found;
        # with the default handler the process would die by the signal (status -15, no cleanup).
        signal.signal(signal.SIGTERM, _exit_cleanly)
        signal.signal(signal.SIGINT, _exit_cleanly)
        # Everything built so far lives as long as the server: keeping it out of the cyclic
        # garbage collector's passes saves several percent of CPU per request.
        gc.freeze()
        _pin_mmap_threshold()
        # Calls held in delay faults are let go when shutdown begins, so none holds it up.
        facts = ready_facts(sandbox, settings.base_url) if ready_file else {}
        Server(
            config,
            before_shutdown=sandbox.faults.close,
            when_started=lambda: write_ready_file(ready_file, facts) if ready_file else None,
        ).run(sockets=[listener])
    finally:
        if ready_file is not None:
            ready_file.unlink(missing_ok=True)  # a launcher never mistakes it for this run's
        click.echo(_what_stopped(sandbox))
        sandbox.close()
        listener.close()


_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
_MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's default


def _pin_mmap_threshold() -> None:
    """Keep glibc's mmap threshold at its default, so that a large block freed goes back to the
    system. Left to itself, glibc raises the threshold to the size of the largest mmapped block
    freed (Pillow decodes an uploaded image into 16 MB blocks), and from then on blocks that
    size come from heaps that keep them: 32 concurrent 32 MB uploads left ~40 MB more resident
    (benchmarks/abuse.py). A no-op without glibc."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)


def _shown(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.effective_database_url).render_as_string(hide_password=True)


def _first_line(error: Exception) -> str:
    cause = getattr(error, "orig", None) or error
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__


def _what_stopped(sandbox: Sandbox) -> str:
    runs = sandbox.performance_tests.interrupted_at_stop
    pending = sandbox.store.notifications.count_pending()
    parts = [
        f"{runs} performance test(s) interrupted (they end FAIL)" if runs else "",
        f"{pending} notification(s) pending, sent when a sandbox on this database runs again"
        if pending
        else "",
    ]
    said = "; ".join(part for part in parts if part)
    return f"appstore-sandbox stopped{': ' + said if said else '.'}"


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def banner(sandbox: Sandbox, base: str) -> str:
    from sqlalchemy.engine import make_url

    from appstore_sandbox.sandbox import default_credentials

    settings = sandbox.settings
    lines = [
        f"appstore-sandbox {__version__}: Apple's App Store server, on your machine",
        "",
        f"  Sandbox base URL       {base}/sandbox",
        f"  Production base URL    {base}/production",
        f"  Control surface        {base}/_sandbox/v1   (OpenAPI: {base}/openapi.json)",
    ]
    credentials = default_credentials(sandbox)
    if credentials:
        lines += [
            "",
            f"  Bundle id              {credentials.bundle_id}"
            f"   (appAppleId {credentials.app_apple_id})",
            f"  Issuer id              {credentials.issuer_id}",
            f"  Key id                 {credentials.key_id}",
            f"  Key file               {_key_file_line(credentials.key_file)}",
            f"  originalTransactionId  {credentials.original_transaction_id}"
            "   (active sandbox subscription)",
        ]
    database = make_url(settings.effective_database_url).render_as_string(hide_password=True)
    lines += [
        f"  Root certificate       {sandbox.root_certificate_file.resolve()}",
        "",
        f"  Data dir               {settings.data_dir.resolve()}",
        f"  Database               {database}",
        f"  Rate limits            {'on (Apple)' if settings.rate_limits_enabled else 'off'}"
        f"   Strict {'on' if settings.strict else 'off'}   Review {settings.review}",
        "",
        f"Ready on {base}. Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def _key_file_line(path: Path) -> str:
    if path.exists():
        return str(path)
    # A database made before generated keys were kept in it (or a key registered elsewhere)
    # has no private key to write into this data dir.
    return (
        f"{path} is missing and this database has no copy of it; use the data dir that holds "
        "it, or make a key: appstore-sandbox keys create"
    )

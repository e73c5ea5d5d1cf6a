"""``appstore-sandbox example-server``: the example developer server, trusting a sandbox's root."""

from __future__ import annotations

import signal
from pathlib import Path
from urllib.parse import quote

import click
import uvicorn
from cryptography import x509

from appstore_sandbox.cli.client import DEFAULT_SERVER, SandboxClient
from appstore_sandbox.cli.errors import CliError
from appstore_sandbox.cli.sockets import listen
from appstore_sandbox.config import url_host
from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.example.server import (
    DEFAULT_MESSAGE_ID,
    ExampleOptions,
    build_example_app,
)

_LOOKUP_TIMEOUT_S = 10

ROOT_CERTIFICATE_PATH = "/_sandbox/v1/certificates/root"


def _read_root_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}") from error


def _checked_der(der: bytes, source: str) -> bytes:
    try:
        x509.load_der_x509_certificate(der)
    except ValueError as error:
        raise CliError(f"{source} is not a DER certificate") from error
    return der


def _root_certificate(client: SandboxClient, root_cert: Path | None) -> bytes:
    if root_cert is not None:
        return _checked_der(_read_root_file(root_cert), str(root_cert))
    response = client.request("GET", ROOT_CERTIFICATE_PATH)
    return _checked_der(response.content, f"the root certificate from {client.server}")


def _lookup_app_apple_id(client: SandboxClient, bundle_id: str) -> int | None:
    # Optional: without it the server still answers Sandbox calls, so any failure is ignored.
    try:
        app = client.json("GET", f"/_sandbox/v1/apps/{quote(bundle_id, safe='')}")
    except (CliError, ValueError):
        return None
    value = app.get("appAppleId") if isinstance(app, dict) else None
    return value if isinstance(value, int) else None


def banner(options: ExampleOptions, root_source: str, base: str) -> str:
    app_id = options.app_apple_id
    production = f"appAppleId {app_id}" if app_id is not None else "off (no appAppleId)"
    jitter = f" ± {options.jitter_ms:g}" if options.jitter_ms else ""
    return "\n".join(
        [
            "appstore-sandbox example server: a developer's retention endpoint",
            "",
            f"  Realtime URL       {base}/retention",
            f"  Notifications URL  {base}/notifications",
            f"  Bundle id          {options.bundle_id}   (Production: {production})",
            f"  Root certificate   {root_source}",
            f"  Answers            message {options.message_id}, after {options.delay_ms:g}"
            f"{jitter} ms, error rate {options.error_rate:g}",
            "",
            f"Example server ready on {base}",
        ]
    )


@click.command("example-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port; 0 picks a free one.")
@click.option(
    "--server",
    "--sandbox",  # its first name, kept for scripts that use it
    "sandbox_url",
    envvar="APPSTORE_SANDBOX_SERVER",
    default=DEFAULT_SERVER,
    show_default=True,
    help="Sandbox to download the root certificate (and appAppleId) from.",
)
@click.option(
    "--root-cert",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Root certificate (DER) to trust instead of downloading it.",
)
@click.option("--bundle-id", default=DEFAULT_BUNDLE_ID, show_default=True, help="Your bundle id.")
@click.option(
    "--app-apple-id",
    type=int,
    default=None,
    help="Your appAppleId; needed to accept Production calls (default: asked from the sandbox).",
)
@click.option(
    "--message-id", default=DEFAULT_MESSAGE_ID, show_default=True, help="Message id to answer."
)
@click.option("--delay-ms", type=click.FloatRange(min=0), default=0, help="Wait before answering.")
@click.option("--jitter-ms", type=click.FloatRange(min=0), default=0, help="± uniform jitter.")
@click.option(
    "--error-rate", type=click.FloatRange(0, 1), default=0, help="Fraction answered with HTTP 500."
)
@click.option("--quiet", is_flag=True, help="Do not print each call.")
def example_server(
    host: str,
    port: int,
    sandbox_url: str,
    root_cert: Path | None,
    bundle_id: str,
    app_apple_id: int | None,
    message_id: str,
    delay_ms: float,
    jitter_ms: float,
    error_rate: float,
    quiet: bool,
) -> None:
    """Run an example developer server that verifies and answers the sandbox's calls."""
    client = SandboxClient(sandbox_url, timeout=_LOOKUP_TIMEOUT_S)
    root = _root_certificate(client, root_cert)
    if app_apple_id is None:
        app_apple_id = _lookup_app_apple_id(client, bundle_id)
    options = ExampleOptions(
        root_certificates=[root],
        bundle_id=bundle_id,
        app_apple_id=app_apple_id,
        message_id=message_id,
        delay_ms=delay_ms,
        jitter_ms=jitter_ms,
        error_rate=error_rate,
        echo=None if quiet else click.echo,
    )
    listener = listen(host, port)
    try:
        base = f"http://{url_host(host)}:{listener.getsockname()[1]}"
        root_source = str(root_cert) if root_cert else f"{client.server}{ROOT_CERTIFICATE_PATH}"
        config = uvicorn.Config(
            build_example_app(options),
            log_level="warning",
            access_log=False,
            http="httptools",
            loop="uvloop",
            lifespan="off",
        )
        server = uvicorn.Server(config)

        def stop(signum: int, frame: object) -> None:
            # Exit 0 after uvicorn's graceful shutdown, not by SIGTERM or with click's
            # "Aborted!" on Ctrl-C. Set before the banner says it is ready: a signal before
            # uvicorn takes over asks the server to stop as soon as it has started, instead of
            # raising wherever the main thread happens to be.
            server.should_exit = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        click.echo(banner(options, root_source, base))
        server.run(sockets=[listener])
    finally:
        listener.close()

"""Control commands: apps, keys, purchases, certs. Each talks to a running sandbox over HTTP."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.dates import iso_utc
from appstore_sandbox.cli.errors import CliError
from appstore_sandbox.cli.options import Output, bundle_id_option, control_command
from appstore_sandbox.cli.perf_settings import settings_body, settings_options
from appstore_sandbox.environments import Environment
from appstore_sandbox.keyfiles import write_private_key

API = "/_sandbox/v1"


def _app_path(bundle_id: str, rest: str = "") -> str:
    return f"{API}/apps/{quote(bundle_id, safe='')}{rest}"


@click.group()
def apps() -> None:
    """Apps the sandbox knows (bundle id, appAppleId, products)."""


def _app_lines(app: dict[str, Any]) -> list[str]:
    products = ", ".join(p["productId"] for p in app["products"]) or "none"
    gate = "passed" if app["performanceTestPassed"] else "not passed"
    return [
        f"{app['bundleId']}  appAppleId {app['appAppleId']}  performance test {gate}",
        f"  products: {products}",
    ]


@apps.command("create")
@click.option("--bundle-id", required=True, help="Bundle id of the new app.")
@click.option("--app-apple-id", type=int, default=None, help="Apple ID (random if unset).")
@control_command
def apps_create(
    client: SandboxClient, out: Output, bundle_id: str, app_apple_id: int | None
) -> None:
    """Create an app with one auto-renewable subscription product."""
    app = client.json("POST", f"{API}/apps", {"bundleId": bundle_id, "appAppleId": app_apple_id})
    out.emit(app, _app_lines(app))


@apps.command("list")
@control_command
def apps_list(client: SandboxClient, out: Output) -> None:
    """List apps."""
    body = client.json("GET", f"{API}/apps")
    out.emit(body, [line for app in body["apps"] for line in _app_lines(app)])


@apps.command("set-performance-test")
@bundle_id_option
@click.option(
    "--passed/--not-passed", default=None, help="Open or close the production gate (one needed)."
)
@control_command
def apps_set_performance_test(
    client: SandboxClient, out: Output, bundle_id: str, passed: bool | None
) -> None:
    """Record that the app passed (or not) a performance test, which gates the production URL."""
    if passed is None:
        raise CliError("say which: --passed (opens the production URL) or --not-passed")
    app = client.json("PUT", _app_path(bundle_id, "/performance-test-passed"), {"passed": passed})
    out.emit(app, _app_lines(app))


@apps.command("delete")
@click.option("--bundle-id", required=True, help="The app to delete.")
@control_command
def apps_delete(client: SandboxClient, out: Output, bundle_id: str) -> None:
    """Delete an app with everything it owns (keys, purchases, messages, runs, notifications)."""
    client.request("DELETE", _app_path(bundle_id))
    out.emit({"bundleId": bundle_id, "deleted": True}, [f"deleted {bundle_id}"])


def _performance_test_lines(bundle_id: str, config: dict[str, Any]) -> list[str]:
    return [f"{bundle_id}  performance test settings"] + [
        f"  {name:<22} {value}" for name, value in config.items()
    ]


@apps.command("performance-test-config")
@bundle_id_option
@settings_options
@control_command
def apps_performance_test_config(
    client: SandboxClient, out: Output, bundle_id: str, **settings: Any
) -> None:
    """Show the settings the app's performance tests use; the options given change them.

    They apply to every later run, including those started through Apple's API.
    """
    path = _app_path(bundle_id, "/performance-test-config")
    body = settings_body(settings)
    config = client.json("PUT", path, body) if body else client.json("GET", path)
    out.emit(config, _performance_test_lines(bundle_id, config))


@apps.command("set-renewal-durations")
@bundle_id_option
@click.option(
    "--durations",
    type=click.Choice(["sandbox", "real"]),
    required=True,
    help="sandbox: Apple's sandbox periods (1 month = 5 minutes, 12 renewals); real: calendar "
    "periods without a renewal limit.",
)
@control_command
def apps_set_renewal_durations(
    client: SandboxClient, out: Output, bundle_id: str, durations: str
) -> None:
    """How long the app's subscription periods last, from each one's next period on."""
    body = client.json(
        "PUT", _app_path(bundle_id, "/subscription-settings"), {"renewalDurations": durations}
    )
    out.emit(body, [f"{bundle_id}  renewal durations {body['renewalDurations']}"])


@apps.command("set-bundle-version")
@bundle_id_option
@click.option("--version", "version", required=True, help="CFBundleVersion, e.g. 1.0 or 42.")
@control_command
def apps_set_bundle_version(
    client: SandboxClient, out: Output, bundle_id: str, version: str
) -> None:
    """The app's bundle version, sent as data.bundleVersion in every notification."""
    body = client.json(
        "PUT", _app_path(bundle_id, "/subscription-settings"), {"bundleVersion": version}
    )
    out.emit(body, [f"{bundle_id}  bundle version {body['bundleVersion']}"])


@apps.command("set-response-checks")
@bundle_id_option
@click.option(
    "--mode",
    type=click.Choice(["warn", "strict"]),
    required=True,
    help="warn: catalog problems are only reported; strict: they fail the request.",
)
@control_command
def apps_set_response_checks(client: SandboxClient, out: Output, bundle_id: str, mode: str) -> None:
    """Whether realtime responses that don't fit the catalog fail performance-test requests."""
    body = client.json("PUT", _app_path(bundle_id, "/response-checks"), {"mode": mode})
    out.emit(body, [f"{body['bundleId']}  response checks {body['mode']}"])


@apps.command("set-realtime-calls")
@bundle_id_option
@click.option(
    "--when",
    type=click.Choice(["always", "defaultMessage"]),
    required=True,
    help="always, or only when a default message exists for the product and locale (what "
    "RevenueCat reports Apple does; Apple's docs don't say).",
)
@control_command
def apps_set_realtime_calls(client: SandboxClient, out: Output, bundle_id: str, when: str) -> None:
    """When a simulated cancellation calls the app's realtime URL."""
    body = client.json("PUT", _app_path(bundle_id, "/realtime-calls"), {"realtimeCalls": when})
    out.emit(body, [f"{bundle_id}  realtime URL called: {body['realtimeCalls']}"])


ENVIRONMENTS = [environment.value for environment in Environment]


def _notification_url_lines(bundle_id: str, urls: dict[str, str]) -> list[str]:
    return [f"{bundle_id}  notification URLs (V2)"] + [
        f"  {environment:<10}  {urls.get(environment, 'not set')}" for environment in ENVIRONMENTS
    ]


@apps.command("set-notification-url")
@bundle_id_option
@click.option(
    "--environment",
    type=click.Choice(ENVIRONMENTS),
    default="sandbox",
    show_default=True,
    help="Which of the app's two URLs to set.",
)
@click.option("--url", default=None, help="Where this environment's notifications go.")
@click.option("--remove", is_flag=True, help="Remove the URL instead of setting one.")
@control_command
def apps_set_notification_url(
    client: SandboxClient,
    out: Output,
    bundle_id: str,
    environment: str,
    url: str | None,
    remove: bool,
) -> None:
    """Set (or --remove) the App Store Server Notifications V2 URL of one environment."""
    if (url is not None) == remove:
        raise click.UsageError("give exactly one of --url and --remove")
    path = _app_path(bundle_id, f"/notification-urls/{environment}")
    urls = client.json("PUT", path, {"url": url})
    out.emit(urls, _notification_url_lines(bundle_id, urls))


@click.group()
def keys() -> None:
    """In-App Purchase API keys that sign requests to the sandbox."""


def _key_lines(key: dict[str, Any]) -> list[str]:
    only = "  (this app only)" if key.get("onlyOwnApp") else ""
    return [f"{key['keyId']}  issuer {key['issuerId']}  app {key['bundleId']}{only}"]


@keys.command("create")
@bundle_id_option
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the .p8 here instead (default: the sandbox's data dir, "
    "DATA_DIR/keys/SubscriptionKey_<KEYID>.p8, beside the default key).",
)
@click.option(
    "--only-this-app",
    is_flag=True,
    help="Sign for this app only (by default a key signs for every app, as Apple's team keys).",
)
@control_command
def keys_create(
    client: SandboxClient, out: Output, bundle_id: str, out_file: Path | None, only_this_app: bool
) -> None:
    """Generate a key; its private half is written to a .p8 file. Like Apple's team keys, it
    signs for every app of the sandbox: the token's bid picks the app.

    The .p8 goes into the sandbox's data dir (where keys delete, apps delete and reset remove
    it), or to --out FILE."""
    if out_file is not None:
        _check_writable(out_file)
    body = {"onlyOwnApp": only_this_app, "writeKeyFile": out_file is None}
    key = client.json("POST", _app_path(bundle_id, "/keys"), body)
    pem = key.pop("privateKey")
    if out_file is not None:
        write_private_key(out_file, pem)
        key["privateKeyFile"] = str(out_file.resolve())
    written = f"private key written to {key['privateKeyFile']}"
    if not Path(key["privateKeyFile"]).is_file():  # the sandbox runs on another machine
        written += " on the sandbox's machine (--out FILE writes it here)"
    out.emit(key, [*_key_lines(key), written])


def _check_writable(out_file: Path) -> None:
    # Checked first: the private key exists only in the response and would be lost.
    if out_file.exists():
        raise CliError(f"{out_file} exists; choose another --out")
    if not os.access(out_file.resolve().parent, os.W_OK):
        raise CliError(f"cannot write the key file into {out_file.resolve().parent}")


@keys.command("add")
@bundle_id_option
@click.option("--issuer-id", required=True, help="Issuer id the tokens will carry in 'iss'.")
@click.option("--key-id", required=True, help="Key id the tokens will carry in 'kid'.")
@click.option(
    "--public-key",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="PEM file of the EC P-256 public key (a .p8 private key also works).",
)
@click.option(
    "--only-this-app",
    is_flag=True,
    help="Sign for this app only (by default: every app holding a key of the issuer).",
)
@control_command
def keys_add(
    client: SandboxClient,
    out: Output,
    bundle_id: str,
    issuer_id: str,
    key_id: str,
    public_key: Path,
    only_this_app: bool,
) -> None:
    """Register a key made elsewhere, for example your App Store Connect key. It signs for
    every app that holds a key of its issuer (the token's bid picks the app)."""
    body = {
        "issuerId": issuer_id,
        "publicKey": public_key.read_text(),
        "onlyOwnApp": only_this_app,
    }
    key = client.json("PUT", _app_path(bundle_id, f"/keys/{quote(key_id, safe='')}"), body)
    out.emit(key, _key_lines(key))


@keys.command("list")
@bundle_id_option
@control_command
def keys_list(client: SandboxClient, out: Output, bundle_id: str) -> None:
    """List an app's keys."""
    body = client.json("GET", _app_path(bundle_id, "/keys"))
    lines = [line for key in body["keys"] for line in _key_lines(key)]
    out.emit(
        body, lines or [f"no keys for {bundle_id}; make one with: appstore-sandbox keys create"]
    )


@keys.command("delete")
@bundle_id_option
@click.option("--key-id", required=True, help="The key to delete.")
@control_command
def keys_delete(client: SandboxClient, out: Output, bundle_id: str, key_id: str) -> None:
    """Delete a key: tokens it signs are refused (401) from then on."""
    client.request("DELETE", _app_path(bundle_id, f"/keys/{quote(key_id, safe='')}"))
    out.emit(
        {"bundleId": bundle_id, "keyId": key_id, "deleted": True},
        [f"deleted key {key_id} of {bundle_id}"],
    )


@click.group()
def purchases() -> None:
    """Sandbox purchases: the subscriptions a performance test can name."""


def _purchase_lines(purchase: dict[str, Any]) -> list[str]:
    shared = "  family-shared" if purchase["familyShared"] else ""
    renews = "renews" if purchase["autoRenew"] else "auto-renew off"
    return [
        f"{purchase['originalTransactionId']}  {purchase['productId']}  "
        f"{purchase['status']}{shared}  {renews}  expires {iso_utc(purchase['expiresDate'])}  "
        f"renewals {purchase['renewals']}"
    ]


@purchases.command("create")
@bundle_id_option
@click.option("--product-id", default=None, help="Product to buy (default: the app's first).")
@click.option("--family-shared", is_flag=True, help="Received through Family Sharing.")
@control_command
def purchases_create(
    client: SandboxClient,
    out: Output,
    bundle_id: str,
    product_id: str | None,
    family_shared: bool,
) -> None:
    """Buy an auto-renewable subscription in the sandbox."""
    body = {"productId": product_id, "familyShared": family_shared}
    purchase = client.json("POST", _app_path(bundle_id, "/purchases"), body)
    out.emit(purchase, _purchase_lines(purchase))


@purchases.command("renew")
@bundle_id_option
@click.option("--original-transaction-id", required=True, help="The subscription to renew.")
@control_command
def purchases_renew(
    client: SandboxClient, out: Output, bundle_id: str, original_transaction_id: str
) -> None:
    """Renew a subscription: it gets a new transactionId (not accepted by performance tests)."""
    path = _app_path(bundle_id, f"/purchases/{quote(original_transaction_id, safe='')}/renewals")
    purchase = client.json("POST", path)
    out.emit(
        purchase,
        [*_purchase_lines(purchase), f"  latest transactionId {purchase['transactionId']}"],
    )


@purchases.command("list")
@bundle_id_option
@control_command
def purchases_list(client: SandboxClient, out: Output, bundle_id: str) -> None:
    """List an app's sandbox purchases."""
    body = client.json("GET", _app_path(bundle_id, "/purchases"))
    out.emit(body, [line for p in body["purchases"] for line in _purchase_lines(p)])


@purchases.command("delete")
@bundle_id_option
@click.option("--original-transaction-id", required=True, help="The purchase to delete.")
@control_command
def purchases_delete(
    client: SandboxClient, out: Output, bundle_id: str, original_transaction_id: str
) -> None:
    """Delete a sandbox purchase."""
    path = _app_path(bundle_id, f"/purchases/{quote(original_transaction_id, safe='')}")
    client.request("DELETE", path)
    out.emit(
        {"bundleId": bundle_id, "originalTransactionId": original_transaction_id, "deleted": True},
        [f"deleted purchase {original_transaction_id} of {bundle_id}"],
    )


@click.group()
def certs() -> None:
    """The sandbox's signing certificates."""


@certs.command("root")
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the root certificate (DER).",
)
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@control_command
def certs_root(client: SandboxClient, out: Output, out_file: Path, force: bool) -> None:
    """Download the root certificate to give Apple's SignedDataVerifier."""
    if out_file.exists() and not force:
        raise CliError(f"{out_file} exists; pass --force to replace it")
    der = client.request("GET", f"{API}/certificates/root").content
    try:
        out_file.write_bytes(der)
    except OSError as error:
        raise CliError(f"cannot write {out_file}: {error.strerror or error}") from error
    out.emit(
        {"file": str(out_file.resolve()), "bytes": len(der)},
        [f"root certificate written to {out_file.resolve()} ({len(der)} bytes, DER)"],
    )

"""``appstore-sandbox env``: what the banner prints, as JSON, text or shell exports."""

from __future__ import annotations

import shlex

from tests.cli.running import run_cli
from tests.sandbox_process import SandboxProcess


def test_json_has_what_a_client_needs(sandbox: SandboxProcess) -> None:
    values = run_cli("env", "--json", server=sandbox.base_url).json()
    banner = sandbox.banner
    assert values == {
        "sandboxUrl": f"{sandbox.base_url}/sandbox",
        "productionUrl": f"{sandbox.base_url}/production",
        "controlUrl": f"{sandbox.base_url}/_sandbox/v1",
        "bundleId": banner["bundle_id"],
        "appAppleId": int(banner["app_apple_id"]),
        "issuerId": banner["issuer_id"],
        "keyId": banner["key_id"],
        "keyFile": banner["key_file"],
        "originalTransactionId": banner["original_transaction_id"],
        "rootCertificateFile": banner["root_certificate_file"],
    }


def test_shell_lines_export_every_value_quoted(sandbox: SandboxProcess) -> None:
    result = run_cli("env", "--shell", server=sandbox.base_url)
    assert result.returncode == 0, result.stderr
    exported = {}
    for line in result.stdout.splitlines():
        keyword, assignment = shlex.split(line)
        name, _, value = assignment.partition("=")
        assert keyword == "export"
        exported[name] = value
    assert exported["APPSTORE_SANDBOX_SERVER"] == sandbox.base_url
    assert exported["APPSTORE_SANDBOX_KEY_FILE"] == sandbox.banner["key_file"]
    assert exported["APPSTORE_SANDBOX_APP_APPLE_ID"] == sandbox.banner["app_apple_id"]
    assert len(exported) == 11


def test_no_server_is_a_one_line_error() -> None:
    result = run_cli("env", server="http://127.0.0.1:9")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_urls_are_the_listening_address_whatever_name_the_client_used(
    sandbox: SandboxProcess,
) -> None:
    by_name = sandbox.base_url.replace("127.0.0.1", "localhost")
    values = run_cli("env", "--json", server=by_name).json()
    assert values["sandboxUrl"] == f"{sandbox.base_url}/sandbox"
    assert values["controlUrl"] == f"{sandbox.base_url}/_sandbox/v1"

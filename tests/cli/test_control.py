"""``apps``, ``keys``, ``purchases``, ``certs`` and ``--admin-token`` against a running sandbox.

The commands run in this process (``tests.cli.running``); the entry point itself, as a real
``python -m appstore_sandbox`` process, is checked by the two tests that need no server.
"""

from __future__ import annotations

import json
import socket
import stat
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from appstoreserverlibrary.api_client import APIError, APIException
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.cli.running import assert_one_line_error, run_cli, run_cli_process, run_clis
from tests.conftest import StartSandbox
from tests.sandbox_process import AppCredentials, SandboxProcess

ADMIN_TOKEN = "s3cret"


def _bundle_id() -> str:
    return f"com.example.cli{uuid.uuid4().hex[:10]}"


def _create_app(sandbox: SandboxProcess, bundle_id: str) -> dict[str, Any]:
    with sandbox.control() as control:
        app: dict[str, Any] = (
            control.post("/apps", json={"bundleId": bundle_id}).raise_for_status().json()
        )
    return app


def _control_json(sandbox: SandboxProcess, path: str) -> Any:
    with sandbox.control() as control:
        return control.get(path).raise_for_status().json()


def _assert_authenticates(sandbox: SandboxProcess, app: AppCredentials) -> None:
    """Apple's client signs with ``app``; a 404 for the unconfigured URL means auth passed."""
    with pytest.raises(APIException) as raised:
        sandbox.apple_client(app).get_realtime_url()
    assert raised.value.http_status_code == 404
    assert raised.value.api_error == APIError.REALTIME_URL_NOT_FOUND


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# apps


def test_apps_create_then_list_and_duplicate_is_refused(sandbox: SandboxProcess) -> None:
    bundle_id = _bundle_id()
    created = run_cli(
        "apps",
        "create",
        "--bundle-id",
        bundle_id,
        "--app-apple-id",
        "987654321",
        "--json",
        server=sandbox.base_url,
    ).json()
    assert created["bundleId"] == bundle_id
    assert created["appAppleId"] == 987654321
    assert created["performanceTestPassed"] is False
    assert [p["productId"] for p in created["products"]] == [f"{bundle_id}.monthly"]
    assert created["products"][0]["type"] == "AUTO_RENEWABLE"

    listed, duplicate = run_clis(
        ["apps", "list", "--json"],
        ["apps", "create", "--bundle-id", bundle_id],
        server=sandbox.base_url,
    )
    by_bundle_id = {app["bundleId"]: app for app in listed.json()["apps"]}
    assert by_bundle_id[bundle_id] == created
    assert "com.example.app" in by_bundle_id

    assert_one_line_error(duplicate, contains=bundle_id)
    assert duplicate.stdout == ""


def test_apps_list_human_output_names_the_app(sandbox: SandboxProcess) -> None:
    bundle_id = _bundle_id()
    app = _create_app(sandbox, bundle_id)
    result = run_cli("apps", "list", server=sandbox.base_url)
    assert result.returncode == 0, result.stderr
    assert bundle_id in result.stdout
    assert str(app["appAppleId"]) in result.stdout
    assert f"{bundle_id}.monthly" in result.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)


def test_set_performance_test_opens_the_production_realtime_url(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    production = sandbox.apple_client(app, "production")
    request = RealtimeUrlRequest(realtimeURL="https://example.com/production")
    with pytest.raises(APIException) as raised:
        production.configure_realtime_url(request)
    assert raised.value.api_error == APIError.FORBIDDEN_NO_PASSING_TEST

    result = run_cli(
        "apps",
        "set-performance-test",
        "--bundle-id",
        app.bundle_id,
        "--passed",
        "--json",
        server=sandbox.base_url,
    ).json()
    assert result["performanceTestPassed"] is True
    assert isinstance(result["performanceTestPassedDate"], int)

    production.configure_realtime_url(request)
    assert production.get_realtime_url().realtimeURL == "https://example.com/production"


# keys


def test_keys_create_writes_a_working_private_key(sandbox: SandboxProcess, tmp_path: Path) -> None:
    bundle_id = _bundle_id()
    app = _create_app(sandbox, bundle_id)
    key_path = tmp_path / "my-key.p8"
    key = run_cli(
        "keys",
        "create",
        "--bundle-id",
        bundle_id,
        "--json",
        "--out",
        str(key_path),
        server=sandbox.base_url,
    ).json()

    assert key["bundleId"] == bundle_id
    assert key["issuerId"] == sandbox.banner["issuer_id"]
    assert key["keyId"].isalnum()
    assert key["privateKeyFile"] == str(key_path.resolve())
    assert "privateKey" not in key
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600

    _assert_authenticates(
        sandbox,
        AppCredentials(
            bundle_id, app["appAppleId"], key["keyId"], key["issuerId"], key_path.read_bytes()
        ),
    )
    keys = _control_json(sandbox, f"/apps/{bundle_id}/keys")["keys"]
    assert [k["keyId"] for k in keys] == [key["keyId"]]


def test_keys_create_writes_into_the_sandboxs_data_dir_not_the_current_directory(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    bundle_id = _bundle_id()
    _create_app(sandbox, bundle_id)
    result = run_cli(
        "keys", "create", "--bundle-id", bundle_id, server=sandbox.base_url, cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == [], "nothing lands in the current directory"
    [key_id] = [k["keyId"] for k in _control_json(sandbox, f"/apps/{bundle_id}/keys")["keys"]]
    expected = (sandbox.data_dir / "keys" / f"SubscriptionKey_{key_id}.p8").resolve()
    assert result.stdout.splitlines()[-1] == f"private key written to {expected}"
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600
    app = _control_json(sandbox, f"/apps/{bundle_id}")
    _assert_authenticates(
        sandbox,
        AppCredentials(
            bundle_id, app["appAppleId"], key_id, sandbox.banner["issuer_id"], expected.read_bytes()
        ),
    )
    # The sandbox's own file: deleting the key deletes it.
    deleted = run_cli("keys", "delete", "--bundle-id", bundle_id, "--key-id", key_id,
                      server=sandbox.base_url)  # fmt: skip
    assert deleted.returncode == 0, deleted.stderr
    assert not expected.exists()


def test_keys_create_json_names_the_file_and_keeps_the_private_key_out(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    bundle_id = _bundle_id()
    _create_app(sandbox, bundle_id)
    key = run_cli(
        "keys", "create", "--bundle-id", bundle_id, "--json", server=sandbox.base_url, cwd=tmp_path
    ).json()

    expected = sandbox.data_dir / "keys" / f"SubscriptionKey_{key['keyId']}.p8"
    assert key["privateKeyFile"] == str(expected.resolve())
    assert "privateKey" not in key
    assert expected.is_file() and list(tmp_path.iterdir()) == []
    # Other clients of the control route get no file unless they ask for it.
    with sandbox.control() as control:
        bare = control.post(f"/apps/{bundle_id}/keys", json={}).raise_for_status().json()
    assert bare["privateKeyFile"] is None
    assert not (sandbox.data_dir / "keys" / f"SubscriptionKey_{bare['keyId']}.p8").exists()
    private_key = serialization.load_pem_private_key(expected.read_bytes(), password=None)
    assert isinstance(private_key, ec.EllipticCurvePrivateKey)
    assert private_key.curve.name == "secp256r1"


def test_keys_add_registers_a_key_made_elsewhere(sandbox: SandboxProcess, tmp_path: Path) -> None:
    bundle_id = _bundle_id()
    app = _create_app(sandbox, bundle_id)
    private_key = ec.generate_private_key(ec.SECP256R1())
    public_pem = tmp_path / "public.pem"
    public_pem.write_bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    issuer_id = str(uuid.uuid4())
    key_id = uuid.uuid4().hex[:10].upper()
    add = [
        "keys",
        "add",
        "--bundle-id",
        bundle_id,
        "--issuer-id",
        issuer_id,
        "--key-id",
        key_id,
        "--public-key",
        str(public_pem),
    ]

    added = run_cli(*add, "--json", server=sandbox.base_url).json()
    assert (added["keyId"], added["issuerId"], added["bundleId"]) == (key_id, issuer_id, bundle_id)

    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _assert_authenticates(
        sandbox, AppCredentials(bundle_id, app["appAppleId"], key_id, issuer_id, private_pem)
    )

    assert_one_line_error(run_cli(*add, server=sandbox.base_url), contains=key_id)


# purchases


def test_purchases_create_and_list(sandbox: SandboxProcess) -> None:
    bundle_id = _bundle_id()
    _create_app(sandbox, bundle_id)
    unknown = run_cli(
        "purchases", "create", "--bundle-id", bundle_id, "--product-id", "com.example.yearly",
        server=sandbox.base_url,
    )  # fmt: skip
    assert unknown.returncode == 2
    assert unknown.stderr == (
        f"error: {bundle_id} has no product com.example.yearly; create it first with: "
        "appstore-sandbox products create --product-id com.example.yearly\n"
    )
    default_result, shared_result = run_clis(
        ["products", "create", "--bundle-id", bundle_id, "--product-id", "com.example.yearly",
         "--group", "main"],
        ["purchases", "create", "--bundle-id", bundle_id, "--json"],
        ["purchases", "create", "--bundle-id", bundle_id, "--product-id", "com.example.yearly",
         "--family-shared", "--json"],
        server=sandbox.base_url,
    )[1:]  # fmt: skip
    default, shared = default_result.json(), shared_result.json()

    for purchase in (default, shared):
        transaction_id = purchase["originalTransactionId"]
        assert len(transaction_id) == 16
        assert transaction_id.isdigit()
        assert transaction_id.startswith("2000000")
        assert purchase["bundleId"] == bundle_id
        assert purchase["status"] == "ACTIVE"
        assert purchase["environment"] == "Sandbox"
    assert (default["productId"], default["familyShared"]) == (f"{bundle_id}.monthly", False)
    assert (shared["productId"], shared["familyShared"]) == ("com.example.yearly", True)
    assert default["originalTransactionId"] != shared["originalTransactionId"]

    listed = run_cli(
        "purchases", "list", "--bundle-id", bundle_id, "--json", server=sandbox.base_url
    ).json()
    by_id = {p["originalTransactionId"]: p for p in listed["purchases"]}
    assert len(listed["purchases"]) == len(by_id) == 2
    assert by_id == {p["originalTransactionId"]: p for p in (default, shared)}
    # An unknown product id is registered as a product of the app.
    products = _control_json(sandbox, f"/apps/{bundle_id}")["products"]
    assert {p["productId"] for p in products} == {f"{bundle_id}.monthly", "com.example.yearly"}


# certs


def test_certs_root_writes_the_root_certificate(sandbox: SandboxProcess, tmp_path: Path) -> None:
    out = tmp_path / "root.cer"
    result = run_cli("certs", "root", "--out", str(out), "--json", server=sandbox.base_url).json()
    der = out.read_bytes()

    assert result == {"file": str(out.resolve()), "bytes": len(der)}
    assert der == httpx.get(sandbox.url("/_sandbox/v1/certificates/root")).content
    assert der == sandbox.root_der
    certificate = x509.load_der_x509_certificate(der)
    assert certificate.subject == certificate.issuer


# errors and help


def test_no_server_is_a_one_line_error(tmp_path: Path) -> None:
    server = f"http://127.0.0.1:{_free_port()}"
    result = run_cli_process("apps", "list", server=server, cwd=tmp_path)
    assert_one_line_error(result, contains=f"no sandbox server at {server}")


def test_a_server_without_a_scheme_is_taken_as_http(sandbox: SandboxProcess) -> None:
    bare = sandbox.base_url.removeprefix("http://")
    result = run_cli("apps", "list", "--json", server=bare)
    assert result.returncode == 0, result.stderr
    assert sandbox.default_app.bundle_id in [app["bundleId"] for app in result.json()["apps"]]


def test_help_lists_the_commands() -> None:
    result = run_cli_process("--help")
    assert result.returncode == 0, result.stderr
    commands_section = result.stdout.split("Commands:", 1)[1]
    commands = {line.split()[0] for line in commands_section.splitlines() if line.strip()}
    assert {"serve", "apps", "keys", "purchases", "certs"} <= commands


# admin token


@pytest.fixture(scope="module")
def locked(start_module_sandbox: StartSandbox) -> SandboxProcess:
    return start_module_sandbox("--admin-token", ADMIN_TOKEN)


def test_admin_token_locks_the_control_surface(locked: SandboxProcess) -> None:
    env_token = {"APPSTORE_SANDBOX_ADMIN_TOKEN": ADMIN_TOKEN}
    missing_call = run_cli("apps", "list", "--json", server=locked.base_url)
    flag_call = run_cli(
        "apps", "list", "--json", "--admin-token", ADMIN_TOKEN, server=locked.base_url
    )
    env_call = run_cli("purchases", "list", "--json", server=locked.base_url, env=env_token)

    assert_one_line_error(missing_call, contains="admin token")
    listed = flag_call.json()
    assert [app["bundleId"] for app in listed["apps"]] == ["com.example.app"]

    # The default app has exactly one purchase after the first start: the banner's.
    [purchase] = env_call.json()["purchases"]
    assert purchase["originalTransactionId"] == locked.banner["original_transaction_id"]
    assert (purchase["bundleId"], purchase["productId"], purchase["status"]) == (
        "com.example.app",
        "com.example.app.monthly",
        "ACTIVE",
    )


def test_admin_token_leaves_health_and_apple_surface_open(locked: SandboxProcess) -> None:
    health = httpx.get(locked.url("/_sandbox/v1/health"))
    assert health.status_code == 200
    assert health.json()["status"] == "ok"

    assert httpx.get(locked.url("/_sandbox/v1/apps")).status_code == 401
    wrong = httpx.get(locked.url("/_sandbox/v1/apps"), headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    authorized = httpx.get(
        locked.url("/_sandbox/v1/apps"), headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert authorized.status_code == 200

    # Apple's surface authenticates with the app's ES256 token, not the admin token.
    _assert_authenticates(locked, locked.default_app)

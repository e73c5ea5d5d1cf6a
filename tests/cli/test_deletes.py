"""``apps delete``, ``keys delete``, ``purchases delete``, ``products delete`` and
``apps performance-test-config`` against a running sandbox, checked through Apple's client."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from appstoreserverlibrary.api_client import APIError, APIException

from tests.cli.running import assert_one_line_error, run_cli
from tests.sandbox_process import AppCredentials, SandboxProcess


def _new_app(sandbox: SandboxProcess, tmp_path: Path) -> AppCredentials:
    """An app with a key made through the CLI, so its .p8 is a file of this test's."""
    bundle_id = f"com.example.del{uuid.uuid4().hex[:10]}"
    app = run_cli("apps", "create", "--bundle-id", bundle_id, "--json", server=sandbox.base_url)
    key_path = tmp_path / f"{bundle_id}.p8"
    key = run_cli(
        "keys",
        "create",
        "--bundle-id",
        bundle_id,
        "--out",
        str(key_path),
        "--json",
        server=sandbox.base_url,
    ).json()
    return AppCredentials(
        bundle_id, app.json()["appAppleId"], key["keyId"], key["issuerId"], key_path.read_bytes()
    )


def _status_through_apple_client(sandbox: SandboxProcess, app: AppCredentials) -> int:
    """404 (no realtime URL yet) means the token was accepted; 401 that it was refused."""
    with pytest.raises(APIException) as raised:
        sandbox.apple_client(app).get_realtime_url()
    return raised.value.http_status_code


def _control(sandbox: SandboxProcess, path: str) -> Any:
    with sandbox.control() as control:
        return control.get(path).raise_for_status().json()


def test_apps_delete_removes_the_app_and_its_keys_stop_working(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    app = _new_app(sandbox, tmp_path)
    assert _status_through_apple_client(sandbox, app) == 404

    deleted = run_cli(
        "apps", "delete", "--bundle-id", app.bundle_id, "--json", server=sandbox.base_url
    ).json()

    assert deleted == {"bundleId": app.bundle_id, "deleted": True}
    bundle_ids = [a["bundleId"] for a in _control(sandbox, "/apps")["apps"]]
    assert app.bundle_id not in bundle_ids
    assert _status_through_apple_client(sandbox, app) == 401
    again = run_cli("apps", "delete", "--bundle-id", app.bundle_id, server=sandbox.base_url)
    assert_one_line_error(again, contains=f"No app with bundle id {app.bundle_id}")


def test_keys_delete_refuses_that_key_and_leaves_the_others(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    app = _new_app(sandbox, tmp_path)
    other = _new_app(sandbox, tmp_path)

    result = run_cli(
        "keys",
        "delete",
        "--bundle-id",
        app.bundle_id,
        "--key-id",
        app.key_id,
        server=sandbox.base_url,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"deleted key {app.key_id} of {app.bundle_id}"
    assert _status_through_apple_client(sandbox, app) == 401
    assert _status_through_apple_client(sandbox, other) == 404
    assert _control(sandbox, f"/apps/{app.bundle_id}/keys")["keys"] == []
    # Another app's key is not this app's to delete.
    foreign = run_cli(
        "keys",
        "delete",
        "--bundle-id",
        app.bundle_id,
        "--key-id",
        other.key_id,
        server=sandbox.base_url,
    )
    assert_one_line_error(foreign, contains=f"{app.bundle_id} has no key {other.key_id}")
    assert _status_through_apple_client(sandbox, other) == 404


def test_products_delete_is_refused_while_purchased_then_takes_its_offers(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    app = _new_app(sandbox, tmp_path)
    product_id = f"{app.bundle_id}.yearly"
    server = sandbox.base_url
    for args in (
        ("products", "create", "--product-id", product_id, "--group", "pro"),
        ("offers", "create", "--product-id", product_id, "--offer-id", "winback"),
    ):
        assert run_cli(*args, "--bundle-id", app.bundle_id, server=server).returncode == 0
    purchase = run_cli(
        "purchases",
        "create",
        "--bundle-id",
        app.bundle_id,
        "--product-id",
        product_id,
        "--json",
        server=server,
    ).json()
    transaction_id = purchase["originalTransactionId"]
    delete_product = ("products", "delete", "--bundle-id", app.bundle_id, "--product-id")

    refused = run_cli(*delete_product, product_id, server=server)

    assert_one_line_error(
        refused, contains=f"purchases delete --original-transaction-id {transaction_id}"
    )
    deleted_purchase = run_cli(
        "purchases",
        "delete",
        "--bundle-id",
        app.bundle_id,
        "--original-transaction-id",
        transaction_id,
        server=server,
    )
    assert deleted_purchase.returncode == 0, deleted_purchase.stderr
    purchases = _control(sandbox, f"/apps/{app.bundle_id}/purchases")["purchases"]
    assert transaction_id not in [p["originalTransactionId"] for p in purchases]
    with pytest.raises(APIException) as raised:
        sandbox.apple_client(app).get_transaction_info(transaction_id)
    assert raised.value.api_error == APIError.TRANSACTION_ID_NOT_FOUND, "its transactions go too"

    deleted = run_cli(*delete_product, product_id, "--json", server=server).json()

    assert deleted["productId"] == product_id and deleted["deleted"] is True
    products = _control(sandbox, f"/apps/{app.bundle_id}/products")["products"]
    assert [p["productId"] for p in products] == [f"{app.bundle_id}.monthly"]
    assert _control(sandbox, f"/apps/{app.bundle_id}/offers")["offers"] == []
    gone = run_cli(*delete_product, product_id, server=server)
    assert_one_line_error(gone, contains=f"{app.bundle_id} has no product {product_id}")


def test_performance_test_config_shows_and_changes_the_apps_settings(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    app = _new_app(sandbox, tmp_path)
    command = ("apps", "performance-test-config", "--bundle-id", app.bundle_id)

    shown = run_cli(*command, "--json", server=sandbox.base_url).json()
    changed = run_cli(
        *command, "--total", "40", "--rate", "max", "--json", server=sandbox.base_url
    ).json()
    human = run_cli(*command, server=sandbox.base_url)
    refused = run_cli(*command, "--success-rate", "101", server=sandbox.base_url)

    assert shown == {
        "maxConcurrentRequests": 10,
        "totalRequests": 100,
        "totalDuration": 60000,
        "responseTimeThreshold": 700,
        "successRateThreshold": 95,
        "rate": "even",
    }
    assert changed == shown | {"totalRequests": 40, "rate": "max"}
    assert _control(sandbox, f"/apps/{app.bundle_id}/performance-test-config") == changed
    assert "  totalRequests          40" in human.stdout.splitlines()
    assert_one_line_error(refused, contains="successRateThreshold")

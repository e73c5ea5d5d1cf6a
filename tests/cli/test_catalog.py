"""``products``, ``offers`` and ``apps set-response-checks`` against a running sandbox."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from tests.cli.running import CliResult, assert_one_line_error, run_cli
from tests.sandbox_process import SandboxProcess


def cli_for(sandbox: SandboxProcess) -> Callable[..., CliResult]:
    return partial(run_cli, server=sandbox.base_url)


def test_products_in_groups_and_their_offers(sandbox: SandboxProcess) -> None:
    bundle_id = sandbox.new_app().bundle_id
    cli, app = cli_for(sandbox), ("--bundle-id", bundle_id)
    yearly = f"{bundle_id}.yearly"
    created = cli(
        "products", "create", *app, "--product-id", yearly, "--group", "Premium", "--period", "P1Y"
    )
    assert created.stdout.strip() == f"{yearly}  AUTO_RENEWABLE  group Premium  period P1Y"
    coins = cli(
        "products", "create", *app, "--product-id", "coins", "--type", "CONSUMABLE", "--json"
    )
    assert coins.json() == {
        "productId": "coins",
        "type": "CONSUMABLE",
        "subscriptionGroup": "",
        "subscriptionPeriod": None,
    }
    listed = cli("products", "list", *app, "--json").json()
    assert [p["productId"] for p in listed["products"]] == [f"{bundle_id}.monthly", yearly, "coins"]

    offer = cli("offers", "create", *app, "--product-id", yearly, "--offer-id", "winback")
    assert offer.stdout.strip() == f"winback  of {yearly}  PAY_AS_YOU_GO P1M at 4.99"
    trial = cli(
        "offers", "set-introductory", *app, "--product-id", yearly,
        "--discount-type", "FREE_TRIAL", "--period", "P1W",
    )  # fmt: skip
    assert trial.stdout.strip() == f"introductory offer of {yearly}  FREE_TRIAL P1W at 0.00"
    assert_one_line_error(
        cli("offers", "create", *app, "--product-id", "coins", "--offer-id", "x"),
        contains="not an auto-renewable subscription",
    )
    assert_one_line_error(
        cli("offers", "create", *app, "--product-id", yearly, "--offer-id", "winback"),
        contains="already exists",
    )
    everything = cli("offers", "list", *app, "--json").json()["offers"]
    assert [(o["productId"], o["offerId"]) for o in everything] == [(yearly, "winback")]
    monthly = cli("offers", "list", *app, "--product-id", f"{bundle_id}.monthly")
    assert monthly.stdout.strip() == "no offers"


def test_product_rules(sandbox: SandboxProcess) -> None:
    bundle_id = sandbox.new_app().bundle_id
    cli, app = cli_for(sandbox), ("--bundle-id", bundle_id)
    assert_one_line_error(
        cli("products", "create", *app, "--product-id", f"{bundle_id}.monthly", "--group", "G"),
        contains="already exists",
    )
    assert_one_line_error(
        cli("products", "create", *app, "--product-id", "has space", "--group", "G"),
        contains="productId must be",
    )
    missing_group = cli("products", "create", *app, "--product-id", "p")
    assert missing_group.returncode == 2 and "needs --group" in missing_group.stderr


def test_set_response_checks(sandbox: SandboxProcess) -> None:
    bundle_id, cli = sandbox.new_app().bundle_id, cli_for(sandbox)
    strict = cli("apps", "set-response-checks", "--bundle-id", bundle_id, "--mode", "strict")
    assert strict.stdout.strip() == f"{bundle_id}  response checks strict"
    with sandbox.control() as control:
        assert control.get(f"/apps/{bundle_id}/response-checks").json()["mode"] == "strict"
    bad = cli("apps", "set-response-checks", "--bundle-id", bundle_id, "--mode", "loud")
    assert bad.returncode == 2

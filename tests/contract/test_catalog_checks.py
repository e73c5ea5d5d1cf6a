"""Performance tests whose endpoint answers well-formed bodies that don't fit the app's catalog.

Offer signatures are made with Apple's own library (``PromotionalOfferV2SignatureCreator``,
``PromotionalOfferSignatureCreator``), as developers' servers make them. Each case is set up
through Apple's client and judged by the judge a run's engine builds (in this process, on the
server's database); a few whole runs show how judged replies land in the report.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from appstoreserverlibrary.api_client import AppStoreServerAPIClient
from appstoreserverlibrary.jws_signature_creator import PromotionalOfferV2SignatureCreator
from appstoreserverlibrary.models.ImageSize import ImageSize
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest
from appstoreserverlibrary.models.UploadMessageImage import UploadMessageImage
from appstoreserverlibrary.models.UploadMessageRequestBody import UploadMessageRequestBody
from appstoreserverlibrary.promotional_offer import PromotionalOfferSignatureCreator

from appstore_sandbox.environments import Environment
from appstore_sandbox.outbound.results import Attempt, HttpReply, SendAttemptResult
from appstore_sandbox.realtime.app_state import load_app_state
from appstore_sandbox.realtime.catalog_judge import CatalogJudge
from appstore_sandbox.realtime.payloads import Subscriber
from appstore_sandbox.realtime.response_rules import ResponseRules
from appstore_sandbox.store import Store
from tests import pngs
from tests.cli.running import run_cli
from tests.conftest import SandboxWith
from tests.json_targets import json_target
from tests.sandbox_process import AppCredentials, SandboxProcess

TOTAL = 10
QUICK = {"totalRequests": TOTAL, "rate": "max", "maxConcurrentRequests": 5}
OFFER = "winback_50"
DAY_MS = 24 * 3600 * 1000


@dataclass
class Shop:
    """An app with a purchase of ``<bundle>.monthly`` (group Premium) and one promotional offer."""

    sandbox: SandboxProcess
    app: AppCredentials
    client: AppStoreServerAPIClient
    transaction_id: str

    @property
    def bundle_id(self) -> str:
        return self.app.bundle_id

    @property
    def product_id(self) -> str:
        return f"{self.bundle_id}.monthly"

    def control(self, method: str, path: str, body: Any = None) -> Any:
        with self.sandbox.control() as control:
            response = control.request(method, f"/apps/{self.bundle_id}{path}", json=body)
            return response.raise_for_status().json()

    def message(self, image: bool = False) -> str:
        identifier = uuid.uuid4()
        picture = None
        if image:
            image_id = uuid.uuid4()
            self.client.upload_image(image_id, pngs.full_size(), ImageSize.FULL_SIZE)
            picture = UploadMessageImage(imageIdentifier=image_id, altText="A map")
        body = UploadMessageRequestBody(header="Before you go", body="Keep offline maps.")
        body.image = picture
        self.client.upload_message(identifier, body)
        return str(identifier)

    def product(self, suffix: str, group: str) -> str:
        product_id = f"{self.bundle_id}.{suffix}"
        self.control("POST", "/products", {"productId": product_id, "subscriptionGroup": group})
        return product_id

    def v2(self, transaction_id: str | None = None, offer: str = OFFER, key: Any = None) -> str:
        key = key or self.app
        creator = PromotionalOfferV2SignatureCreator(
            key.private_key, key.key_id, key.issuer_id, self.bundle_id
        )
        return creator.create_signature(
            self.product_id, offer, transaction_id or self.transaction_id
        )

    def v1(self, offer: str = OFFER, timestamp: int | None = None) -> dict[str, Any]:
        nonce, token = uuid.uuid4(), str(uuid.uuid4())
        timestamp = timestamp or int(time.time() * 1000)
        creator = PromotionalOfferSignatureCreator(
            self.app.private_key, self.app.key_id, self.bundle_id
        )
        encoded = creator.create_signature(self.product_id, offer, token, nonce, timestamp)
        return {
            "encodedSignature": encoded,
            "productId": self.product_id,
            "nonce": str(nonce),
            "timestamp": timestamp,
            "keyId": self.app.key_id,
            "offerIdentifier": offer,
            "appAccountToken": token,
        }

    def run(self, reply: dict[str, Any]) -> dict[str, Any]:
        """A performance test against an endpoint answering ``reply``; the sandbox's report."""
        with json_target(reply) as target:
            self.client.configure_realtime_url(RealtimeUrlRequest(realtimeURL=target.url))
            started = self.control("POST", "/performance-tests", {})
            return self.wait(started["requestId"])

    def wait(self, request_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            report: dict[str, Any] = self.control("GET", f"/performance-tests/{request_id}")
            if report["result"]["result"] != "PENDING":
                return report
            time.sleep(0.05)
        raise AssertionError(f"run {request_id} still PENDING")


def new_shop(sandbox: SandboxProcess) -> Shop:
    app = sandbox.new_app()
    with sandbox.control() as control:
        purchase = control.post(f"/apps/{app.bundle_id}/purchases", json={}).json()
        control.put(f"/apps/{app.bundle_id}/performance-test-config", json=QUICK)
    shop = Shop(sandbox, app, sandbox.apple_client(app), purchase["originalTransactionId"])
    shop.control("POST", f"/products/{shop.product_id}/offers", {"offerId": OFFER})
    return shop


def promotional_offer(shop: Shop, signature: str | dict[str, Any]) -> dict[str, Any]:
    version = "V2" if isinstance(signature, str) else "V1"
    field = f"promotionalOfferSignature{version}"
    return {"promotionalOffer": {"messageIdentifier": shop.message(), field: signature}}


def alternate(shop: Shop, product_id: str) -> dict[str, Any]:
    return {
        "alternateProduct": {
            "messageIdentifier": shop.message(),
            "productId": product_id,
            "billingPlanType": "MONTHLY",
        }
    }


Reply = Callable[[Shop], dict[str, Any]]

VALID: dict[str, Reply] = {
    "approved message": lambda shop: {"message": {"messageIdentifier": shop.message(True)}},
    "same-group product": lambda shop: alternate(shop, shop.product("yearly", "Premium")),
    "V2 signature": lambda shop: promotional_offer(shop, shop.v2()),
    "V1 signature": lambda shop: promotional_offer(shop, shop.v1()),
}


def _tampered_v1(shop: Shop) -> dict[str, Any]:
    shop.control("POST", f"/products/{shop.product_id}/offers", {"offerId": "other_offer"})
    return promotional_offer(shop, {**shop.v1(), "offerIdentifier": "other_offer"})


PROBLEMS: dict[str, tuple[Reply, str]] = {
    "missing message": (
        lambda shop: {"message": {"messageIdentifier": str(uuid.uuid4())}},
        "is not a message of",
    ),
    "product of another group": (
        lambda shop: alternate(shop, shop.product("family", "Family")),
        "is in subscription group 'Family', not 'Premium'",
    ),
    "V2 for another transaction": (
        lambda shop: promotional_offer(shop, shop.v2(transaction_id="2000000000000001")),
        "transactionId '2000000000000001' is not the request's originalTransactionId",
    ),
    "V2 for an unknown offer": (
        lambda shop: promotional_offer(shop, shop.v2(offer="no_such_offer")),
        "offerIdentifier 'no_such_offer' is not a promotional offer of",
    ),
    "V2 signed with another app's key": (
        lambda shop: promotional_offer(shop, shop.v2(key=shop.sandbox.new_app())),
        "is not a key registered for",
    ),
    "V1 tampered": (_tampered_v1, "encodedSignature does not verify with key"),
    "V1 older than a day": (
        lambda shop: promotional_offer(
            shop, shop.v1(timestamp=int(time.time() * 1000) - DAY_MS - 3_600_000)
        ),
        "a V1 signature is valid for 24 h",
    ),
    "offer message with an image": (
        lambda shop: {
            "promotionalOffer": {
                "messageIdentifier": shop.message(image=True),
                "promotionalOfferSignatureV2": shop.v2(),
            }
        },
        "promotionalOffer messages must be text only",
    ),
    "advancedCommerceInfo": (
        lambda shop: {
            "advancedCommerceInfo": {
                "messageIdentifier": shop.message(),
                "advancedCommerceData": "ZXlKaGJHY2lPaUpGVXpJMU5pSjk=",
            }
        },
        "only for Advanced Commerce API subscriptions",
    ),
}


def assert_problems(report: dict[str, Any], mode: str, contains: str) -> None:
    catalog = report["catalogProblems"]
    assert catalog["mode"] == mode
    assert catalog["count"] == TOTAL, catalog
    assert 1 <= len(catalog["examples"]) <= 5
    for example in catalog["examples"]:
        assert contains in example["problem"], example
        assert set(example) == {"sequence", "requestIdentifier", "problem"}


@pytest.fixture(scope="module")
def store(sandbox: SandboxProcess) -> Iterator[Store]:
    """The server's own database, read as a performance test's engine reads it."""
    with sandbox.store() as store:
        yield store


def judged(shop: Shop, store: Store, reply: dict[str, Any]) -> Attempt:
    """What a run started now would make of ``reply``: the judge its engine builds, in-process.

    The rules need no wire; the runs below show how a judged reply lands in the report.
    """
    app = store.app_by_bundle_id(shop.bundle_id)
    assert app is not None
    state = load_app_state(store, app, Environment.SANDBOX)
    subscriber = Subscriber(shop.transaction_id, app.app_apple_id, shop.product_id)
    judge = CatalogJudge(ResponseRules(state), subscriber, state.strict)
    return judge(HttpReply(200, "application/json", json.dumps(reply).encode()))


@pytest.mark.parametrize("reply", VALID.values(), ids=VALID.keys())
def test_responses_that_fit_the_catalog_have_no_problem(
    sandbox: SandboxProcess, store: Store, reply: Reply
) -> None:
    shop = new_shop(sandbox)
    shop.control("PUT", "/response-checks", {"mode": "strict"})
    attempt = judged(shop, store, reply(shop))
    assert attempt.result == SendAttemptResult.SUCCESS, attempt.explanation
    assert attempt.catalog_problem is None


@pytest.mark.parametrize(("reply", "contains"), PROBLEMS.values(), ids=PROBLEMS.keys())
def test_warn_mode_passes_and_lists_the_problem(
    sandbox: SandboxProcess, store: Store, reply: Reply, contains: str
) -> None:
    shop = new_shop(sandbox)
    attempt = judged(shop, store, reply(shop))
    assert attempt.result == SendAttemptResult.SUCCESS, "counted as delivered"
    assert attempt.catalog_problem is not None and contains in attempt.catalog_problem


@pytest.mark.parametrize(
    "case", ["missing message", "V2 for another transaction", "V1 tampered", "advancedCommerceInfo"]
)
def test_strict_mode_fails_with_invalid_response(
    sandbox: SandboxProcess, store: Store, case: str
) -> None:
    reply, contains = PROBLEMS[case]
    shop = new_shop(sandbox)
    assert shop.control("PUT", "/response-checks", {"mode": "strict"})["mode"] == "strict"
    attempt = judged(shop, store, reply(shop))
    assert attempt.result == SendAttemptResult.INVALID_RESPONSE
    assert contains in attempt.explanation
    assert attempt.catalog_problem is not None and contains in attempt.catalog_problem


# Whole runs: how judged replies show in the report.


def test_a_run_of_fitting_responses_has_no_problem(sandbox: SandboxProcess) -> None:
    shop = new_shop(sandbox)
    shop.control("PUT", "/response-checks", {"mode": "strict"})
    report = shop.run(VALID["V2 signature"](shop))
    assert report["result"]["result"] == "PASS", report["examples"]
    assert report["catalogProblems"] == {"mode": "strict", "count": 0, "examples": []}


def test_a_warn_mode_run_passes_and_lists_the_problem(sandbox: SandboxProcess) -> None:
    reply, contains = PROBLEMS["V2 for another transaction"]
    shop = new_shop(sandbox)
    report = shop.run(reply(shop))
    assert report["result"]["result"] == "PASS"
    # The endpoint answers at once from memory, far within the 700 ms threshold: every request
    # succeeds whatever the machine's load, so 100 shows no problem was counted as a failure.
    assert report["result"]["successRate"] == 100
    assert report["result"]["failures"] == {}
    assert_problems(report, "warn", contains)
    requests = shop.control("GET", f"/performance-tests/{report['requestId']}/requests")
    assert all(r["sendAttemptResult"] == "SUCCESS" for r in requests["requests"])
    assert all(r["explanation"].startswith("catalog problem: ") for r in requests["requests"])


def test_a_strict_mode_run_fails_with_invalid_response(sandbox: SandboxProcess) -> None:
    reply, contains = PROBLEMS["V1 tampered"]
    shop = new_shop(sandbox)
    assert shop.control("PUT", "/response-checks", {"mode": "strict"})["mode"] == "strict"
    report = shop.run(reply(shop))
    assert report["result"]["result"] == "FAIL"
    assert report["result"]["failures"] == {"INVALID_RESPONSE": TOTAL}
    for example in report["examples"]["INVALID_RESPONSE"]:
        assert contains in example["explanation"]
    assert_problems(report, "strict", contains)


@pytest.fixture(scope="module")
def manual_review(sandbox_with: SandboxWith) -> SandboxProcess:
    return sandbox_with("--review", "manual")


def test_pending_message_until_approved(manual_review: SandboxProcess) -> None:
    shop = new_shop(manual_review)
    message = shop.message()
    reply = {"message": {"messageIdentifier": message}}
    with manual_review.store() as store:
        warned = judged(shop, store, reply)
        assert warned.result == SendAttemptResult.SUCCESS
        assert warned.catalog_problem == f"message {message} is PENDING; only APPROVED is shown"
        shop.control("PUT", "/response-checks", {"mode": "strict"})
        failed = judged(shop, store, reply)
        assert failed.result == SendAttemptResult.INVALID_RESPONSE
        assert "is PENDING; only APPROVED is shown" in failed.explanation
        shop.control("POST", f"/review/sandbox/{message}/approve")
        approved = judged(shop, store, reply)
    assert approved.result == SendAttemptResult.SUCCESS and approved.catalog_problem is None


def test_the_cli_report_has_a_catalog_section(sandbox: SandboxProcess) -> None:
    shop = new_shop(sandbox)
    missing = str(uuid.uuid4())
    with json_target({"message": {"messageIdentifier": missing}}) as target:
        result = run_cli(
            "perf-test", "--bundle-id", shop.bundle_id, "--url", target.url,
            server=sandbox.base_url,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"Catalog problems  {TOTAL} (warn mode: not counted as failures)" in result.stdout
    assert f"messageIdentifier {missing} is not a message of" in result.stdout
    assert "set-response-checks --mode strict" in result.stdout


def test_response_check_mode_is_validated(sandbox: SandboxProcess) -> None:
    shop = new_shop(sandbox)
    assert shop.control("GET", "/response-checks") == {"mode": "warn", "bundleId": shop.bundle_id}
    with sandbox.control() as control:
        response = control.put(f"/apps/{shop.bundle_id}/response-checks", json={"mode": "loud"})
    assert response.status_code == 400
    assert "mode" in response.text

"""``appstore-sandbox simulate-cancel`` against a real sandbox and endpoint."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from appstoreserverlibrary.api_client import AppStoreServerAPIClient
from appstoreserverlibrary.jws_signature_creator import PromotionalOfferV2SignatureCreator
from appstoreserverlibrary.models.BulletPoint import BulletPoint
from appstoreserverlibrary.models.DefaultConfigurationRequest import DefaultConfigurationRequest
from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.models.HeaderPosition import HeaderPosition
from appstoreserverlibrary.models.ImageSize import ImageSize
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest
from appstoreserverlibrary.models.UploadMessageImage import UploadMessageImage
from appstoreserverlibrary.models.UploadMessageRequestBody import UploadMessageRequestBody
from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier

from tests import pngs
from tests.cli.running import CliResult, assert_one_line_error, run_cli
from tests.conftest import SandboxWith
from tests.json_targets import JsonTarget, json_target
from tests.sandbox_process import AppCredentials, SandboxProcess


@dataclass
class Customer:
    """An app with one subscriber of ``<bundle>.monthly``."""

    sandbox: SandboxProcess
    app: AppCredentials
    transaction_id: str

    @property
    def product_id(self) -> str:
        return f"{self.app.bundle_id}.monthly"

    def client(self, environment: str = "sandbox") -> AppStoreServerAPIClient:
        return self.sandbox.apple_client(self.app, environment)

    def message(self, fancy: bool = False, environment: str = "sandbox") -> str:
        client, identifier = self.client(environment), uuid.uuid4()
        body = UploadMessageRequestBody(header="Before you go", body="Offline maps stay yours.")
        if fancy:
            image, bullet = uuid.uuid4(), uuid.uuid4()
            client.upload_image(image, pngs.full_size(), ImageSize.FULL_SIZE)
            client.upload_image(bullet, pngs.bullet_point(), ImageSize.BULLET_POINT)
            body.image = UploadMessageImage(imageIdentifier=image, altText="A city map")
            body.bulletPoints = [
                BulletPoint(text="Maps offline", imageIdentifier=bullet, altText="Pin")
            ]
            body.headerPosition = HeaderPosition.ABOVE_IMAGE
        client.upload_message(identifier, body)
        return str(identifier)

    def default(self, message: str) -> None:
        request = DefaultConfigurationRequest(messageIdentifier=uuid.UUID(message))
        self.client().configure_default_message(self.product_id, "en-US", request)

    def simulate(
        self, reply: Any = None, *args: str, **target: Any
    ) -> tuple[CliResult, JsonTarget]:
        """simulate-cancel against an endpoint answering ``reply`` (no realtime URL if None)."""
        if reply is None:
            return self.cli(*args), JsonTarget("")
        with json_target(reply, **target) as endpoint:
            self.client().configure_realtime_url(RealtimeUrlRequest(realtimeURL=endpoint.url))
            return self.cli(*args), endpoint

    def cli(self, *args: str) -> CliResult:
        command = ("simulate-cancel", "--bundle-id", self.app.bundle_id, *args)
        return run_cli(*command, server=self.sandbox.base_url)


def new_customer(sandbox: SandboxProcess) -> Customer:
    app = sandbox.new_app()
    with sandbox.control() as control:
        purchase = control.post(f"/apps/{app.bundle_id}/purchases", json={}).json()
    return Customer(sandbox, app, purchase["originalTransactionId"])


def message_reply(identifier: str) -> dict[str, Any]:
    return {"message": {"messageIdentifier": identifier}}


def test_realtime_message_is_rendered(sandbox: SandboxProcess) -> None:
    customer = new_customer(sandbox)
    message = customer.message(fancy=True)
    result, endpoint = customer.simulate(message_reply(message))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Customer sees: your realtime endpoint's message"
    header = lines.index("  header   Before you go")
    assert lines[header + 1].startswith("  image    ")  # ABOVE_IMAGE: the header comes first
    assert "alt 'A city map'" in lines[header + 1]
    assert lines[header + 2] == "  body     Offline maps stay yours."
    assert lines[header + 3].startswith("  •        Maps offline  (image ")
    assert "alt 'Pin'" in lines[header + 3]
    assert f"[message {message}, header ABOVE_IMAGE]" in result.stdout
    assert "HTTP 200" in result.stdout and "SUCCESS" in result.stdout
    verifier = SignedDataVerifier(
        [sandbox.root_der], False, Environment.SANDBOX, customer.app.bundle_id, None
    )
    [received] = endpoint.received
    request = verifier.verify_and_decode_realtime_request(received["signedPayload"])
    assert request.originalTransactionId == customer.transaction_id
    assert request.productId == customer.product_id
    assert request.userLocale == "en-US"


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ({"delay_s": 1.0}, "because late: TIMED_OUT (no complete response within 700 ms)"),
        (
            {"status": 500},
            "because failed with sendAttemptResult UNSUCCESSFUL_HTTP_RESPONSE_CODE: HTTP 500",
        ),
    ],
    ids=["timed out", "HTTP 500"],
)
def test_default_message_when_the_endpoint_fails(
    sandbox: SandboxProcess, target: dict[str, Any], reason: str
) -> None:
    customer = new_customer(sandbox)
    default = customer.message()
    customer.default(default)
    result, _ = customer.simulate(message_reply(customer.message(fancy=True)), **target)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Customer sees: the default message for {customer.product_id} in en-US"
    assert lines[1].startswith(f"  {reason}")
    assert f"[message {default}, header ABOVE_BODY]" in result.stdout


def test_default_message_when_the_message_does_not_exist(sandbox: SandboxProcess) -> None:
    customer = new_customer(sandbox)
    customer.default(customer.message())
    missing = str(uuid.uuid4())
    result, _ = customer.simulate(message_reply(missing))
    assert result.returncode == 0, result.stderr
    assert "Customer sees: the default message" in result.stdout
    assert (
        f"because not approved / catalog problem: message.messageIdentifier {missing} is not a "
        "message of" in result.stdout
    )


def test_default_message_when_the_message_is_pending(sandbox_with: SandboxWith) -> None:
    sandbox = sandbox_with("--review", "manual")
    customer = new_customer(sandbox)
    default, pending = customer.message(), customer.message()
    with sandbox.control() as control:
        path = f"/apps/{customer.app.bundle_id}/review/sandbox/{default}/approve"
        control.post(path).raise_for_status()
    customer.default(default)
    # warn mode (the default) only concerns performance tests: the customer never sees it.
    result, _ = customer.simulate(message_reply(pending))
    assert result.returncode == 0, result.stderr
    assert "Customer sees: the default message" in result.stdout
    assert f"catalog problem: message {pending} is PENDING; only APPROVED is shown" in result.stdout
    # The attempt is labelled as a performance test in warn mode labels it: a success with a
    # catalog problem, not INVALID_RESPONSE.
    shown, _ = customer.simulate(message_reply(pending), "--json")
    attempt = json.loads(shown.stdout)["attempt"]
    assert attempt["sendAttemptResult"] == "SUCCESS"


def test_standard_sheet_without_realtime_url_or_default(sandbox: SandboxProcess) -> None:
    customer = new_customer(sandbox)
    result, _ = customer.simulate(None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "Customer sees: Apple's standard cancellation sheet (no retention message)",
        "  because no sandbox realtime URL is configured; no default message for "
        f"{customer.product_id} in en-US",
    ]
    assert "not sent" in result.stdout


def test_realtime_is_called_only_with_a_default_message_when_the_app_says_so(
    sandbox: SandboxProcess,
) -> None:
    customer = new_customer(sandbox)
    set_calls = run_cli(
        "apps", "set-realtime-calls", "--bundle-id", customer.app.bundle_id,
        "--when", "defaultMessage", server=sandbox.base_url,
    )  # fmt: skip
    assert (
        set_calls.stdout.strip() == f"{customer.app.bundle_id}  realtime URL called: defaultMessage"
    )
    skipped, endpoint = customer.simulate(message_reply(customer.message()))
    customer.default(customer.message())
    called, called_endpoint = customer.simulate(message_reply(customer.message()))

    assert skipped.stdout.splitlines()[:2] == [
        "Customer sees: Apple's standard cancellation sheet (no retention message)",
        f"  because no default message for {customer.product_id} in en-US, and this app's "
        "realtime URL is called only when one exists (apps set-realtime-calls); no default "
        f"message for {customer.product_id} in en-US",
    ]
    assert endpoint.received == [] and len(called_endpoint.received) == 1
    assert called.stdout.startswith("Customer sees: your realtime endpoint's message")


def test_json_shows_the_offer_the_attempt_and_the_request(sandbox: SandboxProcess) -> None:
    customer = new_customer(sandbox)
    app = customer.app
    with sandbox.control() as control:
        path = f"/apps/{app.bundle_id}/products/{customer.product_id}/offers"
        control.post(path, json={"offerId": "winback"}).raise_for_status()
    signature = PromotionalOfferV2SignatureCreator(
        app.private_key, app.key_id, app.issuer_id, app.bundle_id
    ).create_signature(customer.product_id, "winback", customer.transaction_id)
    message = customer.message()
    reply = {
        "promotionalOffer": {"messageIdentifier": message, "promotionalOfferSignatureV2": signature}
    }
    result, _ = customer.simulate(reply, "--json")
    body = json.loads(result.stdout)
    assert set(body) == {"outcome", "reason", "message", "attempt", "request", "then"}
    assert body["then"] is None, "without --then the customer only looked"
    assert body["outcome"] == "realtime"
    assert body["message"]["type"] == "promotionalOffer"
    assert body["message"]["messageIdentifier"] == message
    assert body["message"]["promotionalOffer"] == {
        "productId": customer.product_id,
        "offerIdentifier": "winback",
        "signature": "V2",
    }
    attempt = body["attempt"]
    assert attempt["sendAttemptResult"] == "SUCCESS" and attempt["httpStatus"] == 200
    assert attempt["latencyMs"] > 0 and attempt["explanation"] == ""
    assert body["request"]["originalTransactionId"] == customer.transaction_id
    assert body["request"]["environment"] == "Sandbox"
    assert body["request"]["appAppleId"] == app.app_apple_id


def test_production_uses_production_content(sandbox: SandboxProcess) -> None:
    customer = new_customer(sandbox)
    with sandbox.control() as control:
        control.put(
            f"/apps/{customer.app.bundle_id}/performance-test-passed", json={"passed": True}
        ).raise_for_status()
    sandbox_only = customer.message()
    with json_target(message_reply(sandbox_only)) as endpoint:
        customer.client("production").configure_realtime_url(
            RealtimeUrlRequest(realtimeURL=endpoint.url)
        )
        result = customer.cli("--environment", "production", "--json")
    body = result.json()
    assert body["outcome"] == "standard"
    assert "is not a message of" in body["reason"]
    assert "in the production environment" in body["reason"]
    assert body["request"]["environment"] == "Production"


@pytest.mark.parametrize(
    ("args", "contains"),
    [
        (("--product-id", "no.such.product"), "has no product no.such.product"),
        (("--locale", "en-us"), "did you mean en-US?"),
        (("--transaction-id", "2000000000000009"), "is not a purchase of"),
    ],
)
def test_bad_input_exits_2(sandbox: SandboxProcess, args: tuple[str, ...], contains: str) -> None:
    customer = new_customer(sandbox)
    assert_one_line_error(customer.cli(*args), contains=contains)

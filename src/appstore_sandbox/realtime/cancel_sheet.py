"""The message on the Confirm Cancellation sheet, as JSON: from a realtime answer or a default."""

from __future__ import annotations

from typing import Any

import jwt

from appstore_sandbox.realtime.app_state import AppState
from appstore_sandbox.realtime.payloads import Subscriber
from appstore_sandbox.realtime.response_check import RESPONSE_FIELDS
from appstore_sandbox.realtime.response_rules import ResponseRules
from appstore_sandbox.store.records import RetentionMessage


def realtime_message(document: dict[str, Any], state: AppState) -> dict[str, Any]:
    """The message a response that passed every rule names, with its product or offer."""
    kind = next(field for field in RESPONSE_FIELDS if field in document)
    value = document[kind]
    shown = message_json(state.messages[value["messageIdentifier"].lower()], "realtime", kind)
    if kind == "alternateProduct":
        shown["alternateProduct"] = {
            "productId": value["productId"],
            "billingPlanType": value.get("billingPlanType"),
        }
    elif kind == "promotionalOffer":
        shown["promotionalOffer"] = _offer_json(value)
    return shown


def default_message(
    identifier: str | None, rules: ResponseRules, subscriber: Subscriber
) -> tuple[dict[str, Any] | None, str]:
    """The default message for the subscriber's product and locale, or why there is none."""
    where = f"{subscriber.product_id} in {subscriber.user_locale}"
    if identifier is None:
        return None, f"no default message for {where}"
    problems = rules.message_problems("default message", identifier, text_only=False)
    if problems:
        return None, f"the default message for {where} can't be shown: {'; '.join(problems)}"
    return message_json(rules.state.messages[identifier], "default", "message"), ""


def message_json(message: RetentionMessage, source: str, kind: str) -> dict[str, Any]:
    image = None
    if message.image_identifier:
        image = {"imageIdentifier": message.image_identifier, "altText": message.image_alt_text}
    return {
        "source": source,
        "type": kind,
        "messageIdentifier": message.message_identifier,
        "header": message.header,
        "body": message.body,
        "headerPosition": message.header_position,
        "image": image,
        "bulletPoints": [
            {"text": b.text, "imageIdentifier": b.image_identifier, "altText": b.alt_text}
            for b in message.bullets
        ],
        "alternateProduct": None,
        "promotionalOffer": None,
    }


def _offer_json(value: dict[str, Any]) -> dict[str, Any]:
    token = value.get("promotionalOfferSignatureV2")
    if token is not None:
        # Already verified by the judge; only its claims are read here.
        claims = jwt.decode(token, options={"verify_signature": False})
        return {
            "productId": claims["productId"],
            "offerIdentifier": claims["offerIdentifier"],
            "signature": "V2",
        }
    v1 = value["promotionalOfferSignatureV1"]
    return {
        "productId": v1["productId"],
        "offerIdentifier": v1["offerIdentifier"],
        "signature": "V1",
    }

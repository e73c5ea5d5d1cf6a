"""Does a well-formed RealtimeResponseBody fit the app? (spec: realtime-endpoint.md, rules 4-5)

``perftest/response_check.py`` judges the structure; these rules judge the content against a
snapshot of the app's state: the message exists in the request's environment and is APPROVED
(its image and bullet-point images too), switch-plan and offer messages carry no image, the
alternate product is an auto-renewable subscription of the same group, a promotional offer is
configured and its signature verifies, and ``advancedCommerceInfo`` is refused (the sandbox has
no Advanced Commerce subscriptions).

Unconfirmed at Apple and chosen here: bullet-point images must be APPROVED too; switch-plan and
offer messages may not have bullet points either (their images would be shown); a promotional
offer may belong to any subscription of the current product's group ("same or different tier").
"""

from __future__ import annotations

from typing import Any

from appstore_sandbox.catalog.products import AUTO_RENEWABLE
from appstore_sandbox.realtime.app_state import AppState
from appstore_sandbox.realtime.offer_signatures import OfferSignatures, SignedOffer
from appstore_sandbox.realtime.payloads import Subscriber
from appstore_sandbox.realtime.response_check import RESPONSE_FIELDS

# The stored messageState / imageState of content the review approved (Apple's ReviewState).
_APPROVED = "APPROVED"


class ResponseRules:
    """The catalog rules over one snapshot; keeps verified offer signatures between calls."""

    def __init__(self, state: AppState, signatures: OfferSignatures | None = None) -> None:
        self.state = state
        self._signatures = signatures or OfferSignatures(state)

    def problems(self, document: dict[str, Any], subscriber: Subscriber) -> list[str]:
        """What keeps ``document`` (a well-formed RealtimeResponseBody) from being shown."""
        name = next(field for field in RESPONSE_FIELDS if field in document)
        value: dict[str, Any] = document[name]
        text_only = name in ("alternateProduct", "promotionalOffer")
        problems = self.message_problems(name, value["messageIdentifier"], text_only)
        if name == "alternateProduct":
            problems += self._product_problems(f"{name}.productId", value["productId"], subscriber)
        elif name == "promotionalOffer":
            problems += self._offer_problems(value, subscriber)
        elif name == "advancedCommerceInfo":
            problems.append(
                f"advancedCommerceInfo is only for Advanced Commerce API subscriptions and "
                f"{subscriber.product_id} is not one (the sandbox has none): Apple ignores it"
            )
        return problems

    def message_problems(self, name: str, identifier: str, text_only: bool) -> list[str]:
        """Why the message can't be shown: missing, not APPROVED, an image where none may be."""
        state = self.state
        message = state.messages.get(identifier.lower())
        if message is None:
            return [
                f"{name}.messageIdentifier {identifier} is not a message of {state.bundle_id} "
                f"in the {state.environment.value} environment"
            ]
        problems = []
        if message.state != _APPROVED:
            problems.append(f"message {identifier} is {message.state}; only APPROVED is shown")
        if text_only and message.image_identifiers:
            problems.append(
                f"message {identifier} has an image or bullet points; {name} messages must be "
                "text only"
            )
            return problems
        for image in message.image_identifiers:
            image_state = state.image_states.get(image, "missing")
            if image_state != _APPROVED:
                problems.append(f"image {image} of message {identifier} is {image_state}")
        return problems

    def _product_problems(self, field: str, product_id: str, subscriber: Subscriber) -> list[str]:
        products = self.state.products
        offered, current = products.get(product_id), products.get(subscriber.product_id)
        if offered is None:
            return [f"{field} {product_id} is not a product of {self.state.bundle_id}"]
        if offered.type != AUTO_RENEWABLE:
            return [f"{field} {product_id} is not an auto-renewable subscription"]
        if current is None or current.subscription_group != offered.subscription_group:
            group = current.subscription_group if current else "none"
            return [
                f"{field} {product_id} is in subscription group "
                f"{offered.subscription_group!r}, not {group!r} like the customer's "
                f"{subscriber.product_id}"
            ]
        return []

    def _offer_problems(self, value: dict[str, Any], subscriber: Subscriber) -> list[str]:
        token = value.get("promotionalOfferSignatureV2")
        offer: SignedOffer | None
        if token is not None:
            offer, problems = self._signatures.v2(token, subscriber.original_transaction_id)
        else:
            offer, problems = self._signatures.v1(value["promotionalOfferSignatureV1"])
        if offer is None:
            return problems
        field = "promotionalOffer productId"
        catalog = self._product_problems(field, offer.product_id, subscriber)
        if not catalog and offer.offer_id not in self.state.offers.get(offer.product_id, ()):
            catalog = [
                f"promotionalOffer offerIdentifier {offer.offer_id!r} is not a promotional offer "
                f"of {offer.product_id} (see: appstore-sandbox offers list)"
            ]
        return problems + catalog

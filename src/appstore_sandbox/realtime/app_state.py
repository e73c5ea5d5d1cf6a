"""A read-only snapshot of what judging a realtime response needs, loaded once per run.

The performance test judges every reply on its engine's hot path: it must not touch the
database there, so messages, images, products, offers, keys and the response-check mode are
read once when the run starts and consulted from memory. The sandbox reads them and hands them
to the engine process as JSON, so that process never loads the database layer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from appstore_sandbox.catalog.products import ResponseCheckMode, response_check_mode
from appstore_sandbox.environments import Environment
from appstore_sandbox.store.records import App, MessageBullet, Product, RetentionMessage

if TYPE_CHECKING:
    from appstore_sandbox.store import Store


@dataclass(frozen=True)
class SigningKey:
    """An In-App Purchase key registered for the app: what verifies offer signatures."""

    key_id: str
    issuer_id: str
    public_key: ec.EllipticCurvePublicKey


@dataclass(frozen=True)
class AppState:
    bundle_id: str
    environment: Environment
    messages: Mapping[str, RetentionMessage]
    image_states: Mapping[str, str]
    products: Mapping[str, Product]
    offers: Mapping[str, frozenset[str]]  # productId -> its promotional offer ids
    keys: Mapping[str, SigningKey]
    mode: ResponseCheckMode

    @property
    def strict(self) -> bool:
        return self.mode == "strict"

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle_id": self.bundle_id,
            "environment": self.environment.value,
            "messages": [asdict(message) for message in self.messages.values()],
            "image_states": dict(self.image_states),
            "products": [asdict(product) for product in self.products.values()],
            "offers": {product: sorted(ids) for product, ids in self.offers.items()},
            "keys": [
                {
                    "key_id": key.key_id,
                    "issuer_id": key.issuer_id,
                    "public_key_pem": key.public_key.public_bytes(
                        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
                    ).decode(),
                }
                for key in self.keys.values()
            ],
            "mode": self.mode,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AppState:
        messages = [
            RetentionMessage(
                **{**item, "bullets": tuple(MessageBullet(**bullet) for bullet in item["bullets"])}
            )
            for item in data["messages"]
        ]
        products = [Product(**item) for item in data["products"]]
        keys = [
            _signing_key(item["key_id"], item["issuer_id"], item["public_key_pem"])
            for item in data["keys"]
        ]
        return cls(
            bundle_id=data["bundle_id"],
            environment=Environment(data["environment"]),
            messages=MappingProxyType({item.message_identifier: item for item in messages}),
            image_states=MappingProxyType(dict(data["image_states"])),
            products=MappingProxyType({product.product_id: product for product in products}),
            offers=MappingProxyType(
                {product: frozenset(ids) for product, ids in data["offers"].items()}
            ),
            keys=MappingProxyType({key.key_id: key for key in keys if key is not None}),
            mode=data["mode"],
        )


def load_app_state(store: Store, app: App, environment: Environment) -> AppState:
    with store.retention.reading(app.id, environment.value) as content:
        messages = {message.message_identifier: message for message in content.messages()}
        images = {image.image_identifier: image.state for image in content.images()}
    offers: dict[str, set[str]] = defaultdict(set)
    for offer in store.catalog.offers(app.id):
        offers[offer.product_id].add(offer.offer_id)
    return AppState(
        bundle_id=app.bundle_id,
        environment=environment,
        messages=MappingProxyType(messages),
        image_states=MappingProxyType(images),
        products=MappingProxyType({p.product_id: p for p in store.products(app.id)}),
        offers=MappingProxyType({product: frozenset(ids) for product, ids in offers.items()}),
        keys=MappingProxyType(_signing_keys(store, app)),
        mode=response_check_mode(store, app),
    )


def _signing_keys(store: Store, app: App) -> dict[str, SigningKey]:
    keys = (
        _signing_key(key.key_id, key.issuer_id, key.public_key_pem) for key in store.keys(app.id)
    )
    return {key.key_id: key for key in keys if key is not None}


def _signing_key(key_id: str, issuer_id: str, public_key_pem: str) -> SigningKey | None:
    """The key, if it is an elliptic-curve key (the only kind that signs offers)."""
    public_key = load_pem_public_key(public_key_pem.encode())
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return SigningKey(key_id, issuer_id, public_key)
    return None

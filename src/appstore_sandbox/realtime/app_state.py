"""A read-only snapshot of what judging a realtime response needs, loaded once per run.

The performance test judges every reply on its engine's hot path: it must not touch the
database there, so messages, images, products, offers, keys and the response-check mode are
read once when the run starts and consulted from memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from appstore_sandbox.catalog.products import ResponseCheckMode, response_check_mode
from appstore_sandbox.environments import Environment
from appstore_sandbox.store import App, Product, Store
from appstore_sandbox.store.retention import RetentionMessage


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
    keys = {}
    for key in store.keys(app.id):
        public_key = load_pem_public_key(key.public_key_pem.encode())
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            keys[key.key_id] = SigningKey(key.key_id, key.issuer_id, public_key)
    return keys

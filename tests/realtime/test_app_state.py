"""The app's catalog reaches the engine process as JSON and comes out the same."""

from __future__ import annotations

import json
from types import MappingProxyType

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from appstore_sandbox.environments import Environment
from appstore_sandbox.realtime.app_state import AppState, SigningKey
from appstore_sandbox.store.records import MessageBullet, Product, RetentionMessage


def _pem(key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def _state() -> AppState:
    message = RetentionMessage(
        message_identifier="m-1",
        state="APPROVED",
        header="Stay",
        body="Please",
        header_position="ABOVE_BODY",
        image_identifier="img-1",
        image_alt_text="a cat",
        bullets=(MessageBullet("one", "img-2", "a dog"),),
        created_ms=1,
        reviewed_ms=2,
    )
    product = Product(1, "com.example.monthly", "AUTO_RENEWABLE", "Premium", "P1M")
    key = SigningKey("KEY1", "issuer", ec.generate_private_key(ec.SECP256R1()).public_key())
    return AppState(
        bundle_id="com.example.app",
        environment=Environment.SANDBOX,
        messages=MappingProxyType({"m-1": message}),
        image_states=MappingProxyType({"img-1": "APPROVED", "img-2": "PENDING"}),
        products=MappingProxyType({product.product_id: product}),
        offers=MappingProxyType({product.product_id: frozenset({"offer-a", "offer-b"})}),
        keys=MappingProxyType({"KEY1": key}),
        mode="strict",
    )


def test_the_state_survives_a_json_line() -> None:
    state = _state()
    copy = AppState.from_json(json.loads(json.dumps(state.to_json())))
    assert (copy.bundle_id, copy.environment, copy.mode) == (
        "com.example.app",
        Environment.SANDBOX,
        "strict",
    )
    assert dict(copy.messages) == dict(state.messages)
    assert dict(copy.image_states) == dict(state.image_states)
    assert dict(copy.products) == dict(state.products)
    assert dict(copy.offers) == dict(state.offers)
    assert copy.keys.keys() == {"KEY1"}
    assert copy.keys["KEY1"].issuer_id == "issuer"
    assert _pem(copy.keys["KEY1"].public_key) == _pem(state.keys["KEY1"].public_key)
    assert copy.strict


def test_a_key_that_cannot_sign_offers_is_left_out() -> None:
    rsa_key = rsa.generate_private_key(65537, 2048).public_key()
    data = _state().to_json()
    data["keys"] = [
        {"key_id": "KEY2", "issuer_id": "issuer", "public_key_pem": _pem(rsa_key).decode()}
    ]
    assert dict(AppState.from_json(data).keys) == {}

"""Cost of judging one realtime reply: structure only, and structure plus the catalog rules.

    python benchmarks/catalog_judge.py [--calls 20000]

No server and no database: the app's state is built in memory, signatures are made with Apple's
library. Prints microseconds per call for each kind of reply: the structural judge alone, the
catalog judge on one reply repeated (its signature verified once, then remembered: an endpoint
answering a fixed body), and the catalog judge on replies never seen before (a new signature
per request, as a real server makes them: one ECDSA verification each).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from appstoreserverlibrary.jws_signature_creator import PromotionalOfferV2SignatureCreator
from appstoreserverlibrary.promotional_offer import PromotionalOfferSignatureCreator
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from appstore_sandbox.environments import Environment
from appstore_sandbox.outbound.results import HttpReply
from appstore_sandbox.realtime.app_state import AppState, SigningKey
from appstore_sandbox.realtime.catalog_judge import CatalogJudge
from appstore_sandbox.realtime.payloads import Subscriber
from appstore_sandbox.realtime.response_check import judge_realtime_reply
from appstore_sandbox.realtime.response_rules import ResponseRules
from appstore_sandbox.store import Product
from appstore_sandbox.store.records import RetentionMessage

BUNDLE, PRODUCT, OFFER, KEY_ID, ISSUER = "com.example.app", "pro.monthly", "winback", "K1", "I1"
SUBSCRIBER = Subscriber("2000000000000001", 1234, PRODUCT)
MESSAGE = str(uuid.uuid4())


def state(private_key: ec.EllipticCurvePrivateKey) -> AppState:
    message = RetentionMessage(MESSAGE, "APPROVED", "h", "b", "ABOVE_BODY", None, None, (), 0, 0)
    return AppState(
        bundle_id=BUNDLE,
        environment=Environment.SANDBOX,
        messages=MappingProxyType({MESSAGE: message}),
        image_states=MappingProxyType({}),
        products=MappingProxyType({PRODUCT: Product(1, PRODUCT, "AUTO_RENEWABLE", "Premium")}),
        offers=MappingProxyType({PRODUCT: frozenset({OFFER})}),
        keys=MappingProxyType({KEY_ID: SigningKey(KEY_ID, ISSUER, private_key.public_key())}),
        mode="strict",
    )


def v2_offer(pem: bytes) -> dict[str, Any]:
    creator = PromotionalOfferV2SignatureCreator(pem, KEY_ID, ISSUER, BUNDLE)
    signature = creator.create_signature(PRODUCT, OFFER, SUBSCRIBER.original_transaction_id)
    return {"messageIdentifier": MESSAGE, "promotionalOfferSignatureV2": signature}


def v1_offer(pem: bytes) -> dict[str, Any]:
    nonce, timestamp = uuid.uuid4(), int(time.time() * 1000)
    creator = PromotionalOfferSignatureCreator(pem, KEY_ID, BUNDLE)
    signature = {
        "encodedSignature": creator.create_signature(PRODUCT, OFFER, "", nonce, timestamp),
        "productId": PRODUCT,
        "nonce": str(nonce),
        "timestamp": timestamp,
        "keyId": KEY_ID,
        "offerIdentifier": OFFER,
    }
    return {"messageIdentifier": MESSAGE, "promotionalOfferSignatureV1": signature}


# name -> a fresh reply body (a new signature each time, as a real server makes them)
REPLIES: dict[str, Callable[[bytes], dict[str, Any]]] = {
    "message": lambda pem: {"message": {"messageIdentifier": MESSAGE}},
    "promotionalOffer V2": lambda pem: {"promotionalOffer": v2_offer(pem)},
    "promotionalOffer V1": lambda pem: {"promotionalOffer": v1_offer(pem)},
}


def reply(body: dict[str, Any]) -> HttpReply:
    return HttpReply(200, "application/json", json.dumps(body).encode())


def per_call_us(judge: Callable[[HttpReply], Any], item: HttpReply, calls: int) -> float:
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(calls):
            judge(item)
        runs.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(runs)


def distinct_us(judge: Callable[[HttpReply], Any], pem: bytes, name: str, calls: int) -> float:
    """Each call judges a reply never seen before: no signature is verified from the cache."""
    fresh = [reply(REPLIES[name](pem)) for _ in range(calls)]
    started = time.perf_counter()
    for item in fresh:
        judge(item)
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    calls = parser.parse_args().calls
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    print(f"{'reply':<22}{'structure µs':>14}{'+ catalog µs':>14}{'distinct µs':>13}")
    for name, make in REPLIES.items():
        same = reply(make(pem))
        catalog = CatalogJudge(ResponseRules(state(private_key)), SUBSCRIBER, strict=True)
        assert catalog(same).succeeded, catalog(same)
        structure = per_call_us(judge_realtime_reply, same, calls)
        full = per_call_us(catalog, same, calls)
        fresh = distinct_us(catalog, pem, name, max(1, calls // 20))
        print(f"{name:<22}{structure:>14.1f}{full:>14.1f}{fresh:>13.1f}")


if __name__ == "__main__":
    main()

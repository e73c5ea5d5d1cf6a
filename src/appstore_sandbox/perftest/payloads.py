"""Signed RealtimeRequestBody payloads, built as Apple builds them during a performance test."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from appstore_sandbox.clock import Clock
from appstore_sandbox.signing import JwsSigner


@dataclass(frozen=True)
class Subscriber:
    """Who the requests are about: the purchase named when the test was initiated."""

    original_transaction_id: str
    app_apple_id: int
    product_id: str
    user_locale: str = "en-US"


class RealtimeRequests:
    """Each call gives a fresh ``requestIdentifier`` and a newly signed body."""

    def __init__(self, signer: JwsSigner, clock: Clock, subscriber: Subscriber, environment: str):
        self._signer = signer
        self._clock = clock
        self._subscriber = subscriber
        self._environment = environment

    def next(self) -> tuple[str, bytes]:
        """``(requestIdentifier, body)`` ready to post."""
        request_identifier = str(uuid.uuid4())
        payload = {
            "originalTransactionId": self._subscriber.original_transaction_id,
            "appAppleId": self._subscriber.app_apple_id,
            "productId": self._subscriber.product_id,
            "userLocale": self._subscriber.user_locale,
            "requestIdentifier": request_identifier,
            "environment": self._environment,
            "signedDate": self._clock.now_ms(),
        }
        body = json.dumps({"signedPayload": self._signer.sign(payload)}).encode()
        return request_identifier, body

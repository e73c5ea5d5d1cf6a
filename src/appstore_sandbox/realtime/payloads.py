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
    """Each call gives a fresh ``requestIdentifier`` and a newly signed body.

    Only ``requestIdentifier`` and ``signedDate`` change between requests, so the rest of the
    payload is serialized once; the signer reuses its header segment (with the ``x5c`` chain).
    """

    def __init__(self, signer: JwsSigner, clock: Clock, subscriber: Subscriber, environment: str):
        self._signer = signer
        self._clock = clock
        constant = {
            "originalTransactionId": subscriber.original_transaction_id,
            "appAppleId": subscriber.app_apple_id,
            "productId": subscriber.product_id,
            "userLocale": subscriber.user_locale,
            "environment": environment,
        }
        self._prefix = json.dumps(constant, separators=(",", ":"))[:-1].encode()

    def next(self) -> tuple[str, bytes]:
        """``(requestIdentifier, body)`` ready to post."""
        request_identifier = str(uuid.uuid4())
        payload = b'%s,"requestIdentifier":"%s","signedDate":%d}' % (
            self._prefix,
            request_identifier.encode(),
            self._clock.now_ms(),
        )
        return request_identifier, b'{"signedPayload":"%s"}' % self._signer.sign_json(payload)

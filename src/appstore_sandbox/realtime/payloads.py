"""Signed RealtimeRequestBody payloads, built as Apple builds them during a performance test."""

from __future__ import annotations

import json
import os
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


class RequestIdentifiers:
    """Random version-4 UUID strings, cut from random bytes read 4,096 identifiers at a time.

    ``uuid.uuid4()`` asks the kernel for 16 bytes per call; on the engine's hot path that system
    call costs more than building the string.
    """

    _BATCH = 4096

    def __init__(self) -> None:
        self._hex = ""
        self._at = 0

    def next(self) -> str:
        at = self._at
        if at >= len(self._hex):
            self._hex, at = os.urandom(16 * self._BATCH).hex(), 0
        digits = self._hex[at : at + 32]
        self._at = at + 32
        variant = "89ab"[int(digits[16], 16) & 3]
        return (
            f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"
        )


class RealtimeRequests:
    """Each call gives a fresh ``requestIdentifier`` and a newly signed body.

    Only ``requestIdentifier`` and ``signedDate`` change between requests, so the rest of the
    payload is serialized once; the signer reuses its header segment (with the ``x5c`` chain).
    """

    def __init__(self, signer: JwsSigner, clock: Clock, subscriber: Subscriber, environment: str):
        self._signer = signer
        self._clock = clock
        self._identifiers = RequestIdentifiers()
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
        request_identifier = self._identifiers.next()
        payload = b'%s,"requestIdentifier":"%s","signedDate":%d}' % (
            self._prefix,
            request_identifier.encode(),
            self._clock.now_ms(),
        )
        return request_identifier, b'{"signedPayload":"%s"}' % self._signer.sign_json(payload)

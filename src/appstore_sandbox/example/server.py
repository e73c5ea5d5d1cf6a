"""What a correct developer server does with Apple's signed calls: verify, then answer.

``POST /`` and ``POST /retention`` answer Get Retention Message requests,
``POST /notifications`` receives App Store Server Notifications V2, ``GET /health`` reports
liveness. Every signed payload is checked with Apple's own ``SignedDataVerifier``, as a
developer's production server would.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import jwt
from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier, VerificationException
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID

DEFAULT_MESSAGE_ID = "8f0c6a52-3d1e-4b7a-9c25-6e4f1d2b3a90"
# Signed requests and notifications are a few kilobytes; anything far larger is refused unread.
MAX_BODY_BYTES = 1_048_576

Echo = Callable[[str], None]
T = TypeVar("T")


@dataclass(frozen=True)
class ExampleOptions:
    """How the example server verifies and answers.

    ``root_certificates`` are DER certificates the verifier trusts. Production payloads are
    accepted only when ``app_apple_id`` is known, because Apple's verifier requires it there.
    Each successful retention request waits ``delay_ms`` ± uniform ``jitter_ms`` (never below
    zero), then fails with HTTP 500 with probability ``error_rate``. ``seed`` makes the random
    choices reproducible; ``echo`` receives one line per call, or nothing if it is ``None``.
    """

    root_certificates: Sequence[bytes]
    bundle_id: str = DEFAULT_BUNDLE_ID
    app_apple_id: int | None = None
    message_id: str = DEFAULT_MESSAGE_ID
    delay_ms: float = 0
    jitter_ms: float = 0
    error_rate: float = 0.0
    seed: int | None = None
    echo: Echo | None = print

    def __post_init__(self) -> None:
        if self.delay_ms < 0 or self.jitter_ms < 0:
            raise ValueError("delay_ms and jitter_ms must not be negative")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")


class _Rejected(Exception):
    """A call the server refuses; turned into a JSON error in one handler."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


class _Verifiers:
    def __init__(self, options: ExampleOptions) -> None:
        roots = list(options.root_certificates)
        self._sandbox = SignedDataVerifier(roots, False, Environment.SANDBOX, options.bundle_id)
        self._production = (
            SignedDataVerifier(
                roots, False, Environment.PRODUCTION, options.bundle_id, options.app_apple_id
            )
            if options.app_apple_id is not None
            else None
        )

    def choose(self, claimed: object) -> tuple[Environment, SignedDataVerifier]:
        """The verifier for a payload's unverified ``environment`` claim.

        Everything else goes to the sandbox verifier: it still checks the signature, then
        rejects a foreign environment as INVALID_ENVIRONMENT.
        """
        if claimed == Environment.PRODUCTION.value and self._production is not None:
            return Environment.PRODUCTION, self._production
        return Environment.SANDBOX, self._sandbox


async def _bounded_body(request: Request) -> bytes:
    """The request body, refused with 413 once it is over MAX_BODY_BYTES, declared or sent."""
    too_large = _Rejected(413, f"body larger than {MAX_BODY_BYTES} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def _signed_payload(request: Request) -> str:
    raw = await _bounded_body(request)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise _Rejected(400, "body is not JSON") from error
    token = body.get("signedPayload") if isinstance(body, dict) else None
    if not isinstance(token, str):
        raise _Rejected(400, 'body has no "signedPayload" string')
    return token


def _unverified_claims(token: str) -> dict[str, Any]:
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}


def _notification_environment(claims: dict[str, Any]) -> object:
    data = claims.get("data")
    return data.get("environment") if isinstance(data, dict) else None


async def _verify(decode: Callable[[str], T], token: str, what: str) -> T:
    # Chain validation takes milliseconds, mostly in OpenSSL without the GIL; in a thread it
    # does not stall other requests' delays on the event loop.
    try:
        return await run_in_threadpool(decode, token)
    except VerificationException as error:
        raise _Rejected(401, f"signedPayload rejected: {error.status.name}") from error
    except Exception as error:
        # The library structures the verified payload outside its own error handling, so a
        # well-signed payload with missing or mistyped fields surfaces as any exception.
        raise _Rejected(400, f"signedPayload is not a valid {what}") from error


class _ExampleServer:
    def __init__(self, options: ExampleOptions) -> None:
        self._options = options
        self._verifiers = _Verifiers(options)
        self._random = random.Random(options.seed)

    def _echo(self, line: str) -> None:
        echo = self._options.echo
        if echo is not None:
            echo(line)

    async def retention(self, request: Request) -> Response:
        token = await _signed_payload(request)
        _, verifier = self._verifiers.choose(_unverified_claims(token).get("environment"))
        decode = verifier.verify_and_decode_realtime_request
        decoded = await _verify(decode, token, "realtime request")
        await self._delay()
        failed = self._random.random() < self._options.error_rate
        self._echo(
            f"retention request {decoded.requestIdentifier}: originalTransactionId="
            f"{decoded.originalTransactionId} productId={decoded.productId} "
            f"userLocale={decoded.userLocale} environment={decoded.rawEnvironment} -> "
            + ("simulated failure (500)" if failed else f"message {self._options.message_id}")
        )
        if failed:
            return JSONResponse({"error": "simulated failure"}, status_code=500)
        return JSONResponse({"message": {"messageIdentifier": self._options.message_id}})

    async def _delay(self) -> None:
        jitter = self._options.jitter_ms
        offset = self._random.uniform(-jitter, jitter) if jitter else 0.0
        seconds = max(0.0, self._options.delay_ms + offset) / 1000
        if seconds:
            await asyncio.sleep(seconds)

    async def notifications(self, request: Request) -> Response:
        token = await _signed_payload(request)
        claimed = _notification_environment(_unverified_claims(token))
        environment, verifier = self._verifiers.choose(claimed)
        decoded = await _verify(verifier.verify_and_decode_notification, token, "notification")
        # Verification guarantees the bundle id is ours and the environment the verifier's.
        self._echo(
            f"notification {decoded.rawNotificationType} subtype={decoded.rawSubtype or '-'} "
            f"notificationUUID={decoded.notificationUUID} bundleId={self._options.bundle_id} "
            f"environment={environment.value}"
        )
        return Response(status_code=200)

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def rejected(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, _Rejected)
        self._echo(f"{request.method} {request.url.path} rejected ({error.status}): {error.error}")
        return JSONResponse({"error": error.error}, status_code=error.status)


def build_example_app(options: ExampleOptions) -> Starlette:
    """The example developer server as an ASGI app."""
    server = _ExampleServer(options)
    return Starlette(
        routes=[
            Route("/", server.retention, methods=["POST"]),
            Route("/retention", server.retention, methods=["POST"]),
            Route("/notifications", server.notifications, methods=["POST"]),
            Route("/health", server.health, methods=["GET"]),
        ],
        exception_handlers={_Rejected: server.rejected},
    )

"""The sandbox's errors, each turned into a response in exactly one place (``app.py``).

    SandboxError                      status + message; the control surface's errors
    ├── NotFound / Conflict / BadInput   control-surface conveniences
    └── AppleError                    + Apple's numeric ``code``; body {errorCode, errorMessage}
        ├── GeneralBadRequest 4000000 ... one subclass per Apple error code
        ├── RateLimitExceeded 4290000  (+ Retry-After in UNIX ms)
        └── GeneralInternal 5000000
    Unauthorized                      401 with no body, as Apple answers a bad token

The HTTP status of an Apple error is the first three digits of its code.
"""

from __future__ import annotations

from typing import ClassVar


class SandboxError(Exception):
    """An error with an HTTP status and a one-line message."""

    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "Bad request."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class BadInput(SandboxError):
    status = 400
    default_message = "Invalid input."


class NotFound(SandboxError):
    status = 404
    default_message = "Not found."


class Conflict(SandboxError):
    status = 409
    default_message = "Already exists."


class Unauthorized(SandboxError):
    """Invalid bearer token. Apple answers 401 with no body; the reason goes in a header."""

    status = 401
    default_message = "Unauthorized."


class AppleError(SandboxError):
    """An error on Apple's surface: ``{"errorCode": code, "errorMessage": message}``."""

    code: ClassVar[int] = 4000000

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.status = cls.code // 10000


class GeneralBadRequest(AppleError):
    code = 4000000
    default_message = "Invalid request."


class InvalidRealtimeUrl(AppleError):
    code = 4000215
    default_message = "Invalid request. The realtime URL is not valid."


class ForbiddenNoPassingTest(AppleError):
    code = 4030026
    default_message = (
        "The production realtime URL can be configured only after a performance test has passed."
    )


class RealtimeUrlNotFound(AppleError):
    code = 4040021
    default_message = "No realtime URL is configured for this environment."


class RateLimitExceeded(AppleError):
    code = 4290000
    default_message = "Rate limit exceeded."

    def __init__(self, retry_after_ms: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after_ms = retry_after_ms


class GeneralInternal(AppleError):
    code = 5000000
    default_message = "An unknown error occurred."


class BadRequestTransactionId(AppleError):
    # Apple publishes no number for BadRequestTransactionIdError; 4000006 (InvalidTransactionId)
    # is the probable one (spec/error-codes.md, unconfirmed).
    code = 4000006
    default_message = "Invalid transaction id."


class FamilySharingNotSupported(AppleError):
    # Probable code of BadRequestTransactionIdNotSupportedForFamilySharingError (unconfirmed).
    code = 4000185
    default_message = (
        "Invalid request. Family Sharing transactions aren't supported by this endpoint."
    )


class TransactionIdNotOriginal(AppleError):
    # Probable code of BadRequestTransactionIdNotOtidError (unconfirmed).
    code = 4000187
    default_message = (
        "Invalid request. The transaction ID provided is not an original transaction ID."
    )


class InvalidPerformanceTestRequest(AppleError):
    code = 4000211
    default_message = "Invalid performance test request."


class InvalidRequestId(AppleError):
    code = 4000212
    default_message = "Invalid request id."


class ExistingPerformanceTestRun(AppleError):
    code = 4000213
    default_message = "A performance test is already running for this app."


class PerformanceTestRunNotFound(AppleError):
    code = 4040018
    default_message = "Performance test run not found."

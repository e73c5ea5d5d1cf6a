"""The sandbox's errors, each turned into a response in exactly one place (``app.error_response``).

    SandboxError                    status, message, headers; body {"error": message}
    ├── BadInput                    400
    ├── Unauthorized                401  Apple's bad token: no body; the reason in WWW-Authenticate
    ├── AdminTokenRequired          401  the control surface is locked; + WWW-Authenticate
    ├── OriginNotAllowed            403  a web page of another origin (Origin header)
    ├── NotFound                    404
    ├── Conflict                    409
    ├── RequestTimedOut             408  a control-surface body that stopped arriving
    ├── ContentTooLarge             413  a control-surface body over the size limit
    ├── UnsupportedMediaType        415  a control-surface body that is not JSON
    ├── HostNotAllowed              421  a Host header that names no address the sandbox serves
    ├── HeaderSectionTooLarge       431  a control-surface request's headers over the limits
    ├── InternalError               500  the control surface's unexpected failure
    ├── RoutingError                     refused before any route ran; plain text, but
    │   │                                {"error": message} on the control surface
    │   ├── RouteNotFound           404
    │   └── MethodNotAllowed        405  + Allow
    └── AppleError                       + code; body {errorCode, errorMessage}
        ├── GeneralBadRequest              4000000
        ├── InvalidRequestRevision         4000005
        ├── InvalidTransactionId           4000006
        ├── StartDateTooFarInPast          4000012
        ├── StartDateAfterEndDate          4000013
        ├── InvalidPaginationToken         4000014
        ├── InvalidStartDate               4000015
        ├── InvalidEndDate                 4000016
        ├── PaginationTokenExpired         4000017
        ├── InvalidNotificationType        4000018
        ├── MultipleFiltersSupplied        4000019
        ├── InvalidTestNotificationToken   4000020
        ├── InvalidSort                    4000021
        ├── InvalidProductType             4000022
        ├── InvalidProductId               4000023
        ├── InvalidSubscriptionGroupIdentifier 4000024
        ├── InvalidExcludeRevoked          4000025
        ├── InvalidInAppOwnershipType      4000026
        ├── InvalidRevoked                 4000030
        ├── InvalidStatus                  4000031
        ├── AppTransactionIdNotSupported   4000048
        ├── InvalidImage                   4000161
        ├── HeaderTooLong                  4000162
        ├── BodyTooLong                    4000163
        ├── InvalidLocale                  4000164
        ├── AltTextTooLong                 4000175
        ├── FamilySharingNotSupported      4000185
        ├── TransactionIdNotOriginal       4000187
        ├── InvalidPerformanceTestRequest  4000211
        ├── InvalidRequestId               4000212
        ├── ExistingPerformanceTestRun     4000213
        ├── InvalidRealtimeUrl             4000215
        ├── BadRequestImageSize            4000216
        ├── TooManyBulletPoints            4000218
        ├── BulletPointTextTooLong         4000219
        ├── AboveImageRequiresAnImage      4000224
        ├── CrossOriginRefused             4030000  not Apple's: a web page of another origin
        ├── MaximumNumberOfImagesReached   4030014
        ├── MaximumNumberOfMessagesReached 4030016
        ├── MessageNotApproved             4030017
        ├── ImageNotApproved               4030018
        ├── ImageInUse                     4030019
        ├── ForbiddenNoPassingTest         4030026
        ├── ServerNotificationUrlNotFound  4040007
        ├── TestNotificationNotFound       4040008
        ├── TransactionIdNotFound          4040010
        ├── ImageNotFound                  4040014
        ├── MessageNotFound                4040015
        ├── PerformanceTestRunNotFound     4040018
        ├── DefaultMessageNotFound         4040020
        ├── RealtimeUrlNotFound            4040021
        ├── ImageAlreadyExists             4090000
        ├── MessageAlreadyExists           4090001
        ├── BodyTimedOut                   4080000  not Apple's: a body that stopped arriving
        ├── MisdirectedRequest             4210000  not Apple's: a Host the sandbox does not serve
        ├── PayloadTooLarge                4130000  not Apple's: Apple's gateway has no body
        ├── RequestHeadersTooLarge         4310000  not Apple's: headers over the limits
        ├── RateLimitExceeded              4290000  + Retry-After (UNIX ms)
        └── GeneralInternal                5000000

One class per Apple error code; the HTTP status of an Apple error is the first three digits of
its code. ``tests/test_errors.py`` keeps this tree true.
"""

from __future__ import annotations

from typing import ClassVar


class SandboxError(Exception):
    """An error with an HTTP status, a one-line message and the headers its response carries."""

    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "Bad request."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    @property
    def headers(self) -> dict[str, str]:
        return {}


class BadInput(SandboxError):
    status = 400
    default_message = "Invalid input."


class NotFound(SandboxError):
    status = 404
    default_message = "Not found."


class Conflict(SandboxError):
    status = 409
    default_message = "Already exists."


class ContentTooLarge(SandboxError):
    status = 413
    default_message = "The request body is too large."


class HeaderSectionTooLarge(SandboxError):
    status = 431
    default_message = "The request's header section is too large."


class RequestTimedOut(SandboxError):
    status = 408
    default_message = "The request body stopped arriving."


class OriginNotAllowed(SandboxError):
    """A browser's request from a web page of another origin: any site could otherwise drive an
    unlocked control surface with a form or ``fetch`` (``serve --allowed-origins``)."""

    status = 403
    default_message = "Requests from this origin are not allowed."


class UnsupportedMediaType(SandboxError):
    """A control-surface body that is not ``application/json``: the content types a web page may
    send to another site without asking first (text/plain, forms) are refused."""

    status = 415
    default_message = "The control surface takes request bodies as application/json."


class HostNotAllowed(SandboxError):
    """A ``Host`` header naming no address the sandbox listens on: a DNS-rebinding web page's,
    or a proxy's name the sandbox was not told of (``serve --allowed-hosts``)."""

    status = 421
    default_message = "This Host is not served here."


class InternalError(SandboxError):
    status = 500
    default_message = "Internal error; see the server log."


class Unauthorized(SandboxError):
    """Invalid bearer token. Apple answers 401 with no body; the reason goes in a header."""

    status = 401
    default_message = "Unauthorized."

    @property
    def headers(self) -> dict[str, str]:
        description = self.message.replace('"', "'")
        challenge = f'Bearer error="invalid_token", error_description="{description}"'
        return {"WWW-Authenticate": challenge}


class AdminTokenRequired(SandboxError):
    """The control surface is locked (``serve --admin-token``) and the request lacks the token."""

    status = 401
    default_message = (
        "This sandbox's control surface is locked: pass its admin token "
        "(--admin-token or APPSTORE_SANDBOX_ADMIN_TOKEN; over HTTP, Authorization: Bearer TOKEN)."
    )

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="appstore-sandbox control surface"'}


class RoutingError(SandboxError):
    """Refused by the router before any route ran: in plain text (Apple documents no body for a
    path it does not serve), and in the control surface's own shape on the control surface."""


class RouteNotFound(RoutingError):
    status = 404
    default_message = "Not Found."

    def __init__(self, method: str, path: str) -> None:
        hint = " (routes have no trailing slash)" if len(path) > 1 and path.endswith("/") else ""
        super().__init__(f"Not Found: no route for {method} {path}{hint}")


class MethodNotAllowed(RoutingError):
    status = 405
    default_message = "Method Not Allowed"

    def __init__(self, method: str, path: str, allowed: str | None = None) -> None:
        takes = f"; it takes {allowed}" if allowed else ""
        super().__init__(f"Method Not Allowed: {method} {path}{takes}")
        self.allowed = allowed

    @property
    def headers(self) -> dict[str, str]:
        return {"Allow": self.allowed} if self.allowed else {}


class AppleError(SandboxError):
    """An error on Apple's surface: ``{"errorCode": code, "errorMessage": message}``."""

    code: ClassVar[int] = 4000000

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.status = cls.code // 10000


class GeneralBadRequest(AppleError):
    code = 4000000
    default_message = "Invalid request."


class InvalidRequestRevision(AppleError):
    code = 4000005
    default_message = "Invalid request revision."


class InvalidTransactionId(AppleError):
    """InvalidTransactionIdError; also what Initiate Performance Test answers for a bad
    originalTransactionId (BadRequestTransactionIdError)."""

    # Apple publishes no number for BadRequestTransactionIdError; 4000006 (InvalidTransactionId)
    # is the probable one (spec/error-codes.md, unconfirmed).
    code = 4000006
    default_message = "Invalid transaction id."


class StartDateTooFarInPast(AppleError):
    code = 4000012
    default_message = "Invalid request. The start date is too far in the past."


class StartDateAfterEndDate(AppleError):
    code = 4000013
    default_message = "Invalid request. The end date must be after the start date."


class InvalidPaginationToken(AppleError):
    code = 4000014
    default_message = "Invalid pagination token."


class InvalidStartDate(AppleError):
    code = 4000015
    default_message = "Invalid start date."


class InvalidEndDate(AppleError):
    code = 4000016
    default_message = "Invalid end date."


class PaginationTokenExpired(AppleError):
    code = 4000017
    default_message = "The pagination token has expired."


class InvalidNotificationType(AppleError):
    code = 4000018
    default_message = "Invalid notification type or subtype."


class MultipleFiltersSupplied(AppleError):
    code = 4000019
    default_message = "Invalid request. Supply either transactionId or notificationType, not both."


class InvalidTestNotificationToken(AppleError):
    code = 4000020
    default_message = "Invalid test notification token."


class InvalidSort(AppleError):
    code = 4000021
    default_message = "Invalid sort."


class InvalidProductType(AppleError):
    code = 4000022
    default_message = "Invalid product type."


class InvalidProductId(AppleError):
    code = 4000023
    default_message = "Invalid product id."


class InvalidSubscriptionGroupIdentifier(AppleError):
    code = 4000024
    default_message = "Invalid subscription group identifier."


class InvalidExcludeRevoked(AppleError):
    code = 4000025
    default_message = "Invalid request. The excludeRevoked parameter is invalid."


class InvalidInAppOwnershipType(AppleError):
    code = 4000026
    default_message = "Invalid in-app ownership type."


class InvalidRevoked(AppleError):
    code = 4000030
    default_message = "Invalid request. The revoked parameter is invalid."


class InvalidStatus(AppleError):
    code = 4000031
    default_message = "Invalid request. The status parameter is invalid."


class AppTransactionIdNotSupported(AppleError):
    code = 4000048
    default_message = "Invalid request. App transactions aren't supported by this endpoint."


class InvalidImage(AppleError):
    code = 4000161
    default_message = "The image does not meet the requirements."


class HeaderTooLong(AppleError):
    code = 4000162
    default_message = "The header is too long."


class BodyTooLong(AppleError):
    code = 4000163
    default_message = "The body is too long."


class InvalidLocale(AppleError):
    code = 4000164
    default_message = "Invalid locale."


class AltTextTooLong(AppleError):
    code = 4000175
    default_message = "The alt text is too long."


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


class InvalidRealtimeUrl(AppleError):
    code = 4000215
    default_message = "Invalid request. The realtime URL is not valid."


class BadRequestImageSize(AppleError):
    code = 4000216
    default_message = "Invalid image size."


class TooManyBulletPoints(AppleError):
    code = 4000218
    default_message = "Too many bullet points."


class BulletPointTextTooLong(AppleError):
    code = 4000219
    default_message = "The bullet point text is too long."


class AboveImageRequiresAnImage(AppleError):
    code = 4000224
    default_message = "headerPosition ABOVE_IMAGE requires an image."


class CrossOriginRefused(AppleError):
    """``OriginNotAllowed`` on Apple's surface. Apple's clients never send ``Origin``: only a
    browser does, for a web page of another site. 403 for a caller that is not allowed; a code
    of our own by the status rule (``PayloadTooLarge``) so Apple's clients show the message."""

    code = 4030000
    default_message = "Requests from this origin are not allowed."


class MaximumNumberOfImagesReached(AppleError):
    code = 4030014
    default_message = "The maximum number of images has been reached."


class MaximumNumberOfMessagesReached(AppleError):
    code = 4030016
    default_message = "The maximum number of messages has been reached."


class MessageNotApproved(AppleError):
    code = 4030017
    default_message = "The message is not approved."


class ImageNotApproved(AppleError):
    code = 4030018
    default_message = "The image is not approved."


class ImageInUse(AppleError):
    code = 4030019
    default_message = "The image is in use by a message."


class ForbiddenNoPassingTest(AppleError):
    code = 4030026
    default_message = (
        "The production realtime URL can be configured only after a performance test has passed."
    )


class ServerNotificationUrlNotFound(AppleError):
    code = 4040007
    default_message = "No App Store Server Notifications URL is configured for this environment."


class TestNotificationNotFound(AppleError):
    code = 4040008
    default_message = "Test notification not found."


class TransactionIdNotFound(AppleError):
    code = 4040010
    default_message = "Transaction id not found."


class ImageNotFound(AppleError):
    code = 4040014
    default_message = "Image not found."


class MessageNotFound(AppleError):
    code = 4040015
    default_message = "Message not found."


class PerformanceTestRunNotFound(AppleError):
    code = 4040018
    default_message = "Performance test run not found."


class DefaultMessageNotFound(AppleError):
    code = 4040020
    default_message = "No default message is configured for this product and locale."


class RealtimeUrlNotFound(AppleError):
    code = 4040021
    default_message = "No realtime URL is configured for this environment."


class ImageAlreadyExists(AppleError):
    code = 4090000
    default_message = "An image with this identifier already exists."


class MessageAlreadyExists(AppleError):
    code = 4090001
    default_message = "A message with this identifier already exists."


class BodyTimedOut(AppleError):
    """A request body that paused longer than the sandbox waits, on Apple's surface; a code of
    our own by the same rule as ``PayloadTooLarge``."""

    code = 4080000
    default_message = "The request body stopped arriving."


class MisdirectedRequest(AppleError):
    """``HostNotAllowed`` on Apple's surface, a code of our own by the status rule: 421 says
    the request reached a server that does not answer for the name it asked for."""

    code = 4210000
    default_message = "This Host is not served here."


class PayloadTooLarge(AppleError):
    """A request body over the sandbox's size limit, on Apple's surface.

    Apple's gateway answers 413 with no documented body. Apple's clients read any JSON
    ``{errorCode, errorMessage}`` and keep a code their enum lacks as ``raw_api_error``, so a
    code of our own (413 + 0000, the status rule every Apple code follows) reaches the caller
    with the limit in the message, where a bare 413 would reach it as "unknown error".
    """

    code = 4130000
    default_message = "The request body is too large."


class RequestHeadersTooLarge(AppleError):
    """A request whose header section is over the sandbox's limits (bytes or fields), on Apple's
    surface; answered by the HTTP protocol before any route runs, with a code of our own by the
    same rule as ``PayloadTooLarge``."""

    code = 4310000
    default_message = "The request's header section is too large."


class RateLimitExceeded(AppleError):
    code = 4290000
    default_message = "Rate limit exceeded."

    def __init__(self, retry_after_ms: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after_ms = retry_after_ms

    @property
    def headers(self) -> dict[str, str]:
        # Apple's Retry-After is a UNIX time in milliseconds, not a number of seconds.
        return {"Retry-After": str(self.retry_after_ms)}


class GeneralInternal(AppleError):
    code = 5000000
    default_message = "An unknown error occurred."

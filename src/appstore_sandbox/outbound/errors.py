"""What can go wrong sending one POST, and the one place that names it in Apple's terms.

    SendError                   result            explanation
     ├── InvalidUrl             OTHER             invalid URL: …
     ├── Refused                OTHER             redirect to URL refused: <the rule it breaks>
     │                                            (or: URL refused / connection to HOST refused)
     ├── ConnectFailed          NO_RESPONSE       connection refused
     │                          SOCKET_ISSUE      cannot connect: …
     ├── TlsFailed              TLS_ISSUE         TLS failed: …
     ├── ClosedBeforeReply      PREMATURE_CLOSE   server closed the connection before answering
     │    └── StaleConnection   (a reused connection the server had closed: sent again once)
     ├── ClosedMidReply         PREMATURE_CLOSE   connection closed in the middle of the response
     ├── MalformedReply         INVALID_RESPONSE  malformed HTTP response: …
     ├── ReplyTooLarge          INVALID_RESPONSE  response body larger than N bytes
     │                                            (or: response headers larger than N bytes)
     ├── TooManyRedirects       CIRCULAR_REDIRECT more than 10 redirects
     └── TimedOut               TIMED_OUT         (worded by the sender, which knows the timeout)

Anything else is translated by ``classify_error``: ``ssl.SSLError`` is TLS_ISSUE, another
``OSError`` SOCKET_ISSUE, the rest OTHER.
"""

from __future__ import annotations

import ssl

from appstore_sandbox.outbound.results import SendAttemptResult

MAX_REDIRECTS = 10


class SendError(Exception):
    result = SendAttemptResult.OTHER
    explanation = ""

    def __init__(self, explanation: str = "") -> None:
        super().__init__(explanation or self.explanation)
        if explanation:
            self.explanation = explanation


class InvalidUrl(SendError):
    def __init__(self, url: str) -> None:
        super().__init__(f"invalid URL: {url}")


class Refused(SendError):
    """A URL, redirect hop or resolved address the outbound policy forbids; never connected to."""

    def __init__(self, what: str, problem: str) -> None:
        super().__init__(f"{what} refused: {problem}")


class ConnectFailed(SendError):
    def __init__(self, error: OSError) -> None:
        if isinstance(error, ConnectionRefusedError):
            self.result = SendAttemptResult.NO_RESPONSE
            super().__init__("connection refused")
        else:
            self.result = SendAttemptResult.SOCKET_ISSUE
            super().__init__(f"cannot connect: {reason(error)}")


class TlsFailed(SendError):
    result = SendAttemptResult.TLS_ISSUE

    def __init__(self, why: str) -> None:
        super().__init__(f"TLS failed: {why}")


class ClosedBeforeReply(SendError):
    result = SendAttemptResult.PREMATURE_CLOSE
    explanation = "server closed the connection before answering"


class StaleConnection(ClosedBeforeReply):
    """A kept-alive connection was gone when reused; the server saw nothing of the request."""


class ClosedMidReply(SendError):
    result = SendAttemptResult.PREMATURE_CLOSE
    explanation = "connection closed in the middle of the response"


class MalformedReply(SendError):
    result = SendAttemptResult.INVALID_RESPONSE

    def __init__(self, why: str) -> None:
        super().__init__(f"malformed HTTP response: {why}")


class ReplyTooLarge(SendError):
    result = SendAttemptResult.INVALID_RESPONSE

    def __init__(self, limit: int, part: str = "body") -> None:
        super().__init__(f"response {part} larger than {limit} bytes")


class TooManyRedirects(SendError):
    result = SendAttemptResult.CIRCULAR_REDIRECT
    explanation = f"more than {MAX_REDIRECTS} redirects"


class TimedOut(SendError):
    result = SendAttemptResult.TIMED_OUT


def classify_error(error: BaseException) -> tuple[SendAttemptResult, str]:
    """Apple's result for an error raised while talking to a server, and a short reason."""
    if isinstance(error, SendError):
        return error.result, error.explanation
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return SendAttemptResult.TLS_ISSUE, f"TLS failed: {reason(error)}"
    if isinstance(error, OSError):
        return SendAttemptResult.SOCKET_ISSUE, f"network error: {reason(error)}"
    return SendAttemptResult.OTHER, f"{type(error).__name__}: {reason(error)}"


def reason(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]

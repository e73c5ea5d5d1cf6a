"""Apple's ``sendAttemptResult`` values and what one send attempt produced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class SendAttemptResult(StrEnum):
    SUCCESS = "SUCCESS"
    CIRCULAR_REDIRECT = "CIRCULAR_REDIRECT"
    INVALID_RESPONSE = "INVALID_RESPONSE"
    NO_RESPONSE = "NO_RESPONSE"
    OTHER = "OTHER"
    PREMATURE_CLOSE = "PREMATURE_CLOSE"
    SOCKET_ISSUE = "SOCKET_ISSUE"
    TIMED_OUT = "TIMED_OUT"
    TLS_ISSUE = "TLS_ISSUE"
    UNSUCCESSFUL_HTTP_RESPONSE_CODE = "UNSUCCESSFUL_HTTP_RESPONSE_CODE"
    UNSUPPORTED_CHARSET = "UNSUPPORTED_CHARSET"


@dataclass(frozen=True, slots=True)
class HttpReply:
    """A complete HTTP response: status, the Content-Type header, the whole body."""

    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Attempt:
    """One send attempt, judged: ``result`` is SUCCESS or the reason it failed.

    ``latency_us`` runs from writing the request to reading the whole body (or to the moment the
    attempt was given up); ``None`` when no request could be written at all. ``catalog_problem``
    says why a realtime response does not fit the app's catalog (a missing or unapproved
    message, a product of another group, a bad offer signature), whatever ``result`` is.
    """

    result: SendAttemptResult
    latency_us: int | None
    http_status: int | None = None
    explanation: str = ""
    catalog_problem: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.result is SendAttemptResult.SUCCESS


Clock = Literal["kernel", "user"]


@dataclass(frozen=True, slots=True)
class Exchange:
    """What one POST produced, before anyone judged the reply.

    Exactly one of ``reply`` and ``failure`` is set. ``sent_ns`` is wall-clock time
    (``time.time_ns()``) when the request's last byte was handed to the kernel, 0 if it never
    was; ``received_ns`` is when the reply's last byte arrived: the kernel's receive timestamp
    when ``clock`` is ``"kernel"``, user-space time otherwise. ``latency_us`` runs between the
    two (for a redirected request, from the first request's write to the last reply), or to the
    moment the attempt was given up; ``None`` when nothing could be written at all.
    """

    reply: HttpReply | None
    failure: SendAttemptResult | None
    explanation: str
    latency_us: int | None
    sent_ns: int
    received_ns: int
    clock: Clock


Judge = Callable[[HttpReply], Attempt]


def judged(exchange: Exchange, judge: Judge) -> Attempt:
    """The attempt an exchange amounts to: ``judge`` decides on a reply, the wire's timing stays."""
    if exchange.reply is None:
        assert exchange.failure is not None
        return Attempt(exchange.failure, exchange.latency_us, explanation=exchange.explanation)
    verdict = judge(exchange.reply)
    return Attempt(
        verdict.result,
        exchange.latency_us,
        exchange.reply.status,
        verdict.explanation,
        verdict.catalog_problem,
    )

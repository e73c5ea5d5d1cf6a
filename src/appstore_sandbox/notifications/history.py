"""Get Notification History: the request's rules and an opaque pagination token.

The token carries where the previous page ended and a digest of the request body it belongs to
(Apple requires the same body for every page), so a token is checked without server-side state;
:class:`TokenSeal` signs it, so that what it carries can't be rewritten.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, TypeGuard

from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import (
    InvalidEndDate,
    InvalidNotificationType,
    InvalidPaginationToken,
    InvalidStartDate,
    InvalidTransactionId,
    MultipleFiltersSupplied,
    PaginationTokenExpired,
    StartDateAfterEndDate,
    StartDateTooFarInPast,
)
from appstore_sandbox.notifications.types import type_problem
from appstore_sandbox.sealing import TokenSeal

__all__ = ["TokenSeal"]

PAGE_SIZE = 20
DAY_MS = 86_400_000
RETENTION_DAYS = {Environment.SANDBOX: 30, Environment.PRODUCTION: 180}
# Apple doesn't publish a lifetime; a day is enough to page through any history.
TOKEN_LIFETIME_MS = DAY_MS
_TRANSACTION_ID = re.compile(r"^[0-9]{1,32}$")
# The last millisecond of 9999-12-31: any date a client means, and far inside 64 bits.
MAX_DATE_MS = 253_402_300_799_999
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class HistoryRequest:
    start_ms: int
    end_ms: int
    notification_type: str | None
    subtype: str | None
    transaction_id: str | None
    only_failures: bool
    digest: str


def parse_request(
    body: Any, environment: Environment, now_ms: int, real_now_ms: int | None = None
) -> HistoryRequest:
    """Check a NotificationHistoryRequest; raise the Apple error for the first problem.

    ``now_ms`` is sandbox time, ``real_now_ms`` real time (the same when the clock wasn't
    moved). An ``endDate`` at or after the real now means "until now" in sandbox time: clients
    ask up to "now + a minute" by their own (real) clock, and after ``clock advance 1h`` the
    notifications they are after carry sandbox dates an hour later than that.
    """
    if not isinstance(body, dict):
        raise InvalidStartDate("The body must be a NotificationHistoryRequest object.")
    start, end = body.get("startDate"), body.get("endDate")
    if not _is_ms(start):
        raise InvalidStartDate(f"startDate must be a UNIX time in milliseconds, {_MS_RANGE}.")
    if not _is_ms(end):
        raise InvalidEndDate(f"endDate must be a UNIX time in milliseconds, {_MS_RANGE}.")
    if end <= start:
        raise StartDateAfterEndDate()
    days = RETENTION_DAYS[environment]
    if start < now_ms - days * DAY_MS:
        raise StartDateTooFarInPast(
            f"startDate must be within the last {days} days in {environment.value}."
        )
    notification_type, subtype = body.get("notificationType"), body.get("notificationSubtype")
    transaction_id = body.get("transactionId")
    if transaction_id is not None and notification_type is not None:
        raise MultipleFiltersSupplied()
    if problem := type_problem(notification_type, subtype):
        raise InvalidNotificationType(f"Invalid request: {problem}.")
    if transaction_id is not None and not (
        isinstance(transaction_id, str) and _TRANSACTION_ID.match(transaction_id)
    ):
        raise InvalidTransactionId()
    return HistoryRequest(
        start_ms=start,
        end_ms=_end_ms(end, now_ms, now_ms if real_now_ms is None else real_now_ms),
        notification_type=notification_type,
        subtype=subtype,
        transaction_id=transaction_id,
        only_failures=body.get("onlyFailures") is True,
        digest=_digest(body),
    )


def _end_ms(end: int, now_ms: int, real_now_ms: int) -> int:
    """Where the window ends (exclusive): a future endDate, by either clock, means now."""
    return now_ms + 1 if end >= real_now_ms else min(end, now_ms + 1)


def encode_token(request: HistoryRequest, after_id: int, now_ms: int) -> str:
    raw = json.dumps({"d": request.digest, "a": after_id, "t": now_ms}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, request: HistoryRequest, now_ms: int) -> int:
    """The id the previous page ended at."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        digest, after_id, issued_ms = data["d"], int(data["a"]), int(data["t"])
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidPaginationToken() from error
    if not (0 <= after_id <= _MAX_ID and 0 <= issued_ms <= MAX_DATE_MS):
        raise InvalidPaginationToken()
    if digest != request.digest:
        raise InvalidPaginationToken(
            "This paginationToken belongs to another request body; send the same body again."
        )
    if now_ms - issued_ms > TOKEN_LIFETIME_MS:
        raise PaginationTokenExpired()
    return after_id


_MS_RANGE = f"from 0 to {MAX_DATE_MS} (9999-12-31)"


def _is_ms(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DATE_MS


def _digest(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()[:24]

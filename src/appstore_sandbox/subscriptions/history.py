"""Get Transaction History: its query's rules, its filters, and the revision token.

Every change to a transaction (its purchase, a refund, an upgrade) gives it the next number in
its subscription's sequence of changes (``change_seq``). Records are sorted by that number,
oldest change first unless ``sort=DESCENDING``, and a revision is a point in the sequence plus
a digest of the query, sealed (:class:`~appstore_sandbox.sealing.TokenSeal`): Apple asks for the
same query parameters with every revision. Asked again with the last page's revision, an
ascending history answers exactly what changed since, a refunded transaction included, however
the records moved meanwhile. A descending history's revision pages on toward older changes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from appstore_sandbox.errors import (
    AppleError,
    InvalidEndDate,
    InvalidExcludeRevoked,
    InvalidInAppOwnershipType,
    InvalidProductId,
    InvalidProductType,
    InvalidRequestRevision,
    InvalidRevoked,
    InvalidSort,
    InvalidStartDate,
    InvalidSubscriptionGroupIdentifier,
)
from appstore_sandbox.store import Transaction

PAGE_SIZE = 20
PRODUCT_TYPES = ("AUTO_RENEWABLE", "NON_RENEWABLE", "CONSUMABLE", "NON_CONSUMABLE")
OWNERSHIP_TYPES = ("PURCHASED", "FAMILY_SHARED")
_MAX_DATE_MS = 253_402_300_799_999
# Past every change_seq (an Integer column): where a descending history starts.
_END = 2**31 - 1


@dataclass(frozen=True)
class HistoryQuery:
    start_ms: int | None
    end_ms: int | None
    product_ids: frozenset[str]
    product_types: frozenset[str]
    descending: bool
    groups: frozenset[str]
    ownership: str | None
    revoked: bool | None
    digest: str

    def matches(self, transaction: Transaction, group: str) -> bool:
        revoked = transaction.revocation_ms is not None
        return (
            (self.start_ms is None or transaction.purchase_ms >= self.start_ms)
            and (self.end_ms is None or transaction.purchase_ms < self.end_ms)
            and (not self.product_ids or transaction.product_id in self.product_ids)
            # Every sandbox purchase is an auto-renewable subscription.
            and (not self.product_types or "AUTO_RENEWABLE" in self.product_types)
            and (not self.groups or group in self.groups)
            and (self.ownership is None or transaction.ownership == self.ownership)
            and (self.revoked is None or revoked == self.revoked)
        )


def parse_query(params: Mapping[str, Sequence[str]]) -> HistoryQuery:
    """Check the query parameters; raise Apple's error for the first problem."""
    start = _date(params, "startDate", InvalidStartDate)
    end = _date(params, "endDate", InvalidEndDate)
    if start is not None and end is not None and start >= end:
        # Apple lists StartDateAfterEndDateError (4000013) for Notification History only; for
        # Transaction History its docs ask for "an endDate that's later than the startDate".
        raise InvalidEndDate("endDate must be later than startDate.")
    product_ids = _all(params, "productId")
    if any(not value or len(value) > 255 for value in product_ids):
        raise InvalidProductId()
    product_types = _all(params, "productType")
    if any(value not in PRODUCT_TYPES for value in product_types):
        raise InvalidProductType(f"productType must be one of {', '.join(PRODUCT_TYPES)}.")
    groups = _all(params, "subscriptionGroupIdentifier")
    if any(not value or len(value) > 255 for value in groups):
        raise InvalidSubscriptionGroupIdentifier()
    sort = _one(params, "sort", InvalidSort)
    if sort not in (None, "ASCENDING", "DESCENDING"):
        raise InvalidSort("sort must be ASCENDING or DESCENDING.")
    ownership = _one(params, "inAppOwnershipType", InvalidInAppOwnershipType)
    if ownership is not None and ownership not in OWNERSHIP_TYPES:
        raise InvalidInAppOwnershipType(
            f"inAppOwnershipType must be one of {', '.join(OWNERSHIP_TYPES)}."
        )
    revoked = _boolean(params, "revoked", InvalidRevoked)
    # excludeRevoked: the deprecated parameter revoked replaced (true: no revoked records).
    if _boolean(params, "excludeRevoked", InvalidExcludeRevoked) == "true":
        revoked = "false" if revoked is None else revoked
    return HistoryQuery(
        start_ms=start,
        end_ms=end,
        product_ids=frozenset(product_ids),
        product_types=frozenset(product_types),
        descending=sort == "DESCENDING",
        groups=frozenset(groups),
        ownership=ownership,
        revoked=None if revoked is None else revoked == "true",
        digest=_digest(params),
    )


@dataclass(frozen=True)
class Page:
    records: list[tuple[Transaction, str]]
    cursor: int
    has_more: bool


def first_cursor(query: HistoryQuery) -> int:
    """The point in the sequence of changes before the first page."""
    return _END if query.descending else 0


def page(records: Sequence[tuple[Transaction, str]], query: HistoryQuery, cursor: int) -> Page:
    """The page after ``cursor``: up to PAGE_SIZE records the query selects, in its order."""
    if query.descending:
        after = [r for r in records if r[0].change_seq < cursor and query.matches(*r)]
        after.sort(key=_change_seq, reverse=True)
    else:
        after = [r for r in records if r[0].change_seq > cursor and query.matches(*r)]
        after.sort(key=_change_seq)
    shown = after[:PAGE_SIZE]
    return Page(
        records=shown,
        cursor=_change_seq(shown[-1]) if shown else cursor,
        has_more=len(after) > PAGE_SIZE,
    )


def encode_revision(query: HistoryQuery, cursor: int) -> str:
    raw = json.dumps({"d": query.digest, "c": cursor}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_revision(revision: str, query: HistoryQuery) -> int:
    """The point in the sequence of changes where the earlier pages ended."""
    try:
        padded = revision + "=" * (-len(revision) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        digest, cursor = data["d"], int(data["c"])
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidRequestRevision() from error
    if digest != query.digest or not 0 <= cursor <= _END:
        raise InvalidRequestRevision(
            "This revision belongs to other query parameters; send the same ones again."
        )
    return cursor


def _change_seq(record: tuple[Transaction, str]) -> int:
    return record[0].change_seq


def _all(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    return list(params.get(name, ()))


def _one(params: Mapping[str, Sequence[str]], name: str, error: type[AppleError]) -> str | None:
    values = _all(params, name)
    if len(values) > 1:
        raise error(f"{name} may be given once.")
    return values[0] if values else None


def _boolean(params: Mapping[str, Sequence[str]], name: str, error: type[AppleError]) -> str | None:
    # Apple's Python library sends True/False, its Node library true/false.
    value = _one(params, name, error)
    value = value.lower() if value is not None else None
    if value not in (None, "true", "false"):
        raise error(f"{name} must be true or false.")
    return value


def _date(
    params: Mapping[str, Sequence[str]],
    name: str,
    error: type[AppleError],
) -> int | None:
    values = _all(params, name)
    if not values:
        return None
    if len(values) > 1 or not values[0].isdigit() or int(values[0]) > _MAX_DATE_MS:
        raise error(f"{name} must be a UNIX time in milliseconds.")
    return int(values[0])


def _digest(params: Mapping[str, Sequence[str]]) -> str:
    kept = {name: sorted(values) for name, values in params.items() if name != "revision"}
    canonical = json.dumps(kept, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()[:24]

"""Transaction History's pages: a revision is a point in the subscription's changes, so paging
from it brings every change once, whatever moved between pages."""

from __future__ import annotations

import dataclasses

import pytest

from appstore_sandbox.errors import InvalidEndDate, InvalidExcludeRevoked
from appstore_sandbox.store import Transaction
from appstore_sandbox.subscriptions import history


def _transaction(seq: int) -> Transaction:
    return Transaction(
        transaction_id=f"{2000000000000000 + seq}",
        app_id=1,
        original_transaction_id="2000000000000001",
        web_order_line_item_id=f"{3000000000000000 + seq}",
        product_id="com.example.app.monthly",
        purchase_ms=1_000 * seq,
        original_purchase_ms=1_000,
        expires_ms=1_000 * seq + 500,
        reason="RENEWAL",
        ownership="PURCHASED",
        environment="Sandbox",
        change_seq=seq,
    )


def _records(transactions: list[Transaction]) -> list[tuple[Transaction, str]]:
    return [(transaction, "Premium") for transaction in transactions]


def test_paging_from_revisions_brings_each_change_once_while_records_change() -> None:
    stored = [_transaction(seq) for seq in range(1, 46)]
    query = history.parse_query({})
    first = history.page(_records(stored), query, history.first_cursor(query))
    # Between pages: a transaction of the first page is refunded, and one more renews.
    refunded = dataclasses.replace(stored[2], revocation_ms=99_000, change_seq=46)
    stored[2] = refunded
    stored.append(_transaction(47))
    second = history.page(_records(stored), query, first.cursor)
    third = history.page(_records(stored), query, second.cursor)
    after = history.page(_records(stored), query, third.cursor)

    delivered = [t for page in (first, second, third) for t, _ in page.records]
    assert [len(page.records) for page in (first, second, third)] == [20, 20, 7]
    assert (first.has_more, second.has_more, third.has_more) == (True, True, False)
    assert [t.change_seq for t in delivered] == list(range(1, 48))
    assert delivered[-2] == refunded
    assert (after.records, after.cursor, after.has_more) == ([], third.cursor, False)


def test_a_descending_history_pages_toward_older_changes() -> None:
    stored = _records([_transaction(seq) for seq in range(1, 26)])
    query = history.parse_query({"sort": ["DESCENDING"]})
    first = history.page(stored, query, history.first_cursor(query))
    second = history.page(stored, query, first.cursor)
    assert [t.change_seq for t, _ in first.records] == list(range(25, 5, -1))
    assert [t.change_seq for t, _ in second.records] == [5, 4, 3, 2, 1]
    assert (first.has_more, second.has_more) == (True, False)


def test_a_revision_is_bound_to_its_query() -> None:
    query = history.parse_query({"productId": ["com.example.app.monthly"]})
    revision = history.encode_revision(query, 7)
    assert history.decode_revision(revision, query) == 7


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"startDate": ["2000"], "endDate": ["1000"]}, InvalidEndDate),
        ({"startDate": ["1000"], "endDate": ["1000"]}, InvalidEndDate),
        ({"excludeRevoked": ["maybe"]}, InvalidExcludeRevoked),
    ],
)
def test_date_order_and_the_deprecated_exclude_revoked(
    params: dict[str, list[str]], error: type[Exception]
) -> None:
    with pytest.raises(error):
        history.parse_query(params)


def test_exclude_revoked_leaves_revoked_transactions_out() -> None:
    kept = _transaction(1)
    revoked = dataclasses.replace(_transaction(2), revocation_ms=5_000)
    query = history.parse_query({"excludeRevoked": ["true"]})
    page = history.page(_records([kept, revoked]), query, history.first_cursor(query))
    assert [t for t, _ in page.records] == [kept]

"""Get Notification History with dates out of any sensible range, and pagination tokens whose
content was rewritten: Apple's 400s (4000015, 4000016, 4000014), never a 500."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import InvalidEndDate, InvalidPaginationToken, InvalidStartDate
from appstore_sandbox.notifications.history import (
    MAX_DATE_MS,
    TokenSeal,
    decode_token,
    encode_token,
    parse_request,
)
from tests.in_process import InProcess, in_process

NOW = 1_900_000_000_000
HOUR = 3_600_000
VALID = {"startDate": NOW - HOUR, "endDate": NOW}
HISTORY = "/sandbox/inApps/v1/notifications/history"
TOO_BIG = [10_000_000_000_000_000_000, 2**63, 2**63 - 1, MAX_DATE_MS + 1, -1]


@pytest.mark.parametrize("value", TOO_BIG)
def test_dates_out_of_range_are_invalid(value: int) -> None:
    with pytest.raises(InvalidStartDate, match="9999-12-31"):
        parse_request({"startDate": value, "endDate": NOW}, Environment.SANDBOX, NOW)
    with pytest.raises(InvalidEndDate, match="9999-12-31"):
        parse_request({"startDate": NOW - HOUR, "endDate": value}, Environment.SANDBOX, NOW)


def test_the_last_date_of_9999_is_a_valid_end_date() -> None:
    request = parse_request(
        {"startDate": NOW - HOUR, "endDate": MAX_DATE_MS}, Environment.SANDBOX, NOW
    )
    assert request.end_ms == NOW + 1


def _forged(fields: dict[str, Any]) -> str:
    raw = json.dumps(fields).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "fields",
    [
        {"a": 2**64, "t": NOW},
        {"a": -1, "t": NOW},
        {"a": 1, "t": 10**30},
        {"a": 1, "t": -(10**30)},
    ],
)
def test_a_token_with_out_of_range_content_is_invalid(fields: dict[str, Any]) -> None:
    request = parse_request(VALID, Environment.SANDBOX, NOW)
    with pytest.raises(InvalidPaginationToken):
        decode_token(_forged({"d": request.digest, **fields}), request, NOW)


def test_a_sealed_token_opens_with_the_same_key_only() -> None:
    seal = TokenSeal(b"k" * 32)
    token = encode_token(parse_request(VALID, Environment.SANDBOX, NOW), 41, NOW)
    assert seal.open(seal.seal(token)) == token
    assert TokenSeal(b"k" * 32).open(seal.seal(token)) == token
    with pytest.raises(InvalidPaginationToken):
        TokenSeal(b"x" * 32).open(seal.seal(token))


@pytest.mark.parametrize("sealed", ["", ".", "abc", "abc.", ".abc", "a.b.c", "\u00e9.\u00e9"])
def test_malformed_sealed_tokens_are_invalid(sealed: str) -> None:
    with pytest.raises(InvalidPaginationToken):
        TokenSeal(b"k" * 32).open(sealed)


def test_a_rewritten_offset_breaks_the_seal() -> None:
    seal = TokenSeal(b"k" * 32)
    request = parse_request(VALID, Environment.SANDBOX, NOW)
    mac = seal.seal(encode_token(request, 41, NOW)).rpartition(".")[2]
    forged = _forged({"d": request.digest, "a": 2**64, "t": NOW})
    with pytest.raises(InvalidPaginationToken):
        seal.open(f"{forged}.{mac}")


# over HTTP, in process


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("history")) as sandbox:
        yield sandbox


def _history(sandbox: InProcess, body: Any, token: str | None = None) -> Any:
    params = {"paginationToken": token} if token is not None else {}
    response = sandbox.client.post(
        HISTORY, json=body, params=params, headers=sandbox.apple_headers()
    )
    assert response.headers["content-type"] == "application/json"
    return response


@pytest.mark.parametrize("value", TOO_BIG)
def test_huge_dates_over_http_are_4000015_and_4000016(sandbox: InProcess, value: int) -> None:
    now = sandbox.sandbox.clock.now_ms()
    start = _history(sandbox, {"startDate": value, "endDate": now})
    assert (start.status_code, start.json()["errorCode"]) == (400, 4000015)
    end = _history(sandbox, {"startDate": now - HOUR, "endDate": value})
    assert (end.status_code, end.json()["errorCode"]) == (400, 4000016)


def test_a_forged_token_over_http_is_4000014(sandbox: InProcess) -> None:
    now = sandbox.sandbox.clock.now_ms()
    body = {"startDate": now - HOUR, "endDate": now}
    request = parse_request(body, Environment.SANDBOX, now)
    for forged in (
        _forged({"d": request.digest, "a": 10**30, "t": now}),  # the old, unsigned format
        _forged({"d": request.digest, "a": 10**30, "t": now}) + ".AAAA",
        "garbage",
    ):
        response = _history(sandbox, body, forged)
        assert (response.status_code, response.json()["errorCode"]) == (400, 4000014), forged


def test_the_key_is_the_databases_and_outlives_the_process(sandbox: InProcess) -> None:
    stored = sandbox.sandbox.store.meta_value("pagination_token_key")
    assert stored is not None and len(bytes.fromhex(stored)) == 32


# A date drawn as ("now", offset) is that far from the sandbox's now when the request is made;
# an end date drawn as ("after", gap) is that far after the start date.
_DATES = st.one_of(
    st.tuples(st.just("now"), st.integers(min_value=-40 * 24 * HOUR, max_value=24 * HOUR)),
    st.tuples(st.just("at"), st.integers(min_value=MAX_DATE_MS - 10, max_value=2**70)),
    st.tuples(st.just("at"), st.integers()),
)
_END_DATES = st.one_of(_DATES, st.tuples(st.just("after"), st.integers(1, 2**66)))


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(start=_DATES, end=_END_DATES)
def test_any_pair_of_integer_dates_is_answered_without_a_500(
    sandbox: InProcess, start: tuple[str, int], end: tuple[str, int]
) -> None:
    now = sandbox.sandbox.clock.now_ms()
    start_ms = start[1] + now if start[0] == "now" else start[1]
    bases = {"now": now, "after": start_ms, "at": 0}
    body = {"startDate": start_ms, "endDate": bases[end[0]] + end[1]}
    response = _history(sandbox, body)
    assert response.status_code in (200, 400), (body, response.text)

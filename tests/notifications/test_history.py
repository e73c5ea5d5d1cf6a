"""Get Notification History's request rules and pagination token, without the wire."""

from __future__ import annotations

from typing import Any

import pytest

from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import (
    AppleError,
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
from appstore_sandbox.notifications.history import (
    DAY_MS,
    TOKEN_LIFETIME_MS,
    decode_token,
    encode_token,
    parse_request,
)

NOW = 1_900_000_000_000
HOUR = 3_600_000
VALID = {"startDate": NOW - HOUR, "endDate": NOW}


def _parse(body: Any, environment: Environment = Environment.SANDBOX) -> Any:
    return parse_request(body, environment, NOW)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ([], InvalidStartDate),
        ({"endDate": NOW}, InvalidStartDate),
        ({"startDate": "yesterday", "endDate": NOW}, InvalidStartDate),
        ({"startDate": True, "endDate": NOW}, InvalidStartDate),
        ({"startDate": NOW - HOUR}, InvalidEndDate),
        ({"startDate": NOW, "endDate": NOW}, StartDateAfterEndDate),
        ({"startDate": NOW - 31 * DAY_MS, "endDate": NOW}, StartDateTooFarInPast),
        ({**VALID, "notificationType": "TEST", "transactionId": "1"}, MultipleFiltersSupplied),
        ({**VALID, "notificationType": "NOT_A_TYPE"}, InvalidNotificationType),
        ({**VALID, "transactionId": "12ab"}, InvalidTransactionId),
    ],
)
def test_each_rule_raises_apples_error(body: Any, error: type[AppleError]) -> None:
    with pytest.raises(error):
        _parse(body)


def test_production_keeps_180_days() -> None:
    body = {"startDate": NOW - 100 * DAY_MS, "endDate": NOW}
    assert _parse(body, Environment.PRODUCTION).start_ms == body["startDate"]
    with pytest.raises(StartDateTooFarInPast):
        _parse(body)


def test_a_future_end_date_means_until_now() -> None:
    request = _parse({"startDate": NOW - HOUR, "endDate": NOW + DAY_MS, "onlyFailures": True})
    assert request.end_ms == NOW + 1
    assert request.only_failures


@pytest.mark.parametrize(
    ("end", "end_ms"),
    [
        (NOW + 60_000, NOW + HOUR + 1),  # real "now + 60 s": the sandbox's now
        (NOW, NOW + HOUR + 1),  # the real now itself
        (NOW - 1, NOW - 1),  # the past keeps its end
    ],
)
def test_an_end_date_at_or_after_the_real_now_means_the_sandboxs_now(end: int, end_ms: int) -> None:
    # The sandbox clock runs an hour ahead: NOW is the real time, NOW + HOUR the sandbox's.
    body = {"startDate": NOW - HOUR, "endDate": end}
    request = parse_request(body, Environment.SANDBOX, NOW + HOUR, real_now_ms=NOW)
    assert request.end_ms == end_ms


def test_a_token_round_trips_for_the_same_body() -> None:
    request = _parse(VALID)
    token = encode_token(request, after_id=41, now_ms=NOW)
    assert decode_token(token, _parse(dict(VALID)), NOW + HOUR) == 41


def test_a_token_of_another_body_is_refused() -> None:
    token = encode_token(_parse(VALID), after_id=41, now_ms=NOW)
    other = _parse({**VALID, "notificationType": "TEST"})
    with pytest.raises(InvalidPaginationToken, match="another request body"):
        decode_token(token, other, NOW)


def test_garbage_and_expired_tokens() -> None:
    request = _parse(VALID)
    with pytest.raises(InvalidPaginationToken):
        decode_token("not-a-token", request, NOW)
    token = encode_token(request, after_id=1, now_ms=NOW)
    with pytest.raises(PaginationTokenExpired):
        decode_token(token, request, NOW + TOKEN_LIFETIME_MS + 1)

"""Apple's per-app rate limits under ``serve --rate-limits apple`` (see ratelimit.py).

Get Realtime URL is 1 request/s in production and 10% of that in the sandbox, enforced as an
hourly budget: 3600 and 360 calls. One app's sandbox budget is spent once per server (361 calls)
and the tests look at what that did; the whole file sends about 1,500 requests.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from appstoreserverlibrary.api_client import APIError, APIException

from tests.conftest import StartSandbox
from tests.sandbox_process import AppCredentials, SandboxProcess

PATH = "/inApps/v1/messaging/realtime/url"
SANDBOX_BUDGET = 360  # floor(1 req/s * 10% * 3600)
PRODUCTION_BUDGET = 3600
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class SpentBudget:
    """An app that has used up its hourly sandbox budget for Get Realtime URL."""

    server: SandboxProcess
    app: AppCredentials
    within_budget: list[httpx.Response]
    over_budget: httpx.Response
    started_ms: int
    answered_ms: int


def _token(server: SandboxProcess, app: AppCredentials) -> str:
    return server.apple_client(app)._generate_token()


def _calls(
    client: httpx.Client, environment: str, token: str, count: int
) -> Iterator[httpx.Response]:
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(count):
        yield client.get(f"/{environment}{PATH}", headers=headers)


def _assert_not_configured(response: httpx.Response) -> None:
    """Authenticated and under the limit: Get Realtime URL with nothing configured."""
    assert response.status_code == 404, response.text
    assert response.json()["errorCode"] == 4040021


@pytest.fixture(scope="module")
def limited(start_module_sandbox: StartSandbox) -> SandboxProcess:
    return start_module_sandbox("--rate-limits", "apple")


@pytest.fixture(scope="module")
def spent(limited: SandboxProcess) -> SpentBudget:
    app = limited.new_app()
    token = _token(limited, app)
    started_ms = int(time.time() * 1000)
    with httpx.Client(base_url=limited.base_url, timeout=10) as client:
        within_budget = list(_calls(client, "sandbox", token, SANDBOX_BUDGET))
        over_budget = client.get(f"/sandbox{PATH}", headers={"Authorization": f"Bearer {token}"})
    answered_ms = int(time.time() * 1000)
    return SpentBudget(limited, app, within_budget, over_budget, started_ms, answered_ms)


def test_the_whole_budget_is_served(spent: SpentBudget) -> None:
    assert len(spent.within_budget) == SANDBOX_BUDGET
    for response in spent.within_budget:
        _assert_not_configured(response)


def test_the_call_past_the_budget_is_4290000(spent: SpentBudget) -> None:
    response = spent.over_budget
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"errorCode", "errorMessage"}
    assert body["errorCode"] == 4290000
    assert isinstance(body["errorMessage"], str) and body["errorMessage"]


def test_retry_after_is_unix_milliseconds_within_the_next_hour(spent: SpentBudget) -> None:
    value = spent.over_budget.headers["retry-after"]
    assert value.isdigit()
    retry_after_ms = int(value)
    # In the future, at most an hour away (+2 ms for rounding up to whole milliseconds) ...
    assert spent.answered_ms < retry_after_ms <= spent.answered_ms + HOUR_MS + 2
    # ... exactly when the oldest call of the window leaves it: one hour after the first call.
    assert retry_after_ms >= spent.started_ms + HOUR_MS


def test_still_limited_with_a_fresh_token(spent: SpentBudget) -> None:
    # The budget is the app's, not the token's.
    response = httpx.get(
        spent.server.url(f"/sandbox{PATH}"),
        headers={"Authorization": f"Bearer {_token(spent.server, spent.app)}"},
    )
    assert response.status_code == 429
    assert response.json()["errorCode"] == 4290000


def test_apple_client_raises_rate_limit_exceeded(spent: SpentBudget) -> None:
    with pytest.raises(APIException) as raised:
        spent.server.apple_client(spent.app).get_realtime_url()
    assert raised.value.http_status_code == 429
    assert raised.value.api_error == APIError.RATE_LIMIT_EXCEEDED
    assert raised.value.raw_api_error == 4290000


def test_another_app_has_its_own_budget(spent: SpentBudget) -> None:
    other = spent.server.new_app()
    _assert_not_configured(
        httpx.get(
            spent.server.url(f"/sandbox{PATH}"),
            headers={"Authorization": f"Bearer {_token(spent.server, other)}"},
        )
    )
    with pytest.raises(APIException) as raised:
        spent.server.apple_client(other).get_realtime_url()
    assert raised.value.api_error == APIError.REALTIME_URL_NOT_FOUND


def test_production_budget_is_separate_and_larger(spent: SpentBudget) -> None:
    # The sandbox budget is spent; production still serves more calls than the sandbox allows.
    token = _token(spent.server, spent.app)
    with httpx.Client(base_url=spent.server.base_url, timeout=10) as client:
        for response in _calls(client, "production", token, SANDBOX_BUDGET + 1):
            _assert_not_configured(response)
    assert SANDBOX_BUDGET + 1 < PRODUCTION_BUDGET


def test_bad_token_is_401_before_the_rate_limit(spent: SpentBudget) -> None:
    # Authentication comes first: a bad token is 401 even for an app that is over its budget.
    response = httpx.get(spent.server.url(f"/sandbox{PATH}"), headers={"Authorization": "Bearer x"})
    assert response.status_code == 401
    assert response.content == b""


def test_default_server_never_rate_limits(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    token = _token(sandbox, app)
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:
        responses = list(_calls(client, "sandbox", token, 400))
    assert len(responses) == 400
    for response in responses:
        _assert_not_configured(response)

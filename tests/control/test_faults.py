"""``/_sandbox/v1/faults`` in process: what a spec may say, and the 400 that says what is wrong."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from appstoreserverlibrary.api_client import AppStoreServerAPIClient

from appstore_sandbox.apple_request import OPERATIONS
from tests.in_process import AsgiResult, InProcess, call_asgi, in_process

FAULTS = "/_sandbox/v1/faults"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("faults")) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def no_faults(sandbox: InProcess) -> Iterator[None]:
    yield
    sandbox.sandbox.faults.clear()


def _error(sandbox: InProcess, spec: dict[str, Any]) -> str:
    response = sandbox.client.post(FAULTS, json=spec)
    assert response.status_code == 400, response.text
    return str(response.json()["error"])


def test_a_fault_comes_back_with_its_id_hits_and_remaining_count(sandbox: InProcess) -> None:
    spec = {"kind": "429", "operation": "uploadImage", "environment": "both", "count": 2}
    response = sandbox.client.post(FAULTS, json=spec)
    assert response.status_code == 201
    fault = response.json()
    assert fault["faultId"] and (fault["hits"], fault["remaining"]) == (0, 2)
    assert sandbox.client.get(FAULTS).json()["faults"] == [fault]
    assert sandbox.client.delete(f"{FAULTS}/{fault['faultId']}").json() == {"faults": []}
    assert sandbox.client.delete(f"{FAULTS}/{fault['faultId']}").status_code == 404


def test_the_operations_a_fault_may_name_are_the_methods_of_apples_client(
    sandbox: InProcess,
) -> None:
    assert len(OPERATIONS) == 20
    assert [name for name in OPERATIONS if not hasattr(AppStoreServerAPIClient, name)] == []


def test_an_unknown_operation_is_a_400_listing_apples(sandbox: InProcess) -> None:
    error = _error(sandbox, {"kind": "500", "operation": "getImageLists"})
    assert error.startswith("operation 'getImageLists' is not one of Apple's operations: ")
    for name in ("getPerformanceTestResults", "requestTestNotification", "uploadImage"):
        assert name in error
    assert sandbox.client.get(FAULTS).json()["faults"] == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "418"}, "kind: Input should be '429', '500', '401', 'delay' or 'drop'"),
        ({"kind": "429", "target": "notifications"}, "kind must be one of delay, drop"),
        ({"kind": "500", "count": 1, "fraction": 0.5}, "give count or fraction, not both."),
        ({"kind": "500", "fraction": 0}, "fraction must be more than 0 and at most 1."),
        ({"kind": "delay", "delayMs": 10**9}, "delayMs must be from 0 to 600000."),
        ({"kind": "500", "environment": "staging"}, "environment: Input should be"),
        ({"kind": "500", "operation": "/production/inApps/v1/*"}, "after the environment"),
    ],
)
def test_an_invalid_spec_is_a_400_saying_why(
    sandbox: InProcess, spec: dict[str, Any], message: str
) -> None:
    assert message in _error(sandbox, spec)


def test_one_fault_more_than_max_faults_is_a_400_naming_the_setting(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with in_process(tmp_path_factory.mktemp("capped"), max_faults=2) as capped:
        added = [capped.client.post(FAULTS, json={"kind": "500"}) for _ in range(2)]
        assert [response.status_code for response in added] == [201, 201]
        error = _error(capped, {"kind": "500"})
        assert "max_faults (2)" in error
        assert len(capped.client.get(FAULTS).json()["faults"]) == 2
        capped.client.delete(f"{FAULTS}/{added[0].json()['faultId']}").raise_for_status()
        assert capped.client.post(FAULTS, json={"kind": "500"}).status_code == 201


IMAGE_LIST = "/sandbox/inApps/v1/messaging/image/list"
LONG_DELAY = {"kind": "delay", "delayMs": 600_000}  # the longest a fault may hold a call


async def _released_by(sandbox: InProcess, method: str, path: str) -> AsgiResult:
    """A call held in a long delay fault, answered once ``method path`` releases it."""
    held = asyncio.create_task(
        call_asgi(sandbox.app, "GET", IMAGE_LIST, list(sandbox.apple_headers().items()))
    )
    while any(fault.hits == 0 for fault in sandbox.sandbox.faults.all()):
        assert not held.done(), "the call was not held"
        await asyncio.sleep(0.01)
    released = await call_asgi(sandbox.app, method, path)
    assert released.status == 200, released.body
    # Bounded well under the delay: a call still held would fail here, not hang the suite.
    return await asyncio.wait_for(held, 20)


def test_clearing_the_faults_releases_a_call_held_in_a_delay(sandbox: InProcess) -> None:
    sandbox.client.post(FAULTS, json=LONG_DELAY).raise_for_status()
    answered = asyncio.run(_released_by(sandbox, "DELETE", FAULTS))
    assert answered.status == 200  # released, it is answered as usual
    assert json.loads(answered.body) == {"imageIdentifiers": []}


def test_removing_a_delay_fault_releases_the_calls_it_holds(sandbox: InProcess) -> None:
    fault = sandbox.client.post(FAULTS, json={**LONG_DELAY, "count": 1}).json()
    # Its one call taken, the fault is no longer listed, but it still holds that call.
    answered = asyncio.run(_released_by(sandbox, "DELETE", f"{FAULTS}/{fault['faultId']}"))
    assert answered.status == 200

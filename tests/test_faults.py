"""Which calls a fault acts on: scope, operation names and paths, count, fraction with a seed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from appstore_sandbox.errors import BadInput
from appstore_sandbox.faults import Call, Fault, Faults, FaultSpec, operation_problem

TEST_NOTIFICATION = Call(
    "api",
    "com.example.app",
    "sandbox",
    "POST",
    "/inApps/v1/notifications/test",
    ("request_test_notification", "Request a Test Notification"),
)
IMAGE_LIST = Call(
    "api",
    "com.example.app",
    "sandbox",
    "GET",
    "/inApps/v1/messaging/image/list",
    ("get_image_list",),
)


def test_no_fault_acts_on_nothing() -> None:
    assert Faults().take(TEST_NOTIFICATION) is None


@pytest.mark.parametrize(
    "operation",
    ["request_test_notification", "Request a Test Notification", "/inApps/v1/notifications/*"],
)
def test_an_operation_is_named_three_ways(operation: str) -> None:
    faults = Faults()
    faults.add(FaultSpec("500", operation=operation))
    assert faults.take(IMAGE_LIST) is None
    fault = faults.take(TEST_NOTIFICATION)
    assert fault is not None and fault.hits == 1


def test_scope_by_app_environment_and_method() -> None:
    faults = Faults()
    faults.add(FaultSpec("500", bundle_id="com.other", environment="sandbox"))
    faults.add(FaultSpec("429", environment="production"))
    faults.add(FaultSpec("401", method="get"))
    assert faults.take(TEST_NOTIFICATION) is None  # other app, other environment, POST
    fault = faults.take(IMAGE_LIST)
    assert fault is not None and fault.spec.kind == "401"


def test_count_acts_on_the_next_n_then_the_fault_goes() -> None:
    faults = Faults()
    faults.add(FaultSpec("429", count=2))
    taken = [faults.take(TEST_NOTIFICATION) for _ in range(3)]
    assert [fault is not None for fault in taken] == [True, True, False]
    assert faults.all() == []


def test_a_seeded_fraction_repeats_and_is_about_right() -> None:
    def pattern() -> list[bool]:
        faults = Faults()
        faults.add(FaultSpec("500", fraction=0.25, seed=7))
        return [faults.take(TEST_NOTIFICATION) is not None for _ in range(2000)]

    first = pattern()
    assert first == pattern()
    assert 400 <= sum(first) <= 600


def test_notification_faults_do_not_touch_the_api_and_back() -> None:
    faults = Faults()
    faults.add(FaultSpec("drop", target="notifications"))
    assert faults.take(TEST_NOTIFICATION) is None
    assert faults.take(Call("notifications", "com.example.app", "sandbox")) is not None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (FaultSpec("418"), "kind must be one of 401, 429, 500, delay, drop for api."),
        (FaultSpec("429", target="notifications"), "kind must be one of delay, drop"),
        (FaultSpec("500", count=1, fraction=0.5), "give count or fraction, not both."),
        (FaultSpec("500", fraction=1.5), "fraction must be more than 0 and at most 1."),
        (FaultSpec("delay", delay_ms=-1), "delayMs must be from 0 to 600000."),
        (FaultSpec("drop", target="notifications", operation="x"), "operation and method"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec: FaultSpec, message: str) -> None:
    with pytest.raises(BadInput, match=message.replace(".", r"\.")):
        Faults().add(spec)


@pytest.mark.parametrize(
    "operation", ["requestTestNotification", "RequestTestNotification", "REQUEST_TEST_NOTIFICATION"]
)
def test_an_operation_name_is_compared_whatever_its_case_and_separators(operation: str) -> None:
    faults = Faults()
    faults.add(FaultSpec("429", operation=operation))
    assert faults.take(IMAGE_LIST) is None
    assert faults.take(TEST_NOTIFICATION) is not None


def test_both_environments_is_the_same_as_none() -> None:
    faults = Faults()
    faults.add(FaultSpec("500", environment="both"))
    production = Call("api", "com.example.app", "production", "GET", "/x", ("get_image_list",))
    assert faults.take(TEST_NOTIFICATION) is not None
    assert faults.take(production) is not None


APPLE_NAMES = ["get_image_list", "Get Image List", "request_test_notification", ""]


@pytest.mark.parametrize(
    "operation", ["getImageList", "Get Image List", "get_image_list", "/inApps/v1/*"]
)
def test_a_known_operation_or_a_path_has_no_problem(operation: str) -> None:
    assert operation_problem(operation, APPLE_NAMES) is None


def test_an_unknown_operation_is_named_with_the_known_ones() -> None:
    problem = operation_problem("getImageLists", APPLE_NAMES)
    assert problem == (
        "operation 'getImageLists' is not one of Apple's operations: getImageList, "
        "requestTestNotification (or a path pattern such as /inApps/v1/messaging/image/*)."
    )


def test_a_path_with_the_environment_prefix_is_refused() -> None:
    problem = operation_problem("/sandbox/inApps/v1/messaging/image/list", APPLE_NAMES)
    assert problem is not None and "after the environment prefix" in problem


def test_one_fault_more_than_max_faults_is_refused_naming_the_setting() -> None:
    faults = Faults(max_faults=2)
    first = faults.add(FaultSpec("500"))
    faults.add(FaultSpec("429"))
    with pytest.raises(BadInput, match=r"max_faults \(2\)"):
        faults.add(FaultSpec("401"))
    faults.remove(first.fault_id)
    faults.add(FaultSpec("401"))


DELAY_CALL = Call("notifications", "com.example.app", "sandbox")
LONG_DELAY_MS = 600_000


async def _held_then(let_go: Callable[[Faults, Fault], None]) -> None:
    """Hold a call in a long delay, let it go from another thread, and see it end."""
    faults = Faults()
    faults.add(FaultSpec("delay", target="notifications", delay_ms=LONG_DELAY_MS))
    fault = faults.take(DELAY_CALL)
    assert fault is not None
    held = asyncio.create_task(faults.hold(fault))
    await asyncio.sleep(0.05)
    assert not held.done(), "the call is held"
    await asyncio.to_thread(let_go, faults, fault)
    await asyncio.wait_for(held, 20)  # well under the delay: a call still held fails here


@pytest.mark.parametrize(
    "let_go",
    [
        lambda faults, fault: faults.clear(),
        lambda faults, fault: faults.remove(fault.fault_id),
        lambda faults, fault: faults.close(),
    ],
    ids=["clear", "remove", "close"],
)
def test_a_held_call_is_let_go_at_once(let_go: Callable[[Faults, Fault], None]) -> None:
    asyncio.run(_held_then(let_go))


def test_a_delay_whose_count_is_used_up_still_lets_its_call_go_when_removed() -> None:
    async def scenario() -> bool:
        faults = Faults()
        added = faults.add(
            FaultSpec("delay", target="notifications", delay_ms=LONG_DELAY_MS, count=1)
        )
        fault = faults.take(DELAY_CALL)
        assert fault is not None and faults.all() == []
        held = asyncio.create_task(faults.hold(fault))
        await asyncio.sleep(0.05)
        found = faults.remove(added.fault_id)
        await asyncio.wait_for(held, 20)
        return found and not faults.remove(added.fault_id)

    assert asyncio.run(scenario())


@pytest.mark.parametrize("let_go", ["clear", "close"])
def test_a_call_taken_just_before_the_faults_were_let_go_is_not_held(let_go: str) -> None:
    async def scenario() -> None:
        faults = Faults()
        faults.add(FaultSpec("delay", target="notifications", delay_ms=LONG_DELAY_MS))
        fault = faults.take(DELAY_CALL)
        assert fault is not None
        getattr(faults, let_go)()
        await asyncio.wait_for(faults.hold(fault), 20)
        assert faults.take(DELAY_CALL) is None

    asyncio.run(scenario())

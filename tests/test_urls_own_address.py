"""The sandbox's own listening address, under every name that reaches it, is never called."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from appstore_sandbox.outbound.policy import OutboundPolicy
from appstore_sandbox.urls import own_address_problem

ON_LOOPBACK = ("127.0.0.1", 8080)
EVERYWHERE = ("0.0.0.0", 8080)
NOT_HERE = "203.0.113.77"  # TEST-NET-3, documentation only
ELSEWHERE = (NOT_HERE, 8080)


def _assigned_here(address: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def _this_machines_address() -> str | None:
    """A non-loopback address of this machine: the one a UDP socket would send from (connecting
    a UDP socket sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if ipaddress.ip_address(address).is_loopback else address


@pytest.mark.parametrize(
    "host",
    [
        *("127.0.0.1", "127.0.0.2", "127.1", "localhost", "LocalHost.", "api.localhost"),
        *("::1", "[::1]", "::ffff:127.0.0.1", "2130706433"),  # the last: 127.0.0.1 as one number
    ],
)
def test_loopback_under_any_name_reaches_a_loopback_listener(host: str) -> None:
    problem = own_address_problem(host, 8080, ON_LOOPBACK)
    assert problem is not None
    assert problem.endswith(
        "is this sandbox's own address (it listens on 127.0.0.1:8080); the sandbox never calls "
        "itself"
    )


def test_the_message_names_what_was_asked_for() -> None:
    assert own_address_problem("::1", 8080, ON_LOOPBACK) == (
        "[::1]:8080 is this sandbox's own address (it listens on 127.0.0.1:8080); "
        "the sandbox never calls itself"
    )


@pytest.mark.parametrize("listening", [ON_LOOPBACK, EVERYWHERE, ("::", 8080), ("localhost", 8080)])
def test_another_port_is_someone_else(listening: tuple[str, int]) -> None:
    assert own_address_problem("127.0.0.1", 8081, listening) is None


def test_listening_everywhere_makes_loopback_the_sandbox() -> None:
    assert own_address_problem("localhost", 8080, EVERYWHERE) is not None
    assert own_address_problem("127.0.0.1", 8080, ("::", 8080)) is not None


def test_listening_everywhere_makes_this_machines_addresses_the_sandbox() -> None:
    address = _this_machines_address()
    if address is None:
        pytest.skip("this machine has no address but loopback")
    assert own_address_problem(address, 8080, EVERYWHERE) is not None
    assert own_address_problem(f"::ffff:{address}", 8080, ("::", 8080)) is not None


def test_listening_everywhere_leaves_other_machines_alone() -> None:
    if _assigned_here(NOT_HERE):
        pytest.skip(f"this machine has {NOT_HERE}")
    assert own_address_problem(NOT_HERE, 8080, EVERYWHERE) is None


def test_listening_on_one_address_makes_only_that_address_the_sandbox() -> None:
    assert own_address_problem(NOT_HERE, 8080, ELSEWHERE) is not None
    assert own_address_problem("127.0.0.1", 8080, ELSEWHERE) is None
    assert own_address_problem("203.0.113.78", 8080, ELSEWHERE) is None


def test_other_names_wait_for_what_they_resolve_to() -> None:
    assert own_address_problem("example.com", 8080, ON_LOOPBACK) is None


def test_the_policy_refuses_the_sandbox_as_a_callback_url_and_as_a_resolved_address() -> None:
    policy = OutboundPolicy(own_address=ON_LOOPBACK)
    assert policy.callback_problem("http://localhost:8080/_sandbox/v1/apps") is not None
    assert policy.callback_problem("http://localhost:8081/retention") is None
    assert policy.callback_problem("http://127.0.0.1/retention") is None  # port 80
    everywhere_on_443 = OutboundPolicy(own_address=("0.0.0.0", 443))
    assert everywhere_on_443.callback_problem("https://127.0.0.1/retention") is not None
    assert OutboundPolicy().callback_problem("http://localhost:8080/") is None  # not listening


def test_the_own_address_reaches_the_engine_process_policy() -> None:
    policy = OutboundPolicy(strict=True, own_address=("::", 8443))
    data = {"strict": True, "allowed_hosts": [], "own_address": ["::", 8443]}
    assert OutboundPolicy.from_json(data) == policy

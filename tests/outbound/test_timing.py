"""Replies are timed by the kernel's receive timestamps: a busy event loop cannot move the clock."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from appstore_sandbox.outbound.results import Exchange, SendAttemptResult
from appstore_sandbox.outbound.sender import Sender
from tests.outbound.sending import BODY, USER_AGENT, post
from tests.outbound.servers import answering, raw_server, response, run_on

DELAY_S = 0.05
BLOCKED_S = 0.3


@pytest.mark.skipif(sys.platform != "linux", reason="kernel receive timestamps are Linux's")
def test_on_linux_replies_are_timed_by_the_kernel(loop_name: str) -> None:
    assert Sender(1, USER_AGENT).clock == "kernel"
    with raw_server(answering(response())) as server:
        exchange = post(loop_name, server.url())
    assert exchange.reply is not None and exchange.clock == "kernel"


def test_latency_covers_the_servers_delay(loop_name: str) -> None:
    with raw_server(answering(response(), DELAY_S)) as server:
        exchange = post(loop_name, server.url())
    assert exchange.reply is not None and exchange.reply.status == 200
    assert exchange.latency_us is not None and exchange.latency_us >= DELAY_S * 1_000_000
    assert exchange.received_ns - exchange.sent_ns >= DELAY_S * 1_000_000_000


async def _post_while_the_loop_is_blocked(url: str, timeout_s: float) -> tuple[Exchange, int]:
    """Post, then keep the loop thread busy for BLOCKED_S; also when the block began."""
    sender = Sender(1, USER_AGENT)
    try:
        assert (await sender.post(url, BODY, 5)).reply is not None  # the connection is open
        task = asyncio.ensure_future(sender.post(url, BODY, timeout_s))
        await asyncio.sleep(0)  # the task writes its request and waits for the reply
        blocked_ns = time.time_ns()
        time.sleep(BLOCKED_S)
        return await task, blocked_ns
    finally:
        await sender.close()


@pytest.mark.parametrize("timeout_s", [5, 0.1])
def test_a_reply_that_arrived_while_the_loop_was_blocked_is_timed_by_its_arrival(
    loop_name: str, timeout_s: float
) -> None:
    """Also when the deadline passed meanwhile: the reply was in the socket in time."""
    with raw_server(answering(response())) as server:
        exchange, blocked_ns = run_on(
            loop_name, _post_while_the_loop_is_blocked(server.url(), timeout_s)
        )
    assert exchange.reply is not None, exchange.explanation
    assert 0 < exchange.sent_ns <= blocked_ns
    assert exchange.latency_us is not None and exchange.latency_us < 150_000


def test_a_reply_after_the_deadline_is_timed_out_even_if_the_loop_was_blocked(
    loop_name: str,
) -> None:
    with raw_server(answering(response(), 0, 0.2)) as server:
        exchange, _ = run_on(loop_name, _post_while_the_loop_is_blocked(server.url(), 0.1))
    assert exchange.failure is SendAttemptResult.TIMED_OUT
    assert exchange.explanation == "no complete response within 100 ms"
    assert exchange.latency_us == 100_000


def test_a_slow_server_times_out_at_the_deadline(loop_name: str) -> None:
    with raw_server(answering(response(), 0.5)) as server:
        started = time.monotonic()
        exchange = post(loop_name, server.url(), timeout_s=0.1)
        waited_s = time.monotonic() - started
    assert exchange.failure is SendAttemptResult.TIMED_OUT
    assert exchange.latency_us == 100_000 and exchange.sent_ns > 0
    assert waited_s < 0.5

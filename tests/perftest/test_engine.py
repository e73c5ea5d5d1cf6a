"""The load loop: every request once, the in-flight cap, pacing, send lag (without sockets); and
how each way a developer's endpoint can misbehave is keyed in a run's failures (real sender,
real loopback endpoints, no sandbox)."""

from __future__ import annotations

import asyncio
import time

import pytest
from appstoreserverlibrary.models.SendAttemptResult import SendAttemptResult as AppleResult

from appstore_sandbox.outbound.results import Attempt, HttpReply, SendAttemptResult
from appstore_sandbox.outbound.transport import SenderTransports, TransportOptions
from appstore_sandbox.perftest.engine import LoadPlan, run_load
from appstore_sandbox.perftest.stats import RunStats
from appstore_sandbox.realtime.response_check import judge_realtime_reply
from tests.fake_transport import FakeTransport
from tests.targets import VALID_BODY, refused_url, target_server

URL = "http://127.0.0.1:9/retention"
VALID = HttpReply(200, "application/json", VALID_BODY)


class CountedRequests:
    """Bodies numbered in the order they are asked for; optionally slow to build one."""

    def __init__(self, slow_at: int | None = None, slow_s: float = 0.0) -> None:
        self.count = 0
        self._slow_at, self._slow_s = slow_at, slow_s

    def next(self) -> tuple[str, bytes]:
        number = self.count
        self.count += 1
        if number == self._slow_at:
            time.sleep(self._slow_s)  # a generator too busy to send on time
        return f"request-{number}", str(number).encode()


class Outcomes:
    def __init__(self) -> None:
        self.attempts: dict[int, tuple[str, Attempt, int | None]] = {}

    def __call__(
        self, sequence: int, request_identifier: str, attempt: Attempt, send_lag_us: int | None
    ) -> None:
        assert sequence not in self.attempts
        self.attempts[sequence] = (request_identifier, attempt, send_lag_us)


def _run(plan: LoadPlan, transport: FakeTransport, requests: CountedRequests) -> Outcomes:
    outcomes = Outcomes()
    asyncio.run(run_load(plan, requests, transport, judge_realtime_reply, outcomes))
    return outcomes


def test_every_request_is_sent_once_and_the_in_flight_cap_holds() -> None:
    transport = FakeTransport(lambda url, body: VALID, delay_s=0.002)
    outcomes = _run(LoadPlan(URL, 60, 7, 1.0, None), transport, CountedRequests())
    assert sorted(outcomes.attempts) == list(range(60))
    assert len(transport.posts) == 60
    assert transport.most_in_flight == 7
    assert all(attempt.succeeded for _, attempt, _ in outcomes.attempts.values())


def test_fewer_requests_than_the_concurrency() -> None:
    transport = FakeTransport(lambda url, body: VALID, delay_s=0.001)
    outcomes = _run(LoadPlan(URL, 3, 10, 1.0, None), transport, CountedRequests())
    assert sorted(outcomes.attempts) == [0, 1, 2]
    assert transport.most_in_flight == 3


def test_paced_requests_never_leave_before_their_time() -> None:
    rate = 400.0
    transport = FakeTransport(lambda url, body: VALID)
    loop_start: list[float] = []

    async def run() -> None:
        loop_start.append(asyncio.get_running_loop().time())
        await run_load(
            LoadPlan(URL, 20, 4, 1.0, rate),
            CountedRequests(),
            transport,
            judge_realtime_reply,
            Outcomes(),
        )

    asyncio.run(run())
    for sent_at, _, body in transport.posts:
        assert sent_at >= loop_start[0] + int(body) / rate


def test_send_lag_shows_a_generator_that_fell_behind() -> None:
    transport = FakeTransport(lambda url, body: VALID)
    requests = CountedRequests(slow_at=5, slow_s=0.05)
    outcomes = _run(LoadPlan(URL, 10, 1, 1.0, 1000.0), transport, requests)
    lag_of_slow = outcomes.attempts[5][2]
    assert lag_of_slow is not None and lag_of_slow >= 50_000


def test_failures_keep_their_result_and_replies_are_judged() -> None:
    def answer(url: str, body: bytes) -> HttpReply | SendAttemptResult:
        if int(body) % 2:
            return SendAttemptResult.NO_RESPONSE
        return HttpReply(200, "text/html", b"<html></html>")

    outcomes = _run(LoadPlan(URL, 6, 2, 1.0, None), FakeTransport(answer), CountedRequests())
    for sequence, (identifier, attempt, lag) in outcomes.attempts.items():
        assert identifier.startswith("request-")
        if sequence % 2:
            assert attempt.result is SendAttemptResult.NO_RESPONSE
            assert attempt.latency_us is None and lag is None
        else:
            assert attempt.result is SendAttemptResult.INVALID_RESPONSE
            assert attempt.http_status == 200 and lag is not None


def _run_against(url: str, total: int, timeout_s: float = 0.7) -> RunStats:
    """A run as the engine makes it, through the real sender, into a run's statistics."""
    stats = RunStats()

    async def run() -> None:
        sender = SenderTransports().open(TransportOptions(10, "appstore-sandbox tests"))
        try:
            plan = LoadPlan(url, total, 10, timeout_s, None)
            await run_load(plan, CountedRequests(), sender, judge_realtime_reply, stats.record)
        finally:
            await sender.close()

    asyncio.run(run())
    return stats


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        ("500", AppleResult.UNSUCCESSFUL_HTTP_RESPONSE_CODE),
        ("html", AppleResult.INVALID_RESPONSE),
        ("wrong-shape", AppleResult.INVALID_RESPONSE),
        ("slow", AppleResult.TIMED_OUT),
        ("close-mid-response", AppleResult.PREMATURE_CLOSE),
        ("hang-up", AppleResult.PREMATURE_CLOSE),
    ],
)
def test_failures_are_keyed_by_send_attempt_result(behaviour: str, expected: AppleResult) -> None:
    # Keyed by Apple's own names, as Apple's client reads them (one such run goes through it in
    # tests/contract/test_performance_test.py).
    with target_server(behaviour) as url:
        stats = _run_against(url, 10, timeout_s=0.5)
    assert stats.successes == 0
    assert stats.failures() == {expected.value: 10}


def test_refused_connections_are_no_response() -> None:
    stats = _run_against(refused_url(), 20)
    assert stats.failures() == {AppleResult.NO_RESPONSE.value: 20}

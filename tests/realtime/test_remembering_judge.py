"""The engine's judge decides each distinct small reply once and keeps memory bounded."""

from __future__ import annotations

from appstore_sandbox.outbound.results import Attempt, HttpReply, SendAttemptResult
from appstore_sandbox.realtime.catalog_judge import RememberingJudge


class CountingJudge:
    def __init__(self) -> None:
        self.seen: list[HttpReply] = []

    def __call__(self, reply: HttpReply) -> Attempt:
        self.seen.append(reply)
        ok = reply.status == 200
        result = SendAttemptResult.SUCCESS if ok else SendAttemptResult.INVALID_RESPONSE
        return Attempt(result, None, reply.status, "" if ok else f"status {reply.status}")


def reply(body: bytes, status: int = 200) -> HttpReply:
    return HttpReply(status, "application/json", body)


def test_the_same_reply_is_judged_once_and_gets_the_same_verdict() -> None:
    inner = CountingJudge()
    judge = RememberingJudge(inner)
    verdicts = [judge(reply(b'{"message":{}}')) for _ in range(5)]
    assert len(inner.seen) == 1
    assert {verdict.result for verdict in verdicts} == {SendAttemptResult.SUCCESS}


def test_replies_differing_in_status_or_body_are_judged_apart() -> None:
    inner = CountingJudge()
    judge = RememberingJudge(inner)
    assert judge(reply(b"{}", 500)).result is SendAttemptResult.INVALID_RESPONSE
    assert judge(reply(b"{}", 200)).result is SendAttemptResult.SUCCESS
    judge(reply(b"{ }", 200))
    assert len(inner.seen) == 3


def test_large_bodies_are_never_kept() -> None:
    inner = CountingJudge()
    judge = RememberingJudge(inner, max_body_bytes=10)
    for _ in range(3):
        judge(reply(b"x" * 11))
    assert len(inner.seen) == 3


def test_at_most_max_entries_are_kept() -> None:
    inner = CountingJudge()
    judge = RememberingJudge(inner, max_entries=4)
    bodies = [b"%d" % number for number in range(10)]
    for body in bodies:
        judge(reply(body))
    judge(reply(bodies[-1]))  # still remembered
    judge(reply(bodies[0]))  # long forgotten
    assert len(inner.seen) == 11

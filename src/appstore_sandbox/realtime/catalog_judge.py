"""Judging a realtime reply as Apple would: its structure first, then whether it fits the app.

In ``warn`` mode a response that breaks a catalog rule still counts as SUCCESS (Apple's pass
criteria for the performance test are not documented to include them) and carries the problem
for the report; in ``strict`` mode it is INVALID_RESPONSE with the problem as explanation.
"""

from __future__ import annotations

from typing import Any

from appstore_sandbox.outbound.results import Attempt, HttpReply, Judge, SendAttemptResult
from appstore_sandbox.realtime.payloads import Subscriber
from appstore_sandbox.realtime.response_check import judge_realtime_document
from appstore_sandbox.realtime.response_rules import ResponseRules


class CatalogJudge:
    """A ``Judge`` (``HttpReply -> Attempt``) for one subscriber's requests."""

    def __init__(self, rules: ResponseRules, subscriber: Subscriber, strict: bool) -> None:
        self._rules = rules
        self._subscriber = subscriber
        self._strict = strict

    def __call__(self, reply: HttpReply) -> Attempt:
        return self.judge(reply)[0]

    def judge(self, reply: HttpReply) -> tuple[Attempt, dict[str, Any] | None]:
        """The attempt, and the decoded body when it is a well-formed RealtimeResponseBody."""
        attempt, document = judge_realtime_document(reply)
        if document is None:
            return attempt, None
        problems = self._rules.problems(document, self._subscriber)
        if not problems:
            return attempt, document
        problem = "; ".join(problems)
        if self._strict:
            result, explanation = SendAttemptResult.INVALID_RESPONSE, problem
        else:
            result, explanation = attempt.result, attempt.explanation
        return Attempt(result, None, reply.status, explanation, problem), document


class RememberingJudge:
    """A ``Judge`` that decides each distinct small reply once.

    A performance test's endpoint usually answers the same bytes again and again, and a judge's
    verdict depends on the reply alone (the app's catalog is read once per run), so decoding and
    checking it each time is work the generator core can skip. Only replies up to
    ``max_body_bytes`` are kept, at most ``max_entries`` of them, so memory stays flat whatever
    the endpoint sends.
    """

    def __init__(self, judge: Judge, max_entries: int = 256, max_body_bytes: int = 4096) -> None:
        self._judge = judge
        self._max_entries = max_entries
        self._max_body_bytes = max_body_bytes
        self._verdicts: dict[HttpReply, Attempt] = {}

    def __call__(self, reply: HttpReply) -> Attempt:
        if len(reply.body) > self._max_body_bytes:
            return self._judge(reply)
        verdict = self._verdicts.get(reply)
        if verdict is None:
            if len(self._verdicts) >= self._max_entries:
                self._verdicts.clear()
            verdict = self._verdicts[reply] = self._judge(reply)
        return verdict

"""Judging a realtime reply as Apple would: its structure first, then whether it fits the app.

In ``warn`` mode a response that breaks a catalog rule still counts as SUCCESS (Apple's pass
criteria for the performance test are not documented to include them) and carries the problem
for the report; in ``strict`` mode it is INVALID_RESPONSE with the problem as explanation.
"""

from __future__ import annotations

from typing import Any

from appstore_sandbox.outbound.results import Attempt, HttpReply, SendAttemptResult
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

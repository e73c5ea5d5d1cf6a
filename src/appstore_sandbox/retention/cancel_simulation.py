"""A customer taps Cancel Subscription: what does the Confirm Cancellation sheet show?

One realtime request, signed and sent exactly as in a performance test (same payload builder,
sender and judge), with Apple's 700 ms deadline. Its answer is used only if it arrives in time,
is well formed and fits the app's catalog, whatever the app's warn/strict setting: this is what
the customer would see. Otherwise the default message for the product and locale is shown, and
without one, Apple's standard sheet (no retention message).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Literal

import jwt

from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import BadInput
from appstore_sandbox.outbound.results import Attempt, HttpReply, Judge, SendAttemptResult, judged
from appstore_sandbox.outbound.transport import TransportOptions, Transports
from appstore_sandbox.realtime.app_state import load_app_state
from appstore_sandbox.realtime.cancel_sheet import default_message, realtime_message
from appstore_sandbox.realtime.catalog_judge import CatalogJudge
from appstore_sandbox.realtime.payloads import RealtimeRequests, Subscriber
from appstore_sandbox.realtime.response_rules import ResponseRules
from appstore_sandbox.retention.locales import is_app_store_locale, locale_hint
from appstore_sandbox.signing import JwsSigner
from appstore_sandbox.store import App, Purchase, Store

DEADLINE_S = 0.7
DEFAULT_LOCALE = "en-US"
# When Apple calls the realtime URL: "always", or only when a default message exists for the
# product and locale ("defaultMessage": RevenueCat's engineering blog says so; Apple's docs
# don't, so it is a per-app setting, off by default).
REALTIME_CALLS_SETTING = "realtime_calls"
RealtimeCalls = Literal["always", "defaultMessage"]
REALTIME_CALLS: tuple[RealtimeCalls, ...] = ("always", "defaultMessage")
USER_AGENT = "appstore-sandbox (Retention Messaging realtime request)"


@dataclass(frozen=True)
class RealtimeAnswer:
    """What came back from the developer's endpoint, judged; ``attempt`` is None if not asked
    (``why_not`` says why)."""

    attempt: Attempt | None
    document: dict[str, Any] | None
    url: str | None
    why_not: str = ""


class CancelSimulator:
    def __init__(
        self, store: Store, clock: Clock, signer: JwsSigner, transports: Transports
    ) -> None:
        self._store = store
        self._clock = clock
        self._signer = signer
        self._transports = transports

    def simulate(
        self,
        app: App,
        environment: Environment,
        product_id: str | None = None,
        locale: str | None = None,
        transaction_id: str | None = None,
    ) -> dict[str, Any]:
        """The outcome as JSON: ``outcome``, ``reason``, ``message``, ``attempt``, ``request``."""
        purchase = self._purchase(app, transaction_id)
        subscriber = Subscriber(
            purchase.original_transaction_id,
            app.app_apple_id,
            self._product_id(app, product_id or purchase.product_id),
            _checked_locale(locale or DEFAULT_LOCALE),
        )
        rules = ResponseRules(load_app_state(self._store, app, environment))
        requests = RealtimeRequests(
            self._signer, self._clock, subscriber, environment.payload_value
        )
        _, body = requests.next()
        # The attempt is labelled as a performance test would label it (the app's check mode);
        # what the customer sees never includes a message that breaks the catalog.
        judge = CatalogJudge(rules, subscriber, strict=rules.state.strict)
        if self._asks_realtime(app, environment, subscriber):
            answer = self._ask(app, environment, body, judge)
        else:
            why_not = (
                f"no default message for {subscriber.product_id} in {subscriber.user_locale}, "
                "and this app's realtime URL is called only when one exists "
                "(apps set-realtime-calls)"
            )
            answer = RealtimeAnswer(None, None, None, why_not)
        return {**self._outcome(app, rules, subscriber, answer), **_sent(answer, body)}

    def realtime_calls(self, app: App) -> RealtimeCalls:
        stored = self._store.catalog.setting(app.id, REALTIME_CALLS_SETTING)
        return next((when for when in REALTIME_CALLS if when == stored), "always")

    def set_realtime_calls(self, app: App, when: RealtimeCalls) -> RealtimeCalls:
        self._store.catalog.set_setting(app.id, REALTIME_CALLS_SETTING, when)
        return when

    def _asks_realtime(self, app: App, environment: Environment, subscriber: Subscriber) -> bool:
        if self.realtime_calls(app) == "always":
            return True
        with self._store.retention.reading(app.id, environment.value) as content:
            default = content.default_message(subscriber.product_id, subscriber.user_locale)
        return default is not None

    def _ask(
        self, app: App, environment: Environment, body: bytes, judge: CatalogJudge
    ) -> RealtimeAnswer:
        url = self._store.realtime_url(app.id, environment.value)
        if url is None:
            return RealtimeAnswer(None, None, None)
        documents: list[dict[str, Any] | None] = []

        def keep_document(reply: HttpReply) -> Attempt:
            attempt, document = judge.judge(reply)
            documents.append(document)
            return attempt

        attempt = asyncio.run(self._post_once(url, body, keep_document))
        return RealtimeAnswer(attempt, documents[0] if documents else None, url)

    def _outcome(
        self, app: App, rules: ResponseRules, subscriber: Subscriber, answer: RealtimeAnswer
    ) -> dict[str, Any]:
        attempt = answer.attempt
        fits = attempt is not None and attempt.succeeded and not attempt.catalog_problem
        if fits and answer.document is not None:
            message = realtime_message(answer.document, rules.state)
            return {
                "outcome": "realtime",
                "reason": "the realtime response arrived in time and fits the app",
                "message": message,
            }
        reason = _fallback_reason(answer, rules.state.environment)
        with self._store.retention.reading(app.id, rules.state.environment.value) as content:
            identifier = content.default_message(subscriber.product_id, subscriber.user_locale)
        fallback, problem = default_message(identifier, rules, subscriber)
        if fallback is not None:
            return {"outcome": "default", "reason": reason, "message": fallback}
        return {"outcome": "standard", "reason": f"{reason}; {problem}", "message": None}

    async def _post_once(self, url: str, body: bytes, judge: Judge) -> Attempt:
        transport = self._transports.open(TransportOptions(1, USER_AGENT))
        try:
            return judged(await transport.post(url, body, DEADLINE_S), judge)
        finally:
            await transport.close()

    def _purchase(self, app: App, transaction_id: str | None) -> Purchase:
        purchases = self._store.purchases(app.id)
        if transaction_id is None:
            default = self._store.default_purchase(app.id)
            if default is None:
                raise BadInput(
                    f"{app.bundle_id} has no sandbox purchase; create one with: "
                    f"appstore-sandbox purchases create --bundle-id {app.bundle_id}"
                )
            return default
        for purchase in purchases:
            if transaction_id in (purchase.original_transaction_id, purchase.transaction_id):
                return purchase
        raise BadInput(f"{transaction_id} is not a purchase of {app.bundle_id}.")

    def _product_id(self, app: App, product_id: str) -> str:
        if self._store.product(app.id, product_id) is None:
            raise BadInput(
                f"{app.bundle_id} has no product {product_id} "
                "(see: appstore-sandbox products list)."
            )
        return product_id


def _checked_locale(locale: str) -> str:
    if not is_app_store_locale(locale):
        raise BadInput(f"Invalid locale {locale!r}{locale_hint(locale)}")
    return locale


def _fallback_reason(answer: RealtimeAnswer, environment: Environment) -> str:
    """Why the realtime answer was not shown."""
    attempt = answer.attempt
    if attempt is None:
        return answer.why_not or f"no {environment.value} realtime URL is configured"
    if attempt.catalog_problem:
        return f"not approved / catalog problem: {attempt.catalog_problem}"
    if attempt.result is SendAttemptResult.TIMED_OUT:
        return f"late: TIMED_OUT ({attempt.explanation})"
    if attempt.result is SendAttemptResult.INVALID_RESPONSE:
        return f"invalid: {attempt.explanation}"
    return f"failed with sendAttemptResult {attempt.result.value}: {attempt.explanation}"


def _sent(answer: RealtimeAnswer, body: bytes) -> dict[str, Any]:
    """The request (decoded payload) and, if it was sent, the attempt."""
    signed_payload = json.loads(body)["signedPayload"]
    request = jwt.decode(signed_payload, options={"verify_signature": False})
    attempt = answer.attempt
    if attempt is None:
        return {"attempt": None, "request": request}
    latency = None if attempt.latency_us is None else attempt.latency_us / 1000
    return {
        "attempt": {
            "url": answer.url,
            "sendAttemptResult": attempt.result.value,
            "httpStatus": attempt.http_status,
            "latencyMs": latency,
            "explanation": attempt.explanation,
        },
        "request": request,
    }

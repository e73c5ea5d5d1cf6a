"""Configure / Get / Delete Realtime URL: the rules, without HTTP."""

from __future__ import annotations

from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import ForbiddenNoPassingTest, InvalidRealtimeUrl, RealtimeUrlNotFound
from appstore_sandbox.outbound.policy import OutboundPolicy
from appstore_sandbox.store import App, Store


class RealtimeUrlService:
    def __init__(self, store: Store, clock: Clock, policy: OutboundPolicy) -> None:
        self._store = store
        self._clock = clock
        self._policy = policy

    def configure(self, app: App, environment: Environment, url: str) -> None:
        if environment is Environment.PRODUCTION and not app.performance_test_passed:
            raise ForbiddenNoPassingTest()
        problem = self._policy.callback_problem(url)
        if problem:
            raise InvalidRealtimeUrl(f"Invalid realtimeURL: {problem}.")
        self._store.set_realtime_url(app.id, environment.value, url, self._clock.now_ms())

    def get(self, app: App, environment: Environment) -> str:
        url = self._store.realtime_url(app.id, environment.value)
        if url is None:
            raise RealtimeUrlNotFound(
                f"No {environment.value} realtime URL is configured for {app.bundle_id}."
            )
        return url

    def delete(self, app: App, environment: Environment) -> None:
        # Deleting when nothing is configured is unconfirmed at Apple; we treat it as done (200).
        self._store.delete_realtime_url(app.id, environment.value)

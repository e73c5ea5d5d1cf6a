"""Writes that replace a row (a URL, a setting, a default message) hammered from many threads, on
one ``serve`` process and on two sharing a database: every one answers 2xx, none a 5xx.

Replacing a row by deleting and inserting it let two writers both find it gone on PostgreSQL
and collide on its primary key (500); an upsert replaces it in one statement.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from uuid import UUID

import pytest
from appstoreserverlibrary.api_client import APIException, AppStoreServerAPIClient
from appstoreserverlibrary.models.DefaultConfigurationRequest import DefaultConfigurationRequest
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest

from tests.conftest import StartSandbox
from tests.contract.retention_client import upload_text_message
from tests.sandbox_process import AppCredentials, SandboxProcess

REQUESTS = 200
THREADS = 8

Write = Callable[[SandboxProcess, AppCredentials, int], int]


def _apple(call: Callable[[], object]) -> int:
    try:
        call()
    except APIException as error:
        return error.http_status_code
    return 200


def _control_put(sandbox: SandboxProcess, path: str, body: object) -> int:
    with sandbox.control() as control:
        return control.put(path, json=body).status_code


def _realtime_url(sandbox: SandboxProcess, app: AppCredentials, i: int) -> int:
    client = sandbox.apple_client(app)
    request = RealtimeUrlRequest(realtimeURL=f"https://example.com/retention/{i % 3}")
    return _apple(lambda: client.configure_realtime_url(request))


def _default_message(message: UUID) -> Write:
    def write(sandbox: SandboxProcess, app: AppCredentials, i: int) -> int:
        client: AppStoreServerAPIClient = sandbox.apple_client(app)
        request = DefaultConfigurationRequest(messageIdentifier=message)
        product = f"{app.bundle_id}.monthly"
        return _apple(lambda: client.configure_default_message(product, "en-US", request))

    write.__name__ = "_default_message"
    return write


def _notification_url(sandbox: SandboxProcess, app: AppCredentials, i: int) -> int:
    body = {"url": f"http://127.0.0.1:9/notifications/{i % 3}"}
    return _control_put(sandbox, f"/apps/{app.bundle_id}/notification-urls/sandbox", body)


def _performance_test_config(sandbox: SandboxProcess, app: AppCredentials, i: int) -> int:
    body = {"totalRequests": 10 + i % 3}
    return _control_put(sandbox, f"/apps/{app.bundle_id}/performance-test-config", body)


def _response_checks(sandbox: SandboxProcess, app: AppCredentials, i: int) -> int:
    body = {"mode": ("warn", "strict")[i % 2]}
    return _control_put(sandbox, f"/apps/{app.bundle_id}/response-checks", body)


def _subscription_settings(sandbox: SandboxProcess, app: AppCredentials, i: int) -> int:
    body = {"renewalDurations": ("sandbox", "real")[i % 2]}
    return _control_put(sandbox, f"/apps/{app.bundle_id}/subscription-settings", body)


def _hammer(servers: list[SandboxProcess]) -> Counter[tuple[str, int]]:
    """REQUESTS writes, round robin over the writes and the servers, THREADS at a time; how many
    answered each (write, status)."""
    first = servers[0]
    app = first.new_app()
    message = upload_text_message(first.apple_client(app))
    writes: list[Write] = [
        _realtime_url,
        _default_message(message),
        _notification_url,
        _performance_test_config,
        _response_checks,
        _subscription_settings,
    ]
    plan = zip(range(REQUESTS), itertools.cycle(writes), itertools.cycle(servers), strict=False)

    def send(step: tuple[int, Write, SandboxProcess]) -> tuple[str, int]:
        i, write, server = step
        return write.__name__, write(server, app, i)

    with ThreadPoolExecutor(THREADS) as pool:
        return Counter(pool.map(send, plan))


@contextmanager
def _second_process(first: SandboxProcess, data_dir: Path) -> Iterator[SandboxProcess]:
    database_url = first.database_url or f"sqlite:///{first.data_dir / 'sandbox.db'}"
    second = SandboxProcess(data_dir, database_url).start()
    try:
        yield second
    finally:
        second.stop()


@pytest.mark.parametrize("processes", [1, 2])
def test_concurrent_replacing_writes_all_succeed(
    start_sandbox: StartSandbox, tmp_path: Path, processes: int
) -> None:
    first = start_sandbox()
    with ExitStack() as stack:
        servers = [first]
        if processes == 2:
            servers.append(stack.enter_context(_second_process(first, tmp_path / "second")))
        answered = _hammer(servers)
    failed = {outcome: count for outcome, count in answered.items() if not 200 <= outcome[1] < 300}
    assert failed == {}, f"of {REQUESTS} writes, these did not answer 2xx: {failed}"
    assert sum(answered.values()) == REQUESTS

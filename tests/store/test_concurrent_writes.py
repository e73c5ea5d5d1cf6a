"""Every kind of write hammered from many threads, on one ``serve`` process and on two sharing a
database: none answers 5xx, and every write that replaces a row (a URL, a setting, a default
message) answers 2xx.

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
from uuid import UUID, uuid4

import pytest
from appstoreserverlibrary.api_client import APIException, AppStoreServerAPIClient
from appstoreserverlibrary.models.DefaultConfigurationRequest import DefaultConfigurationRequest
from appstoreserverlibrary.models.ImageSize import ImageSize
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest
from appstoreserverlibrary.models.UploadMessageRequestBody import UploadMessageRequestBody

from tests import pngs
from tests.conftest import StartSandbox
from tests.contract.retention_client import upload_text_message
from tests.sandbox_process import AppCredentials, SandboxProcess

ROUNDS = 3  # of the 11 kinds of write, each sent THREADS times at once: 264 writes
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


# Writes that create or delete (each answers 2xx or, losing a race, 4xx); returns the worst status.


def _message_churn(sandbox: SandboxProcess, app: AppCredentials, i: int) -> int:
    client = sandbox.apple_client(app)
    identifier = uuid4()
    body = UploadMessageRequestBody(header="Stay", body=f"Offer {i}")
    uploaded = _apple(lambda: client.upload_message(identifier, body))
    return max(uploaded, _apple(lambda: client.delete_message(identifier)))


def _image_churn(sandbox: SandboxProcess, app: AppCredentials, i: int) -> int:
    client = sandbox.apple_client(app)
    identifier = uuid4()
    image = pngs.bullet_point()
    uploaded = _apple(lambda: client.upload_image(identifier, image, ImageSize.BULLET_POINT))
    return max(uploaded, _apple(lambda: client.delete_image(identifier)))


def _removals(sandbox: SandboxProcess, app: AppCredentials, i: int) -> int:
    client = sandbox.apple_client(app)
    with sandbox.control() as control:
        statuses = [
            _apple(client.delete_realtime_url),
            _apple(lambda: client.delete_default_message(f"{app.bundle_id}.monthly", "en-US")),
            control.put(
                f"/apps/{app.bundle_id}/notification-urls/sandbox", json={"url": None}
            ).status_code,
            control.put(f"/apps/{app.bundle_id}/performance-test-config", json={}).status_code,
        ]
    return max(statuses)


def _control_churn(sandbox: SandboxProcess, app: AppCredentials, i: int) -> int:
    bundle = app.bundle_id
    product = f"{bundle}.extra{i}"
    new_product = {"productId": product, "subscriptionGroup": "g"}
    with sandbox.control() as control:
        responses = [
            control.post(f"/apps/{bundle}/purchases", json={}),
            control.post(f"/apps/{bundle}/products", json=new_product),
            control.post(f"/apps/{bundle}/products/{product}/offers", json={"offerId": "half"}),
            control.put(f"/apps/{bundle}/performance-test-passed", json={"passed": i % 2 == 0}),
            control.post("/clock/advance", json={"seconds": 1}),
        ]
        key = control.post(f"/apps/{bundle}/keys")
        responses += [key, control.delete(f"/apps/{bundle}/keys/{key.json()['keyId']}")]
    return max(response.status_code for response in responses)


def _test_notification(sandbox: SandboxProcess, app: AppCredentials, i: int) -> int:
    client = sandbox.apple_client(app)
    return _apple(client.request_test_notification)


REPLACING = {
    "_realtime_url",
    "_default_message",
    "_notification_url",
    "_performance_test_config",
    "_response_checks",
    "_subscription_settings",
}


def _hammer(servers: list[SandboxProcess]) -> Counter[tuple[str, int]]:
    """ROUNDS rounds of every write, THREADS at a time; how many answered each (write, status)."""
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
        _message_churn,
        _image_churn,
        _removals,
        _control_churn,
        _test_notification,
    ]
    # Each write THREADS times in a row, so that the threads meet on one row (and alternate
    # between the servers).
    bursts = [write for _ in range(ROUNDS) for write in writes for _ in range(THREADS)]
    plan = zip(itertools.count(), bursts, itertools.cycle(servers), strict=False)

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
def test_concurrent_writes_answer_no_5xx(
    backend: str, start_sandbox: StartSandbox, tmp_path: Path, processes: int
) -> None:
    if backend != "postgresql":
        # SQLite serializes writers (one process queues them, several wait on its lock); the
        # collision this guards against is PostgreSQL's, and the suite runs it there.
        pytest.skip("PostgreSQL's concurrency: runs when APPSTORE_SANDBOX_TEST_DATABASE_URL is set")
    first = start_sandbox()
    with ExitStack() as stack:
        servers = [first]
        if processes == 2:
            servers.append(stack.enter_context(_second_process(first, tmp_path / "second")))
        answered = _hammer(servers)
    errors = {outcome: count for outcome, count in answered.items() if outcome[1] >= 500}
    assert errors == {}, f"these answered 5xx: {errors}"
    refused = {
        outcome: count
        for outcome, count in answered.items()
        if outcome[0] in REPLACING and not 200 <= outcome[1] < 300
    }
    assert refused == {}, f"these replacing a row did not answer 2xx: {refused}"
    assert sum(answered.values()) == ROUNDS * 11 * THREADS

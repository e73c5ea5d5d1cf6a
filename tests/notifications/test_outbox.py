"""The outbox's one producer: the notifications service addresses, wraps and signs what a
surface announces, and makes nothing (signs nothing) for an app without a URL."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.environments import Environment
from appstore_sandbox.sandbox import Sandbox
from appstore_sandbox.store.outbox import Announcement
from tests.in_process import in_process

URL = "http://127.0.0.1:9/notifications"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with in_process(tmp_path) as running:
        yield running.sandbox


def _payload(jws: str) -> dict[str, Any]:
    part = jws.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def test_an_announcement_becomes_a_signed_row_addressed_to_the_apps_url(sandbox: Sandbox) -> None:
    app = sandbox.control.app(DEFAULT_BUNDLE_ID)
    sandbox.notifications.set_url(app, Environment.SANDBOX, URL)
    announced = Announcement("DID_RENEW", None, 1_700_000_000_000, lambda: {"status": 1}, "42")
    [row] = sandbox.notifications.outgoing(app, Environment.SANDBOX, [announced])
    assert (row.url, row.app_id, row.environment) == (URL, app.id, "sandbox")
    assert (row.notification_type, row.subtype, row.transaction_id) == ("DID_RENEW", None, "42")
    assert row.created_ms == 1_700_000_000_000 and row.test_token is None
    payload = _payload(row.signed_payload)
    assert payload["notificationUUID"] == row.notification_uuid
    assert payload["notificationType"] == "DID_RENEW" and "subtype" not in payload
    assert (payload["signedDate"], payload["data"], payload["version"]) == (
        1_700_000_000_000,
        {"status": 1},
        "2.0",
    )


def test_nothing_is_made_or_signed_for_an_app_without_a_url(sandbox: Sandbox) -> None:
    app = sandbox.control.app(DEFAULT_BUNDLE_ID)
    sandbox.notifications.set_url(app, Environment.SANDBOX, URL)
    asked: list[str] = []

    def data() -> Mapping[str, Any]:
        asked.append("data")
        return {}

    announced = Announcement("SUBSCRIBED", "INITIAL_BUY", 1, data)
    assert sandbox.notifications.outgoing(app, Environment.PRODUCTION, [announced]) == []
    assert asked == []

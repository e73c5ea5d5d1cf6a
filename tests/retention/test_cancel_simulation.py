"""simulate-cancel in process, against a real endpoint on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.in_process import InProcess, in_process
from tests.json_targets import json_target

SIMULATE = "/_sandbox/v1/apps/com.example.app/simulate-cancel"
REALTIME_URL = "/sandbox/inApps/v1/messaging/realtime/url"


@pytest.fixture
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("cancel")) as s:
        yield s


def test_a_reply_nested_past_any_parser_is_an_invalid_answer(sandbox: InProcess) -> None:
    with json_target(b"[" * 900_000) as endpoint:
        configured = sandbox.client.put(
            REALTIME_URL, json={"realtimeURL": endpoint.url}, headers=sandbox.apple_headers()
        )
        assert configured.status_code == 200
        response = sandbox.client.post(SIMULATE, json={})
    assert response.status_code == 200, response.text[:300]
    outcome = response.json()
    assert outcome["outcome"] == "standard" and outcome["message"] is None
    assert outcome["attempt"]["sendAttemptResult"] == "INVALID_RESPONSE"
    assert outcome["attempt"]["httpStatus"] == 200
    assert outcome["attempt"]["explanation"] == "body is JSON nested more than 100 levels deep"
    assert outcome["reason"].startswith("invalid: body is JSON nested more than 100 levels")

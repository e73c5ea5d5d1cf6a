"""Resets sent at once (two test workers sharing a sandbox, a retried CI step) all answer 200 and
leave the first-start state: one default app, its key and purchase. They used to interleave,
one re-creating the default app while another deleted it or made it too: 409 or 500."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from tests.conftest import StartSandbox
from tests.sandbox_process import SandboxProcess

RESETS = 8


def _reset_at_once(servers: list[SandboxProcess]) -> list[tuple[int, str]]:
    """RESETS resets, all in flight together, spread over the servers; (status, body) each."""

    def reset(server: SandboxProcess) -> tuple[int, str]:
        with server.control() as control:
            response = control.post("/reset", json={})
        return response.status_code, response.text

    targets = list(itertools.islice(itertools.cycle(servers), RESETS))
    with ThreadPoolExecutor(RESETS) as pool:
        return list(pool.map(reset, targets))


def _assert_first_start_state(server: SandboxProcess) -> None:
    with server.control() as control:
        apps = [app["bundleId"] for app in control.get("/apps").json()["apps"]]
        env = control.get("/env")
    assert apps == [DEFAULT_BUNDLE_ID]
    assert env.status_code == 200, env.text
    client = server.apple_client()
    assert client.get_image_list().imageIdentifiers == [], "the default key signs"


def test_resets_at_once_on_one_server_all_succeed(start_sandbox: StartSandbox) -> None:
    server = start_sandbox()

    answers = _reset_at_once([server])

    assert [status for status, _ in answers] == [200] * RESETS, answers
    _assert_first_start_state(server)


def test_resets_at_once_on_two_servers_sharing_a_database_all_succeed(
    backend: str, start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("servers sharing PostgreSQL: runs with APPSTORE_SANDBOX_TEST_DATABASE_URL")
    first = start_sandbox()
    second = SandboxProcess(tmp_path / "second", first.database_url).start()
    try:
        answers = _reset_at_once([first, second])
    finally:
        second.stop()

    assert [status for status, _ in answers] == [200] * RESETS, answers
    _assert_first_start_state(first)

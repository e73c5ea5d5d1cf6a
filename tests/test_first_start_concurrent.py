"""Two ``serve`` processes started at once on an empty PostgreSQL database (a deployment's
replicas, CI jobs) make the first-start defaults once, and both serve the same default app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from tests.conftest import DatabaseFactory
from tests.sandbox_process import SandboxProcess, stop_all


def test_two_servers_starting_at_once_make_one_default_app(
    databases: DatabaseFactory | None, tmp_path: Path
) -> None:
    if databases is None:
        pytest.skip("servers sharing PostgreSQL: runs with APPSTORE_SANDBOX_TEST_DATABASE_URL")
    database_url = databases.create()
    servers = [SandboxProcess(tmp_path / name, database_url) for name in ("first", "second")]
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(SandboxProcess.start, servers))
        with servers[0].control() as control:
            apps = [app["bundleId"] for app in control.get("/apps").json()["apps"]]
        banners = [(server.banner["key_id"], server.banner["app_apple_id"]) for server in servers]
    finally:
        stop_all(servers)

    assert apps == [DEFAULT_BUNDLE_ID]
    assert banners[0] == banners[1], "both print the one default app and key"

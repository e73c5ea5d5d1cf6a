"""Secrets at rest: owner-only key files, data dir and database; nothing secret in the logs."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import httpx
from appstoreserverlibrary.models.ImageSize import ImageSize

from tests import pngs
from tests.conftest import StartSandbox
from tests.sandbox_process import SandboxProcess


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keys_the_data_dir_and_the_database_are_owner_only(sandbox: SandboxProcess) -> None:
    data = sandbox.data_dir
    assert _mode(data) == 0o700
    assert _mode(data / "keys") == 0o700
    assert _mode(data / "ca") == 0o700
    assert _mode(data / "ca" / "leaf-key.pem") == 0o600
    assert {_mode(path) for path in (data / "keys").glob("*.p8")} == {0o600}
    if sandbox.database_url is None:  # SQLite: the database holds the chain's key too
        assert {_mode(path) for path in data.glob("sandbox.db*")} == {0o600}


def test_a_loose_data_dir_is_tightened_at_start(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    sandbox.data_dir.chmod(0o755)
    sandbox.restart()
    assert _mode(sandbox.data_dir) == 0o700


def test_nothing_secret_reaches_the_log(start_sandbox: StartSandbox) -> None:
    admin_token = f"admin-{uuid.uuid4().hex}"
    sandbox = start_sandbox("--log-level", "debug", "--admin-token", admin_token)
    client = sandbox.apple_client()
    client.upload_image(uuid.uuid4(), pngs.bullet_point(), ImageSize.BULLET_POINT)
    bearer = client._generate_token()
    listed = httpx.get(
        sandbox.url("/sandbox/inApps/v1/messaging/image/list"),
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert listed.status_code == 200
    with sandbox.control() as control:
        control.headers["Authorization"] = f"Bearer {admin_token}"
        new_key = control.post(f"/apps/{sandbox.default_app.bundle_id}/keys").json()
        control.headers["Authorization"] = "Bearer wrong-admin-token"
        assert control.get("/apps").status_code == 401
    stopped = sandbox.stop()
    assert stopped is not None
    log = stopped.output
    assert "PRIVATE KEY" not in log
    assert new_key["privateKey"].splitlines()[1] not in log
    assert admin_token not in log and "wrong-admin-token" not in log
    assert bearer.split(".")[2] not in log
    assert "HTTP/1.1" in log, "the access log was on, so requests were logged"

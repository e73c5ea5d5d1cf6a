"""The pytest plugin as a user's project meets it: a directory with only test files, the plugin
found through its entry point, one sandbox per xdist worker, state reset between tests, the
notification receiver, the README's snippet as written; attach mode and PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from appstore_sandbox.pytest_plugin import ATTACH_UNDER_XDIST
from tests.conftest import DatabaseFactory, StartSandbox

NOT_THEIRS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:locust")
REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "pytest" / "test_backend.py"
README = REPO / "README.md"

RECORDER = """
import os
import pathlib

import pytest


@pytest.fixture(autouse=True)
def record_the_sandbox(request, appstore_sandbox_session):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    record = pathlib.Path(os.environ["RECORDS"]) / f"{worker}-{request.node.name}"
    record.write_text(f"{appstore_sandbox_session.url} {appstore_sandbox_session.pid}")
"""

STATE = """
import pytest

BUNDLE = "com.example.kept"


def test_1_creates_an_app(appstore_sandbox):
    appstore_sandbox.create_app(BUNDLE)


@pytest.mark.appstore_sandbox_keep_state
def test_2_marked_keeps_it(appstore_sandbox):
    assert BUNDLE in [app["bundleId"] for app in appstore_sandbox.apps()]


def test_3_unmarked_starts_from_the_defaults(appstore_sandbox, appstore_client):
    assert [app["bundleId"] for app in appstore_sandbox.apps()] == ["com.example.app"]
    assert appstore_client.get_image_list().imageIdentifiers == []
"""


def _pytest(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("APPSTORE_SANDBOX_", "PYTEST_"))
    }
    return subprocess.run(
        # A user's project has pytest and appstore-sandbox, not this suite's other plugins.
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *NOT_THEIRS, *args],
        cwd=directory,
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=180,
    )


def test_the_readme_example_passes_in_a_project_of_its_own(tmp_path: Path) -> None:
    """The example beside a file that checks state is reset between tests unless marked, run
    by two xdist workers (a file stays on one), each recording which sandbox served it."""
    shutil.copy(EXAMPLE, tmp_path / "test_backend.py")
    (tmp_path / "test_state.py").write_text(STATE)
    (tmp_path / "conftest.py").write_text(RECORDER)
    records = tmp_path / "records"
    records.mkdir()
    result = _pytest(tmp_path, "-n", "2", "--dist", "loadfile", RECORDS=str(records))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout
    by_worker: dict[str, set[str]] = {}
    for record in records.iterdir():
        by_worker.setdefault(record.name.split("-")[0], set()).add(record.read_text())
    assert set(by_worker) == {"gw0", "gw1"}, "each worker ran a file"
    assert all(len(sandboxes) == 1 for sandboxes in by_worker.values())
    assert by_worker["gw0"] != by_worker["gw1"], "one sandbox per worker"


DELETES_THE_DEFAULT_KEY = """
import httpx


def test_1_deletes_the_default_key_beside_another(appstore_sandbox):
    appstore_sandbox.create_key()
    key = appstore_sandbox.default_key
    url = f"{appstore_sandbox.url}/_sandbox/v1/apps/{key.bundle_id}/keys/{key.key_id}"
    assert httpx.delete(url).status_code == 204


def test_2_signs_with_the_default_key_again(appstore_client):
    assert appstore_client.get_image_list().imageIdentifiers == []
"""


def test_a_test_that_deletes_the_default_key_breaks_no_later_one(tmp_path: Path) -> None:
    (tmp_path / "test_keys.py").write_text(DELETES_THE_DEFAULT_KEY)
    result = _pytest(tmp_path, "-p", "no:xdist")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def _readme_snippet() -> str:
    """The first Python block of the README's pytest section, as a reader copies it."""
    text = README.read_text()
    section = text[text.index("## Test your backend with pytest") :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the pytest section has a Python block"
    return match.group(1)


def test_the_readme_snippet_passes_as_written(tmp_path: Path) -> None:
    (tmp_path / "test_readme.py").write_text(_readme_snippet())
    result = _pytest(tmp_path, "-p", "no:xdist")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


RECEIVER = """
import httpx
import pytest
from appstoreserverlibrary.models.NotificationTypeV2 import NotificationTypeV2

from appstore_sandbox import NotificationNotReceived


def test_1_receives_what_the_sandbox_sends(appstore_sandbox, appstore_receiver):
    appstore_sandbox.request_test_notification()
    appstore_sandbox.trigger("refund")
    refund = appstore_receiver.wait_for(NotificationTypeV2.REFUND)
    assert refund.data.bundleId == "com.example.app"
    assert [n.rawNotificationType for n in appstore_receiver.notifications] == ["TEST", "REFUND"]


def test_2_starts_empty_and_set_after_the_reset(appstore_sandbox, appstore_receiver):
    assert appstore_receiver.notifications == []
    appstore_sandbox.request_test_notification()
    assert appstore_receiver.wait_for("TEST").rawNotificationType == "TEST"


def test_3_a_body_it_cannot_verify_fails_the_wait(appstore_receiver):
    assert httpx.post(appstore_receiver.url, json={"signedPayload": "x.y.z"}).status_code == 400
    with pytest.raises(NotificationNotReceived, match="refused .answered 400.: SignedDataVerifier"):
        appstore_receiver.wait_for("TEST", timeout=0)


def test_4_forgets_that_failure(appstore_sandbox, appstore_receiver):
    assert appstore_receiver.failures == []
    appstore_sandbox.request_test_notification()
    appstore_receiver.wait_for("TEST")
"""


def test_the_receiver_fixture_is_emptied_and_set_as_the_notification_url_for_each_test(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_receiver.py").write_text(RECEIVER)
    result = _pytest(tmp_path, "-p", "no:xdist")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_attach_mode_under_xdist_stops_the_session_with_one_line_saying_why(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_state.py").write_text(STATE)
    # Nothing listens there: the session must stop before any worker tries it.
    result = _pytest(tmp_path, "-n", "2", "--appstore-sandbox-url", "http://127.0.0.1:9")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert result.stderr.strip() == f"ERROR: {ATTACH_UNDER_XDIST}"
    assert "passed" not in result.stdout and "error" not in result.stdout


ATTACHED = """
def test_the_sandbox_attached_to_is_reset(appstore_sandbox, appstore_client):
    assert [app["bundleId"] for app in appstore_sandbox.apps()] == ["com.example.app"]
    appstore_sandbox.create_app("com.example.left")
    assert appstore_client.get_image_list().imageIdentifiers == []
"""


def test_attach_mode_resets_the_sandbox_it_is_pointed_at_run_after_run(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    server = start_sandbox()  # its own: the test resets it
    with server.control() as control:
        control.post("/apps", json={"bundleId": "com.example.before"}).raise_for_status()
    (tmp_path / "test_attached.py").write_text(ATTACHED)
    for _ in range(2):
        result = _pytest(tmp_path, "-p", "no:xdist", "--appstore-sandbox-url", server.base_url)
        assert result.returncode == 0, result.stdout + result.stderr
    with server.control() as control:
        apps = [app["bundleId"] for app in control.get("/apps").json()["apps"]]
    assert apps == ["com.example.app", "com.example.left"]


WORKER_DATABASE = """
import os

import pytest
from sqlalchemy import create_engine, text


@pytest.mark.parametrize("i", range(4))
def test_the_worker_has_a_database_of_its_own(appstore_sandbox, appstore_client, i):
    worker = os.environ["PYTEST_XDIST_WORKER"]
    appstore_sandbox.create_app(f"com.example.{worker}.{i}")
    bundles = [app["bundleId"] for app in appstore_sandbox.apps()]
    assert bundles == ["com.example.app", f"com.example.{worker}.{i}"]
    assert appstore_client.get_image_list().imageIdentifiers == []
    engine = create_engine(os.environ["BASE_URL"].replace("postgresql:", "postgresql+psycopg:"))
    with engine.connect() as connection:
        names = connection.execute(text("SELECT datname FROM pg_database")).scalars().all()
    engine.dispose()
    assert f"{os.environ['BASE_NAME']}_{worker}" in names
"""


def test_under_xdist_on_postgresql_each_worker_has_a_database_of_its_own_run_after_run(
    databases: DatabaseFactory | None, tmp_path: Path
) -> None:
    """Two workers on one database reset each other's sandbox (409s, 500s) and collided when
    both made its first-start defaults; each now gets a database made and dropped for it."""
    if databases is None:
        pytest.skip("PostgreSQL: runs with APPSTORE_SANDBOX_TEST_DATABASE_URL")
    base_url = databases.create()
    base_name = base_url.rsplit("/", 1)[1]
    (tmp_path / "test_a.py").write_text(WORKER_DATABASE)
    (tmp_path / "test_b.py").write_text(WORKER_DATABASE)
    option = ("--appstore-sandbox-database-url", base_url)
    for _ in range(2):
        result = _pytest(tmp_path, "-n", "2", *option, BASE_URL=base_url, BASE_NAME=base_name)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "8 passed" in result.stdout
    assert _databases_named(base_url, f"{base_name}_gw") == [], "each worker dropped its own"


def _databases_named(url: str, prefix: str) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql:", "postgresql+psycopg:"))
    try:
        with engine.connect() as connection:
            query = text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)")
            return list(connection.execute(query, {"prefix": prefix}).scalars())
    finally:
        engine.dispose()

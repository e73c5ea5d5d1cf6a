"""The pytest plugin as a user's project meets it: a directory with only test files, the plugin
found through its entry point, one sandbox per xdist worker, state reset between tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

NOT_THEIRS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:locust")
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pytest" / "test_backend.py"

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

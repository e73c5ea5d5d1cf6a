"""The Node example (``examples/node``): Apple's ``@apple/app-store-server-library`` with its base
URL changed, run by ``node`` against a real sandbox with the variables ``env --shell`` prints."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from appstoreserverlibrary.api_client import APIException

from appstore_sandbox.signing import create_chain
from tests.cli.running import run_cli
from tests.conftest import StartSandbox
from tests.sandbox_process import SandboxProcess

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "node"
SCRIPT = EXAMPLE / "check-sandbox.mjs"
NODE = shutil.which("node")
NODE_TIMEOUT_S = 60

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not on PATH"),
    pytest.mark.skipif(
        not (EXAMPLE / "node_modules").is_dir(),
        reason="examples/node/node_modules is absent: npm ci --prefix examples/node",
    ),
]


@dataclass(frozen=True)
class NodeRun:
    returncode: int
    stdout: str
    stderr: str

    def detail(self, step: str) -> str:
        """What the script printed after ``ok`` for ``step``."""
        match = re.search(rf"^ok +{step} +(.+)$", self.stdout, re.MULTILINE)
        assert match, f"no {step!r} step in:\n{self.stdout}{self.stderr}"
        return match.group(1)


@pytest.fixture(scope="module")
def sandbox_of_its_own(start_module_sandbox: StartSandbox) -> SandboxProcess:
    """The script works on the default app, so it gets a sandbox no other test shares."""
    return start_module_sandbox()


def exported(sandbox: SandboxProcess) -> dict[str, str]:
    """What ``eval "$(appstore-sandbox env --shell)"`` would set."""
    result = run_cli("env", "--shell", server=sandbox.base_url)
    assert result.returncode == 0, result.stderr
    variables: dict[str, str] = {}
    for line in result.stdout.splitlines():
        keyword, assignment = shlex.split(line)
        assert keyword == "export"
        name, _, value = assignment.partition("=")
        variables[name] = value
    return variables


def run_example(variables: dict[str, str]) -> NodeRun:
    assert NODE is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPSTORE_SANDBOX_")}
    completed = subprocess.run(
        [NODE, str(SCRIPT)],
        capture_output=True,
        text=True,
        env={**env, **variables},
        timeout=NODE_TIMEOUT_S,
    )
    return NodeRun(completed.returncode, completed.stdout, completed.stderr)


def notification_urls(sandbox: SandboxProcess) -> dict[str, str]:
    bundle_id = sandbox.default_app.bundle_id
    with sandbox.control() as control:
        urls: dict[str, str] = control.get(f"/apps/{bundle_id}/notification-urls").json()
    return urls


def test_the_example_passes_and_the_sandbox_saw_it(sandbox_of_its_own: SandboxProcess) -> None:
    sandbox = sandbox_of_its_own
    run = run_example(exported(sandbox))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] == "PASS"
    token = run.detail("requestTestNotification").removeprefix("token ")
    receiver = run.detail("notification URL")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/notifications", receiver)
    assert run.detail("getTestNotificationStatus") == "verified, first attempt SUCCESS"
    assert run.detail("getNotificationHistory").startswith("found it")

    bundle_id = sandbox.default_app.bundle_id
    with sandbox.control() as control:
        record = control.get(f"/apps/{bundle_id}/notifications/{token}").raise_for_status().json()
    assert record["notificationType"] == "TEST"
    assert record["url"] == receiver
    assert [a["sendAttemptResult"] for a in record["sendAttempts"]] == ["SUCCESS"]
    assert run.detail("receiver verified") == f"TEST {record['notificationUUID']}"


def test_the_example_puts_back_what_it_changed(sandbox_of_its_own: SandboxProcess) -> None:
    sandbox = sandbox_of_its_own
    run = run_example(exported(sandbox))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.detail("deleteRealtimeURL") == "restored"
    assert notification_urls(sandbox) == {}
    with pytest.raises(APIException) as missing:
        sandbox.apple_client().get_realtime_url()
    assert missing.value.http_status_code == 404


def test_a_root_the_sandbox_did_not_sign_with_fails_the_run(
    sandbox_of_its_own: SandboxProcess, tmp_path: Path
) -> None:
    """Apple's Node verifier trusts only the root it is given: another Apple-shaped root is
    refused, the script says so and exits 1, and the notification URL is still restored."""
    other_root = tmp_path / "other-root.cer"
    other_root.write_bytes(create_chain(datetime.now(UTC)).root_der())
    variables = exported(sandbox_of_its_own)
    run = run_example({**variables, "APPSTORE_SANDBOX_ROOT_CERTIFICATE_FILE": str(other_root)})
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.detail("requestTestNotification").startswith("token ")
    assert "receiver verified" not in run.stdout
    assert run.stderr.strip() == "FAIL  verification failed, VERIFICATION_FAILURE"
    assert notification_urls(sandbox_of_its_own) == {}


def test_without_the_variables_it_names_the_first_missing_one() -> None:
    run = run_example({})
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.startswith("FAIL  APPSTORE_SANDBOX_KEY_FILE is not set")

"""docs/ci.md's recipe runs as written: its script, ``docs/ci/perf-test.sh``, which the GitHub
Actions and GitLab CI jobs call, starts a sandbox and a backend (the example endpoint standing in
for the user's) on free loopback ports, runs the performance test and leaves a JUnit report that
says it passed."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

import appstore_sandbox

REPO = Path(__file__).resolve().parents[1]
RECIPE = REPO / "docs" / "ci.md"
SCRIPT = REPO / "docs" / "ci" / "perf-test.sh"
# The script waits at most READY_TIMEOUT_S for each server; this bounds the whole job.
_JOB_TIMEOUT_S = 90
# The user's own app, made by SANDBOX_SETUP, and a small run: the point is the recipe, not
# Apple's 100 requests over a minute.
_BUNDLE_ID = "com.example.ci"
_SETUP = (
    f"appstore-sandbox apps create --bundle-id {_BUNDLE_ID} && "
    f"appstore-sandbox purchases create --bundle-id {_BUNDLE_ID}"
)
_PERF_TEST_OPTIONS = f"--bundle-id {_BUNDLE_ID} --total 20 --duration 1000"


def _free_ports(count: int) -> list[int]:
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def _command_on_path(bin_dir: Path) -> None:
    """``appstore-sandbox`` as an installed package gives it: this interpreter, this code."""
    bin_dir.mkdir()
    shim = bin_dir / "appstore-sandbox"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m appstore_sandbox "$@"\n')
    shim.chmod(0o755)


def _job_env(bin_dir: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPSTORE_SANDBOX_")}
    source = str(Path(appstore_sandbox.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return env | variables


@dataclass(frozen=True)
class Job:
    returncode: int
    output: str
    left_running: bool  # a process it started outlived it


def _run_job(workdir: Path, env: dict[str, str]) -> Job:
    """The script as a CI job runs it, in a session of its own: stopped with everything it
    started if it overruns."""
    process = subprocess.Popen(
        ["sh", str(SCRIPT)],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=_JOB_TIMEOUT_S)
        return Job(process.returncode, output, _group_alive(process.pid))
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(shutil.which("curl") is None, reason="the script waits for servers with curl")
def test_the_recipe_passes_the_example_endpoint_and_writes_a_junit_report(tmp_path: Path) -> None:
    bin_dir, workdir = tmp_path / "bin", tmp_path / "job"
    _command_on_path(bin_dir)
    workdir.mkdir()
    sandbox_port, backend_port = _free_ports(2)
    env = _job_env(
        bin_dir,
        SANDBOX_PORT=str(sandbox_port),
        SANDBOX_SETUP=_SETUP,
        BACKEND_START=(
            f"appstore-sandbox example-server --port {backend_port} --bundle-id {_BUNDLE_ID} "
            "--quiet"
        ),
        BACKEND_URL=f"http://127.0.0.1:{backend_port}/retention",
        PERF_TEST_OPTIONS=_PERF_TEST_OPTIONS,
    )

    job = _run_job(workdir, env)

    assert job.returncode == 0, job.output
    assert not job.left_running, "the script left its sandbox or backend running"
    suite = ET.parse(workdir / "report.xml").getroot()
    assert (suite.tag, suite.get("tests"), suite.get("failures")) == ("testsuite", "1", "0")
    [case] = suite.iter("testcase")
    assert case.get("name") == f"{_BUNDLE_ID} http://127.0.0.1:{backend_port}/retention"
    assert case.find("failure") is None
    assert "PASS" in (case.findtext("system-out") or "")
    assert (workdir / "sandbox.log").exists() and (workdir / "backend.log").exists()


def test_both_ci_jobs_run_the_script_and_keep_the_report() -> None:
    recipe = RECIPE.read_text()
    jobs = re.findall(r"```yaml\n(.*?)```", recipe, re.DOTALL)
    assert len(jobs) == 2  # GitHub Actions, GitLab CI
    for job in jobs:
        assert "sh appstore-sandbox/docs/ci/perf-test.sh" in job
        assert "pip install ./appstore-sandbox" in job
        for variable in ("BACKEND_START", "BACKEND_URL"):
            assert f"{variable}:" in job
        assert "report.xml" in job

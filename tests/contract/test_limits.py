"""Limits a user can see and change: each refused with Apple's error, or a one-line CLI error."""

from __future__ import annotations

from pathlib import Path

from appstoreserverlibrary.api_client import APIError

from tests.cli.running import run_cli
from tests.conftest import SandboxWith, StartSandbox
from tests.contract.performance_subjects import subject_for
from tests.contract.retention_client import raises
from tests.targets import target_server

LONG = {"totalRequests": 40, "totalDuration": 20_000, "rate": "even"}


def test_tests_running_at_once_are_capped_across_apps(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("--performance-test-max-running", "1")
    with target_server("ok") as url:
        first = subject_for(sandbox, url, **LONG)
        second = subject_for(sandbox, url, **LONG)
        running = first.initiate()
        with raises(
            APIError.INVALID_PERFORMANCE_TEST_REQUEST, 400, "--performance-test-max-running"
        ):
            second.initiate()
        sandbox.restart()  # stops the run (FAIL), which frees its place
        first.client, second.client = (
            sandbox.apple_client(first.app),
            sandbox.apple_client(second.app),
        )
        assert first.client.get_performance_test_results(running).rawResult == "FAIL"
        assert second.initiate()


def test_a_stored_config_over_a_lowered_ceiling_is_refused_by_apples_api(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = start_sandbox()
    with target_server("ok") as url:
        wide = subject_for(sandbox, url, totalRequests=100, maxConcurrentRequests=50)
        long = subject_for(sandbox, url, totalRequests=500, maxConcurrentRequests=10)
        sandbox.extra_args += [
            "--performance-test-max-concurrent-requests", "20",
            "--performance-test-max-total-requests", "100",
        ]  # fmt: skip
        sandbox.restart()
        for subject, over in (
            (wide, "maxConcurrentRequests 50 is over"),
            (long, "totalRequests 500 is over"),
        ):
            subject.client = sandbox.apple_client(subject.app)
            with raises(APIError.INVALID_PERFORMANCE_TEST_REQUEST, 400, over):
                subject.initiate()


LOWERED = (
    "--performance-test-max-total-requests", "100",
    "--performance-test-max-concurrent-requests", "8",
)  # fmt: skip


def test_the_control_surface_refuses_a_config_over_the_ceiling(sandbox_with: SandboxWith) -> None:
    sandbox = sandbox_with(*LOWERED)
    app = sandbox.new_app()
    with sandbox.control() as control:
        response = control.put(
            f"/apps/{app.bundle_id}/performance-test-config", json={"totalRequests": 101}
        )
    assert response.status_code == 400
    assert response.json() == {
        "error": "totalRequests 101 is over this sandbox's limit of 100 "
        "(serve --performance-test-max-total-requests)."
    }


def test_the_cli_says_which_limit_in_one_line(sandbox_with: SandboxWith) -> None:
    sandbox = sandbox_with(*LOWERED)
    with target_server("ok") as url:
        result = run_cli(
            "perf-test", "--url", url, "--concurrency", "9", "--total", "10",
            server=sandbox.base_url,
        )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        "error: maxConcurrentRequests 9 is over this sandbox's limit of 8 "
        "(serve --performance-test-max-concurrent-requests).\n"
    )


def test_limits_must_be_positive(tmp_path: Path) -> None:
    result = run_cli("serve", "--performance-test-max-running", "0", "--port", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: performance_test_max_running must be positive\n"

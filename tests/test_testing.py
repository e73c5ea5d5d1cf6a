"""The Python API (``from appstore_sandbox import Sandbox``): a real server that leaves nothing
behind, Apple's clients pointed at it, and an attach mode for a sandbox already running."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime

import pytest

import appstore_sandbox
from appstore_sandbox import Sandbox, SandboxError
from tests.conftest import StartSandbox
from tests.reply_targets import retention_message, target, url_of
from tests.sandbox_process import SandboxProcess, process_gone


def test_a_started_sandbox_answers_apples_client_then_leaves_nothing_behind() -> None:
    with Sandbox() as sbx:
        pid, data_dir = sbx.pid, sbx._data_dir
        assert pid is not None and data_dir is not None and data_dir.is_dir()
        assert sbx.sandbox_url == f"{sbx.url}/sandbox"
        assert sbx.client().get_image_list().imageIdentifiers == []
        key = sbx.create_key()
        assert sbx.client(key=key).get_message_list().messageIdentifiers == []
        assert sbx.root_certificate.startswith(b"0\x82")  # DER
    assert process_gone(pid)
    assert not data_dir.exists()


def test_a_sandbox_that_cannot_start_says_why_and_leaves_nothing() -> None:
    sbx = Sandbox(serve_args=("--performance-test-max-running", "0"))
    with pytest.raises(SandboxError, match="performance_test_max_running must be positive"):
        sbx.start()
    assert sbx.pid is None and sbx._data_dir is None


def test_attach_uses_a_running_sandbox_without_stopping_it(sandbox: SandboxProcess) -> None:
    attached = Sandbox.attach(sandbox.base_url)
    app = sandbox.new_app()
    assert app.bundle_id in [item["bundleId"] for item in attached.apps()]
    assert attached.default_key.key_id == sandbox.default_app.key_id
    assert attached.original_transaction_id == sandbox.banner["original_transaction_id"]
    assert attached.client().get_image_list().imageIdentifiers is not None
    attached.stop()
    assert sandbox.control().get("/health").status_code == 200


def test_the_package_root_exports_the_api_lazily() -> None:
    assert appstore_sandbox.Sandbox is Sandbox
    with pytest.raises(AttributeError):
        appstore_sandbox.Nothing  # noqa: B018


def test_the_clock_can_be_set_and_reset(start_sandbox: StartSandbox) -> None:
    sbx = Sandbox.attach(start_sandbox().base_url)  # a clock of its own
    later = datetime(2100, 1, 31, 12, tzinfo=UTC)
    assert sbx.set_clock(later) >= later.timestamp() * 1000
    assert sbx.set_clock(4_200_000_000_000) >= 4_200_000_000_000  # UNIX ms work too
    with pytest.raises(SandboxError, match="before the real time"):
        sbx.set_clock(datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="time zone"):
        sbx.set_clock(datetime(2100, 1, 1))  # no time zone: the mistake under test
    before = time.time_ns() // 1_000_000
    now = sbx.reset_clock()
    assert before <= now <= time.time_ns() // 1_000_000
    sbx.stop()


def test_trigger_changes_a_subscription_as_its_customer_would(sandbox: SandboxProcess) -> None:
    sbx = Sandbox.attach(sandbox.base_url)
    app = sandbox.new_app()
    original_id = sbx.create_purchase(app.bundle_id)["originalTransactionId"]

    cancelled = sbx.trigger("cancel", original_id, bundle_id=app.bundle_id)
    renewing = sbx.trigger("resubscribe", bundle_id=app.bundle_id)  # the app's first purchase

    assert cancelled["autoRenew"] is False and renewing["autoRenew"] is True
    assert renewing["originalTransactionId"] == original_id
    with pytest.raises(SandboxError, match="already set to renew"):
        sbx.trigger("resubscribe", original_id, bundle_id=app.bundle_id)


def test_a_performance_tests_settings_are_its_own(start_sandbox: StartSandbox) -> None:
    process = start_sandbox()
    attached = Sandbox.attach(process.base_url)
    config_path = f"/apps/{process.default_app.bundle_id}/performance-test-config"
    before = process.control().get(config_path).json()
    with target(retention_message) as server:
        with pytest.raises(TypeError, match="did you mean totalRequests"):
            attached.run_performance_test(url_of(server), total=5)
        outcome = attached.run_performance_test(url_of(server), totalRequests=5, totalDuration=1000)
    assert outcome.passed and outcome.result.config is not None
    assert (outcome.result.config.totalRequests, outcome.result.config.totalDuration) == (5, 1000)
    assert process.control().get(config_path).json() == before


def test_attaching_to_no_sandbox_says_so() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
    with pytest.raises(SandboxError, match=f"no sandbox answers at {url}"):
        Sandbox.attach(url)

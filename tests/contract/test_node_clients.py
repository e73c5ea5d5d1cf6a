"""Apple's Node client against the sandbox where it differs from the Python one: its tokens carry
``iat``, so a client whose clock runs ahead meets the sandbox's leeway."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox_process import SandboxProcess
from tests.test_node_example import NODE, NODE_TIMEOUT_S, exported, pytestmark  # noqa: F401

SKEWED_CLOCK = Path(__file__).parent / "node" / "skewed_clock.mjs"


def _run_skewed(sandbox: SandboxProcess, skew_s: int) -> dict[str, Any]:
    assert NODE is not None
    bundle_id = sandbox.default_app.bundle_id
    with sandbox.control() as control:
        purchases = control.get(f"/apps/{bundle_id}/purchases").raise_for_status().json()
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPSTORE_SANDBOX_")}
    env.update(exported(sandbox))
    env["SKEW_MS"] = str(skew_s * 1000)
    env["ORIGINAL_TRANSACTION_ID"] = purchases["purchases"][0]["originalTransactionId"]
    completed = subprocess.run(
        [NODE, str(SKEWED_CLOCK)], capture_output=True, text=True, env=env, timeout=NODE_TIMEOUT_S
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    answer: dict[str, Any] = json.loads(completed.stdout.splitlines()[-1])
    return answer


@pytest.mark.parametrize("skew_s", [0, 5, 50])
def test_a_node_client_a_little_ahead_is_answered(sandbox: SandboxProcess, skew_s: int) -> None:
    assert _run_skewed(sandbox, skew_s) == {"status": 200, "reason": None}


def test_a_node_client_five_minutes_ahead_is_told_why(sandbox: SandboxProcess) -> None:
    answer = _run_skewed(sandbox, 5 * 60)
    assert answer["status"] == 401
    assert re.search(r"iat is (299|300|301) s ahead of the sandbox's clock", answer["reason"])
    assert "token_clock_leeway_s" in answer["reason"]

"""``appstore-sandbox demo``: the README's first command, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _demo(state: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "appstore_sandbox", "demo", "--total", "30"]
    command += ["--duration", "1000", "--data-dir", str(state)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_demo_passes_and_opens_production(tmp_path: Path) -> None:
    completed = _demo(tmp_path / "state")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "PASS  successRate 100%" in completed.stdout
    assert "production realtimeURL = http://127.0.0.1:" in completed.stdout
    assert ": DELIVERED" in completed.stdout, "the TEST notification reached the example server"
    # The message the example server names was uploaded first, so the catalog checks are clean.
    assert "Catalog problems" not in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr
    assert (tmp_path / "state" / "sandbox.db").exists(), "--data-dir keeps the state"

    again = _demo(tmp_path / "state")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "PASS  successRate 100%" in again.stdout

"""``appstore-sandbox demo``: the README's first command, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys


def test_demo_passes_and_opens_production(tmp_path) -> None:  # type: ignore[no-untyped-def]
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "appstore_sandbox",
            "demo",
            "--total",
            "30",
            "--duration",
            "1000",
            "--data-dir",
            str(tmp_path / "state"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "PASS  successRate 100%" in completed.stdout
    assert "production realtimeURL = http://127.0.0.1:" in completed.stdout
    assert ": DELIVERED" in completed.stdout, "the TEST notification reached the example server"
    assert "Traceback" not in completed.stdout + completed.stderr
    assert (tmp_path / "state" / "sandbox.db").exists(), "--data-dir keeps the state"

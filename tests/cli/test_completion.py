"""Shell completion, as the README tells users to turn it on, completes command names."""

from __future__ import annotations

from tests.cli.running import run_cli


def test_bash_completion_completes_commands() -> None:
    script = run_cli(env={"_APPSTORE_SANDBOX_COMPLETE": "bash_source"})
    assert "_appstore_sandbox_completion()" in script.stdout
    words = {"COMP_WORDS": "appstore-sandbox fa", "COMP_CWORD": "1"}
    completed = run_cli(env={"_APPSTORE_SANDBOX_COMPLETE": "bash_complete", **words})
    assert completed.stdout.splitlines() == ["plain,faults"]

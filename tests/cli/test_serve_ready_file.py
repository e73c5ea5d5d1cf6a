"""``serve --ready-file``: the facts a launcher needs, written once the server answers."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.conftest import StartSandbox


def test_the_ready_file_names_what_the_banner_shows_and_goes_at_stop(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    ready_file = tmp_path / "ready.json"
    server = start_sandbox("--ready-file", str(ready_file))
    facts = json.loads(ready_file.read_text())
    assert facts["pid"] == server.pid
    assert httpx.get(facts["controlUrl"] + "/health").status_code == 200
    assert Path(facts["defaultApp"]["keyFile"]).read_bytes() == server.private_key

    stopped = server.stop()
    assert stopped is not None
    banner = stopped.output.split("Press Ctrl-C")[0]
    app = facts["defaultApp"]
    for shown in (
        f"Ready on {facts['baseUrl']}.",
        f"Sandbox base URL       {facts['sandboxUrl']}",
        f"Control surface        {facts['controlUrl']}",
        f"Bundle id              {app['bundleId']}   (appAppleId {app['appAppleId']})",
        f"Issuer id              {app['issuerId']}",
        f"Key id                 {app['keyId']}",
        f"Key file               {app['keyFile']}",
        f"originalTransactionId  {app['originalTransactionId']}",
        f"Root certificate       {facts['rootCertificateFile']}",
        f"Data dir               {facts['dataDir']}",
    ):
        assert shown in banner
    assert not ready_file.exists()
    assert list(tmp_path.iterdir()) == []  # no partial file left either

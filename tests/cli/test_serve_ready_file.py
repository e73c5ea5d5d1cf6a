"""``serve --ready-file``: the facts a launcher needs, written once the server answers (and the
one launcher, which waits for that file)."""

from __future__ import annotations

from pathlib import Path

import httpx

from appstore_sandbox.serve_process import ServeProcess


def test_the_ready_file_names_what_the_banner_shows_and_goes_at_stop(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path / "data").start()
    facts = server.facts
    assert [path.suffix for path in tmp_path.glob("*.ready.json")] == [".json"]
    assert facts["pid"] == server.pid
    assert httpx.get(facts["controlUrl"] + "/health").status_code == 200
    app = facts["defaultApp"]
    assert Path(app["keyFile"]).read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")

    stopped = server.stop()
    assert stopped is not None and stopped.returncode == 0, stopped
    banner = stopped.output.split("Press Ctrl-C")[0]
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
    # serve removed its ready file (and left no partial one); the launcher removed its log.
    assert [path.name for path in tmp_path.iterdir()] == ["data"]

"""``serve --ready-file``: the facts a launcher needs, written once the server answers."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.conftest import StartSandbox


def test_the_ready_file_names_what_the_banner_names_and_goes_at_stop(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    ready_file = tmp_path / "ready.json"
    server = start_sandbox("--ready-file", str(ready_file))
    facts = json.loads(ready_file.read_text())

    assert facts["pid"] == server.pid
    assert facts["baseUrl"] == server.base_url
    assert facts["sandboxUrl"] == server.base_url + "/sandbox"
    assert facts["controlUrl"] == server.base_url + "/_sandbox/v1"
    assert facts["rootCertificateFile"] == server.banner["root_certificate_file"]
    app = facts["defaultApp"]
    assert app["bundleId"] == server.banner["bundle_id"]
    assert app["appAppleId"] == int(server.banner["app_apple_id"])
    assert app["keyId"] == server.banner["key_id"]
    assert Path(app["keyFile"]).read_bytes() == server.private_key
    assert app["originalTransactionId"] == server.banner["original_transaction_id"]
    assert httpx.get(facts["controlUrl"] + "/health").status_code == 200

    server.stop()
    assert not ready_file.exists()
    assert list(tmp_path.iterdir()) == []  # no partial file left either

"""``serve`` answers only the names it listens on, over the wire: a DNS-rebinding page's Host is
refused on both surfaces, and ``--allowed-hosts`` (or its variable) admits a proxy's name."""

from __future__ import annotations

import httpx

from tests.conftest import StartSandbox
from tests.sandbox_process import SandboxProcess

HISTORY = "/sandbox/inApps/v1/notifications/history"


def _status(sandbox: SandboxProcess, path: str, host: str) -> int:
    port = sandbox.base_url.rsplit(":", 1)[1]
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:
        return client.get(path, headers={"Host": f"{host}:{port}"}).status_code


def test_a_rebinding_host_is_refused_and_allowed_hosts_admits(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("--allowed-hosts", "sandbox.internal")
    assert _status(sandbox, "/_sandbox/v1/apps", "evil.example") == 421
    assert _status(sandbox, HISTORY, "evil.example") == 421
    assert _status(sandbox, "/_sandbox/v1/apps", "sandbox.internal") == 200
    assert _status(sandbox, HISTORY, "sandbox.internal") == 401  # on to the token check
    assert _status(sandbox, "/_sandbox/v1/apps", "localhost") == 200

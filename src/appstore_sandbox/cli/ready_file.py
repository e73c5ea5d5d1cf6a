"""``serve --ready-file``: what a launcher needs to know, written once the server answers.

One JSON object, written to a temporary name and renamed, so a reader never sees half of it:
the base URLs, the default app and key, the root certificate and the process id. A launcher
waits for the file instead of reading the banner.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from appstore_sandbox.sandbox import Sandbox


def ready_facts(sandbox: Sandbox, base: str) -> dict[str, Any]:
    from appstore_sandbox.sandbox import default_credentials

    facts: dict[str, Any] = {
        "pid": os.getpid(),
        "baseUrl": base,
        "sandboxUrl": f"{base}/sandbox",
        "productionUrl": f"{base}/production",
        "controlUrl": f"{base}/_sandbox/v1",
        "rootCertificateFile": str(sandbox.root_certificate_file.resolve()),
        "dataDir": str(sandbox.settings.data_dir.resolve()),
        "defaultApp": None,
    }
    credentials = default_credentials(sandbox)
    if credentials is not None:
        facts["defaultApp"] = {
            "bundleId": credentials.bundle_id,
            "appAppleId": credentials.app_apple_id,
            "issuerId": credentials.issuer_id,
            "keyId": credentials.key_id,
            "keyFile": str(credentials.key_file) if credentials.key_file.exists() else None,
            "originalTransactionId": credentials.original_transaction_id or None,
        }
    return facts


def write_ready_file(path: Path, facts: dict[str, Any]) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(facts, indent=2) + "\n")
    partial.replace(path)

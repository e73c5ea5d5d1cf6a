"""Configure Realtime URL under ``serve --strict``, in process (Apple's client reads the same
error from a real server in tests/contract/test_realtime_url.py)."""

from __future__ import annotations

from pathlib import Path

from tests.in_process import in_process

PATH = "/sandbox/inApps/v1/messaging/realtime/url"


def test_strict_mode_accepts_only_https(tmp_path: Path) -> None:
    with in_process(tmp_path, strict=True) as strict:
        headers = strict.apple_headers()
        refused = strict.client.put(
            PATH, json={"realtimeURL": "http://localhost:8000/r"}, headers=headers
        )
        assert refused.status_code == 400
        assert refused.json()["errorCode"] == 4000215  # BAD_REQUEST_REALTIME_URL
        accepted = strict.client.put(
            PATH, json={"realtimeURL": "https://localhost:8000/r"}, headers=headers
        )
        assert accepted.status_code == 200, accepted.text
        assert strict.client.get(PATH, headers=headers).json() == {
            "realtimeURL": "https://localhost:8000/r"
        }

"""Deleting apps and what they own, in process: what goes with an app, and what refuses."""

from __future__ import annotations

from pathlib import Path

from appstore_sandbox.store import PerformanceTestRun
from tests.in_process import in_process


def test_deleting_an_app_removes_its_rows_image_files_and_key_files(tmp_path: Path) -> None:
    with in_process(tmp_path) as sandbox:
        client = sandbox.client
        client.post("/_sandbox/v1/apps", json={"bundleId": "com.example.gone"}).raise_for_status()
        app = sandbox.sandbox.control.app("com.example.gone")
        keys_dir = sandbox.sandbox.settings.keys_dir
        key = client.post("/_sandbox/v1/apps/com.example.gone/keys").json()
        key_path = keys_dir / f"SubscriptionKey_{key['keyId']}.p8"
        key_path.write_text(key["privateKey"])
        image_dir = sandbox.sandbox.settings.images_dir / str(app.id) / "Sandbox"
        image_dir.mkdir(parents=True)
        (image_dir / "00000000-0000-0000-0000-000000000000.png").write_bytes(b"png")

        response = client.delete("/_sandbox/v1/apps/com.example.gone")

        assert response.status_code == 204 and response.content == b""
        assert sandbox.sandbox.store.app_by_id(app.id) is None
        assert sandbox.sandbox.store.key_by_id(key["keyId"]) is None
        assert not key_path.exists()
        assert not image_dir.parent.exists()
        # The default app and its key file are untouched.
        assert client.get("/_sandbox/v1/apps/com.example.app").status_code == 200
        assert len(list(keys_dir.glob("*.p8"))) == 1


def test_an_app_with_a_running_performance_test_is_not_deleted(tmp_path: Path) -> None:
    with in_process(tmp_path) as sandbox:
        store = sandbox.sandbox.store
        app = sandbox.sandbox.control.app("com.example.app")
        purchase = store.purchases(app.id)[0]
        store.performance_tests.add_run(
            PerformanceTestRun(
                request_id="run-1",
                app_id=app.id,
                original_transaction_id=purchase.original_transaction_id,
                target="http://127.0.0.1:9/",
                config="{}",
                status="PENDING",
                created_ms=0,
                finished_ms=None,
                owner="elsewhere",
                lease_until_ms=2**62,
                progress=None,
                note=None,
            )
        )

        response = sandbox.client.delete("/_sandbox/v1/apps/com.example.app")

        assert response.status_code == 409
        assert "performance test of com.example.app is running" in response.json()["error"]
        assert store.app_by_id(app.id) is not None

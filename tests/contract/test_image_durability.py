"""Every image upload answered 2xx survives kill -9 of the server, listed and byte for byte."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests import pngs
from tests.conftest import StartSandbox
from tests.contract.retention_client import MESSAGING
from tests.sandbox_process import SandboxProcess

UPLOADS = 20
KILL_AFTER = 5  # acknowledged uploads before the kill


def _upload(
    client: httpx.Client, identifier: uuid.UUID, data: bytes, acknowledged: threading.Semaphore
) -> bool:
    try:
        response = client.put(f"/image/{identifier}", content=data)
    except httpx.TransportError:
        return False
    assert response.status_code == 200, response.text
    acknowledged.release()
    return True


def _upload_until_killed(sandbox: SandboxProcess, images: dict[uuid.UUID, bytes]) -> set[uuid.UUID]:
    token = sandbox.apple_client()._generate_token()
    acknowledged = threading.Semaphore(0)
    with (
        httpx.Client(
            base_url=sandbox.url(f"/sandbox{MESSAGING}"),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "image/png"},
            timeout=30,
        ) as client,
        ThreadPoolExecutor(UPLOADS) as pool,
    ):
        futures = {
            identifier: pool.submit(_upload, client, identifier, data, acknowledged)
            for identifier, data in images.items()
        }
        for _ in range(KILL_AFTER):
            assert acknowledged.acquire(timeout=30), "no upload was acknowledged"
        sandbox.kill()
        return {identifier for identifier, future in futures.items() if future.result()}


def test_kill_9_during_uploads_loses_no_acknowledged_image(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    # Each image differs (its height), so a file holding another upload's bytes would show.
    images = {uuid.uuid4(): pngs.full_size(160 + number) for number in range(UPLOADS)}
    acknowledged = _upload_until_killed(sandbox, images)
    assert KILL_AFTER <= len(acknowledged) <= UPLOADS
    print(f"{len(acknowledged)} of {UPLOADS} uploads acknowledged before kill -9")
    started = time.monotonic()
    sandbox.start()
    assert time.monotonic() - started < 30

    listed = {
        item.imageIdentifier
        for item in sandbox.apple_client().get_image_list().imageIdentifiers or []
        if item.imageIdentifier is not None
    }
    assert acknowledged <= listed, "an acknowledged upload is missing"
    for identifier in listed:
        (path,) = sandbox.data_dir.glob(f"images/*/sandbox/{identifier}.png")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == hashlib.sha256(images[identifier]).hexdigest(), f"{path} is damaged"
    assert not list(sandbox.data_dir.glob("images/**/*.part")), "a temporary file was left"

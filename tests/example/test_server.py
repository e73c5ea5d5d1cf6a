"""The example developer server: in-process with TestClient, and once as a real subprocess.

Its command's refusals, which come before it listens, run in this process.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from starlette.testclient import TestClient

from appstore_sandbox.example.server import DEFAULT_MESSAGE_ID, ExampleOptions, build_example_app
from appstore_sandbox.signing import CertificateChain, JwsSigner, create_chain, load_chain
from tests.cli.running import run_cli
from tests.example_process import example_server
from tests.sandbox_process import SandboxProcess

BUNDLE_ID = "com.example.app"
APP_APPLE_ID = 1234567890


@pytest.fixture(scope="module")
def chain() -> CertificateChain:
    return create_chain(datetime.now(UTC))


@pytest.fixture(scope="module")
def signer(chain: CertificateChain) -> JwsSigner:
    return JwsSigner(chain)


def _now_ms() -> int:
    return int(time.time() * 1000)


def realtime_payload(
    environment: str = "Sandbox", app_apple_id: int = APP_APPLE_ID
) -> dict[str, Any]:
    return {
        "originalTransactionId": "2000000812345678",
        "appAppleId": app_apple_id,
        "productId": "com.example.pro.monthly",
        "userLocale": "en-US",
        "requestIdentifier": str(uuid.uuid4()),
        "environment": environment,
        "signedDate": _now_ms(),
    }


def notification_payload(
    bundle_id: str = BUNDLE_ID, environment: str = "Sandbox"
) -> dict[str, Any]:
    return {
        "notificationType": "TEST",
        "notificationUUID": str(uuid.uuid4()),
        "version": "2.0",
        "signedDate": _now_ms(),
        "data": {"bundleId": bundle_id, "appAppleId": APP_APPLE_ID, "environment": environment},
    }


def client_for(chain: CertificateChain, **overrides: Any) -> TestClient:
    options: dict[str, Any] = {"root_certificates": [chain.root_der()], "echo": None}
    return TestClient(build_example_app(ExampleOptions(**(options | overrides))))


def post(client: TestClient, token: str, path: str = "/retention") -> httpx2.Response:
    response: httpx2.Response = client.post(path, json={"signedPayload": token})
    return response


# --- realtime requests -------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/retention"])
def test_a_valid_request_gets_the_message(
    chain: CertificateChain, signer: JwsSigner, path: str
) -> None:
    response = post(client_for(chain), signer.sign(realtime_payload()), path)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"message": {"messageIdentifier": DEFAULT_MESSAGE_ID}}


def test_the_configured_message_id_is_answered(chain: CertificateChain, signer: JwsSigner) -> None:
    client = client_for(chain, message_id="11111111-2222-4333-8444-555555555555")

    response = post(client, signer.sign(realtime_payload()))

    assert response.json()["message"]["messageIdentifier"] == "11111111-2222-4333-8444-555555555555"


def test_a_request_signed_by_another_chain_is_rejected(chain: CertificateChain) -> None:
    stranger = JwsSigner(create_chain(datetime.now(UTC)))

    response = post(client_for(chain), stranger.sign(realtime_payload()))

    assert response.status_code == 401
    assert response.json() == {"error": "signedPayload rejected: VERIFICATION_FAILURE"}


def test_a_tampered_request_is_rejected(chain: CertificateChain, signer: JwsSigner) -> None:
    header, _, signature = signer.sign(realtime_payload()).split(".")
    other_body = signer.sign(realtime_payload() | {"productId": "free"}).split(".")[1]

    response = post(client_for(chain), f"{header}.{other_body}.{signature}")

    assert response.status_code == 401
    assert response.json()["error"].startswith("signedPayload rejected: ")


def test_production_is_rejected_without_an_app_apple_id(
    chain: CertificateChain, signer: JwsSigner
) -> None:
    response = post(client_for(chain), signer.sign(realtime_payload("Production")))

    assert response.status_code == 401
    assert response.json() == {"error": "signedPayload rejected: INVALID_ENVIRONMENT"}


def test_production_is_accepted_for_our_app_apple_id(
    chain: CertificateChain, signer: JwsSigner
) -> None:
    client = client_for(chain, app_apple_id=APP_APPLE_ID)

    response = post(client, signer.sign(realtime_payload("Production")))

    assert response.status_code == 200


def test_production_for_another_app_apple_id_is_rejected(
    chain: CertificateChain, signer: JwsSigner
) -> None:
    client = client_for(chain, app_apple_id=APP_APPLE_ID)

    response = post(client, signer.sign(realtime_payload("Production", app_apple_id=42)))

    assert response.status_code == 401
    assert response.json() == {"error": "signedPayload rejected: INVALID_APP_IDENTIFIER"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json", "body is not JSON"),
        (b'{"payload": "x"}', 'body has no "signedPayload" string'),
        (b'["signedPayload"]', 'body has no "signedPayload" string'),
        (b'{"signedPayload": 7}', 'body has no "signedPayload" string'),
    ],
)
def test_a_malformed_body_is_a_bad_request(
    chain: CertificateChain, body: bytes, error: str
) -> None:
    response = client_for(chain).post("/retention", content=body)

    assert response.status_code == 400
    assert response.json() == {"error": error}


def test_a_payload_that_is_not_a_jws_is_rejected(chain: CertificateChain) -> None:
    response = post(client_for(chain), "not.a.jws")

    assert response.status_code == 401
    assert response.json() == {"error": "signedPayload rejected: VERIFICATION_FAILURE"}


def test_a_signed_payload_missing_fields_is_a_bad_request(
    chain: CertificateChain, signer: JwsSigner
) -> None:
    payload = realtime_payload()
    del payload["requestIdentifier"]

    response = post(client_for(chain), signer.sign(payload))

    assert response.status_code == 400
    assert response.json() == {"error": "signedPayload is not a valid realtime request"}


def test_error_rate_one_always_fails(chain: CertificateChain, signer: JwsSigner) -> None:
    response = post(client_for(chain, error_rate=1.0), signer.sign(realtime_payload()))

    assert response.status_code == 500
    assert response.json() == {"error": "simulated failure"}


def test_the_same_seed_fails_the_same_requests(chain: CertificateChain, signer: JwsSigner) -> None:
    def statuses() -> list[int]:
        client = client_for(chain, error_rate=0.5, seed=7)
        return [post(client, signer.sign(realtime_payload())).status_code for _ in range(12)]

    first = statuses()

    assert first == statuses()
    assert set(first) == {200, 500}


def test_the_delay_is_applied(chain: CertificateChain, signer: JwsSigner) -> None:
    client = client_for(chain, delay_ms=200)
    token = signer.sign(realtime_payload())

    started = time.perf_counter()
    response = post(client, token)
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    assert elapsed >= 0.2


@pytest.mark.parametrize("overrides", [{"error_rate": 1.5}, {"delay_ms": -1}, {"jitter_ms": -1}])
def test_options_out_of_range_are_refused(chain: CertificateChain, overrides: Any) -> None:
    with pytest.raises(ValueError):
        ExampleOptions(root_certificates=[chain.root_der()], **overrides)


def test_health(chain: CertificateChain) -> None:
    response = client_for(chain).get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- notifications -----------------------------------------------------------


def test_a_test_notification_is_accepted_and_echoed(
    chain: CertificateChain, signer: JwsSigner
) -> None:
    lines: list[str] = []
    payload = notification_payload()

    response = post(client_for(chain, echo=lines.append), signer.sign(payload), "/notifications")

    assert response.status_code == 200
    assert response.content == b""
    [line] = lines
    assert "TEST" in line
    assert payload["notificationUUID"] in line
    assert BUNDLE_ID in line
    assert "Sandbox" in line


def test_a_notification_for_another_bundle_is_rejected(
    chain: CertificateChain, signer: JwsSigner
) -> None:
    token = signer.sign(notification_payload("com.example.other"))

    response = post(client_for(chain), token, "/notifications")

    assert response.status_code == 401
    assert response.json() == {"error": "signedPayload rejected: INVALID_APP_IDENTIFIER"}


@pytest.mark.parametrize(("app_apple_id", "status"), [(None, 401), (APP_APPLE_ID, 200)])
def test_a_production_notification_needs_our_app_apple_id(
    chain: CertificateChain, signer: JwsSigner, app_apple_id: int | None, status: int
) -> None:
    token = signer.sign(notification_payload(environment="Production"))

    response = post(client_for(chain, app_apple_id=app_apple_id), token, "/notifications")

    assert response.status_code == status


def test_a_notification_without_signed_payload_is_a_bad_request(chain: CertificateChain) -> None:
    response = client_for(chain).post("/notifications", json={})

    assert response.status_code == 400


# --- the command, end to end -------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def example_process(sandbox: SandboxProcess) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with example_server(sandbox.base_url) as running:
        yield running


def test_the_command_verifies_what_the_sandbox_chain_signs(
    sandbox: SandboxProcess, example_process: tuple[str, subprocess.Popen[str]]
) -> None:
    base_url, process = example_process
    sandbox_chain = load_chain(Path(sandbox.banner["root_certificate_file"]).parent)
    token = JwsSigner(sandbox_chain).sign(realtime_payload())

    response = httpx.post(f"{base_url}/retention", json={"signedPayload": token}, timeout=10)

    assert response.status_code == 200
    assert response.json() == {"message": {"messageIdentifier": DEFAULT_MESSAGE_ID}}
    process.terminate()
    assert process.wait(timeout=10) == 0


def test_ctrl_c_stops_it_quietly(example_process: tuple[str, subprocess.Popen[str]]) -> None:
    _, process = example_process
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
    assert process.stdout is not None  # stderr goes there too
    assert "Aborted" not in process.stdout.read()


@pytest.mark.parametrize("how", ["--server", "--sandbox", "APPSTORE_SANDBOX_SERVER"])
def test_an_unreachable_sandbox_is_a_one_line_error(how: str) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    if how.startswith("--"):
        result = run_cli("example-server", how, url)
    else:  # like every other command, the server can come from the environment
        result = run_cli("example-server", env={how: url})

    assert result.returncode == 2
    assert (
        result.stderr
        == f"error: no sandbox server at {url} (start one with: appstore-sandbox serve)\n"
    )
    assert "Traceback" not in result.stdout + result.stderr


def test_a_root_cert_that_is_not_der_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "root.cer"
    bad.write_bytes(b"not a certificate")

    result = run_cli("example-server", "--root-cert", str(bad), "--app-apple-id", "1")

    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {bad} is not a DER certificate"

"""Review under ``serve --review manual``: content stays PENDING until approved or rejected.

Decisions go through the control surface and the ``appstore-sandbox review`` command; the state
is read back through Apple's official client.
"""

from __future__ import annotations

import json
import uuid
from uuid import UUID

import pytest
from appstoreserverlibrary.api_client import AppStoreServerAPIClient
from appstoreserverlibrary.models.ImageState import ImageState
from appstoreserverlibrary.models.MessageState import MessageState
from click.testing import CliRunner

from appstore_sandbox.cli import main
from tests.conftest import SandboxWith
from tests.contract.retention_client import (
    image_items,
    message_items,
    upload_full_size,
    upload_text_message,
)
from tests.sandbox_process import AppCredentials, SandboxProcess


@pytest.fixture(scope="module")
def manual(sandbox_with: SandboxWith) -> SandboxProcess:
    return sandbox_with("--review", "manual")


@pytest.fixture
def app(manual: SandboxProcess) -> AppCredentials:
    return manual.new_app()


def _image_states(client: AppStoreServerAPIClient) -> dict[UUID | None, ImageState | None]:
    return {i.imageIdentifier: i.imageState for i in image_items(client)}


def _message_states(client: AppStoreServerAPIClient) -> dict[UUID | None, MessageState | None]:
    items = message_items(client)
    return {m.messageIdentifier: m.messageState for m in items}


def _cli(server: SandboxProcess, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(main, [*args, "--server", server.base_url, "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def test_new_content_is_pending_then_approved(manual: SandboxProcess, app: AppCredentials) -> None:
    client = manual.apple_client(app)
    image, message = upload_full_size(client), upload_text_message(client)
    assert _image_states(client) == {image: ImageState.PENDING}
    assert _message_states(client) == {message: MessageState.PENDING}

    with manual.control() as control:
        for identifier in (image, message):
            response = control.post(f"/apps/{app.bundle_id}/review/sandbox/{identifier}/approve")
            assert response.status_code == 200, response.text
    assert _image_states(client) == {image: ImageState.APPROVED}
    assert _message_states(client) == {message: MessageState.APPROVED}


def test_rejected_content_stays_listed(manual: SandboxProcess, app: AppCredentials) -> None:
    client = manual.apple_client(app)
    image, message = upload_full_size(client), upload_text_message(client)
    with manual.control() as control:
        for identifier, kind in ((image, "image"), (message, "message")):
            body = control.post(f"/apps/{app.bundle_id}/review/sandbox/{identifier}/reject").json()
            assert body == {
                "kind": kind,
                "identifier": str(identifier),
                "state": "REJECTED",
                "environment": "sandbox",
                "bundleId": app.bundle_id,
            }
    assert _image_states(client) == {image: ImageState.REJECTED}
    assert _message_states(client) == {message: MessageState.REJECTED}


def test_cli_approves_rejects_and_lists(manual: SandboxProcess, app: AppCredentials) -> None:
    client = manual.apple_client(app)
    image, message = upload_full_size(client), upload_text_message(client)

    listed = _cli(manual, "review", "list", "--bundle-id", app.bundle_id)
    assert listed["mode"] == "manual"
    assert {(i["identifier"], i["state"]) for i in listed["items"]} == {  # type: ignore[attr-defined]
        (str(image), "PENDING"),
        (str(message), "PENDING"),
    }
    approved = _cli(manual, "review", "approve", str(image), "--bundle-id", app.bundle_id)
    assert (approved["kind"], approved["state"]) == ("image", "APPROVED")
    rejected = _cli(manual, "review", "reject", str(message), "--bundle-id", app.bundle_id)
    assert (rejected["kind"], rejected["state"]) == ("message", "REJECTED")
    assert _image_states(client) == {image: ImageState.APPROVED}
    assert _message_states(client) == {message: MessageState.REJECTED}


def test_cli_reviews_production_separately(manual: SandboxProcess, app: AppCredentials) -> None:
    sandbox_client, production = manual.apple_client(app), manual.apple_client(app, "production")
    message = upload_text_message(production)
    approve = ["review", "approve", str(message), "--bundle-id", app.bundle_id]
    result = CliRunner().invoke(main, [*approve, "--server", manual.base_url])
    assert result.exit_code == 2
    assert "has no image or message" in result.output

    _cli(manual, *approve, "--environment", "production")
    assert _message_states(production) == {message: MessageState.APPROVED}
    assert _message_states(sandbox_client) == {}


def test_decisions_can_be_changed(manual: SandboxProcess, app: AppCredentials) -> None:
    client = manual.apple_client(app)
    message = upload_text_message(client)
    with manual.control() as control:
        base = f"/apps/{app.bundle_id}/review/sandbox/{message}"
        control.post(f"{base}/reject").raise_for_status()
        control.post(f"{base}/approve").raise_for_status()
    assert _message_states(client) == {message: MessageState.APPROVED}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/apps/{bundle}/review/sandbox/{unknown}/approve", 404),
        ("/apps/{bundle}/review/sandbox/not-a-uuid/approve", 400),
        ("/apps/{bundle}/review/staging/{unknown}/approve", 400),
        ("/apps/com.example.nobody/review/sandbox/{unknown}/reject", 404),
    ],
    ids=["unknown-id", "not-a-uuid", "unknown-environment", "unknown-app"],
)
def test_control_errors(
    manual: SandboxProcess, app: AppCredentials, path: str, status: int
) -> None:
    with manual.control() as control:
        response = control.post(path.format(bundle=app.bundle_id, unknown=uuid.uuid4()))
    assert response.status_code == status
    assert response.json()["error"]


def test_auto_review_approves_at_upload(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    client = sandbox.apple_client(app)
    image, message = upload_full_size(client), upload_text_message(client)
    assert _image_states(client) == {image: ImageState.APPROVED}
    assert _message_states(client) == {message: MessageState.APPROVED}
    with sandbox.control() as control:
        listed = control.get(f"/apps/{app.bundle_id}/review/sandbox").json()
    assert listed["mode"] == "auto"

"""Upload Message / Delete Message / Get Message List through Apple's official Python client.

Apple's client checks some lengths itself (its attrs validators); requests breaking those go out
raw, with the client's own token, to show what the server answers.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import pytest
from appstoreserverlibrary.api_client import APIError, AppStoreServerAPIClient
from appstoreserverlibrary.models.BulletPoint import BulletPoint
from appstoreserverlibrary.models.HeaderPosition import HeaderPosition
from appstoreserverlibrary.models.MessageState import MessageState
from appstoreserverlibrary.models.UploadMessageImage import UploadMessageImage
from appstoreserverlibrary.models.UploadMessageRequestBody import UploadMessageRequestBody

from tests.contract.retention_client import (
    assert_apple_error,
    message_items,
    prefill,
    put_many,
    raises,
    raw_request,
    upload_bullet_point,
    upload_full_size,
    upload_text_message,
)
from tests.sandbox_process import AppCredentials, SandboxProcess

MAX_MESSAGES = 2000


@pytest.fixture
def app(sandbox: SandboxProcess) -> AppCredentials:
    return sandbox.new_app()


@pytest.fixture
def client(sandbox: SandboxProcess, app: AppCredentials) -> AppStoreServerAPIClient:
    return sandbox.apple_client(app)


def _rich_body(client: AppStoreServerAPIClient, bullets: int = 2) -> UploadMessageRequestBody:
    return UploadMessageRequestBody(
        header="Before you go",
        body="Your plan includes offline maps and unlimited routes.",
        image=UploadMessageImage(imageIdentifier=upload_full_size(client), altText="Map preview"),
        headerPosition=HeaderPosition.ABOVE_IMAGE,
        bulletPoints=[
            BulletPoint(
                text=f"Benefit {n}", imageIdentifier=upload_bullet_point(client), altText="Icon"
            )
            for n in range(bullets)
        ],
    )


def _put_raw(
    sandbox: SandboxProcess, app: AppCredentials, body: Any, identifier: UUID | str | None = None
) -> Any:
    return raw_request(sandbox, app, "PUT", f"/message/{identifier or uuid.uuid4()}", json=body)


def test_upload_list_delete(client: AppStoreServerAPIClient) -> None:
    assert message_items(client) == []
    text_only = upload_text_message(client)
    rich = uuid.uuid4()
    client.upload_message(rich, _rich_body(client, bullets=5))

    listed = {m.messageIdentifier: m.messageState for m in message_items(client)}
    assert listed == {text_only: MessageState.APPROVED, rich: MessageState.APPROVED}

    client.delete_message(rich)
    assert [m.messageIdentifier for m in message_items(client)] == [text_only]


def test_limits_are_inclusive_and_count_code_points(client: AppStoreServerAPIClient) -> None:
    # 66 emoji are 132 UTF-16 units and 264 UTF-8 bytes, but 66 characters.
    body = _rich_body(client, bullets=1)
    body.header = "🗺" * 66
    body.body = "é" * 144
    body.image.altText = "a" * 150  # type: ignore[union-attr]
    body.bulletPoints[0].text = "b" * 66  # type: ignore[index]
    body.bulletPoints[0].altText = "c" * 150  # type: ignore[index]
    client.upload_message(uuid.uuid4(), body)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("header", "h" * 67, 4000162),
        ("body", "b" * 145, 4000163),
        ("image.altText", "a" * 151, 4000175),
        ("bullet.altText", "a" * 151, 4000175),
        ("bullet.text", "t" * 67, 4000219),
    ],
)
def test_text_too_long(
    sandbox: SandboxProcess, app: AppCredentials, field: str, value: str, code: int
) -> None:
    client = sandbox.apple_client(app)
    body = _rich_body(client, bullets=1)
    payload = client._get_request_json(body)
    match field.split("."):
        case ["bullet", key]:
            payload["bulletPoints"][0][key] = value
        case ["image", key]:
            payload["image"][key] = value
        case [key]:
            payload[key] = value
    message = assert_apple_error(_put_raw(sandbox, app, payload), 400, code)
    assert str(len(value)) in message
    assert message_items(client) == []


def test_six_bullet_points_are_4000218(
    sandbox: SandboxProcess, app: AppCredentials, client: AppStoreServerAPIClient
) -> None:
    payload = client._get_request_json(_rich_body(client, bullets=5))
    payload["bulletPoints"].append(payload["bulletPoints"][0])
    assert_apple_error(_put_raw(sandbox, app, payload), 400, 4000218)


def test_above_image_without_an_image_is_4000224(client: AppStoreServerAPIClient) -> None:
    body = UploadMessageRequestBody(
        header="Before you go", body="Stay a while.", headerPosition=HeaderPosition.ABOVE_IMAGE
    )
    with raises(APIError.BAD_REQUEST_ABOVE_IMAGE_REQUIRES_AN_IMAGE, 400):
        client.upload_message(uuid.uuid4(), body)
    # Bullet points don't count as the image the header would sit above.
    body.bulletPoints = [
        BulletPoint(text="One", imageIdentifier=upload_bullet_point(client), altText="Icon")
    ]
    with raises(APIError.BAD_REQUEST_ABOVE_IMAGE_REQUIRES_AN_IMAGE, 400):
        client.upload_message(uuid.uuid4(), body)
    body.headerPosition = HeaderPosition.ABOVE_BODY
    client.upload_message(uuid.uuid4(), body)


def test_images_of_the_wrong_size_are_4000216(client: AppStoreServerAPIClient) -> None:
    full, bullet = upload_full_size(client), upload_bullet_point(client)
    with raises(APIError.BAD_REQUEST_IMAGE_SIZE, 400, "must be a FULL_SIZE image"):
        client.upload_message(
            uuid.uuid4(),
            UploadMessageRequestBody(
                header="h", body="b", image=UploadMessageImage(imageIdentifier=bullet, altText="a")
            ),
        )
    with raises(APIError.BAD_REQUEST_IMAGE_SIZE, 400, "must be a BULLET_POINT image"):
        client.upload_message(
            uuid.uuid4(),
            UploadMessageRequestBody(
                header="h",
                body="b",
                bulletPoints=[BulletPoint(text="t", imageIdentifier=full, altText="a")],
            ),
        )


def test_unknown_images_are_4000000(client: AppStoreServerAPIClient) -> None:
    # Apple documents no error for this; the sandbox answers a clear GeneralBadRequest.
    unknown = uuid.uuid4()
    with raises(APIError.GENERAL_BAD_REQUEST, 400, "does not exist"):
        client.upload_message(
            uuid.uuid4(),
            UploadMessageRequestBody(
                header="h", body="b", image=UploadMessageImage(imageIdentifier=unknown, altText="a")
            ),
        )
    with raises(APIError.GENERAL_BAD_REQUEST, 400, "does not exist"):
        client.upload_message(
            uuid.uuid4(),
            UploadMessageRequestBody(
                header="h",
                body="b",
                bulletPoints=[BulletPoint(text="t", imageIdentifier=unknown, altText="a")],
            ),
        )


@pytest.mark.parametrize(
    "payload",
    [
        {"body": "b"},
        {"header": "h"},
        {},
        {"header": 5, "body": "b"},
        {"header": "h", "body": None},
        {"header": "h", "body": "b", "headerPosition": "BELOW_BODY"},
        {"header": "h", "body": "b", "image": {"imageIdentifier": "not-a-uuid", "altText": "a"}},
        {"header": "h", "body": "b", "image": {"altText": "a"}},
        {"header": "h", "body": "b", "bulletPoints": {"text": "t"}},
        [],
    ],
    ids=[
        "no-header",
        "no-body",
        "empty",
        "header-int",
        "body-null",
        "bad-position",
        "image-id-not-uuid",
        "image-without-id",
        "bullets-not-a-list",
        "not-an-object",
    ],
)
def test_malformed_bodies_are_4000000(
    sandbox: SandboxProcess, app: AppCredentials, payload: Any
) -> None:
    assert_apple_error(_put_raw(sandbox, app, payload), 400, 4000000)


def test_identifier_must_be_a_uuid(client: AppStoreServerAPIClient) -> None:
    body = UploadMessageRequestBody(header="h", body="b")
    with raises(APIError.GENERAL_BAD_REQUEST, 400, "not a UUID"):
        client.upload_message("message-1", body)  # type: ignore[arg-type]
    with raises(APIError.GENERAL_BAD_REQUEST, 400, "not a UUID"):
        client.delete_message("message-1")  # type: ignore[arg-type]


def test_reusing_an_identifier_is_4090001(client: AppStoreServerAPIClient) -> None:
    identifier = upload_text_message(client)
    with raises(APIError.MESSAGE_ALREADY_EXISTS, 409):
        client.upload_message(identifier, UploadMessageRequestBody(header="New", body="Text"))
    client.delete_message(identifier)
    client.upload_message(identifier, UploadMessageRequestBody(header="New", body="Text"))


def test_delete_unknown_is_4040015(client: AppStoreServerAPIClient) -> None:
    with raises(APIError.MESSAGE_NOT_FOUND, 404):
        client.delete_message(uuid.uuid4())
    identifier = upload_text_message(client)
    client.delete_message(identifier)
    with raises(APIError.MESSAGE_NOT_FOUND, 404):
        client.delete_message(identifier)


def test_environments_and_apps_are_separate(sandbox: SandboxProcess, app: AppCredentials) -> None:
    identifier = upload_text_message(sandbox.apple_client(app, "sandbox"))
    production = sandbox.apple_client(app, "production")
    assert message_items(production) == []
    assert message_items(sandbox.apple_client(sandbox.new_app())) == []
    with raises(APIError.MESSAGE_NOT_FOUND, 404):
        production.delete_message(identifier)
    # A production message can't name a sandbox image.
    image = upload_full_size(sandbox.apple_client(app, "sandbox"))
    with raises(APIError.GENERAL_BAD_REQUEST, 400, "does not exist"):
        production.upload_message(
            uuid.uuid4(),
            UploadMessageRequestBody(
                header="h", body="b", image=UploadMessageImage(imageIdentifier=image, altText="a")
            ),
        )


def test_the_2001st_message_is_4030016(sandbox: SandboxProcess, app: AppCredentials) -> None:
    # 1990 messages stored directly, then 20 concurrent uploads at the limit: exactly 10 get in,
    # however the requests interleave.
    prefill(sandbox, app, "message", MAX_MESSAGES - 10)
    statuses = put_many(
        sandbox,
        app,
        [f"/message/{uuid.uuid4()}" for _ in range(20)],
        json={"header": "Before you go", "body": "Stay a while."},
    )
    assert (statuses.count(200), statuses.count(403)) == (10, 10)

    client = sandbox.apple_client(app)
    assert len(message_items(client)) == MAX_MESSAGES
    with raises(APIError.MAXIMUM_NUMBER_OF_MESSAGES_REACHED, 403):
        upload_text_message(client)
    upload_text_message(sandbox.apple_client(app, "production"))
    oldest = message_items(client)[0].messageIdentifier
    assert oldest is not None
    client.delete_message(oldest)
    upload_text_message(client)
    with raises(APIError.MAXIMUM_NUMBER_OF_MESSAGES_REACHED, 403):
        upload_text_message(client)

"""Upload Image / Delete Image / Get Image List through Apple's official Python client."""

from __future__ import annotations

import uuid

import pytest
from appstoreserverlibrary.api_client import APIError
from appstoreserverlibrary.models.BulletPoint import BulletPoint
from appstoreserverlibrary.models.ImageSize import ImageSize
from appstoreserverlibrary.models.ImageState import ImageState
from appstoreserverlibrary.models.UploadMessageImage import UploadMessageImage
from appstoreserverlibrary.models.UploadMessageRequestBody import UploadMessageRequestBody

from tests import pngs
from tests.contract.retention_client import (
    assert_apple_error,
    image_items,
    prefill,
    put_many,
    raises,
    raw_request,
    upload_bullet_point,
    upload_full_size,
)
from tests.sandbox_process import SandboxProcess

MAX_IMAGES = 2000
X = "\u00d7"  # the multiplication sign the messages use, as in 1920x1080


def test_upload_list_delete(sandbox: SandboxProcess) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    assert image_items(client) == []

    full, bullet = uuid.uuid4(), uuid.uuid4()
    client.upload_image(full, pngs.full_size())  # imageSize omitted: FULL_SIZE
    client.upload_image(bullet, pngs.bullet_point(), ImageSize.BULLET_POINT)

    listed = {item.imageIdentifier: item for item in image_items(client)}
    assert set(listed) == {full, bullet}
    assert listed[full].imageSize == ImageSize.FULL_SIZE
    assert listed[bullet].imageSize == ImageSize.BULLET_POINT
    assert {item.imageState for item in listed.values()} == {ImageState.APPROVED}

    client.delete_image(full)
    assert [item.imageIdentifier for item in image_items(client)] == [bullet]


@pytest.mark.parametrize("height", [160, 1080, 2160])
def test_full_size_heights_from_160_to_2160(sandbox: SandboxProcess, height: int) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    upload_full_size(client, height)
    assert len(image_items(client)) == 1


def test_uploaded_file_is_kept_under_the_data_dir(sandbox: SandboxProcess) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    identifier = upload_full_size(client)
    stored = list((sandbox.data_dir / "images").rglob(f"{identifier}.png"))
    assert [path.read_bytes() for path in stored] == [pngs.full_size()]
    client.delete_image(identifier)
    assert not any((sandbox.data_dir / "images").rglob(f"{identifier}.png"))


@pytest.mark.parametrize(
    ("data", "image_size", "message"),
    [
        (pngs.image(1920, 1080), None, f"image is 1920{X}1080; FULL_SIZE images must be 3840 wide"),
        (pngs.image(3840, 159), None, f"3840{X}159"),
        (pngs.image(3840, 2161), None, f"3840{X}2161"),
        (pngs.image(3839, 160), None, f"3839{X}160"),
        (pngs.bullet_point(), ImageSize.FULL_SIZE, f"1024{X}1024; FULL_SIZE"),
        (pngs.full_size(), ImageSize.BULLET_POINT, f"BULLET_POINT images must be 1024{X}1024"),
        (pngs.image(1024, 1023), ImageSize.BULLET_POINT, f"1024{X}1023"),
        (pngs.image(3840, 160, "RGBA"), None, "alpha channel (mode RGBA)"),
        (pngs.image(1024, 1024, "LA"), ImageSize.BULLET_POINT, "alpha channel (mode LA)"),
        (pngs.with_transparent_color(), None, "tRNS"),
        (pngs.palette_with_transparency(), None, "tRNS"),
        (pngs.image(3840, 160, "RGB", "JPEG"), None, "JPEG; it must be a PNG"),
        (pngs.full_size()[:-40], None, "corrupt"),
        (b"definitely not an image", None, "not a readable PNG"),
        (b"", None, "empty"),
    ],
    ids=[
        "1920x1080",
        "too-low",
        "too-high",
        "too-narrow",
        "bullet-as-full-size",
        "full-size-as-bullet",
        "bullet-not-square",
        "rgba",
        "gray-alpha",
        "rgb-trns",
        "palette-trns",
        "jpeg",
        "truncated",
        "not-an-image",
        "empty",
    ],
)
def test_invalid_images_are_4000161(
    sandbox: SandboxProcess, data: bytes, image_size: ImageSize | None, message: str
) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    with raises(APIError.INVALID_IMAGE, 400, message):
        client.upload_image(uuid.uuid4(), data, image_size)
    assert image_items(client) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pngs.without(b"IDAT"), "no IDAT chunk"),
        (pngs.idat_before_ihdr(), "its first chunk is IDAT, not IHDR"),
        (pngs.random_idat(), "corrupt"),
        (pngs.animated(), "animated PNG"),
    ],
    ids=["no-idat", "idat-before-ihdr", "random-idat", "apng"],
)
def test_damaged_pngs_are_4000161(sandbox: SandboxProcess, data: bytes, message: str) -> None:
    # The first two were a 500, the others were accepted.
    client = sandbox.apple_client(sandbox.new_app())
    identifier = uuid.uuid4()
    with raises(APIError.INVALID_IMAGE, 400, message):
        client.upload_image(identifier, data)
    assert image_items(client) == []
    assert not list(sandbox.data_dir.glob(f"images/**/*{identifier}*")), "a file was left"


def test_body_over_the_image_limit_is_413(sandbox: SandboxProcess) -> None:
    # The limit is the max_image_bytes setting (32 MiB by default); tests/test_app_limits.py
    # covers the limits in process.
    response = raw_request(
        sandbox,
        sandbox.new_app(),
        "PUT",
        f"/image/{uuid.uuid4()}",
        content=pngs.full_size() + b"\0" * (32 * 1024 * 1024),
        headers={"Content-Type": "image/png"},
    )
    assert "33554432 bytes" in assert_apple_error(response, 413, 4130000)


@pytest.mark.parametrize("value", ["HUGE", "full_size", ""])
def test_unknown_image_size_is_4000216(sandbox: SandboxProcess, value: str) -> None:
    # Apple's client only sends its ImageSize values, so this one goes out raw.
    response = raw_request(
        sandbox,
        sandbox.new_app(),
        "PUT",
        f"/image/{uuid.uuid4()}",
        params={"imageSize": value},
        content=pngs.full_size(),
        headers={"Content-Type": "image/png"},
    )
    assert_apple_error(response, 400, 4000216)


@pytest.mark.parametrize("identifier", ["not-a-uuid", "list", "1234"])
def test_identifier_must_be_a_uuid(sandbox: SandboxProcess, identifier: str) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    with raises(APIError.GENERAL_BAD_REQUEST, 400, "not a UUID"):
        client.upload_image(identifier, pngs.full_size())  # type: ignore[arg-type]
    with raises(APIError.GENERAL_BAD_REQUEST, 400, "not a UUID"):
        client.delete_image(identifier)  # type: ignore[arg-type]


def test_reusing_an_identifier_is_4090000(sandbox: SandboxProcess) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    identifier = upload_full_size(client)
    with raises(APIError.IMAGE_ALREADY_EXISTS, 409):
        client.upload_image(identifier, pngs.full_size())
    with raises(APIError.IMAGE_ALREADY_EXISTS, 409):  # UUIDs compare case-insensitively
        client.upload_image(str(identifier).upper(), pngs.full_size())  # type: ignore[arg-type]
    with raises(APIError.IMAGE_ALREADY_EXISTS, 409):  # whatever its size
        client.upload_image(identifier, pngs.bullet_point(), ImageSize.BULLET_POINT)


def test_identifier_can_be_reused_after_delete(sandbox: SandboxProcess) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    identifier = upload_full_size(client)
    client.delete_image(identifier)
    client.upload_image(identifier, pngs.bullet_point(), ImageSize.BULLET_POINT)
    [item] = image_items(client)
    assert item.imageSize == ImageSize.BULLET_POINT


def test_delete_unknown_is_4040014(sandbox: SandboxProcess) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    with raises(APIError.IMAGE_NOT_FOUND, 404):
        client.delete_image(uuid.uuid4())
    identifier = upload_full_size(client)
    client.delete_image(identifier)
    with raises(APIError.IMAGE_NOT_FOUND, 404):  # not idempotent
        client.delete_image(identifier)


def test_image_used_by_a_message_is_4030019(sandbox: SandboxProcess) -> None:
    client = sandbox.apple_client(sandbox.new_app())
    image, bullet = upload_full_size(client), upload_bullet_point(client)
    message = uuid.uuid4()
    client.upload_message(
        message,
        UploadMessageRequestBody(
            header="Before you go",
            body="Offline maps stay with your plan.",
            image=UploadMessageImage(imageIdentifier=image, altText="A map"),
            bulletPoints=[BulletPoint(text="Offline", imageIdentifier=bullet, altText="Icon")],
        ),
    )
    for used in (image, bullet):
        with raises(APIError.IMAGE_IN_USE, 403):
            client.delete_image(used)

    client.delete_message(message)
    client.delete_image(image)
    client.delete_image(bullet)
    assert image_items(client) == []


def test_environments_and_apps_are_separate(sandbox: SandboxProcess) -> None:
    app, other = sandbox.new_app(), sandbox.new_app()
    identifier = upload_full_size(sandbox.apple_client(app, "sandbox"))
    production = sandbox.apple_client(app, "production")
    assert image_items(production) == []
    assert image_items(sandbox.apple_client(other)) == []
    with raises(APIError.IMAGE_NOT_FOUND, 404):
        production.delete_image(identifier)
    production.upload_image(identifier, pngs.full_size())  # the same id, another store
    assert len(image_items(production)) == 1


def test_the_2001st_image_is_4030014(sandbox: SandboxProcess) -> None:
    # 1990 images stored directly, then 20 concurrent uploads of the smallest valid PNG (317
    # bytes) at the limit: exactly 10 get in, however the requests interleave.
    app = sandbox.new_app()
    prefill(sandbox, app, "image", MAX_IMAGES - 10)
    uploaded = [uuid.uuid4() for _ in range(20)]
    statuses = put_many(
        sandbox,
        app,
        [f"/image/{identifier}" for identifier in uploaded],
        content=pngs.smallest_full_size(),
        headers={"Content-Type": "image/png"},
    )
    assert (statuses.count(200), statuses.count(403)) == (10, 10)

    client = sandbox.apple_client(app)
    assert len(image_items(client)) == MAX_IMAGES
    with raises(APIError.MAXIMUM_NUMBER_OF_IMAGES_REACHED, 403):
        client.upload_image(uuid.uuid4(), pngs.full_size())
    # The limit is per app and environment: the production store still takes images.
    upload_full_size(sandbox.apple_client(app, "production"))
    # Deleting one makes room for one.
    client.delete_image(next(i for i, s in zip(uploaded, statuses, strict=True) if s == 200))
    upload_full_size(client)
    with raises(APIError.MAXIMUM_NUMBER_OF_IMAGES_REACHED, 403):
        upload_full_size(client)

"""Configure / Get / Delete Default Message through Apple's official Python client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from uuid import UUID

import pytest
from appstoreserverlibrary.api_client import APIError, AppStoreServerAPIClient
from appstoreserverlibrary.models.BulletPoint import BulletPoint
from appstoreserverlibrary.models.DefaultConfigurationRequest import DefaultConfigurationRequest
from appstoreserverlibrary.models.UploadMessageImage import UploadMessageImage
from appstoreserverlibrary.models.UploadMessageRequestBody import UploadMessageRequestBody

from appstore_sandbox.store import Product, Store
from tests.conftest import SandboxWith
from tests.contract.retention_client import (
    assert_apple_error,
    raises,
    raw_request,
    upload_bullet_point,
    upload_full_size,
    upload_text_message,
)
from tests.sandbox_process import AppCredentials, SandboxProcess


@pytest.fixture
def app(sandbox: SandboxProcess) -> AppCredentials:
    return sandbox.new_app()


@pytest.fixture
def client(sandbox: SandboxProcess, app: AppCredentials) -> AppStoreServerAPIClient:
    return sandbox.apple_client(app)


@pytest.fixture(scope="module")
def manual(sandbox_with: SandboxWith) -> SandboxProcess:
    return sandbox_with("--review", "manual")


def _product(app: AppCredentials) -> str:
    """The auto-renewable subscription every new app has."""
    return f"{app.bundle_id}.monthly"


def _configure(client: AppStoreServerAPIClient, app: AppCredentials, message: UUID) -> None:
    client.configure_default_message(
        _product(app), "en-US", DefaultConfigurationRequest(messageIdentifier=message)
    )


def _approve(server: SandboxProcess, app: AppCredentials, *identifiers: UUID) -> None:
    with server.control() as control:
        for identifier in identifiers:
            control.post(
                f"/apps/{app.bundle_id}/review/sandbox/{identifier}/approve"
            ).raise_for_status()


@pytest.fixture
def store(sandbox: SandboxProcess) -> Iterator[Store]:
    """The server's own database, to add a product the control surface can't create."""
    with sandbox.store() as store:
        yield store


def test_configure_get_replace_delete(client: AppStoreServerAPIClient, app: AppCredentials) -> None:
    first, second = upload_text_message(client), upload_text_message(client)
    with raises(APIError.DEFAULT_MESSAGE_NOT_FOUND, 404):
        client.get_default_message(_product(app), "en-US")

    _configure(client, app, first)
    assert client.get_default_message(_product(app), "en-US").messageIdentifier == first
    _configure(client, app, first)  # idempotent
    _configure(client, app, second)  # replaces
    assert client.get_default_message(_product(app), "en-US").messageIdentifier == second
    with raises(APIError.DEFAULT_MESSAGE_NOT_FOUND, 404):  # per locale
        client.get_default_message(_product(app), "fr-FR")

    client.delete_default_message(_product(app), "en-US")
    with raises(APIError.DEFAULT_MESSAGE_NOT_FOUND, 404):
        client.get_default_message(_product(app), "en-US")
    client.delete_default_message(_product(app), "en-US")  # idempotent: 200 with none set


def test_a_message_with_image_and_bullets_can_be_the_default(
    client: AppStoreServerAPIClient, app: AppCredentials
) -> None:
    message = uuid.uuid4()
    client.upload_message(
        message,
        UploadMessageRequestBody(
            header="Before you go",
            body="Offline maps stay with your plan.",
            image=UploadMessageImage(imageIdentifier=upload_full_size(client), altText="Map"),
            bulletPoints=[
                BulletPoint(text="Maps", imageIdentifier=upload_bullet_point(client), altText="i")
            ],
        ),
    )
    _configure(client, app, message)
    assert client.get_default_message(_product(app), "en-US").messageIdentifier == message


@pytest.mark.parametrize("locale", ["en-US", "fr-FR", "zh-Hans", "pt-BR", "es-MX", "ja", "it"])
def test_app_store_locales_are_accepted(
    client: AppStoreServerAPIClient, app: AppCredentials, locale: str
) -> None:
    message = upload_text_message(client)
    client.configure_default_message(_product(app), locale, DefaultConfigurationRequest(message))
    assert client.get_default_message(_product(app), locale).messageIdentifier == message


@pytest.mark.parametrize("locale", ["en-us", "EN-US", "en_US", "zh-hans", "ja-JP", "english", "xx"])
def test_invalid_locales_are_4000164(
    client: AppStoreServerAPIClient, app: AppCredentials, locale: str
) -> None:
    message = upload_text_message(client)
    with raises(APIError.INVALID_LOCALE, 400):
        client.configure_default_message(
            _product(app), locale, DefaultConfigurationRequest(message)
        )
    with raises(APIError.INVALID_LOCALE, 400):
        client.get_default_message(_product(app), locale)
    with raises(APIError.INVALID_LOCALE, 400):
        client.delete_default_message(_product(app), locale)


def test_case_mistakes_get_a_hint(client: AppStoreServerAPIClient, app: AppCredentials) -> None:
    with raises(APIError.INVALID_LOCALE, 400, "did you mean en-US?"):
        client.get_default_message(_product(app), "en-us")


def test_unknown_products_are_4000023(
    sandbox: SandboxProcess, client: AppStoreServerAPIClient, app: AppCredentials
) -> None:
    message = upload_text_message(client)
    for product in ("com.example.unknown", sandbox.default_app.bundle_id + ".monthly"):
        with raises(APIError.INVALID_PRODUCT_ID, 400):
            client.configure_default_message(product, "en-US", DefaultConfigurationRequest(message))
        with raises(APIError.INVALID_PRODUCT_ID, 400):
            client.get_default_message(product, "en-US")
        with raises(APIError.INVALID_PRODUCT_ID, 400):
            client.delete_default_message(product, "en-US")


def test_products_other_than_auto_renewable_are_4000023(
    store: Store, client: AppStoreServerAPIClient, app: AppCredentials
) -> None:
    app_row = store.app_by_bundle_id(app.bundle_id)
    assert app_row is not None
    store.add_product(Product(app_row.id, f"{app.bundle_id}.lifetime", "NON_CONSUMABLE", ""))
    message = upload_text_message(client)
    with raises(APIError.INVALID_PRODUCT_ID, 400, "not an auto-renewable subscription"):
        client.configure_default_message(
            f"{app.bundle_id}.lifetime", "en-US", DefaultConfigurationRequest(message)
        )


def test_unknown_message_is_4040015(
    sandbox: SandboxProcess, client: AppStoreServerAPIClient, app: AppCredentials
) -> None:
    with raises(APIError.MESSAGE_NOT_FOUND, 404):
        _configure(client, app, uuid.uuid4())
    # Content is per environment: a sandbox message is unknown to production.
    message = upload_text_message(client)
    with raises(APIError.MESSAGE_NOT_FOUND, 404):
        _configure(sandbox.apple_client(app, "production"), app, message)


def test_missing_or_malformed_message_identifier_is_4000000(
    sandbox: SandboxProcess, client: AppStoreServerAPIClient, app: AppCredentials
) -> None:
    with raises(APIError.GENERAL_BAD_REQUEST, 400, "messageIdentifier is required"):
        client.configure_default_message(_product(app), "en-US", DefaultConfigurationRequest())
    path = f"/default/{_product(app)}/en-US"
    for body in ({"messageIdentifier": "not-a-uuid"}, {"messageIdentifier": 7}, [1]):
        response = raw_request(sandbox, app, "PUT", path, json=body)
        assert_apple_error(response, 400, 4000000)


def test_deleting_the_message_removes_the_default(
    client: AppStoreServerAPIClient, app: AppCredentials
) -> None:
    message = upload_text_message(client)
    _configure(client, app, message)
    client.delete_message(message)
    with raises(APIError.DEFAULT_MESSAGE_NOT_FOUND, 404):
        client.get_default_message(_product(app), "en-US")


def test_pending_or_rejected_message_is_4030017(manual: SandboxProcess) -> None:
    app = manual.new_app()
    client = manual.apple_client(app)
    message = upload_text_message(client)
    with raises(APIError.MESSAGE_NOT_APPROVED, 403, "PENDING"):
        _configure(client, app, message)
    with manual.control() as control:
        control.post(f"/apps/{app.bundle_id}/review/sandbox/{message}/reject").raise_for_status()
    with raises(APIError.MESSAGE_NOT_APPROVED, 403, "REJECTED"):
        _configure(client, app, message)
    _approve(manual, app, message)
    _configure(client, app, message)


def test_message_image_not_approved_is_4030018(manual: SandboxProcess) -> None:
    app = manual.new_app()
    client = manual.apple_client(app)
    image, message = upload_full_size(client), uuid.uuid4()
    client.upload_message(
        message,
        UploadMessageRequestBody(
            header="h", body="b", image=UploadMessageImage(imageIdentifier=image, altText="a")
        ),
    )
    _approve(manual, app, message)
    with raises(APIError.IMAGE_NOT_APPROVED, 403, str(image)):
        _configure(client, app, message)
    _approve(manual, app, image)
    _configure(client, app, message)


def test_bullet_image_not_approved_is_4030018(manual: SandboxProcess) -> None:
    app = manual.new_app()
    client = manual.apple_client(app)
    bullet, message = upload_bullet_point(client), uuid.uuid4()
    client.upload_message(
        message,
        UploadMessageRequestBody(
            header="h",
            body="b",
            bulletPoints=[BulletPoint(text="t", imageIdentifier=bullet, altText="a")],
        ),
    )
    _approve(manual, app, message)
    with raises(APIError.IMAGE_NOT_APPROVED, 403, str(bullet)):
        _configure(client, app, message)
    _approve(manual, app, bullet)
    _configure(client, app, message)

"""Helpers for the retention content tests: Apple's client, raw requests, many requests at once."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import httpx
import pytest
from appstoreserverlibrary.api_client import APIError, APIException, AppStoreServerAPIClient
from appstoreserverlibrary.models.GetImageListResponseItem import GetImageListResponseItem
from appstoreserverlibrary.models.GetMessageListResponseItem import GetMessageListResponseItem
from appstoreserverlibrary.models.ImageSize import ImageSize
from appstoreserverlibrary.models.UploadMessageRequestBody import UploadMessageRequestBody

from appstore_sandbox.store.records import RetentionImage, RetentionMessage
from tests import pngs
from tests.sandbox_process import AppCredentials, SandboxProcess

MESSAGING = "/inApps/v1/messaging"


def raises(
    error: APIError, status: int, message_contains: str = ""
) -> pytest.RaisesExc[APIException]:
    """Apple's client raised ``error`` with ``status`` (and a message containing the text)."""
    return pytest.raises(
        APIException,
        check=lambda e: (
            e.http_status_code == status
            and e.api_error == error
            and message_contains in (e.error_message or "")
        ),
    )


def raw_request(
    sandbox: SandboxProcess,
    app: AppCredentials,
    method: str,
    path: str,
    environment: str = "sandbox",
    **kwargs: Any,
) -> httpx.Response:
    """What Apple's client would send, for values its models refuse to send themselves."""
    token = sandbox.apple_client(app, environment)._generate_token()
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    url = sandbox.url(f"/{environment}{MESSAGING}{path}")
    return httpx.request(method, url, headers=headers, timeout=30, **kwargs)


def assert_apple_error(response: httpx.Response, status: int, code: int) -> str:
    """The response is Apple's error body with ``code``; returns its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["errorCode"] == code, body
    return str(body["errorMessage"])


def image_items(client: AppStoreServerAPIClient) -> list[GetImageListResponseItem]:
    """Get Image List's items; the sandbox always sends the list, empty or not."""
    items = client.get_image_list().imageIdentifiers
    assert items is not None
    return items


def message_items(client: AppStoreServerAPIClient) -> list[GetMessageListResponseItem]:
    """Get Message List's items; the sandbox always sends the list, empty or not."""
    items = client.get_message_list().messageIdentifiers
    assert items is not None
    return items


def upload_full_size(client: AppStoreServerAPIClient, height: int = 160) -> UUID:
    identifier = uuid.uuid4()
    client.upload_image(identifier, pngs.full_size(height), ImageSize.FULL_SIZE)
    return identifier


def upload_bullet_point(client: AppStoreServerAPIClient) -> UUID:
    identifier = uuid.uuid4()
    client.upload_image(identifier, pngs.bullet_point(), ImageSize.BULLET_POINT)
    return identifier


def upload_text_message(client: AppStoreServerAPIClient, header: str = "Before you go") -> UUID:
    identifier = uuid.uuid4()
    client.upload_message(
        identifier, UploadMessageRequestBody(header=header, body="Your plan keeps offline maps.")
    )
    return identifier


def prefill(sandbox: SandboxProcess, app: AppCredentials, kind: str, count: int) -> None:
    """Give the app's sandbox ``count`` approved images or text messages straight in the server's
    database, in one transaction: what thousands of uploads would leave, without the uploads.

    Only rows: nothing here reads the files of images.
    """
    now_ms = int(time.time() * 1000)
    with sandbox.store() as store:
        stored = store.app_by_bundle_id(app.bundle_id)
        assert stored is not None
        with store.retention.locked(stored.id, "sandbox") as content:
            for n in range(count):
                if kind == "image":
                    content.add_image(_stored_image(now_ms - count + n))
                else:
                    content.add_message(_stored_message(now_ms - count + n))


def _stored_image(created_ms: int) -> RetentionImage:
    return RetentionImage(
        image_identifier=str(uuid.uuid4()),
        image_size="FULL_SIZE",
        state="APPROVED",
        width=3840,
        height=160,
        byte_size=len(pngs.smallest_full_size()),
        sha256=hashlib.sha256(pngs.smallest_full_size()).hexdigest(),
        created_ms=created_ms,
        reviewed_ms=created_ms,
    )


def _stored_message(created_ms: int) -> RetentionMessage:
    return RetentionMessage(
        message_identifier=str(uuid.uuid4()),
        state="APPROVED",
        header="Before you go",
        body="Stay a while.",
        header_position="ABOVE_BODY",
        image_identifier=None,
        image_alt_text=None,
        bullets=(),
        created_ms=created_ms,
        reviewed_ms=created_ms,
    )


def put_many(
    sandbox: SandboxProcess,
    app: AppCredentials,
    paths: Sequence[str],
    concurrency: int = 8,
    **kwargs: Any,
) -> list[int]:
    """PUT the same body to many paths, ``concurrency`` at a time; the status codes, in order."""
    token = sandbox.apple_client(app)._generate_token()
    return asyncio.run(_put_many(sandbox.base_url, token, paths, concurrency, kwargs))


async def _put_many(
    base_url: str, token: str, paths: Sequence[str], concurrency: int, kwargs: dict[str, Any]
) -> list[int]:
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(
        base_url=f"{base_url}/sandbox{MESSAGING}",
        headers={"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})},
        limits=httpx.Limits(max_connections=concurrency),
        timeout=60,
    ) as client:

        async def put(path: str) -> int:
            async with gate:
                return (await client.put(path, **kwargs)).status_code

        return list(await asyncio.gather(*(put(path) for path in paths)))

"""Routes for images, messages and default messages; included in ``routes.router``."""

from __future__ import annotations

from typing import Annotated

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from appstore_sandbox.apple_request import AppleRequest, apple_request
from appstore_sandbox.declared_errors import declared
from appstore_sandbox.retention.dependencies import DefaultMessages, Images, Messages
from appstore_sandbox.retention.models import (
    DefaultConfigurationRequest,
    DefaultConfigurationResponse,
    GetImageListResponse,
    GetImageListResponseItem,
    GetMessageListResponse,
    GetMessageListResponseItem,
    ImageSize,
    ReviewState,
    UploadMessageRequestBody,
)
from appstore_sandbox.store.image_files import IncomingFile

router = APIRouter()

# An upload holds at most this much of its body in memory; the rest is in its temporary file.
UPLOAD_PIECE_BYTES = 256 * 1024
# Checking an image decodes it whole (up to 33 MB of pixels for 3840x2160): this many at once
# in the process, the others wait their turn without holding a worker thread.
CHECKS_AT_ONCE = 1
_CHECKING = CapacityLimiter(CHECKS_AT_ONCE)

_PNG_BODY = {
    "requestBody": {
        "required": True,
        "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
    }
}
ImageId = Annotated[str, Path(alias="imageIdentifier")]
MessageId = Annotated[str, Path(alias="messageIdentifier")]
ProductId = Annotated[str, Path(alias="productId")]


def _ok() -> Response:
    return Response(status_code=200)


@router.put(
    "/image/{imageIdentifier}",
    summary="Upload Image",
    openapi_extra=_PNG_BODY,
    response_class=Response,
    responses=declared(403, 409),
)
async def upload_image(
    image_identifier: ImageId,
    request: Request,
    call: Annotated[AppleRequest, Depends(apple_request("upload_image"))],
    images: Images,
    image_size: Annotated[str | None, Query(alias="imageSize")] = None,
) -> Response:
    # The app's gate (appstore_sandbox.http.gate) refuses a body over the max_image_bytes setting.
    with images.receiving(call.app, call.environment, image_identifier, image_size) as upload:
        await _receive(request, upload.file)
        await to_thread.run_sync(
            images.store, call.app, call.environment, upload, limiter=_CHECKING
        )
    return _ok()


async def _receive(request: Request, file: IncomingFile) -> None:
    """Write the body to ``file`` as it arrives, a piece of up to UPLOAD_PIECE_BYTES at a time."""
    pending = bytearray()
    async for chunk in request.stream():
        pending += chunk
        if len(pending) >= UPLOAD_PIECE_BYTES:
            await run_in_threadpool(file.write, pending)
            pending.clear()
    if pending:
        await run_in_threadpool(file.write, pending)


@router.delete(
    "/image/{imageIdentifier}",
    summary="Delete Image",
    response_class=Response,
    responses=declared(403),
)
def delete_image(
    image_identifier: ImageId,
    call: Annotated[AppleRequest, Depends(apple_request("delete_image"))],
    images: Images,
) -> Response:
    images.delete(call.app, call.environment, image_identifier)
    return _ok()


@router.get("/image/list", summary="Get Image List")
def get_image_list(
    call: Annotated[AppleRequest, Depends(apple_request("get_image_list"))], images: Images
) -> GetImageListResponse:
    listed = images.list(call.app, call.environment)
    return GetImageListResponse(
        imageIdentifiers=[
            GetImageListResponseItem(
                imageIdentifier=image.image_identifier,
                imageState=ReviewState(image.state),
                imageSize=ImageSize(image.image_size),
            )
            for image in listed
        ]
    )


@router.put(
    "/message/{messageIdentifier}",
    summary="Upload Message",
    response_class=Response,
    responses=declared(403, 409),
)
def upload_message(
    message_identifier: MessageId,
    body: UploadMessageRequestBody,
    call: Annotated[AppleRequest, Depends(apple_request("upload_message"))],
    messages: Messages,
) -> Response:
    messages.upload(call.app, call.environment, message_identifier, body)
    return _ok()


@router.delete("/message/{messageIdentifier}", summary="Delete Message", response_class=Response)
def delete_message(
    message_identifier: MessageId,
    call: Annotated[AppleRequest, Depends(apple_request("delete_message"))],
    messages: Messages,
) -> Response:
    messages.delete(call.app, call.environment, message_identifier)
    return _ok()


@router.get("/message/list", summary="Get Message List")
def get_message_list(
    call: Annotated[AppleRequest, Depends(apple_request("get_message_list"))], messages: Messages
) -> GetMessageListResponse:
    listed = messages.list(call.app, call.environment)
    return GetMessageListResponse(
        messageIdentifiers=[
            GetMessageListResponseItem(
                messageIdentifier=message.message_identifier,
                messageState=ReviewState(message.state),
            )
            for message in listed
        ]
    )


@router.put(
    "/default/{productId}/{locale}",
    summary="Configure Default Message",
    response_class=Response,
    responses=declared(403),
)
def configure_default_message(
    product_id: ProductId,
    locale: str,
    body: DefaultConfigurationRequest,
    call: Annotated[AppleRequest, Depends(apple_request("configure_default_message"))],
    default_messages: DefaultMessages,
) -> Response:
    default_messages.configure(
        call.app, call.environment, product_id, locale, body.messageIdentifier
    )
    return _ok()


@router.get("/default/{productId}/{locale}", summary="Get Default Message")
def get_default_message(
    product_id: ProductId,
    locale: str,
    call: Annotated[AppleRequest, Depends(apple_request("get_default_message"))],
    default_messages: DefaultMessages,
) -> DefaultConfigurationResponse:
    identifier = default_messages.get(call.app, call.environment, product_id, locale)
    return DefaultConfigurationResponse(messageIdentifier=identifier)


@router.delete(
    "/default/{productId}/{locale}", summary="Delete Default Message", response_class=Response
)
def delete_default_message(
    product_id: ProductId,
    locale: str,
    call: Annotated[AppleRequest, Depends(apple_request("delete_default_message"))],
    default_messages: DefaultMessages,
) -> Response:
    default_messages.delete(call.app, call.environment, product_id, locale)
    return _ok()

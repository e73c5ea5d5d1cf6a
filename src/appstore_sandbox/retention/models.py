"""Request and response bodies of the Retention Messaging API, field names as Apple spells them.

Request bodies check only shape and types (a wrong shape is 4000000); the length and image rules
have their own error codes and live in the services.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, StrictStr


class ImageSize(StrEnum):
    FULL_SIZE = "FULL_SIZE"
    BULLET_POINT = "BULLET_POINT"


class ReviewState(StrEnum):
    """``imageState`` and ``messageState``."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class HeaderPosition(StrEnum):
    ABOVE_BODY = "ABOVE_BODY"
    ABOVE_IMAGE = "ABOVE_IMAGE"


class RealtimeUrlRequest(BaseModel):
    realtimeURL: StrictStr


class RealtimeUrlResponse(BaseModel):
    realtimeURL: str


class UploadMessageImage(BaseModel):
    imageIdentifier: StrictStr
    altText: StrictStr


class BulletPoint(BaseModel):
    text: StrictStr
    imageIdentifier: StrictStr
    altText: StrictStr


class UploadMessageRequestBody(BaseModel):
    header: StrictStr
    body: StrictStr
    image: UploadMessageImage | None = None
    bulletPoints: list[BulletPoint] | None = None
    headerPosition: Literal["ABOVE_BODY", "ABOVE_IMAGE"] | None = None


class GetImageListResponseItem(BaseModel):
    imageIdentifier: str
    imageState: ReviewState
    imageSize: ImageSize


class GetImageListResponse(BaseModel):
    imageIdentifiers: list[GetImageListResponseItem]


class GetMessageListResponseItem(BaseModel):
    messageIdentifier: str
    messageState: ReviewState


class GetMessageListResponse(BaseModel):
    messageIdentifiers: list[GetMessageListResponseItem]


class DefaultConfigurationRequest(BaseModel):
    # Apple's docs mark it required; Apple's Python client types it optional ("will become
    # required"). Missing is answered by the service with 4000000, not by validation.
    messageIdentifier: StrictStr | None = None


class DefaultConfigurationResponse(BaseModel):
    messageIdentifier: str

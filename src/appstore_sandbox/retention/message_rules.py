"""The text rules of Upload Message, each with Apple's error code.

Lengths are counted in Unicode code points (Python ``len``), as Apple's Python library counts
them; whether Apple's server counts characters, UTF-16 units or bytes is unconfirmed. When
several rules fail, Apple's order is unconfirmed; ours is the order of the checks below.
"""

from __future__ import annotations

from appstore_sandbox.errors import (
    AboveImageRequiresAnImage,
    AltTextTooLong,
    BodyTooLong,
    BulletPointTextTooLong,
    HeaderTooLong,
    TooManyBulletPoints,
)
from appstore_sandbox.retention.models import HeaderPosition, UploadMessageRequestBody

MAX_HEADER = 66
MAX_BODY = 144
MAX_ALT_TEXT = 150
MAX_BULLET_POINTS = 5
MAX_BULLET_POINT_TEXT = 66


def check_message_text(body: UploadMessageRequestBody) -> None:
    if len(body.header) > MAX_HEADER:
        raise HeaderTooLong(_too_long("header", body.header, MAX_HEADER))
    if len(body.body) > MAX_BODY:
        raise BodyTooLong(_too_long("body", body.body, MAX_BODY))
    if body.image is not None and len(body.image.altText) > MAX_ALT_TEXT:
        raise AltTextTooLong(_too_long("image.altText", body.image.altText, MAX_ALT_TEXT))
    _check_bullet_points(body)
    if body.headerPosition == HeaderPosition.ABOVE_IMAGE and body.image is None:
        raise AboveImageRequiresAnImage(
            "headerPosition ABOVE_IMAGE requires an image; add one or use ABOVE_BODY."
        )


def _check_bullet_points(body: UploadMessageRequestBody) -> None:
    bullets = body.bulletPoints or []
    if len(bullets) > MAX_BULLET_POINTS:
        raise TooManyBulletPoints(
            f"The message has {len(bullets)} bullet points; at most {MAX_BULLET_POINTS} are "
            "allowed."
        )
    for number, bullet in enumerate(bullets):
        if len(bullet.text) > MAX_BULLET_POINT_TEXT:
            raise BulletPointTextTooLong(
                _too_long(f"bulletPoints[{number}].text", bullet.text, MAX_BULLET_POINT_TEXT)
            )
        if len(bullet.altText) > MAX_ALT_TEXT:
            raise AltTextTooLong(
                _too_long(f"bulletPoints[{number}].altText", bullet.altText, MAX_ALT_TEXT)
            )


def _too_long(field: str, text: str, limit: int) -> str:
    return f"{field} is {len(text)} characters long; the maximum is {limit}."

"""Request and response bodies of the Retention Messaging API, field names as Apple spells them."""

from __future__ import annotations

from pydantic import BaseModel, StrictStr


class RealtimeUrlRequest(BaseModel):
    realtimeURL: StrictStr


class RealtimeUrlResponse(BaseModel):
    realtimeURL: str

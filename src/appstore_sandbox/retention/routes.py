"""Retention Messaging API routes; mounted under both /sandbox and /production."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from appstore_sandbox.apple_request import AppleRequest, apple_request, body_error
from appstore_sandbox.declared_errors import declared
from appstore_sandbox.errors import InvalidRealtimeUrl
from appstore_sandbox.retention import content_routes
from appstore_sandbox.retention.dependencies import RealtimeUrls
from appstore_sandbox.retention.models import RealtimeUrlRequest, RealtimeUrlResponse

router = APIRouter(prefix="/inApps/v1/messaging", tags=["Retention Messaging API"])


@router.put(
    "/realtime/url",
    summary="Configure Realtime URL",
    response_class=Response,
    responses=declared(403),
)
@body_error(InvalidRealtimeUrl)
def configure_realtime_url(
    body: RealtimeUrlRequest,
    call: Annotated[AppleRequest, Depends(apple_request("configure_realtime_url"))],
    realtime_urls: RealtimeUrls,
) -> Response:
    realtime_urls.configure(call.app, call.environment, body.realtimeURL)
    return Response(status_code=200)


@router.get("/realtime/url", summary="Get Realtime URL", responses=declared(404))
def get_realtime_url(
    call: Annotated[AppleRequest, Depends(apple_request("get_realtime_url"))],
    realtime_urls: RealtimeUrls,
) -> RealtimeUrlResponse:
    return RealtimeUrlResponse(realtimeURL=realtime_urls.get(call.app, call.environment))


@router.delete("/realtime/url", summary="Delete Realtime URL", response_class=Response)
def delete_realtime_url(
    call: Annotated[AppleRequest, Depends(apple_request("delete_realtime_url"))],
    realtime_urls: RealtimeUrls,
) -> Response:
    realtime_urls.delete(call.app, call.environment)
    return Response(status_code=200)


# Images, messages and default messages share this router's prefix and tags.
router.include_router(content_routes.router)

"""App Store Server API notification-testing routes; mounted under /sandbox and /production."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from appstore_sandbox.apple_request import AppleRequest, apple_request
from appstore_sandbox.declared_errors import declared
from appstore_sandbox.notifications.dependencies import Notifications
from appstore_sandbox.notifications.models import (
    CheckTestNotificationResponse,
    NotificationHistoryRequest,
    NotificationHistoryResponse,
    SendTestNotificationResponse,
)

router = APIRouter(prefix="/inApps/v1/notifications", tags=["App Store Server API"])
_HISTORY_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": NotificationHistoryRequest.model_json_schema()}},
    }
}


@router.post("/test", summary="Request a Test Notification", responses=declared(404))
def request_test_notification(
    call: Annotated[AppleRequest, Depends(apple_request("request_test_notification"))],
    notifications: Notifications,
) -> SendTestNotificationResponse:
    notification = notifications.request_test(call.app, call.environment)
    return SendTestNotificationResponse(testNotificationToken=str(notification.test_token))


@router.get("/test/{testNotificationToken}", summary="Get Test Notification Status")
def get_test_notification_status(
    testNotificationToken: str,
    call: Annotated[AppleRequest, Depends(apple_request("get_test_notification_status"))],
    notifications: Notifications,
) -> CheckTestNotificationResponse:
    sent = notifications.test_status(call.app, call.environment, testNotificationToken)
    return CheckTestNotificationResponse.from_domain(sent)


@router.post(
    "/history",
    summary="Get Notification History",
    responses=declared(404),
    openapi_extra=_HISTORY_BODY,
)
def get_notification_history(
    call: Annotated[AppleRequest, Depends(apple_request("get_notification_history"))],
    notifications: Notifications,
    body: Annotated[Any, Body()] = None,
    paginationToken: str | None = None,
) -> NotificationHistoryResponse:
    page = notifications.history(call.app, call.environment, body, paginationToken)
    return NotificationHistoryResponse.from_domain(page)

"""App Store Server API endpoints for subscriptions; mounted under /sandbox and /production."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from appstore_sandbox.apple_request import AppleRequest, apple_request
from appstore_sandbox.errors import InvalidStatus
from appstore_sandbox.subscriptions.dependencies import Subscriptions
from appstore_sandbox.subscriptions.lifecycle import status_code
from appstore_sandbox.subscriptions.models import (
    HistoryResponse,
    LastTransactionsItem,
    StatusResponse,
    SubscriptionGroupIdentifierItem,
    TransactionInfoResponse,
)

router = APIRouter(prefix="/inApps", tags=["App Store Server API"])
_STATUSES = {"1", "2", "3", "4", "5"}


@router.get("/v1/subscriptions/{transactionId}", summary="Get All Subscription Statuses")
def get_all_subscription_statuses(
    transactionId: str,
    call: Annotated[AppleRequest, Depends(apple_request("get_all_subscription_statuses"))],
    subscriptions: Subscriptions,
    status: Annotated[list[str] | None, Query(description="Only these statuses (1-5).")] = None,
) -> StatusResponse:
    wanted = set(status or ())
    if not wanted <= _STATUSES:
        raise InvalidStatus("status must be 1, 2, 3, 4 or 5.")
    purchase = subscriptions.current(
        subscriptions.customer(call.app, call.environment, transactionId)
    )
    groups = []
    if not wanted or str(status_code(purchase)) in wanted:
        signed = subscriptions.signed(call.app, purchase)
        item = LastTransactionsItem(
            status=status_code(purchase),
            originalTransactionId=purchase.original_transaction_id,
            signedTransactionInfo=signed.signed_transaction,
            signedRenewalInfo=signed.signed_renewal,
        )
        groups.append(
            SubscriptionGroupIdentifierItem(
                subscriptionGroupIdentifier=signed.group, lastTransactions=[item]
            )
        )
    return StatusResponse(
        environment=purchase.environment,
        bundleId=call.app.bundle_id,
        appAppleId=call.app.app_apple_id,
        data=groups,
    )


@router.get("/v1/transactions/{transactionId}", summary="Get Transaction Info")
def get_transaction_info(
    transactionId: str,
    call: Annotated[AppleRequest, Depends(apple_request("get_transaction_info"))],
    subscriptions: Subscriptions,
) -> TransactionInfoResponse:
    signed = subscriptions.transaction(call.app, call.environment, transactionId)
    return TransactionInfoResponse(signedTransactionInfo=signed)


def _history(
    transactionId: str, request: Request, call: AppleRequest, subscriptions: Subscriptions
) -> HistoryResponse:
    params = {name: request.query_params.getlist(name) for name in request.query_params}
    purchase = subscriptions.current(
        subscriptions.customer(call.app, call.environment, transactionId)
    )
    page = subscriptions.page_of_history(call.app, purchase, params)
    return HistoryResponse(
        revision=page.revision,
        hasMore=page.has_more,
        bundleId=call.app.bundle_id,
        appAppleId=call.app.app_apple_id,
        environment=purchase.environment,
        signedTransactions=page.signed_transactions,
    )


@router.get("/v2/history/{transactionId}", summary="Get Transaction History")
def get_transaction_history(
    transactionId: str,
    request: Request,
    call: Annotated[AppleRequest, Depends(apple_request("get_transaction_history"))],
    subscriptions: Subscriptions,
) -> HistoryResponse:
    return _history(transactionId, request, call, subscriptions)


@router.get(
    "/v1/history/{transactionId}",
    summary="Get Transaction History (V1, deprecated)",
    description="What Apple's Python library calls unless asked for V2; the same records.",
)
def get_transaction_history_v1(
    transactionId: str,
    request: Request,
    call: Annotated[AppleRequest, Depends(apple_request("get_transaction_history"))],
    subscriptions: Subscriptions,
) -> HistoryResponse:
    return _history(transactionId, request, call, subscriptions)

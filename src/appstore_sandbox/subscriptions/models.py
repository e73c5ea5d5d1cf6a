"""Response bodies of the subscription endpoints, field names as Apple spells them."""

from __future__ import annotations

from pydantic import BaseModel


class LastTransactionsItem(BaseModel):
    status: int
    originalTransactionId: str
    signedTransactionInfo: str
    signedRenewalInfo: str


class SubscriptionGroupIdentifierItem(BaseModel):
    subscriptionGroupIdentifier: str
    lastTransactions: list[LastTransactionsItem]


class StatusResponse(BaseModel):
    environment: str
    bundleId: str
    appAppleId: int
    data: list[SubscriptionGroupIdentifierItem]


class TransactionInfoResponse(BaseModel):
    signedTransactionInfo: str


class HistoryResponse(BaseModel):
    revision: str
    hasMore: bool
    bundleId: str
    appAppleId: int
    environment: str
    signedTransactions: list[str]

"""JSON bodies of the control surface's purchase endpoints (camelCase, like Apple's)."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictStr

from appstore_sandbox.control.models import CamelModel
from appstore_sandbox.store import Purchase


class CreatePurchaseRequest(CamelModel):
    product_id: StrictStr | None = None
    family_shared: StrictBool = False


class PurchaseOut(CamelModel):
    bundle_id: str
    original_transaction_id: str
    transaction_id: str
    product_id: str
    environment: str
    family_shared: bool
    status: str
    purchase_date: int
    expires_date: int
    auto_renew: bool
    auto_renew_product_id: str
    renewals: int
    in_billing_retry: bool
    grace_period_expires_date: int | None
    offer_identifier: str | None
    next_renewal_fails: str | None = Field(
        None,
        description="Set by the billing-failure trigger: the next renewal's payment fails, into "
        "BILLING_GRACE_PERIOD or BILLING_RETRY; null when it will succeed.",
    )

    @classmethod
    def of(cls, purchase: Purchase, bundle_id: str) -> PurchaseOut:
        return cls(
            bundle_id=bundle_id,
            original_transaction_id=purchase.original_transaction_id,
            transaction_id=purchase.transaction_id,
            product_id=purchase.product_id,
            environment=purchase.environment,
            family_shared=purchase.family_shared,
            status=purchase.status,
            purchase_date=purchase.purchase_ms,
            expires_date=purchase.expires_ms,
            auto_renew=purchase.auto_renew,
            auto_renew_product_id=purchase.renews_to,
            renewals=purchase.renewals,
            in_billing_retry=purchase.billing_issue,
            grace_period_expires_date=purchase.grace_period_expires_ms,
            offer_identifier=purchase.offer_identifier,
            next_renewal_fails=purchase.renewal_fails,
        )


class PurchaseList(CamelModel):
    purchases: list[PurchaseOut]
    default_original_transaction_id: str | None = Field(
        description="The purchase that commands use when none is named (perf-test, trigger, "
        "simulate-cancel, the Python API): the most recent whose subscription has not ended, "
        "else the most recent; null without purchases."
    )

"""Notification types of App Store Server Notifications V2 and the subtypes each may carry."""

from __future__ import annotations

# Valid (notificationType -> subtypes) pairs as Apple documents them for notificationType and
# subtype; a type with no entry here takes no subtype.
SUBTYPES: dict[str, frozenset[str]] = {
    "SUBSCRIBED": frozenset({"INITIAL_BUY", "RESUBSCRIBE"}),
    "DID_CHANGE_RENEWAL_PREF": frozenset({"UPGRADE", "DOWNGRADE"}),
    "DID_CHANGE_RENEWAL_STATUS": frozenset({"AUTO_RENEW_ENABLED", "AUTO_RENEW_DISABLED"}),
    "OFFER_REDEEMED": frozenset({"INITIAL_BUY", "RESUBSCRIBE", "UPGRADE", "DOWNGRADE"}),
    "DID_RENEW": frozenset({"BILLING_RECOVERY"}),
    "EXPIRED": frozenset({"VOLUNTARY", "BILLING_RETRY", "PRICE_INCREASE", "PRODUCT_NOT_FOR_SALE"}),
    "DID_FAIL_TO_RENEW": frozenset({"GRACE_PERIOD"}),
    "PRICE_INCREASE": frozenset({"PENDING", "ACCEPTED"}),
    "RENEWAL_EXTENSION": frozenset({"SUMMARY", "FAILURE"}),
    "EXTERNAL_PURCHASE_TOKEN": frozenset({"UNREPORTED"}),
}

NOTIFICATION_TYPES: frozenset[str] = frozenset(
    {
        *SUBTYPES,
        "GRACE_PERIOD_EXPIRED",
        "REFUND",
        "REFUND_DECLINED",
        "REFUND_REVERSED",
        "CONSUMPTION_REQUEST",
        "RENEWAL_EXTENDED",
        "REVOKE",
        "TEST",
        "ONE_TIME_CHARGE",
        "RESCIND_CONSENT",
        "METADATA_UPDATE",
        "MIGRATION",
        "PRICE_CHANGE",
    }
)


def type_problem(notification_type: object, subtype: object) -> str | None:
    """Why a (type, subtype) filter is invalid, or ``None``."""
    if notification_type is None:
        return "notificationSubtype needs a notificationType" if subtype is not None else None
    if notification_type not in NOTIFICATION_TYPES:
        return f"{notification_type!r} is not a notificationType"
    if subtype is not None and subtype not in SUBTYPES.get(str(notification_type), frozenset()):
        return f"{subtype!r} is not a subtype of {notification_type}"
    return None

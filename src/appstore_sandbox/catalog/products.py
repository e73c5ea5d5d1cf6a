"""Product types, the default subscription group, and the response-check mode setting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the CLI imports this module and must not load the database layer
    from appstore_sandbox.store import App, Store

AUTO_RENEWABLE = "AUTO_RENEWABLE"
DEFAULT_SUBSCRIPTION_GROUP = "Premium"
# App Store Connect's product types; only auto-renewable subscriptions belong to a group.
PRODUCT_TYPES = (AUTO_RENEWABLE, "NON_RENEWING_SUBSCRIPTION", "CONSUMABLE", "NON_CONSUMABLE")

ResponseCheckMode = Literal["warn", "strict"]
RESPONSE_CHECK_MODES: tuple[ResponseCheckMode, ...] = ("warn", "strict")
DEFAULT_RESPONSE_CHECK_MODE: ResponseCheckMode = "warn"
RESPONSE_CHECKS_SETTING = "response_checks"
# An auto-renewable subscription's period, as ISO 8601 durations (App Store Connect's choices).
SUBSCRIPTION_PERIODS = ("P1W", "P1M", "P2M", "P3M", "P6M", "P1Y")
# Apple's offerDiscountType values for subscription offers (ONE_TIME is for other products).
OFFER_DISCOUNT_TYPES = ("FREE_TRIAL", "PAY_AS_YOU_GO", "PAY_UP_FRONT")
DEFAULT_PERIOD = "P1M"


def response_check_mode(store: Store, app: App) -> ResponseCheckMode:
    """The app's setting; ``warn`` unless set otherwise."""
    stored = store.catalog.setting(app.id, RESPONSE_CHECKS_SETTING)
    if stored in RESPONSE_CHECK_MODES:
        return stored
    return DEFAULT_RESPONSE_CHECK_MODE

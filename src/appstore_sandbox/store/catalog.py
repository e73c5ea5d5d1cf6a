"""Persistence of subscription offers and of per-app settings (no rules here)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from appstore_sandbox.store import catalog_schema
from appstore_sandbox.store.database import transaction, upsert
from appstore_sandbox.store.errors import AlreadyExists

_offers = catalog_schema.promotional_offers
_introductory = catalog_schema.introductory_offers
_settings = catalog_schema.app_settings


@dataclass(frozen=True)
class PromotionalOffer:
    """A promotional offer and its terms: Apple's offerDiscountType, offerPeriod (an ISO 8601
    duration) and the price in milliunits for that period."""

    product_id: str
    offer_id: str
    created_ms: int
    discount_type: str = "PAY_AS_YOU_GO"
    period: str = "P1M"
    price: int = 4990


@dataclass(frozen=True)
class IntroductoryOffer:
    """A product's introductory offer (offerType 1), applied to a first purchase."""

    product_id: str
    discount_type: str
    period: str
    price: int


_OFFER_FIELDS = tuple(field.name for field in dataclasses.fields(PromotionalOffer))
_INTRODUCTORY_FIELDS = tuple(field.name for field in dataclasses.fields(IntroductoryOffer))


class CatalogStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_offer(self, app_id: int, offer: PromotionalOffer) -> PromotionalOffer:
        try:
            with transaction(self.engine) as connection:
                connection.execute(insert(_offers).values(app_id=app_id, **offer.__dict__))
        except IntegrityError as error:
            raise AlreadyExists(f"Offer {offer.offer_id} of {offer.product_id}") from error
        return offer

    def offers(self, app_id: int, product_id: str | None = None) -> list[PromotionalOffer]:
        conditions = [_offers.c.app_id == app_id]
        if product_id is not None:
            conditions.append(_offers.c.product_id == product_id)
        statement = (
            select(*(_offers.c[name] for name in _OFFER_FIELDS))
            .where(*conditions)
            .order_by(_offers.c.product_id, _offers.c.created_ms, _offers.c.offer_id)
        )
        with self.engine.connect() as connection:
            return [PromotionalOffer(**row._mapping) for row in connection.execute(statement)]

    def introductory_offer(self, app_id: int, product_id: str) -> IntroductoryOffer | None:
        statement = select(*(_introductory.c[name] for name in _INTRODUCTORY_FIELDS)).where(
            _introductory.c.app_id == app_id, _introductory.c.product_id == product_id
        )
        with self.engine.connect() as connection:
            row = connection.execute(statement).first()
        return IntroductoryOffer(**row._mapping) if row else None

    def set_introductory_offer(self, app_id: int, offer: IntroductoryOffer) -> None:
        with transaction(self.engine) as connection:
            upsert(connection, _introductory, {"app_id": app_id, **offer.__dict__})

    def delete_introductory_offer(self, app_id: int, product_id: str) -> bool:
        with transaction(self.engine) as connection:
            deleted = connection.execute(
                delete(_introductory).where(
                    _introductory.c.app_id == app_id, _introductory.c.product_id == product_id
                )
            )
        return bool(deleted.rowcount)

    def setting(self, app_id: int, name: str) -> str | None:
        statement = select(_settings.c.value).where(
            _settings.c.app_id == app_id, _settings.c.name == name
        )
        with self.engine.connect() as connection:
            return connection.execute(statement).scalar()

    def set_setting(self, app_id: int, name: str, value: str) -> None:
        with transaction(self.engine) as connection:
            upsert(connection, _settings, {"app_id": app_id, "name": name, "value": value})

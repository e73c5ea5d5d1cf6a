"""Tables of the app's catalog beyond products (promotional offers) and of per-app settings.

They share ``schema.metadata``; migration 0005 creates them, 0009 adds offers' terms and
introductory offers.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Table,
    Text,
    text,
)

from appstore_sandbox.store.schema import metadata

promotional_offers = Table(
    "promotional_offers",
    metadata,
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", String(255), primary_key=True),
    Column("offer_id", String(255), primary_key=True),
    Column("created_ms", BigInteger, nullable=False),
    Column("discount_type", String(16), nullable=False, server_default="PAY_AS_YOU_GO"),
    Column("period", String(8), nullable=False, server_default="P1M"),
    Column("price", BigInteger, nullable=False, server_default=text("4990")),
    ForeignKeyConstraint(
        ["app_id", "product_id"],
        ["products.app_id", "products.product_id"],
        name="promotional_offer_product",
        ondelete="CASCADE",
    ),
)

introductory_offers = Table(
    "introductory_offers",
    metadata,
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", String(255), primary_key=True),
    Column("discount_type", String(16), nullable=False),
    Column("period", String(8), nullable=False),
    Column("price", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "product_id"],
        ["products.app_id", "products.product_id"],
        name="introductory_offer_product",
        ondelete="CASCADE",
    ),
)

app_settings = Table(
    "app_settings",
    metadata,
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

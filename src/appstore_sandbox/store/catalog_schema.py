"""Tables of the app's catalog beyond products (promotional offers) and of per-app settings.

They share ``schema.metadata``; migration 0005 creates them.
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
)

from appstore_sandbox.store.schema import metadata

promotional_offers = Table(
    "promotional_offers",
    metadata,
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", String(255), primary_key=True),
    Column("offer_id", String(255), primary_key=True),
    Column("created_ms", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "product_id"],
        ["products.app_id", "products.product_id"],
        name="promotional_offer_product",
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

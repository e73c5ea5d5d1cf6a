"""The app's catalog beyond products: promotional offers, and per-app settings.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def _app_id() -> sa.Column[int]:
    return sa.Column(
        "app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True
    )


def upgrade() -> None:
    op.create_table(
        "promotional_offers",
        _app_id(),
        sa.Column("product_id", sa.String(255), primary_key=True),
        sa.Column("offer_id", sa.String(255), primary_key=True),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "product_id"],
            ["products.app_id", "products.product_id"],
            name="promotional_offer_product",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "app_settings",
        _app_id(),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_settings")
    op.drop_table("promotional_offers")

"""Subscriptions that live on the sandbox clock: products' periods, purchases' renewal state,
and every transaction (original and renewals).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

_PURCHASE_COLUMNS = (
    sa.Column("auto_renew", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("auto_renew_product_id", sa.String(255), nullable=True),
    sa.Column("renewals", sa.Integer, nullable=False, server_default="0"),
    sa.Column("expiration_intent", sa.Integer, nullable=True),
    sa.Column("billing_issue", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("grace_period_expires_ms", sa.BigInteger, nullable=True),
    sa.Column("retry_ends_ms", sa.BigInteger, nullable=True),
    sa.Column("offer_type", sa.Integer, nullable=True),
    sa.Column("offer_identifier", sa.String(255), nullable=True),
    sa.Column("recent_start_ms", sa.BigInteger, nullable=True),
    sa.Column("next_event_ms", sa.BigInteger, nullable=True),
)


def upgrade() -> None:
    op.add_column(
        "products",
        sa.Column("subscription_period", sa.String(8), nullable=False, server_default="P1M"),
    )
    with op.batch_alter_table("purchases") as batch:
        for column in _PURCHASE_COLUMNS:
            batch.add_column(column)
        # BILLING_GRACE_PERIOD is longer than the 16 characters ACTIVE needed.
        batch.alter_column("status", type_=sa.String(32), existing_nullable=False)
    op.create_index("ix_purchases_next_event_ms", "purchases", ["next_event_ms"])
    op.create_table(
        "transactions",
        sa.Column("transaction_id", sa.String(32), primary_key=True),
        sa.Column(
            "app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("original_transaction_id", sa.String(32), nullable=False),
        sa.Column("web_order_line_item_id", sa.String(32), nullable=False),
        sa.Column("product_id", sa.String(255), nullable=False),
        sa.Column("purchase_ms", sa.BigInteger, nullable=False),
        sa.Column("original_purchase_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("ownership", sa.String(16), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("offer_type", sa.Integer, nullable=True),
        sa.Column("offer_identifier", sa.String(255), nullable=True),
        sa.Column("is_upgraded", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("revocation_ms", sa.BigInteger, nullable=True),
        sa.Column("revocation_reason", sa.Integer, nullable=True),
    )
    op.create_index(
        "ix_transactions_original_transaction_id", "transactions", ["original_transaction_id"]
    )
    # Purchases made before this revision: their latest transaction, as a purchase, renewing
    # from its expiry on the sandbox clock.
    op.execute(
        """
        INSERT INTO transactions (transaction_id, app_id, original_transaction_id,
            web_order_line_item_id, product_id, purchase_ms, original_purchase_ms, expires_ms,
            reason, ownership, environment)
        SELECT transaction_id, app_id, original_transaction_id, transaction_id, product_id,
            purchase_ms, purchase_ms, expires_ms,
            CASE WHEN transaction_id = original_transaction_id THEN 'PURCHASE' ELSE 'RENEWAL' END,
            CASE WHEN family_shared THEN 'FAMILY_SHARED' ELSE 'PURCHASED' END,
            environment
        FROM purchases
        """
    )
    op.execute("UPDATE purchases SET recent_start_ms = purchase_ms, next_event_ms = expires_ms")


def downgrade() -> None:
    op.drop_index("ix_transactions_original_transaction_id", "transactions")
    op.drop_table("transactions")
    op.drop_index("ix_purchases_next_event_ms", "purchases")
    with op.batch_alter_table("purchases") as batch:
        for column in reversed(_PURCHASE_COLUMNS):
            batch.drop_column(column.name)
        batch.alter_column("status", type_=sa.String(16), existing_nullable=False)
    with op.batch_alter_table("products") as batch:
        batch.drop_column("subscription_period")

"""A subscription's changes in sequence (Transaction History's revisions), a billing failure
armed for the next renewal, how a transaction was revoked, the customer's app transaction, and
offers' terms (discount type, period, price) with products' introductory offers; and keys that
their user limited to their own app (a key signs for every app of its team otherwise).

Transactions made before this revision are numbered in the order they were bought, and each
purchase's ``changes`` is the last number given. Purchases made before it have no app
transaction id (Apple's field is optional).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column("only_own_app", sa.Boolean, nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("purchases") as batch:
        batch.add_column(sa.Column("renewal_fails", sa.String(32), nullable=True))
        batch.add_column(sa.Column("changes", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("app_transaction_id", sa.String(32), nullable=True))
        batch.create_index("ix_purchases_app_transaction_id", ["app_transaction_id"])
        batch.add_column(sa.Column("offer_discount_type", sa.String(16), nullable=True))
        batch.add_column(sa.Column("offer_period", sa.String(8), nullable=True))
        batch.add_column(sa.Column("offer_price", sa.BigInteger, nullable=True))
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("revocation_type", sa.String(32), nullable=True))
        batch.add_column(sa.Column("revocation_percentage", sa.Integer, nullable=True))
        batch.add_column(sa.Column("change_seq", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("app_transaction_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("offer_discount_type", sa.String(16), nullable=True))
        batch.add_column(sa.Column("offer_period", sa.String(8), nullable=True))
        batch.add_column(sa.Column("price", sa.BigInteger, nullable=True))
    with op.batch_alter_table("promotional_offers") as batch:
        batch.add_column(
            sa.Column(
                "discount_type", sa.String(16), nullable=False, server_default="PAY_AS_YOU_GO"
            )
        )
        batch.add_column(sa.Column("period", sa.String(8), nullable=False, server_default="P1M"))
        batch.add_column(sa.Column("price", sa.BigInteger, nullable=False, server_default="4990"))
    op.create_table(
        "introductory_offers",
        sa.Column(
            "app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("product_id", sa.String(255), primary_key=True),
        sa.Column("discount_type", sa.String(16), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "product_id"],
            ["products.app_id", "products.product_id"],
            name="introductory_offer_product",
            ondelete="CASCADE",
        ),
    )
    _number_existing_transactions()


def _number_existing_transactions() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT transaction_id, original_transaction_id FROM transactions "
            "ORDER BY original_transaction_id, purchase_ms, transaction_id"
        )
    ).all()
    last: dict[str, int] = {}
    for transaction_id, original_id in rows:
        last[original_id] = last.get(original_id, 0) + 1
        connection.execute(
            sa.text("UPDATE transactions SET change_seq = :seq WHERE transaction_id = :id"),
            {"seq": last[original_id], "id": transaction_id},
        )
    for original_id, changes in last.items():
        connection.execute(
            sa.text("UPDATE purchases SET changes = :n WHERE original_transaction_id = :id"),
            {"n": changes, "id": original_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("only_own_app")
    op.drop_table("introductory_offers")
    with op.batch_alter_table("promotional_offers") as batch:
        for name in ("discount_type", "period", "price"):
            batch.drop_column(name)
    with op.batch_alter_table("transactions") as batch:
        for name in (
            "revocation_type",
            "revocation_percentage",
            "change_seq",
            "app_transaction_id",
            "offer_discount_type",
            "offer_period",
            "price",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("purchases") as batch:
        batch.drop_index("ix_purchases_app_transaction_id")
        for name in (
            "renewal_fails",
            "changes",
            "app_transaction_id",
            "offer_discount_type",
            "offer_period",
            "offer_price",
        ):
            batch.drop_column(name)

"""Notification URLs, sent notifications and their send attempts.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "notification_urls",
        sa.Column(
            "app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("environment", sa.String(16), primary_key=True),
        sa.Column("url", sa.String(256), nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("notification_uuid", sa.String(36), nullable=False, unique=True),
        sa.Column(
            "app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("notification_type", sa.String(64), nullable=False),
        sa.Column("subtype", sa.String(64), nullable=True),
        sa.Column("transaction_id", sa.String(32), nullable=True),
        sa.Column("test_token", sa.String(64), nullable=True, unique=True),
        sa.Column("url", sa.String(256), nullable=False),
        sa.Column("signed_payload", sa.Text, nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_ms", sa.BigInteger, nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until_ms", sa.BigInteger, nullable=True),
    )
    op.create_index("notifications_due", "notifications", ["status", "next_attempt_ms"])
    op.create_index(
        "notifications_history", "notifications", ["app_id", "environment", "created_ms"]
    )
    op.create_table(
        "notification_attempts",
        sa.Column(
            "notification_id",
            sa.Integer,
            sa.ForeignKey("notifications.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("attempt_ms", sa.BigInteger, nullable=False),
        sa.Column("result", sa.String(40), nullable=False),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("latency_us", sa.BigInteger, nullable=True),
        sa.Column("explanation", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notification_attempts")
    op.drop_index("notifications_history", "notifications")
    op.drop_index("notifications_due", "notifications")
    op.drop_table("notifications")
    op.drop_table("notification_urls")

"""Retention Messaging content: images, messages, bullet points and default messages.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

_IMAGE_KEY = [
    "retention_images.app_id",
    "retention_images.environment",
    "retention_images.image_identifier",
]
_MESSAGE_KEY = [
    "retention_messages.app_id",
    "retention_messages.environment",
    "retention_messages.message_identifier",
]


def _app_id(primary_key: bool = True) -> sa.Column[int]:
    return sa.Column(
        "app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), primary_key=primary_key
    )


def upgrade() -> None:
    op.create_table(
        "retention_images",
        _app_id(),
        sa.Column("environment", sa.String(16), primary_key=True),
        sa.Column("image_identifier", sa.String(36), primary_key=True),
        sa.Column("image_size", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("byte_size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("reviewed_ms", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "retention_messages",
        _app_id(),
        sa.Column("environment", sa.String(16), primary_key=True),
        sa.Column("message_identifier", sa.String(36), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("header", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("header_position", sa.String(16), nullable=False),
        sa.Column("image_identifier", sa.String(36), nullable=True),
        sa.Column("image_alt_text", sa.Text, nullable=True),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("reviewed_ms", sa.BigInteger, nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id", "environment", "image_identifier"],
            _IMAGE_KEY,
            name="retention_message_image",
        ),
    )
    op.create_index(
        "retention_messages_by_image",
        "retention_messages",
        ["app_id", "environment", "image_identifier"],
    )
    op.create_table(
        "retention_bullet_points",
        sa.Column("app_id", sa.Integer, primary_key=True),
        sa.Column("environment", sa.String(16), primary_key=True),
        sa.Column("message_identifier", sa.String(36), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("image_identifier", sa.String(36), nullable=False),
        sa.Column("alt_text", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "environment", "message_identifier"],
            _MESSAGE_KEY,
            name="retention_bullet_point_message",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["app_id", "environment", "image_identifier"],
            _IMAGE_KEY,
            name="retention_bullet_point_image",
        ),
    )
    op.create_index(
        "retention_bullet_points_by_image",
        "retention_bullet_points",
        ["app_id", "environment", "image_identifier"],
    )
    op.create_table(
        "retention_default_messages",
        _app_id(),
        sa.Column("environment", sa.String(16), primary_key=True),
        sa.Column("product_id", sa.String(255), primary_key=True),
        sa.Column("locale", sa.String(16), primary_key=True),
        sa.Column("message_identifier", sa.String(36), nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "environment", "message_identifier"],
            _MESSAGE_KEY,
            name="retention_default_message_message",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "retention_default_messages_by_message",
        "retention_default_messages",
        ["app_id", "environment", "message_identifier"],
    )


def downgrade() -> None:
    op.drop_index("retention_default_messages_by_message", "retention_default_messages")
    op.drop_table("retention_default_messages")
    op.drop_index("retention_bullet_points_by_image", "retention_bullet_points")
    op.drop_table("retention_bullet_points")
    op.drop_index("retention_messages_by_image", "retention_messages")
    op.drop_table("retention_messages")
    op.drop_table("retention_images")

"""Tables of the Retention Messaging content: images, messages, bullet points, default messages.

They share ``schema.metadata``; migration 0004 creates them. Every row belongs to one app and
one environment (the sandbox and production hosts keep separate content). The foreign keys
back the API's rules: an image a message names cannot be deleted, and a message's bullet points
and default configurations go with it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from appstore_sandbox.store.schema import metadata

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

retention_images = Table(
    "retention_images",
    metadata,
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    Column("environment", String(16), primary_key=True),
    Column("image_identifier", String(36), primary_key=True),
    Column("image_size", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("byte_size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("reviewed_ms", BigInteger, nullable=True),
)

retention_messages = Table(
    "retention_messages",
    metadata,
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    Column("environment", String(16), primary_key=True),
    Column("message_identifier", String(36), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("header", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("header_position", String(16), nullable=False),
    Column("image_identifier", String(36), nullable=True),
    Column("image_alt_text", Text, nullable=True),
    Column("created_ms", BigInteger, nullable=False),
    Column("reviewed_ms", BigInteger, nullable=True),
    ForeignKeyConstraint(
        ["app_id", "environment", "image_identifier"], _IMAGE_KEY, name="retention_message_image"
    ),
    Index("retention_messages_by_image", "app_id", "environment", "image_identifier"),
)

retention_bullet_points = Table(
    "retention_bullet_points",
    metadata,
    Column("app_id", Integer, primary_key=True),
    Column("environment", String(16), primary_key=True),
    Column("message_identifier", String(36), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("image_identifier", String(36), nullable=False),
    Column("alt_text", Text, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "environment", "message_identifier"],
        _MESSAGE_KEY,
        name="retention_bullet_point_message",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["app_id", "environment", "image_identifier"],
        _IMAGE_KEY,
        name="retention_bullet_point_image",
    ),
    Index("retention_bullet_points_by_image", "app_id", "environment", "image_identifier"),
)

retention_default_messages = Table(
    "retention_default_messages",
    metadata,
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    Column("environment", String(16), primary_key=True),
    Column("product_id", String(255), primary_key=True),
    Column("locale", String(16), primary_key=True),
    Column("message_identifier", String(36), nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "environment", "message_identifier"],
        _MESSAGE_KEY,
        name="retention_default_message_message",
        ondelete="CASCADE",
    ),
    Index("retention_default_messages_by_message", "app_id", "environment", "message_identifier"),
)

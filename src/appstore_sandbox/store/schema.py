"""Table definitions. Changes go through a new migration in ``store/migrations/versions``."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# One row (id 1): the chain every process on this database signs with (see signing.open_chain).
signing_chain = Table(
    "signing_chain",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("root_pem", Text, nullable=False),
    Column("intermediate_pem", Text, nullable=False),
    Column("leaf_pem", Text, nullable=False),
    Column("leaf_key_pem", Text, nullable=False),
)

apps = Table(
    "apps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bundle_id", String(255), nullable=False, unique=True),
    Column("app_apple_id", BigInteger, nullable=False, unique=True),
    Column("performance_test_passed_ms", BigInteger, nullable=True),
    Column("created_ms", BigInteger, nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", String(255), nullable=False),
    Column("type", String(32), nullable=False),
    Column("subscription_group", String(255), nullable=False),
    # ISO 8601 duration of an auto-renewable subscription (P1W, P1M, P2M, P3M, P6M, P1Y).
    Column("subscription_period", String(8), nullable=False, server_default="P1M"),
    UniqueConstraint("app_id", "product_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("issuer_id", String(64), nullable=False),
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    Column("public_key_pem", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    # PKCS#8 PEM of a key the sandbox generated (a throwaway key, kept as plainly as the signing
    # chain's): a data dir without its .p8 gets it back. None for keys registered by the user.
    Column("private_key_pem", Text, nullable=True),
    Column("only_own_app", Boolean, nullable=False, server_default=false()),
)

purchases = Table(
    "purchases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    Column("original_transaction_id", String(32), nullable=False, unique=True),
    Column("transaction_id", String(32), nullable=False, unique=True),
    Column("product_id", String(255), nullable=False),
    Column("environment", String(16), nullable=False),
    Column("family_shared", Boolean, nullable=False),
    Column("status", String(32), nullable=False),
    Column("purchase_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    # The renewal state (Apple's JWSRenewalInfo) and when the subscription next changes by
    # itself on the sandbox clock (renews, fails to renew, leaves grace or billing retry).
    Column("auto_renew", Boolean, nullable=False, server_default=true()),
    Column("auto_renew_product_id", String(255), nullable=True),
    Column("renewals", Integer, nullable=False, server_default=text("0")),
    Column("expiration_intent", Integer, nullable=True),
    Column("billing_issue", Boolean, nullable=False, server_default=false()),
    Column("grace_period_expires_ms", BigInteger, nullable=True),
    Column("retry_ends_ms", BigInteger, nullable=True),
    Column("offer_type", Integer, nullable=True),
    Column("offer_identifier", String(255), nullable=True),
    Column("recent_start_ms", BigInteger, nullable=True),
    Column("next_event_ms", BigInteger, nullable=True, index=True),
    Column("renewal_fails", String(32), nullable=True),
    Column("changes", Integer, nullable=False, server_default=text("0")),
    Column("app_transaction_id", String(32), nullable=True, index=True),
    Column("offer_discount_type", String(16), nullable=True),
    Column("offer_period", String(8), nullable=True),
    Column("offer_price", BigInteger, nullable=True),
)

transactions = Table(
    "transactions",
    metadata,
    Column("transaction_id", String(32), primary_key=True),
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    Column("original_transaction_id", String(32), nullable=False, index=True),
    Column("web_order_line_item_id", String(32), nullable=False),
    Column("product_id", String(255), nullable=False),
    Column("purchase_ms", BigInteger, nullable=False),
    Column("original_purchase_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Column("reason", String(16), nullable=False),
    Column("ownership", String(16), nullable=False),
    Column("environment", String(16), nullable=False),
    Column("offer_type", Integer, nullable=True),
    Column("offer_identifier", String(255), nullable=True),
    Column("is_upgraded", Boolean, nullable=False, server_default=false()),
    Column("revocation_ms", BigInteger, nullable=True),
    Column("revocation_reason", Integer, nullable=True),
    Column("revocation_type", String(32), nullable=True),
    Column("revocation_percentage", Integer, nullable=True),
    Column("change_seq", Integer, nullable=False, server_default=text("0")),
    Column("app_transaction_id", String(32), nullable=True),
    Column("offer_discount_type", String(16), nullable=True),
    Column("offer_period", String(8), nullable=True),
    Column("price", BigInteger, nullable=True),
)

realtime_urls = Table(
    "realtime_urls",
    metadata,
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    Column("environment", String(16), primary_key=True),
    Column("url", String(256), nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)

performance_test_configs = Table(
    "performance_test_configs",
    metadata,
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    Column("config", Text, nullable=False),
)

performance_test_runs = Table(
    "performance_test_runs",
    metadata,
    Column("request_id", String(36), primary_key=True),
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    Column("original_transaction_id", String(32), nullable=False),
    Column("target", String(256), nullable=False),
    Column("config", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("finished_ms", BigInteger, nullable=True),
    Column("owner", String(64), nullable=False),
    Column("lease_until_ms", BigInteger, nullable=False),
    Column("progress", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("records_pruned", Integer, nullable=False, server_default=text("0")),
    Index(
        "one_pending_run_per_app",
        "app_id",
        unique=True,
        sqlite_where=text("status = 'PENDING'"),
        postgresql_where=text("status = 'PENDING'"),
    ),
)

performance_test_requests = Table(
    "performance_test_requests",
    metadata,
    Column(
        "run_request_id",
        String(36),
        ForeignKey("performance_test_runs.request_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("sequence", Integer, primary_key=True),
    Column("request_identifier", String(36), nullable=False),
    Column("result", String(40), nullable=False),
    Column("http_status", Integer, nullable=True),
    Column("latency_us", BigInteger, nullable=True),
    Column("explanation", Text, nullable=False),
)

notification_urls = Table(
    "notification_urls",
    metadata,
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True),
    Column("environment", String(16), primary_key=True),
    Column("url", String(256), nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notification_uuid", String(36), nullable=False, unique=True),
    Column("app_id", Integer, ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    Column("environment", String(16), nullable=False),
    Column("notification_type", String(64), nullable=False),
    Column("subtype", String(64), nullable=True),
    Column("transaction_id", String(32), nullable=True),
    Column("test_token", String(64), nullable=True, unique=True),
    Column("url", String(256), nullable=False),
    Column("signed_payload", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_ms", BigInteger, nullable=True),
    Column("claimed_by", String(64), nullable=True),
    Column("claimed_until_ms", BigInteger, nullable=True),
    Index("notifications_due", "status", "next_attempt_ms"),
    Index("notifications_history", "app_id", "environment", "created_ms"),
)

notification_attempts = Table(
    "notification_attempts",
    metadata,
    Column(
        "notification_id",
        Integer,
        ForeignKey("notifications.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("number", Integer, primary_key=True),
    Column("attempt_ms", BigInteger, nullable=False),
    Column("result", String(40), nullable=False),
    Column("http_status", Integer, nullable=True),
    Column("latency_us", BigInteger, nullable=True),
    Column("explanation", Text, nullable=False),
)

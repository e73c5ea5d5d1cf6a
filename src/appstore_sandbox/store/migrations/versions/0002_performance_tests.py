"""Performance test runs, their per-request records, and per-app test settings.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "performance_test_configs",
        sa.Column(
            "app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("config", sa.Text, nullable=False),
    )
    op.create_table(
        "performance_test_runs",
        sa.Column("request_id", sa.String(36), primary_key=True),
        sa.Column(
            "app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("original_transaction_id", sa.String(32), nullable=False),
        sa.Column("target", sa.String(256), nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("finished_ms", sa.BigInteger, nullable=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("lease_until_ms", sa.BigInteger, nullable=False),
        sa.Column("progress", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index(
        "one_pending_run_per_app",
        "performance_test_runs",
        ["app_id"],
        unique=True,
        sqlite_where=sa.text("status = 'PENDING'"),
        postgresql_where=sa.text("status = 'PENDING'"),
    )
    op.create_table(
        "performance_test_requests",
        sa.Column(
            "run_request_id",
            sa.String(36),
            sa.ForeignKey("performance_test_runs.request_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sequence", sa.Integer, primary_key=True),
        sa.Column("request_identifier", sa.String(36), nullable=False),
        sa.Column("result", sa.String(40), nullable=False),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("latency_us", sa.BigInteger, nullable=True),
        sa.Column("explanation", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("performance_test_requests")
    op.drop_index("one_pending_run_per_app", "performance_test_runs")
    op.drop_table("performance_test_runs")
    op.drop_table("performance_test_configs")

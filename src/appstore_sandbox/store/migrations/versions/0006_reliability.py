"""The signing chain shared by every process on the database; pruned per-request records.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "signing_chain",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("root_pem", sa.Text, nullable=False),
        sa.Column("intermediate_pem", sa.Text, nullable=False),
        sa.Column("leaf_pem", sa.Text, nullable=False),
        sa.Column("leaf_key_pem", sa.Text, nullable=False),
    )
    op.add_column(
        "performance_test_runs",
        sa.Column("records_pruned", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("performance_test_runs", "records_pruned")
    op.drop_table("signing_chain")

"""The private key of each API key the sandbox generated, so a data dir that lacks its .p8 (a
second process on the database, a deleted keys folder) gets it back; keys registered with only
a public key have none.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("private_key_pem", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("private_key_pem")

"""accounts.preferred_language: the language an account's mails are written in

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: accounts from before have no preference, and their mails use the tenant's
    # default language.
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("preferred_language", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("preferred_language")

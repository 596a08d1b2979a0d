"""remote push: where each tenant's push to its remote parent stands (the worker's
bookkeeping, one row per tenant, like jobs: no row-level security)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import UtcDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "remote_push_state",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            sa.ForeignKey("tenants.id", ondelete="CASCADE"),
            primary_key=True,
            nullable=False,
        ),
        sa.Column("target", sa.String(2200)),
        sa.Column("cursor", sa.String(40)),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime),
        sa.Column("locked_until", UtcDateTime),
        sa.Column("locked_by", sa.String(80)),
        sa.Column("last_error", sa.Text()),
        sa.Column("pushed_at", UtcDateTime),
        sa.Column("refusals", sa.Integer(), nullable=False),
        sa.Column("last_refusal", sa.Text()),
    )


def downgrade() -> None:
    op.drop_table("remote_push_state")

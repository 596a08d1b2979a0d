"""the outbox (domain events, written in the transaction of their change; tenant-owned, behind
row-level security) and the worker's jobs (one per event and handler, and periodic runs)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import JsonDocument, UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", Serial, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid(), nullable=False, unique=True),
        sa.Column(
            "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("payload", JsonDocument, nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_outbox_tenant_id", "outbox", ["tenant_id", "id"])
    op.create_table(
        "jobs",
        sa.Column("id", Serial, primary_key=True, autoincrement=True),
        sa.Column("handler", sa.String(80), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE")),
        sa.Column("event_id", Serial, sa.ForeignKey("outbox.id", ondelete="CASCADE")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", UtcDateTime, nullable=False),
        sa.Column("locked_until", UtcDateTime),
        sa.Column("locked_by", sa.String(80)),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("finished_at", UtcDateTime),
        sa.Column("dedup_key", sa.String(200), unique=True),
    )
    op.create_index("ix_jobs_due", "jobs", ["status", "run_at"])
    if op.get_bind().dialect.name == "postgresql":
        tenant = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
        # One statement per execute: asyncpg prepares each.
        op.execute("ALTER TABLE outbox ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE outbox FORCE ROW LEVEL SECURITY")
        op.execute(
            "CREATE POLICY tenant_isolation ON outbox "
            f"USING (tenant_id = {tenant}) WITH CHECK (tenant_id = {tenant})"
        )


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("outbox")

"""webhooks: subscriptions and their delivery log (tenant-owned, behind row-level security),
and the worker's queue of due deliveries across tenants (ids only, like jobs)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import JsonDocument, UtcDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_OWNED = ("webhook_subscriptions", "webhook_deliveries")


def _tenant() -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("event_types", JsonDocument, nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("previous_secret", sa.String(200)),
        sa.Column("previous_secret_until", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("disabled_at", UtcDateTime),
        sa.Column("disabled_reason", sa.String(500)),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="webhook_subscriptions_pkey"),
    )
    op.create_table(
        "webhook_deliveries",
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("source_key", sa.String(200)),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("payload", JsonDocument, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime),
        sa.Column("first_attempt_at", UtcDateTime),
        sa.Column("last_attempt_at", UtcDateTime),
        sa.Column("last_status_code", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.Column("succeeded_at", UtcDateTime),
        sa.Column("replay_of", sa.Uuid()),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="webhook_deliveries_pkey"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "subscription_id"],
            ["webhook_subscriptions.tenant_id", "webhook_subscriptions.id"],
            name="webhook_deliveries_subscription_fkey",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "tenant_id", "subscription_id", "source_key", name="webhook_deliveries_source_key"
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_log",
        "webhook_deliveries",
        ["tenant_id", "subscription_id", "created_at", "id"],
    )
    op.create_table(
        "webhook_queue",
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        _tenant(),
        sa.Column("run_at", UtcDateTime, nullable=False),
        sa.Column("locked_until", UtcDateTime),
        sa.Column("locked_by", sa.String(80)),
        sa.PrimaryKeyConstraint("delivery_id", name="webhook_queue_pkey"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "delivery_id"],
            ["webhook_deliveries.tenant_id", "webhook_deliveries.id"],
            name="webhook_queue_delivery_fkey",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_webhook_queue_due", "webhook_queue", ["run_at"])
    if op.get_bind().dialect.name == "postgresql":
        tenant = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
        for table in TENANT_OWNED:
            # One statement per execute: asyncpg prepares each.
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} "
                f"USING (tenant_id = {tenant}) WITH CHECK (tenant_id = {tenant})"
            )


def downgrade() -> None:
    op.drop_table("webhook_queue")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")

"""funding: campaigns, their reward tiers, pledges and refunds, the Idempotency-Keys of the
requests that made them, and the payment providers' events already applied; tenant-owned
behind row-level security

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import JsonDocument, UtcDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_OWNED = (
    "campaigns",
    "reward_tiers",
    "pledges",
    "refunds",
    "idempotency_keys",
    "payment_events",
)


def _tenant() -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


def _of(table: str, column: str, parent: str, **options: str) -> sa.ForeignKeyConstraint:
    """A reference within the tenant: (tenant_id, column) -> parent (tenant_id, id)."""
    return sa.ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{parent}.tenant_id", f"{parent}.id"],
        name=f"{table}_{column.removesuffix('_id')}_fkey",
        **options,
    )


def upgrade() -> None:
    op.create_table(
        "campaigns",
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), sa.ForeignKey("accounts.id", ondelete="SET NULL")),
        sa.Column("partner_key_id", sa.Uuid()),
        sa.Column("business_id", sa.Uuid()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", JsonDocument, nullable=False),
        sa.Column("summary", JsonDocument, nullable=False),
        sa.Column("description", JsonDocument, nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("image_ids", JsonDocument, nullable=False),
        sa.Column("category_id", sa.Uuid()),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("goal", sa.BigInteger(), nullable=False),
        sa.Column("minimum", sa.BigInteger()),
        sa.Column("funding_model", sa.String(16), nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("ends_at", UtcDateTime, nullable=False),
        sa.Column("pledged_amount", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("backer_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("first_pledge_at", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="campaigns_pkey"),
    )
    for name, column in (("newest", "starts_at"), ("ending", "ends_at")):
        op.create_index(f"ix_campaigns_{name}", "campaigns", ["tenant_id", "status", column, "id"])
    op.create_index(
        "ix_campaigns_most_funded", "campaigns", ["tenant_id", "status", "pledged_amount", "id"]
    )
    op.create_index("ix_campaigns_owner", "campaigns", ["owner_id"])
    op.create_index("ix_campaigns_business", "campaigns", ["tenant_id", "business_id"])
    op.create_index("ix_campaigns_location", "campaigns", ["tenant_id", "lat", "lon"])
    op.create_table(
        "reward_tiers",
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("title", JsonDocument, nullable=False),
        sa.Column("description", JsonDocument, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("minimum", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("quantity", sa.Integer()),
        sa.Column("claimed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("estimated_delivery", sa.Date()),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="reward_tiers_pkey"),
        _of("reward_tiers", "campaign_id", "campaigns", ondelete="CASCADE"),
        sa.CheckConstraint("claimed >= 0", name="reward_tiers_claimed_check"),
        sa.CheckConstraint(
            "quantity IS NULL OR claimed <= quantity", name="reward_tiers_stock_check"
        ),
    )
    op.create_index(
        "ix_reward_tiers_campaign", "reward_tiers", ["tenant_id", "campaign_id", "minimum", "id"]
    )
    op.create_table(
        "pledges",
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("backer_id", sa.Uuid(), nullable=False),
        sa.Column("tier_id", sa.Uuid()),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("refunded", sa.BigInteger()),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("payment_reference", sa.String(255), nullable=False),
        sa.Column("client_secret", sa.String(255), nullable=False),
        sa.Column("customer_ref", sa.String(255), nullable=False),
        sa.Column("method_ref", sa.String(255), nullable=False),
        sa.Column("charge_ref", sa.String(255), nullable=False),
        sa.Column("charge_attempts", sa.Integer(), nullable=False),
        sa.Column("next_charge_at", UtcDateTime),
        sa.Column("retry_until", UtcDateTime),
        sa.Column("lease_until", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pledges_pkey"),
        _of("pledges", "campaign_id", "campaigns"),
    )
    op.create_index(
        "pledges_payment_reference_key",
        "pledges",
        ["provider", "payment_reference"],
        unique=True,
        sqlite_where=sa.text("payment_reference <> ''"),
        postgresql_where=sa.text("payment_reference <> ''"),
    )
    op.create_index("ix_pledges_charge_ref", "pledges", ["provider", "charge_ref"])
    op.create_index(
        "ix_pledges_campaign", "pledges", ["tenant_id", "campaign_id", "created_at", "id"]
    )
    op.create_index("ix_pledges_backer", "pledges", ["tenant_id", "backer_id", "created_at", "id"])
    op.create_index("ix_pledges_status", "pledges", ["tenant_id", "status", "created_at", "id"])
    op.create_table(
        "refunds",
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pledge_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), sa.ForeignKey("accounts.id", ondelete="SET NULL")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider_ref", sa.String(255), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="refunds_pkey"),
        _of("refunds", "pledge_id", "pledges"),
    )
    op.create_index("ix_refunds_pledge", "refunds", ["tenant_id", "pledge_id", "created_at"])
    op.create_index("ix_refunds_status", "refunds", ["tenant_id", "status", "created_at"])
    op.create_table(
        "idempotency_keys",
        _tenant(),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "scope", "key", name="idempotency_keys_pkey"),
    )
    op.create_table(
        "payment_events",
        _tenant(),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "provider", "event_id", name="payment_events_pkey"),
    )
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
    for table in reversed(TENANT_OWNED):
        op.drop_table(table)

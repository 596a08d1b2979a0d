"""syndication: listings of campaigns in other tenants of the deployment (mirroring into a
parent), partner campaigns by external id with their origin, and the outbox's commit order
(the change feed reads it) and subject (a mirrored campaign's changes reach the parent's feed)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import UtcDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"


PUBLIC = "('live', 'succeeded', 'failed', 'paid_out')"  # what anyone may see of a campaign


def _listed_here(campaign_id: str) -> str:
    """True when the campaign is listed (approved, not hidden) in the transaction's tenant."""
    return (
        "EXISTS (SELECT 1 FROM campaign_listings l "
        f"WHERE l.tenant_id = {TENANT} AND l.campaign_id = {campaign_id} "
        "AND l.status = 'listed')"
    )


def _public_campaign_listed_here(campaign_id: str) -> str:
    """As `_listed_here`, and the campaign public (a listing outlives a cancellation until
    the worker removes it)."""
    return (
        "EXISTS (SELECT 1 FROM campaign_listings l JOIN campaigns c "
        "ON c.tenant_id = l.home_tenant_id AND c.id = l.campaign_id "
        f"WHERE l.tenant_id = {TENANT} AND l.campaign_id = {campaign_id} "
        f"AND l.status = 'listed' AND c.status IN {PUBLIC})"
    )


def upgrade() -> None:
    op.create_table(
        "campaign_listings",
        # The tenant it is listed in (the parent, or an ancestor further up).
        sa.Column(
            "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("home_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.Uuid(), sa.ForeignKey("accounts.id", ondelete="SET NULL")),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "campaign_id", name="campaign_listings_pkey"),
        sa.ForeignKeyConstraint(
            ["home_tenant_id", "campaign_id"],
            ["campaigns.tenant_id", "campaigns.id"],
            name="campaign_listings_campaign_fkey",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_campaign_listings_status", "campaign_listings", ["tenant_id", "status", "campaign_id"]
    )
    op.create_index(
        "ix_campaign_listings_campaign", "campaign_listings", ["home_tenant_id", "campaign_id"]
    )
    with op.batch_alter_table("campaigns") as table:
        table.add_column(sa.Column("external_id", sa.String(200)))
        table.add_column(sa.Column("origin", sa.String(120)))
        table.add_column(sa.Column("origin_url", sa.String(2000)))
    op.create_index(
        "campaigns_external_id_key",
        "campaigns",
        ["tenant_id", "external_id"],
        unique=True,
        sqlite_where=sa.text("external_id IS NOT NULL"),
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("outbox") as table:
        # The writing transaction's id on PostgreSQL: the change feed hands out only rows of
        # transactions that ended (below the snapshot's xmin), in (xact, id) order, so a
        # transaction that commits late cannot slip in behind a cursor. SQLite writes one
        # transaction at a time: there the id alone is the commit order.
        table.add_column(
            sa.Column(
                "xact",
                sa.BigInteger(),
                nullable=False,
                server_default=(
                    sa.text("(pg_current_xact_id()::text)::bigint") if postgres else sa.text("0")
                ),
            )
        )
        # The campaign an event is about: its changes reach the feeds of the tenants that
        # list it.
        table.add_column(sa.Column("subject_id", sa.Uuid()))
    op.create_index("ix_outbox_feed", "outbox", ["tenant_id", "xact", "id"])
    op.create_index("ix_outbox_subject", "outbox", ["subject_id", "xact", "id"])
    if postgres:
        op.execute("ALTER TABLE campaign_listings ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE campaign_listings FORCE ROW LEVEL SECURITY")
        # The listing tenant decides its listings; the home tenant sees where its campaigns are
        # listed.
        op.execute(
            "CREATE POLICY tenant_isolation ON campaign_listings "
            f"USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT})"
        )
        op.execute(
            "CREATE POLICY home_reads ON campaign_listings FOR SELECT "
            f"USING (home_tenant_id = {TENANT})"
        )
        # What mirroring publishes on purpose: a campaign listed in the tenant, its tiers and
        # its events, readable there (never writable).
        op.execute(
            "CREATE POLICY mirrored_reads ON campaigns FOR SELECT "
            f"USING (campaigns.status IN {PUBLIC} AND {_listed_here('campaigns.id')})"
        )
        op.execute(
            "CREATE POLICY mirrored_reads ON reward_tiers FOR SELECT "
            f"USING ({_public_campaign_listed_here('reward_tiers.campaign_id')})"
        )
        op.execute(
            "CREATE POLICY mirrored_reads ON outbox FOR SELECT "
            f"USING (subject_id IS NOT NULL AND {_listed_here('outbox.subject_id')})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("outbox", "reward_tiers", "campaigns"):
            op.execute(f"DROP POLICY mirrored_reads ON {table}")
    op.drop_index("ix_outbox_subject", "outbox")
    op.drop_index("ix_outbox_feed", "outbox")
    with op.batch_alter_table("outbox") as table:
        table.drop_column("subject_id")
        table.drop_column("xact")
    op.drop_index("campaigns_external_id_key", "campaigns")
    with op.batch_alter_table("campaigns") as table:
        table.drop_column("origin_url")
        table.drop_column("origin")
        table.drop_column("external_id")
    op.drop_table("campaign_listings")

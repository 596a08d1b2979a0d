"""directory: categories, businesses, their categories, offers, claims; business roles point
at businesses; the search index (PostgreSQL text search + pg_trgm, or SQLite FTS5)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import JsonDocument, UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_OWNED = (
    "categories",
    "businesses",
    "business_categories",
    "offers",
    "business_claims",
    "search_entries",
)


def _tenant() -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


def _business_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "business_id"],
        ["businesses.tenant_id", "businesses.id"],
        ondelete="CASCADE",
        name=f"{table}_business_fkey",
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "categories",
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(48), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("parent_id", sa.Uuid()),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="categories_pkey"),
        sa.UniqueConstraint("tenant_id", "key", name="categories_key_key"),
    )
    op.create_table(
        "businesses",
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(100)),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("street", sa.String(200), nullable=False),
        sa.Column("postcode", sa.String(12), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("phone", sa.String(30), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("website_url", sa.String(2000)),
        sa.Column("shop_url", sa.String(2000)),
        sa.Column("delivers", sa.Boolean(), nullable=False),
        sa.Column("delivery_notes", sa.String(500), nullable=False),
        sa.Column("offers_pickup", sa.Boolean(), nullable=False),
        sa.Column("pickup_notes", sa.String(500), nullable=False),
        sa.Column("image_urls", JsonDocument, nullable=False),
        sa.Column("social_links", JsonDocument, nullable=False),
        sa.Column("opening_hours", JsonDocument, nullable=False),
        sa.Column("verified_at", UtcDateTime),
        sa.Column("hidden_at", UtcDateTime),
        sa.Column("hidden_reason", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="businesses_pkey"),
        sa.UniqueConstraint("tenant_id", "external_id", name="businesses_external_id_key"),
    )
    op.create_index("ix_businesses_location", "businesses", ["tenant_id", "lat", "lon"])
    op.create_index("ix_businesses_name", "businesses", ["tenant_id", "name", "id"])
    op.create_table(
        "business_categories",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("business_id", sa.Uuid(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "business_id", "category_id", name="business_categories_pkey"
        ),
        _business_fk("business_categories"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "category_id"],
            ["categories.tenant_id", "categories.id"],
            ondelete="CASCADE",
            name="business_categories_category_fkey",
        ),
    )
    op.create_index(
        "ix_business_categories_category", "business_categories", ["tenant_id", "category_id"]
    )
    op.create_table(
        "offers",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("business_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("valid_from", UtcDateTime, nullable=False),
        sa.Column("valid_until", UtcDateTime, nullable=False),
        sa.Column("voucher_url", sa.String(2000)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="offers_pkey"),
        _business_fk("offers"),
    )
    op.create_index("ix_offers_valid_until", "offers", ["tenant_id", "valid_until"])
    op.create_index("ix_offers_business", "offers", ["tenant_id", "business_id"])
    op.create_table(
        "business_claims",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("business_id", sa.Uuid(), nullable=False),
        sa.Column(
            "account_id",
            sa.Uuid(),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("message", sa.String(1000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("decided_at", UtcDateTime),
        sa.Column("decided_by", sa.Uuid(), sa.ForeignKey("accounts.id", ondelete="SET NULL")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="business_claims_pkey"),
        _business_fk("business_claims"),
    )
    op.create_index("ix_business_claims_account_id", "business_claims", ["account_id"])
    with op.batch_alter_table("business_roles") as batch:
        batch.create_foreign_key(
            "business_roles_business_fkey",
            "businesses",
            ["tenant_id", "business_id"],
            ["tenant_id", "id"],
            ondelete="CASCADE",
        )
    op.create_table(
        "search_entries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category_ids", JsonDocument, nullable=False),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "kind", "item_id", name="search_entries_pkey"),
    )
    if postgres:
        # One statement per execute: asyncpg prepares each.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("ALTER TABLE search_entries ADD COLUMN document tsvector NOT NULL")
        op.execute("CREATE INDEX ix_search_entries_document ON search_entries USING gin (document)")
        op.execute(
            "CREATE INDEX ix_search_entries_title_trgm ON search_entries "
            "USING gin (title gin_trgm_ops)"
        )
        for table in TENANT_OWNED:
            _enable_tenant_isolation(table)
    else:
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize='unicode61')")


def _enable_tenant_isolation(table: str) -> None:
    tenant = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING (tenant_id = {tenant}) WITH CHECK (tenant_id = {tenant})"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE search_fts")
    op.drop_table("search_entries")
    with op.batch_alter_table("business_roles") as batch:
        batch.drop_constraint("business_roles_business_fkey", type_="foreignkey")
    for table in ("business_claims", "offers", "business_categories", "businesses", "categories"):
        op.drop_table(table)

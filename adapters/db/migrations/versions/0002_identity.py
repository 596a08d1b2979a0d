"""identity: accounts, memberships, business roles, API keys, tokens, external identities;
row-level security on the tenant-owned tables (PostgreSQL)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import JsonDocument, UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_OWNED = ("memberships", "business_roles", "api_keys")


def _uuid_fk(name: str, target: str, ondelete: str, **kwargs: object) -> sa.Column:
    return sa.Column(name, sa.Uuid(), sa.ForeignKey(f"{target}.id", ondelete=ondelete), **kwargs)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("email_verified_at", UtcDateTime),
        sa.Column("is_operator", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("email", name="accounts_email_key"),
    )
    op.create_table(
        "memberships",
        _uuid_fk("tenant_id", "tenants", "CASCADE", nullable=False),
        _uuid_fk("account_id", "accounts", "CASCADE", nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "account_id", name="memberships_pkey"),
    )
    op.create_index("ix_memberships_account_id", "memberships", ["account_id"])
    op.create_table(
        "business_roles",
        _uuid_fk("tenant_id", "tenants", "CASCADE", nullable=False),
        sa.Column("business_id", sa.Uuid(), nullable=False),
        _uuid_fk("account_id", "accounts", "CASCADE", nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "business_id", "account_id", name="business_roles_pkey"
        ),
    )
    op.create_index("ix_business_roles_account_id", "business_roles", ["account_id"])
    op.create_table(
        "api_keys",
        _uuid_fk("tenant_id", "tenants", "CASCADE", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scopes", JsonDocument, nullable=False),
        _uuid_fk("created_by", "accounts", "SET NULL"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_used_at", UtcDateTime),
        sa.Column("revoked_at", UtcDateTime),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="api_keys_pkey"),
        sa.UniqueConstraint("tenant_id", "prefix", name="api_keys_prefix_key"),
    )
    op.create_table(
        "one_time_tokens",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _uuid_fk("tenant_id", "tenants", "CASCADE", nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        _uuid_fk("account_id", "accounts", "CASCADE"),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime),
        sa.UniqueConstraint("token_hash", name="one_time_tokens_token_hash_key"),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        _uuid_fk("account_id", "accounts", "CASCADE", nullable=False),
        _uuid_fk("tenant_id", "tenants", "CASCADE", nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime),
        sa.Column("revoked_at", UtcDateTime),
        sa.UniqueConstraint("token_hash", name="refresh_tokens_token_hash_key"),
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])
    op.create_index("ix_refresh_tokens_account_id", "refresh_tokens", ["account_id"])
    op.create_table(
        "external_identities",
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        _uuid_fk("account_id", "accounts", "CASCADE", nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("issuer", "subject", name="external_identities_pkey"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_OWNED:
            enable_tenant_isolation(table)


def enable_tenant_isolation(table: str) -> None:
    """Rows are visible and writable only with `app.tenant_id` set to their tenant.
    One statement per execute: asyncpg prepares each."""
    tenant = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING (tenant_id = {tenant}) WITH CHECK (tenant_id = {tenant})"
    )


def downgrade() -> None:
    for table in (
        "external_identities",
        "refresh_tokens",
        "one_time_tokens",
        "api_keys",
        "business_roles",
        "memberships",
        "accounts",
    ):
        op.drop_table(table)

"""tenants, their hostnames and the registry generation

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import JsonDocument, UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="RESTRICT")),
        sa.Column("config", JsonDocument, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("slug", name="tenants_slug_key"),
    )
    op.create_table(
        "tenant_hostnames",
        sa.Column("hostname", sa.String(253), nullable=False),
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            sa.ForeignKey("tenants.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("hostname", name="tenant_hostnames_pkey"),
    )
    op.create_index("ix_tenant_hostnames_tenant_id", "tenant_hostnames", ["tenant_id"])
    registry = op.create_table(
        "tenant_registry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("generation", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(registry, [{"id": 1, "generation": 0}])


def downgrade() -> None:
    op.drop_table("tenant_registry")
    op.drop_index("ix_tenant_hostnames_tenant_id", table_name="tenant_hostnames")
    op.drop_table("tenant_hostnames")
    op.drop_table("tenants")

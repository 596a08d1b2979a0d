"""media: uploaded images (their stored files, alt texts, what shows them), tenant-owned
behind row-level security; businesses.image_ids: a business's images as media ids

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.db.types import JsonDocument, UtcDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("owner_id", sa.Uuid(), sa.ForeignKey("accounts.id", ondelete="SET NULL")),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("alt", JsonDocument, nullable=False),
        sa.Column("files", JsonDocument, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attached_kind", sa.String(16)),
        sa.Column("attached_id", sa.Uuid()),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_media_tenant_id", "media", ["tenant_id"])
    op.create_index("ix_media_owner_id", "media", ["owner_id"])
    op.create_index("ix_media_attached_id", "media", ["attached_id"])
    with op.batch_alter_table("businesses") as batch:
        batch.add_column(
            sa.Column("image_ids", JsonDocument, nullable=False, server_default=sa.text("'[]'"))
        )
    if op.get_bind().dialect.name == "postgresql":
        tenant = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
        # One statement per execute: asyncpg prepares each.
        op.execute("ALTER TABLE media ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE media FORCE ROW LEVEL SECURITY")
        op.execute(
            "CREATE POLICY tenant_isolation ON media "
            f"USING (tenant_id = {tenant}) WITH CHECK (tenant_id = {tenant})"
        )


def downgrade() -> None:
    with op.batch_alter_table("businesses") as batch:
        batch.drop_column("image_ids")
    op.drop_table("media")

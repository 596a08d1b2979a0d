"""search indexes lead with the tenant (btree_gin), so one tenant's matches are found without
scanning every tenant's; measured with 50,000 businesses: a prefix search from 83 to 15 ms, a
typo search from 236 to 59 ms

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _index_search(document: str, title: str) -> None:
    # One statement per execute: asyncpg prepares each.
    op.execute("DROP INDEX ix_search_entries_document")
    op.execute(f"CREATE INDEX ix_search_entries_document ON search_entries USING gin ({document})")
    op.execute("DROP INDEX ix_search_entries_title_trgm")
    op.execute(f"CREATE INDEX ix_search_entries_title_trgm ON search_entries USING gin ({title})")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's FTS5 table has no such index
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    _index_search("tenant_id, document", "tenant_id, title gin_trgm_ops")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _index_search("document", "title gin_trgm_ops")

"""businesses sort by name in German order: the name index takes the ICU collation `de-x-icu`
(SQLite: the same name, registered by the engine with a Python sort key), so ordered pages and
their cursor comparisons use the index and stop after a page

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _name_index(name_column: str) -> None:
    # One statement per execute: asyncpg prepares each. An index only: the table (and SQLite's
    # copy-and-swap of it, with cascading foreign keys) stays untouched.
    op.execute("DROP INDEX ix_businesses_name")
    op.execute(f"CREATE INDEX ix_businesses_name ON businesses (tenant_id, {name_column}, id)")


def upgrade() -> None:
    _name_index('name COLLATE "de-x-icu"')


def downgrade() -> None:
    _name_index("name")

"""the directory's texts for people in the tenant's languages: business descriptions and notes,
offer titles and texts, category names become JSON documents of locale -> text; what they held
becomes their tenant's first locale's text

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table, column, its type before (the downgrade's)
LOCALIZED = (
    ("businesses", "description", "TEXT"),
    ("businesses", "delivery_notes", "VARCHAR(500)"),
    ("businesses", "pickup_notes", "VARCHAR(500)"),
    ("offers", "title", "VARCHAR(120)"),
    ("offers", "text", "VARCHAR(2000)"),
    ("categories", "name", "VARCHAR(80)"),
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _first_locale(table: str) -> str:
    """The first locale of the row's tenant (tenants.config is its tenant file as JSON)."""
    if _postgres():
        return (
            "COALESCE((SELECT t.config -> 'locales' ->> 0 FROM tenants AS t "
            f"WHERE t.id = {table}.tenant_id), 'de')"
        )
    return (
        "COALESCE((SELECT json_extract(t.config, '$.locales[0]') FROM tenants AS t "
        f"WHERE t.id = {table}.tenant_id), 'de')"
    )


def _replace_column(table: str, column: str, new_type: str, default: str, fill: str) -> None:
    """`column` becomes `new_type`, its values `fill` (SQL over the old column). Added, filled,
    swapped in by name: no copy of the table, which SQLite would make by dropping the old one,
    and with its foreign keys on that deletes the rows of every table that cascades from it
    (a business's categories, offers, team). One statement per execute: asyncpg prepares each.
    The default only lets SQLite add a NOT NULL column; PostgreSQL drops it again."""
    if _postgres():
        # The tables' owner migrates; forced row-level security would hide every row from it.
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    new = f'"{column}_new"'
    op.execute(f"ALTER TABLE {table} ADD COLUMN {new} {new_type} NOT NULL DEFAULT {default}")
    op.execute(f"UPDATE {table} SET {new} = {fill}")
    op.execute(f'ALTER TABLE {table} DROP COLUMN "{column}"')
    op.execute(f'ALTER TABLE {table} RENAME COLUMN {new} TO "{column}"')
    if _postgres():
        op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def upgrade() -> None:
    """An empty text becomes no text: {}."""
    for table, column, _ in LOCALIZED:
        locale, old = _first_locale(table), f'"{column}"'
        if _postgres():
            fill = (
                f"CASE WHEN btrim({old}) = '' THEN '{{}}'::jsonb "
                f"ELSE jsonb_build_object({locale}, {old}) END"
            )
            _replace_column(table, column, "JSONB", "'{}'::jsonb", fill)
        else:
            fill = f"CASE WHEN trim({old}) = '' THEN '{{}}' ELSE json_object({locale}, {old}) END"
            _replace_column(table, column, "JSON", "'{}'", fill)


def downgrade() -> None:
    """Each text keeps its tenant's first language; the others are lost."""
    for table, column, old_type in LOCALIZED:
        locale, texts = _first_locale(table), f'"{column}"'
        if _postgres():
            fill = f"COALESCE({texts} ->> {locale}, '')"
        else:
            fill = f"COALESCE(json_extract({texts}, '$.\"' || {locale} || '\"'), '')"
        _replace_column(table, column, old_type, "''", fill)

"""search entries in every language of their tenant, each with its own stemmer: `texts` (a JSON
object, locale: text) replaces `body` and `language`. An entry's body becomes its text in its
tenant's first locale, and its PostgreSQL tsvector or SQLite FTS5 row is computed again: the
title in each of the tenant's languages, each text in its own (as adapters/db/search.py writes
them), so every item stays findable without a rebuild from the items

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from adapters.db.search import fts_columns, texts_of
from adapters.db.types import JsonDocument
from adapters.search_text import language_for, languages_for, stems
from domain.languages import LocalizedText

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What revision 0008 stemmed with: one language per tenant, its first locale's.
_EARLIER_LANGUAGES = {"de": "german", "en": "english"}


def _earlier_language(locale: str) -> str:
    return _EARLIER_LANGUAGES.get(locale.split("-")[0].lower(), "simple")


def _tenants() -> list[tuple[Any, tuple[str, ...]]]:
    """Each tenant's id (as stored) and locales, from its stored configuration."""
    found = []
    for tenant_id, config in op.get_bind().execute(sa.text("SELECT id, config FROM tenants")):
        data = json.loads(config) if isinstance(config, str) else config
        found.append((tenant_id, tuple(data.get("locales") or ("de",))))
    return found


def _for_tenant(tenant_id: Any) -> None:
    """PostgreSQL: the tenant set, so row-level security lets the owner (when it is no
    superuser) see the tenant's entries."""
    op.get_bind().execute(
        sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
    )


def _in_title_languages(languages: Sequence[str]) -> tuple[str, dict[str, str]]:
    parts, params = [], {}
    for i, language in enumerate(languages):
        params[f"title_language{i}"] = language
        parts.append(f"setweight(to_tsvector(CAST(:title_language{i} AS regconfig), title), 'A')")
    return " || ".join(parts), params


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column("search_entries", sa.Column("texts", JsonDocument, nullable=True))
    for tenant_id, locales in _tenants():
        if postgres:
            _for_tenant(tenant_id)
            _texts_and_document_postgres(tenant_id, locales)
        else:
            _texts_sqlite(tenant_id, locales[0])
    if postgres:
        _for_tenant("")
    with op.batch_alter_table("search_entries") as batch:
        batch.alter_column("texts", existing_type=JsonDocument, nullable=False)
        batch.drop_column("body")
        batch.drop_column("language")
    if not postgres:
        _rebuild_fts(
            "title, texts",
            lambda row, locales: fts_columns(row.title, texts_of(row.texts), locales),
        )


def _texts_and_document_postgres(tenant_id: Any, locales: tuple[str, ...]) -> None:
    title, params = _in_title_languages(languages_for(locales))
    op.get_bind().execute(
        sa.text(
            "UPDATE search_entries SET "
            "texts = CASE WHEN btrim(body) = '' THEN CAST('{}' AS jsonb) "
            "ELSE jsonb_build_object(CAST(:locale AS text), btrim(body)) END, "
            f"document = {title} || "
            "setweight(to_tsvector(CAST(:text_language AS regconfig), btrim(body)), 'B') "
            "WHERE tenant_id = :t"
        ),
        params | {"t": tenant_id, "locale": locales[0], "text_language": language_for(locales[0])},
    )


def _texts_sqlite(tenant_id: Any, locale: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT rowid, body FROM search_entries WHERE tenant_id = :t"), {"t": tenant_id}
    ).all()
    if rows:
        bind.execute(
            sa.text("UPDATE search_entries SET texts = :texts WHERE rowid = :r"),
            [
                {"r": r, "texts": json.dumps(LocalizedText.single(locale, body).as_dict())}
                for r, body in rows
            ],
        )


def _rebuild_fts(columns: str, row_of: Callable[[Any, tuple[str, ...]], tuple[str, str]]) -> None:
    """SQLite: the FTS5 row (title, body) of every entry, made again by `row_of` from the
    entry's `columns` and its tenant's locales (a copied table may have new rowids)."""
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM search_fts"))
    for tenant_id, locales in _tenants():
        found = bind.execute(
            sa.text(f"SELECT rowid, {columns} FROM search_entries WHERE tenant_id = :t"),
            {"t": tenant_id},
        ).all()
        rows = []
        for row in found:
            fts_title, fts_body = row_of(row, locales)
            rows.append({"r": row.rowid, "title": fts_title, "body": fts_body})
        if rows:
            bind.execute(
                sa.text("INSERT INTO search_fts (rowid, title, body) VALUES (:r, :title, :body)"),
                rows,
            )


def downgrade() -> None:
    """One body per entry again: its text in the tenant's first locale, else all its texts;
    stemmed in the first locale's language as revision 0008 knew them."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column("search_entries", sa.Column("body", sa.Text(), nullable=True))
    op.add_column("search_entries", sa.Column("language", sa.String(16), nullable=True))
    for tenant_id, locales in _tenants():
        language = _earlier_language(locales[0])
        if postgres:
            _for_tenant(tenant_id)
            _body_and_document_postgres(tenant_id, locales[0], language)
        else:
            _body_sqlite(tenant_id, locales[0], language)
    if postgres:
        _for_tenant("")
    with op.batch_alter_table("search_entries") as batch:
        batch.alter_column("body", existing_type=sa.Text(), nullable=False)
        batch.alter_column("language", existing_type=sa.String(16), nullable=False)
        batch.drop_column("texts")
    if not postgres:
        _rebuild_fts(
            "title, body, language",
            lambda row, _: (
                " ".join(stems(row.title, row.language)),
                " ".join(stems(row.body, row.language)),
            ),
        )


def _body_and_document_postgres(tenant_id: Any, locale: str, language: str) -> None:
    bind = op.get_bind()
    params = {"t": tenant_id, "locale": locale, "language": language}
    bind.execute(
        sa.text(
            "UPDATE search_entries SET language = :language, body = COALESCE(texts ->> "
            "CAST(:locale AS text), (SELECT string_agg(value, ' ') FROM jsonb_each_text(texts)), "
            "'') WHERE tenant_id = :t"
        ),
        params,
    )
    bind.execute(
        sa.text(
            "UPDATE search_entries SET document = "
            "setweight(to_tsvector(CAST(:language AS regconfig), title), 'A') || "
            "setweight(to_tsvector(CAST(:language AS regconfig), body), 'B') "
            "WHERE tenant_id = :t"
        ),
        params,
    )


def _body_sqlite(tenant_id: Any, locale: str, language: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT rowid, texts FROM search_entries WHERE tenant_id = :t"), {"t": tenant_id}
    ).all()
    if rows:
        bind.execute(
            sa.text(
                "UPDATE search_entries SET body = :body, language = :language WHERE rowid = :r"
            ),
            [
                {"r": r, "body": _one_body(texts_of(texts), locale), "language": language}
                for r, texts in rows
            ],
        )


def _one_body(texts: LocalizedText, locale: str) -> str:
    first = texts.get(locale)
    return first if first is not None else texts.all_text()

"""Discovery's search index: one table of entries (title, texts per locale, filters) for every
capability's items, written in the same transaction as the items (SqlSearchIndex, on a
unit of work's session) and read in a transaction of its own (SqlSearchReads).

Each text is stemmed in its own language, the title (a name, in no one language) in each of
the tenant's; a query is stemmed in each of the tenant's languages and matches in any of them,
so a German word and an English one both find their items.

PostgreSQL ranks with its own text search (a weighted tsvector, concatenated from one per
language, GIN index) and finds typos with pg_trgm. SQLite (the embedded default) ranks with
FTS5 (bm25) over Snowball stems computed here, and finds typos by trigram similarity in
Python."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Boolean, Column, PrimaryKeyConstraint, String, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from adapters.db.types import JsonDocument
from adapters.db.unit_of_work import begin_for_tenant
from adapters.search_text import (
    highlight,
    language_for,
    languages_for,
    stems,
    stems_in,
    trigram_similarity,
    words,
)
from domain.discovery.model import SearchDocument, SearchHit
from domain.languages import LocalizedText

FUZZY_THRESHOLD = 0.3  # pg_trgm's own default
FUZZY_SCAN_LIMIT = 20_000  # SQLite: entries compared in Python when nothing matched exactly


class SearchEntryRow(SQLModel, table=True):
    __tablename__ = "search_entries"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "kind", "item_id", name="search_entries_pkey"),
    )

    tenant_id: UUID
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    item_id: UUID
    title: str = Field(sa_column=Column(String(200), nullable=False))
    texts: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))  # locale: text
    category_ids: list[str] = Field(sa_column=Column(JsonDocument, nullable=False))
    visible: bool = Field(sa_column=Column(Boolean, nullable=False))


# Objects the migrations create that the table models do not describe (schema comparison
# leaves them out).
UNMODELLED_TABLE_PREFIX = "search_fts"
UNMODELLED_COLUMNS = {("search_entries", "document")}
UNMODELLED_INDEXES = {"ix_search_entries_document", "ix_search_entries_title_trgm"}

_UPSERT = """
INSERT INTO search_entries (tenant_id, kind, item_id, title, texts, category_ids, visible{doc_col})
VALUES (:tenant_id, :kind, :item_id, :title, {json}, {cats}, :visible{doc_val})
ON CONFLICT (tenant_id, kind, item_id) DO UPDATE SET
  title = excluded.title, texts = excluded.texts, category_ids = excluded.category_ids,
  visible = excluded.visible{doc_set}
"""


def _pg_document(title_languages: int, texts: int) -> str:
    """The tsvector of an entry with `texts` texts: its title in each of the tenant's languages
    (weight A), then each text in its own (B)."""
    return " || ".join(
        [
            f"setweight(to_tsvector(CAST(:title_language{i} AS regconfig), "
            "CAST(:doc_title AS text)), 'A')"
            for i in range(title_languages)
        ]
        + [
            f"setweight(to_tsvector(CAST(:text_language{i} AS regconfig), "
            f"CAST(:doc_text{i} AS text)), 'B')"
            for i in range(texts)
        ]
    )


def fts_columns(title: str, texts: LocalizedText, locales: Sequence[str]) -> tuple[str, str]:
    """SQLite: the FTS5 row (title, body) of an entry: the stems of its title in each of the
    tenant's languages, and of each text in its own."""
    body = [stem for locale, text in texts.values for stem in stems(text, language_for(locale))]
    return " ".join(stems_in(title, languages_for(locales))), " ".join(body)


def texts_of(stored: dict[str, str] | str) -> LocalizedText:
    """The stored texts (a JSON object; a string when read by a plain statement)."""
    return LocalizedText.of(json.loads(stored) if isinstance(stored, str) else stored)


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


class SqlSearchIndex:
    """The index of one tenant, stemming in its locales (the first is its default)."""

    def __init__(self, session: AsyncSession, tenant_id: UUID, locales: Sequence[str]) -> None:
        if not locales:
            raise ValueError("a search index needs at least one locale")
        self._session = session
        self._tenant_id = tenant_id
        self._locales = tuple(locales)
        self._languages = languages_for(self._locales)

    def _key(self, kind: str, item_id: UUID) -> dict[str, Any]:
        return {"tenant_id": self._tenant_id, "kind": kind, "item_id": item_id}

    def _values(self, document: SearchDocument) -> dict[str, Any]:
        return self._key(document.kind, document.item_id) | {
            "title": document.title[:200],
            "texts": json.dumps(document.texts.as_dict()),
            "category_ids": json.dumps([str(c) for c in document.category_ids]),
            "visible": document.visible,
        }

    async def put(self, document: SearchDocument) -> None:
        await self.put_many([document])

    async def put_many(self, documents: Sequence[SearchDocument]) -> None:
        """One executemany per table (PostgreSQL computes the tsvectors itself, one statement
        per number of texts)."""
        if not documents:
            return
        if _is_postgres(self._session):
            await self._put_postgres(documents)
            return
        rows = [self._values(d) for d in documents]
        for row in rows:
            row["item_id"] = row["item_id"].hex
            row["tenant_id"] = self._tenant_id.hex
        sql = _UPSERT.format(
            doc_col="", json=":texts", cats=":category_ids", doc_val="", doc_set=""
        )
        await self._session.execute(text(sql), rows)
        await self._write_fts(documents)

    async def _put_postgres(self, documents: Sequence[SearchDocument]) -> None:
        title_languages = {f"title_language{i}": lang for i, lang in enumerate(self._languages)}
        by_count: dict[int, list[dict[str, Any]]] = {}
        for document in documents:
            row = self._values(document) | title_languages
            row["doc_title"] = row["title"]
            for i, (locale, value) in enumerate(document.texts.values):
                row[f"text_language{i}"] = language_for(locale)
                row[f"doc_text{i}"] = value
            by_count.setdefault(len(document.texts.values), []).append(row)
        for count, rows in by_count.items():
            sql = _UPSERT.format(
                doc_col=", document",
                json="CAST(:texts AS jsonb)",
                cats="CAST(:category_ids AS jsonb)",
                doc_val=", " + _pg_document(len(self._languages), count),
                doc_set=", document = excluded.document",
            )
            await self._session.execute(text(sql), rows)

    async def _write_fts(self, documents: Sequence[SearchDocument]) -> None:
        """SQLite: the FTS5 rows (stems) of entries just written, keyed by their rowid."""
        rowids: dict[tuple[str, str], int] = {}
        for kind in {d.kind for d in documents}:
            found = await self._session.execute(
                text(
                    "SELECT rowid, item_id FROM search_entries "
                    "WHERE tenant_id = :t AND kind = :kind AND item_id IN :items"
                ).bindparams(bindparam("items", expanding=True)),
                {
                    "t": self._tenant_id.hex,
                    "kind": kind,
                    "items": [d.item_id.hex for d in documents if d.kind == kind],
                },
            )
            rowids |= {(kind, item_id): rowid for rowid, item_id in found.all()}
        await self._session.execute(
            text("DELETE FROM search_fts WHERE rowid IN :rowids").bindparams(
                bindparam("rowids", expanding=True)
            ),
            {"rowids": list(rowids.values())},
        )
        rows = []
        for d in documents:
            title, body = fts_columns(d.title, d.texts, self._locales)
            rows.append({"r": rowids[(d.kind, d.item_id.hex)], "title": title, "body": body})
        await self._session.execute(
            text("INSERT INTO search_fts (rowid, title, body) VALUES (:r, :title, :body)"), rows
        )

    async def remove(self, kind: str, item_id: UUID) -> None:
        key = self._key(kind, item_id)
        if not _is_postgres(self._session):
            key = key | {"tenant_id": self._tenant_id.hex, "item_id": item_id.hex}
            await self._session.execute(
                text(
                    "DELETE FROM search_fts WHERE rowid IN (SELECT rowid FROM search_entries "
                    "WHERE tenant_id = :tenant_id AND kind = :kind AND item_id = :item_id)"
                ),
                key,
            )
        await self._session.execute(
            text(
                "DELETE FROM search_entries "
                "WHERE tenant_id = :tenant_id AND kind = :kind AND item_id = :item_id"
            ),
            key,
        )


class SqlSearchReads:
    """The index of one tenant, searched in the stemmers of all its locales (the first is its
    default)."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], tenant_id: UUID, locales: Sequence[str]
    ) -> None:
        if not locales:
            raise ValueError("a search needs at least one locale")
        self._sessions = sessions
        self._tenant_id = tenant_id
        self._locales = tuple(locales)

    async def search(
        self,
        text: str,
        *,
        kinds: tuple[str, ...],
        category_ids: tuple[UUID, ...],
        language: str,
        limit: int,
    ) -> list[SearchHit]:
        async with self._sessions() as session:
            await begin_for_tenant(session, self._tenant_id)
            return await search_entries(
                session,
                self._tenant_id,
                text,
                kinds=kinds,
                category_ids=category_ids,
                locales=self._locales,
                language=language,
                limit=limit,
            )


class _Snippets:
    """Each hit's snippet: its text in the request's language, else in the tenant's first, else
    in any it has (else its title); highlighted by the stemmer of the language it is in."""

    def __init__(self, query: str, language: str, default_locale: str) -> None:
        self.query, self.language, self.default_locale = query, language, default_locale

    def hit(self, row: Any, rank: float) -> SearchHit:
        picked = texts_of(row.texts).pick(self.language, self.default_locale)
        return SearchHit(
            kind=row.kind,
            item_id=row.item_id if isinstance(row.item_id, UUID) else UUID(row.item_id),
            title=row.title,
            snippet=highlight(picked.text or row.title, self.query, language_for(picked.locale)),
            rank=round(float(rank), 6),
            language=picked.locale,
        )


async def search_entries(
    session: AsyncSession,
    tenant_id: UUID,
    query: str,
    *,
    kinds: tuple[str, ...],
    category_ids: tuple[UUID, ...],
    locales: Sequence[str],
    language: str,
    limit: int,
) -> list[SearchHit]:
    """Ranked matches by stem in any of the tenant's languages (the last word also as a
    prefix: search as you type); when nothing matches, titles within a typo or two. Snippets
    in `language` where the items have a text in it."""
    if not words(query):
        return []
    snippets = _Snippets(query, language, locales[0])
    languages = languages_for(locales)
    if _is_postgres(session):
        return await _search_postgres(
            session, tenant_id, query, languages, kinds, category_ids, snippets, limit
        )
    return await _search_sqlite(
        session, tenant_id, query, languages, kinds, category_ids, snippets, limit
    )


def _filters(
    params: dict[str, Any],
    kinds: tuple[str, ...],
    category_ids: tuple[UUID, ...],
    *,
    postgres: bool,
) -> str:
    clauses = []
    kind_names = []
    for i, kind in enumerate(kinds):
        params[f"kind{i}"] = kind
        kind_names.append(f":kind{i}")
    clauses.append(f"e.kind IN ({', '.join(kind_names)})")
    if category_ids:
        names = []
        for i, category in enumerate(category_ids):
            params[f"cat{i}"] = str(category)
            names.append(f":cat{i}")
        if postgres:
            clauses.append(f"e.category_ids ?| ARRAY[{', '.join(names)}]")
        else:
            listed = ", ".join(names)
            clauses.append(
                f"EXISTS (SELECT 1 FROM json_each(e.category_ids) WHERE value IN ({listed}))"
            )
    return " AND ".join(clauses)


async def _search_postgres(
    session: AsyncSession,
    tenant_id: UUID,
    query: str,
    languages: tuple[str, ...],
    kinds: tuple[str, ...],
    category_ids: tuple[UUID, ...],
    snippets: _Snippets,
    limit: int,
) -> list[SearchHit]:
    raw = words(query)
    tsquery = " & ".join([*raw[:-1], raw[-1] + ":*"])
    params: dict[str, Any] = {"t": tenant_id, "q": tsquery, "limit": limit}
    # The query in each language's stemming, any of them matching.
    in_each = []
    for i, language in enumerate(languages):
        params[f"lang{i}"] = language
        in_each.append(f"to_tsquery(CAST(:lang{i} AS regconfig), :q)")
    where = _filters(params, kinds, category_ids, postgres=True)
    rows = (
        await session.execute(
            text(
                "SELECT e.kind, e.item_id, e.title, e.texts, ts_rank_cd(e.document, q.q) AS rank "
                f"FROM search_entries e, (SELECT {' || '.join(in_each)} AS q) q "
                f"WHERE e.tenant_id = :t AND e.visible AND e.document @@ q.q AND {where} "
                "ORDER BY rank DESC, e.title LIMIT :limit"
            ),
            params,
        )
    ).all()
    if rows:
        return [snippets.hit(r, r.rank) for r in rows]
    params["raw"] = " ".join(raw)
    # `<%` (word similarity at least the threshold) can use the trigram index; the function
    # form cannot.
    await session.execute(
        text("SELECT set_config('pg_trgm.word_similarity_threshold', :threshold, true)"),
        {"threshold": str(FUZZY_THRESHOLD)},
    )
    rows = (
        await session.execute(
            text(
                "SELECT e.kind, e.item_id, e.title, e.texts, "
                "word_similarity(:raw, e.title) AS rank FROM search_entries e "
                f"WHERE e.tenant_id = :t AND e.visible AND {where} AND :raw <% e.title "
                "ORDER BY rank DESC, e.title LIMIT :limit"
            ),
            params,
        )
    ).all()
    return [snippets.hit(r, r.rank) for r in rows]


async def _search_sqlite(
    session: AsyncSession,
    tenant_id: UUID,
    query: str,
    languages: tuple[str, ...],
    kinds: tuple[str, ...],
    category_ids: tuple[UUID, ...],
    snippets: _Snippets,
    limit: int,
) -> list[SearchHit]:
    # The query's stems in each language, any of them matching: ("a" "b"*) OR ("c" "d"*).
    in_each = []
    for language in languages:
        terms = stems(query, language)
        in_each.append(" ".join([*(f'"{t}"' for t in terms[:-1]), f'"{terms[-1]}"*']))
    match = " OR ".join(f"({each})" for each in dict.fromkeys(in_each))
    params: dict[str, Any] = {"t": tenant_id.hex, "q": match, "limit": limit}
    where = _filters(params, kinds, category_ids, postgres=False)
    rows = (
        await session.execute(
            text(
                "SELECT e.kind, e.item_id, e.title, e.texts, -bm25(search_fts, 10.0, 1.0) AS rank "
                "FROM search_fts JOIN search_entries e ON e.rowid = search_fts.rowid "
                f"WHERE search_fts MATCH :q AND e.tenant_id = :t AND e.visible AND {where} "
                "ORDER BY rank DESC, e.title LIMIT :limit"
            ),
            params,
        )
    ).all()
    if rows:
        return [snippets.hit(r, r.rank) for r in rows]
    candidates = (
        await session.execute(
            text(
                "SELECT e.kind, e.item_id, e.title, e.texts FROM search_entries e "
                f"WHERE e.tenant_id = :t AND e.visible AND {where} LIMIT {FUZZY_SCAN_LIMIT}"
            ),
            params,
        )
    ).all()
    raw = " ".join(words(query))
    scored = [(trigram_similarity(raw, r.title), r) for r in candidates]
    best = sorted(
        (s for s in scored if s[0] >= FUZZY_THRESHOLD), key=lambda s: (-s[0], s[1].title)
    )[:limit]
    return [snippets.hit(r, score) for score, r in best]

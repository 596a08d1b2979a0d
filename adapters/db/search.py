"""Discovery's search index: one table of entries (title, body, filters) for every
capability's items, written in the same transaction as the items (SqlSearchIndex, on a
unit of work's session) and read in a transaction of its own (SqlSearchReads).

PostgreSQL ranks with its own text search (a weighted tsvector in the tenant's language, GIN
index) and finds typos with pg_trgm. SQLite (the embedded default) ranks with FTS5 (bm25)
over Snowball stems computed here, and finds typos by trigram similarity in Python."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Boolean, Column, PrimaryKeyConstraint, String, Text, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from adapters.db.types import JsonDocument
from adapters.db.unit_of_work import begin_for_tenant
from adapters.search_text import highlight, stems, trigram_similarity, words
from domain.discovery.model import SearchDocument, SearchHit

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
    body: str = Field(sa_column=Column(Text, nullable=False))
    category_ids: list[str] = Field(sa_column=Column(JsonDocument, nullable=False))
    visible: bool = Field(sa_column=Column(Boolean, nullable=False))
    language: str = Field(sa_column=Column(String(16), nullable=False))


# Objects the migrations create that the table models do not describe (schema comparison
# leaves them out).
UNMODELLED_TABLE_PREFIX = "search_fts"
UNMODELLED_COLUMNS = {("search_entries", "document")}
UNMODELLED_INDEXES = {"ix_search_entries_document", "ix_search_entries_title_trgm"}

_UPSERT = """
INSERT INTO search_entries (tenant_id, kind, item_id, title, body, category_ids, visible,
                            language{doc_col})
VALUES (:tenant_id, :kind, :item_id, :title, :body, {cats}, :visible, :language{doc_val})
ON CONFLICT (tenant_id, kind, item_id) DO UPDATE SET
  title = excluded.title, body = excluded.body, category_ids = excluded.category_ids,
  visible = excluded.visible, language = excluded.language{doc_set}
"""
_PG_DOCUMENT = (
    "setweight(to_tsvector(CAST(:doc_language AS regconfig), CAST(:doc_title AS text)), 'A') || "
    "setweight(to_tsvector(CAST(:doc_language AS regconfig), CAST(:doc_body AS text)), 'B')"
)


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


class SqlSearchIndex:
    def __init__(self, session: AsyncSession, tenant_id: UUID, language: str) -> None:
        self._session = session
        self._tenant_id = tenant_id
        self._language = language

    def _key(self, kind: str, item_id: UUID) -> dict[str, Any]:
        return {"tenant_id": self._tenant_id, "kind": kind, "item_id": item_id}

    def _values(self, document: SearchDocument) -> dict[str, Any]:
        return self._key(document.kind, document.item_id) | {
            "title": document.title[:200],
            "body": document.body,
            "category_ids": json.dumps([str(c) for c in document.category_ids]),
            "visible": document.visible,
            "language": self._language,
        }

    async def put(self, document: SearchDocument) -> None:
        await self.put_many([document])

    async def put_many(self, documents: Sequence[SearchDocument]) -> None:
        """One executemany per table (PostgreSQL computes the tsvectors itself)."""
        if not documents:
            return
        rows = [self._values(d) for d in documents]
        if _is_postgres(self._session):
            sql = _UPSERT.format(
                doc_col=", document",
                cats="CAST(:category_ids AS jsonb)",
                doc_val=", " + _PG_DOCUMENT,
                doc_set=", document = excluded.document",
            )
            for row in rows:
                row |= {"doc_language": self._language, "doc_title": row["title"]}
                row["doc_body"] = row["body"]
            await self._session.execute(text(sql), rows)
            return
        for row in rows:
            row["item_id"] = row["item_id"].hex
            row["tenant_id"] = self._tenant_id.hex
        sql = _UPSERT.format(doc_col="", cats=":category_ids", doc_val="", doc_set="")
        await self._session.execute(text(sql), rows)
        await self._write_fts(documents)

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
        await self._session.execute(
            text("INSERT INTO search_fts (rowid, title, body) VALUES (:r, :title, :body)"),
            [
                {
                    "r": rowids[(d.kind, d.item_id.hex)],
                    "title": " ".join(stems(d.title, self._language)),
                    "body": " ".join(stems(d.body, self._language)),
                }
                for d in documents
            ],
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
    """The index of one tenant, searched in the stemmer of the tenant's first language."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], tenant_id: UUID, language: str
    ) -> None:
        self._sessions = sessions
        self._tenant_id = tenant_id
        self._language = language

    async def search(
        self, text: str, *, kinds: tuple[str, ...], category_ids: tuple[UUID, ...], limit: int
    ) -> list[SearchHit]:
        async with self._sessions() as session:
            await begin_for_tenant(session, self._tenant_id)
            return await search_entries(
                session,
                self._tenant_id,
                text,
                kinds=kinds,
                category_ids=category_ids,
                language=self._language,
                limit=limit,
            )


def _hit(row: Any, query: str, language: str, rank: float) -> SearchHit:
    body = row.body or row.title
    return SearchHit(
        kind=row.kind,
        item_id=row.item_id if isinstance(row.item_id, UUID) else UUID(row.item_id),
        title=row.title,
        snippet=highlight(body, query, language),
        rank=round(float(rank), 6),
    )


async def search_entries(
    session: AsyncSession,
    tenant_id: UUID,
    query: str,
    *,
    kinds: tuple[str, ...],
    category_ids: tuple[UUID, ...],
    language: str,
    limit: int,
) -> list[SearchHit]:
    """Ranked matches by stem (the last word also as a prefix: search as you type); when
    nothing matches, titles within a typo or two."""
    terms = stems(query, language)
    if _is_postgres(session):
        return await _search_postgres(
            session, tenant_id, query, terms, kinds, category_ids, language, limit
        )
    return await _search_sqlite(
        session, tenant_id, query, terms, kinds, category_ids, language, limit
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
    terms: list[str],
    kinds: tuple[str, ...],
    category_ids: tuple[UUID, ...],
    language: str,
    limit: int,
) -> list[SearchHit]:
    raw = words(query)
    tsquery = " & ".join([*raw[:-1], raw[-1] + ":*"])
    params: dict[str, Any] = {"t": tenant_id, "q": tsquery, "lang": language, "limit": limit}
    where = _filters(params, kinds, category_ids, postgres=True)
    rows = (
        await session.execute(
            text(
                "SELECT e.kind, e.item_id, e.title, e.body, ts_rank_cd(e.document, q) AS rank "
                "FROM search_entries e, to_tsquery(CAST(:lang AS regconfig), :q) q "
                f"WHERE e.tenant_id = :t AND e.visible AND e.document @@ q AND {where} "
                "ORDER BY rank DESC, e.title LIMIT :limit"
            ),
            params,
        )
    ).all()
    if rows:
        return [_hit(r, query, language, r.rank) for r in rows]
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
                "SELECT e.kind, e.item_id, e.title, e.body, "
                "word_similarity(:raw, e.title) AS rank FROM search_entries e "
                f"WHERE e.tenant_id = :t AND e.visible AND {where} AND :raw <% e.title "
                "ORDER BY rank DESC, e.title LIMIT :limit"
            ),
            params,
        )
    ).all()
    return [_hit(r, query, language, r.rank) for r in rows]


async def _search_sqlite(
    session: AsyncSession,
    tenant_id: UUID,
    query: str,
    terms: list[str],
    kinds: tuple[str, ...],
    category_ids: tuple[UUID, ...],
    language: str,
    limit: int,
) -> list[SearchHit]:
    match = " ".join([*(f'"{t}"' for t in terms[:-1]), f'"{terms[-1]}"*'])
    params: dict[str, Any] = {"t": tenant_id.hex, "q": match, "limit": limit}
    where = _filters(params, kinds, category_ids, postgres=False)
    rows = (
        await session.execute(
            text(
                "SELECT e.kind, e.item_id, e.title, e.body, -bm25(search_fts, 10.0, 1.0) AS rank "
                "FROM search_fts JOIN search_entries e ON e.rowid = search_fts.rowid "
                f"WHERE search_fts MATCH :q AND e.tenant_id = :t AND e.visible AND {where} "
                "ORDER BY rank DESC, e.title LIMIT :limit"
            ),
            params,
        )
    ).all()
    if rows:
        return [_hit(r, query, language, r.rank) for r in rows]
    candidates = (
        await session.execute(
            text(
                "SELECT e.kind, e.item_id, e.title, e.body FROM search_entries e "
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
    return [_hit(r, query, language, score) for score, r in best]

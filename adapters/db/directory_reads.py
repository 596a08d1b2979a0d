"""Read models of the directory straight from SQL: lists, map pins, "around me", offers and
search. Each call is one short transaction with the tenant set (row-level security)."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, Select, Text, Uuid, and_, any_, bindparam, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.db.directory import (
    BusinessCategoryRow,
    BusinessRow,
    CategoryRow,
    OfferRow,
    category_from_row,
    hours_from_data,
    hours_from_json,
    offer_from_row,
)
from adapters.db.search import search_entries
from adapters.db.unit_of_work import begin_for_tenant
from domain.directory.model import BoundingBox, BusinessKind, Category, GeoPoint
from domain.directory.ports import (
    BusinessFilter,
    BusinessSummary,
    OpenDataBusiness,
    Page,
    SearchHit,
)
from domain.errors import FieldProblem, InvalidInput

_SUMMARY_COLUMNS = (
    BusinessRow.id,
    BusinessRow.name,
    BusinessRow.kind,
    BusinessRow.lat,
    BusinessRow.lon,
    BusinessRow.city,
    BusinessRow.verified_at,
    BusinessRow.hidden_at,
    cast(BusinessRow.opening_hours, Text).label("opening_hours"),  # text: the parse cache's key
    BusinessRow.delivers,
    BusinessRow.offers_pickup,
)


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if (
            isinstance(values, list)
            and len(values) == size
            and all(isinstance(v, str) for v in values)
        ):
            return values
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidInput([FieldProblem("cursor", "is not a cursor this list gave out")])


def one_of(session: AsyncSession, column: Any, ids: list[UUID]) -> Any:
    """`column` is one of `ids`. PostgreSQL gets one array parameter (`= ANY`): an IN list of
    hundreds of parameters costs ~10 ms to bind and prepare anew for every length."""
    if session.bind.dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=ARRAY(Uuid())))
    return column.in_(ids)


def _cursor_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidInput([FieldProblem("cursor", "is not a cursor this list gave out")]) from None


class SqlDirectoryReads:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], tenant_id: UUID) -> None:
        self._sessions = sessions
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            await begin_for_tenant(session, self._tenant_id)
            yield session

    def _with_subcategories(self, category_ids: tuple[UUID, ...]) -> Select:
        """A top-level category stands for itself and its sub-categories."""
        return select(CategoryRow.id).where(
            CategoryRow.tenant_id == self._tenant_id,
            or_(CategoryRow.id.in_(category_ids), CategoryRow.parent_id.in_(category_ids)),
        )

    def _filtered(self, query: Select, where: BusinessFilter) -> Select:
        query = query.where(BusinessRow.tenant_id == self._tenant_id)
        if not where.include_hidden:
            query = query.where(BusinessRow.hidden_at.is_(None))
        if where.verified_only:
            query = query.where(BusinessRow.verified_at.is_not(None))
        if where.kinds:
            query = query.where(BusinessRow.kind.in_([k.value for k in where.kinds]))
        if where.delivers is not None:
            query = query.where(BusinessRow.delivers == where.delivers)
        if where.category_ids:
            wanted = self._with_subcategories(where.category_ids)
            query = query.where(
                select(BusinessCategoryRow.business_id)
                .where(
                    BusinessCategoryRow.tenant_id == self._tenant_id,
                    BusinessCategoryRow.business_id == BusinessRow.id,
                    BusinessCategoryRow.category_id.in_(wanted),
                )
                .exists()
            )
        return query

    async def _category_ids(
        self, session: AsyncSession, business_ids: list[UUID]
    ) -> dict[UUID, tuple[UUID, ...]]:
        found: dict[UUID, list[UUID]] = {i: [] for i in business_ids}
        rows = await session.execute(
            select(BusinessCategoryRow.business_id, BusinessCategoryRow.category_id).where(
                BusinessCategoryRow.tenant_id == self._tenant_id,
                one_of(session, BusinessCategoryRow.business_id, business_ids),
            )
        )
        for business_id, category_id in rows.all():
            found[business_id].append(category_id)
        return {k: tuple(sorted(v)) for k, v in found.items()}

    async def _summaries(
        self, session: AsyncSession, rows: list[Any], distances: list[float] | None = None
    ) -> list[BusinessSummary]:
        categories = await self._category_ids(session, [r.id for r in rows])
        return [
            BusinessSummary(
                id=r.id,
                name=r.name,
                kind=BusinessKind(r.kind),
                category_ids=categories[r.id],
                location=GeoPoint(r.lat, r.lon) if r.lat is not None else None,
                city=r.city,
                verified=r.verified_at is not None,
                hidden=r.hidden_at is not None,
                opening_hours=hours_from_json(r.opening_hours),
                delivers=r.delivers,
                offers_pickup=r.offers_pickup,
                distance_m=distances[i] if distances else None,
            )
            for i, r in enumerate(rows)
        ]

    async def list_businesses(
        self, where: BusinessFilter, *, limit: int, cursor: str | None
    ) -> Page:
        query = self._filtered(select(*_SUMMARY_COLUMNS), where)
        if cursor:
            name, last_id = decode_cursor(cursor, 2)
            query = query.where(
                or_(
                    BusinessRow.name > name,
                    and_(BusinessRow.name == name, BusinessRow.id > _cursor_id(last_id)),
                )
            )
        query = query.order_by(BusinessRow.name, BusinessRow.id).limit(limit + 1)
        async with self._session() as session:
            rows = (await session.execute(query)).all()
            items = await self._summaries(session, rows[:limit])
        next_cursor = (
            encode_cursor(rows[limit - 1].name, rows[limit - 1].id) if len(rows) > limit else None
        )
        return Page(items, next_cursor)

    async def businesses_in_box(
        self, box: BoundingBox, where: BusinessFilter, *, limit: int
    ) -> list[BusinessSummary]:
        query = self._filtered(select(*_SUMMARY_COLUMNS), where).where(
            BusinessRow.lat.between(box.min_lat, box.max_lat),
            BusinessRow.lon.between(box.min_lon, box.max_lon),
        )
        async with self._session() as session:
            rows = (await session.execute(query.limit(limit))).all()
            return await self._summaries(session, rows)

    async def businesses_near(
        self, centre: GeoPoint, radius_m: float, where: BusinessFilter, *, limit: int
    ) -> list[BusinessSummary]:
        box = BoundingBox.around(centre, radius_m)
        # Ordered by a flat-earth distance (exact enough within a city), then measured.
        shrink = math.cos(math.radians(centre.lat))
        flat = (BusinessRow.lat - centre.lat) * (BusinessRow.lat - centre.lat) + (
            (BusinessRow.lon - centre.lon) * shrink
        ) * ((BusinessRow.lon - centre.lon) * shrink)
        query = (
            self._filtered(select(*_SUMMARY_COLUMNS), where)
            .where(
                BusinessRow.lat.between(box.min_lat, box.max_lat),
                BusinessRow.lon.between(box.min_lon, box.max_lon),
            )
            .order_by(flat, BusinessRow.id)
            .limit(limit)
        )
        async with self._session() as session:
            rows = (await session.execute(query)).all()
            measured = [(centre.distance_to(GeoPoint(r.lat, r.lon)), r) for r in rows]
            inside = [(d, r) for d, r in measured if d <= radius_m]
            return await self._summaries(
                session, [r for _, r in inside], [round(d, 1) for d, _ in inside]
            )

    async def categories_of(self, business_ids: list[UUID]) -> dict[UUID, list[Category]]:
        async with self._session() as session:
            rows = await session.execute(
                select(BusinessCategoryRow.business_id, CategoryRow.__table__)
                .join(
                    CategoryRow,
                    and_(
                        CategoryRow.tenant_id == BusinessCategoryRow.tenant_id,
                        CategoryRow.id == BusinessCategoryRow.category_id,
                    ),
                )
                .where(
                    BusinessCategoryRow.tenant_id == self._tenant_id,
                    BusinessCategoryRow.business_id.in_(business_ids),
                )
                .order_by(CategoryRow.position, CategoryRow.name)
            )
            found: dict[UUID, list[Category]] = {i: [] for i in business_ids}
            for row in rows.all():
                found[row.business_id].append(category_from_row(row))
        return found

    async def current_offers(
        self, now: datetime, *, business_ids: list[UUID] | None, limit: int, cursor: str | None
    ) -> Page:
        query = (
            select(OfferRow)
            .join(
                BusinessRow,
                and_(
                    BusinessRow.tenant_id == OfferRow.tenant_id,
                    BusinessRow.id == OfferRow.business_id,
                ),
            )
            .where(
                OfferRow.tenant_id == self._tenant_id,
                OfferRow.valid_from <= now,
                OfferRow.valid_until > now,
                BusinessRow.hidden_at.is_(None),
            )
        )
        if business_ids is not None:
            query = query.where(OfferRow.business_id.in_(business_ids))
        if cursor:
            until, last_id = decode_cursor(cursor, 2)
            try:
                until_at = datetime.fromisoformat(until)
            except ValueError:
                raise InvalidInput(
                    [FieldProblem("cursor", "is not a cursor this list gave out")]
                ) from None
            query = query.where(
                or_(
                    OfferRow.valid_until > until_at,
                    and_(OfferRow.valid_until == until_at, OfferRow.id > _cursor_id(last_id)),
                )
            )
        query = query.order_by(OfferRow.valid_until, OfferRow.id).limit(limit + 1)
        async with self._session() as session:
            rows = (await session.scalars(query)).all()
        items = [offer_from_row(r) for r in rows[:limit]]
        next_cursor = (
            encode_cursor(items[-1].valid_until.isoformat(), items[-1].id)
            if len(rows) > limit
            else None
        )
        return Page(items, next_cursor)

    async def search(
        self,
        text: str,
        *,
        kinds: tuple[str, ...],
        category_ids: tuple[UUID, ...],
        language: str,
        limit: int,
    ) -> list[SearchHit]:
        async with self._session() as session:
            if category_ids:
                category_ids = tuple(await session.scalars(self._with_subcategories(category_ids)))
                if not category_ids:
                    return []
            return await search_entries(
                session,
                self._tenant_id,
                text,
                kinds=kinds,
                category_ids=category_ids,
                language=language,
                limit=limit,
            )

    async def open_data_businesses(self) -> list[OpenDataBusiness]:
        """Every visible business, by name."""
        async with self._session() as session:
            keys: dict[UUID, list[str]] = {}
            for business_id, key in (
                await session.execute(
                    select(BusinessCategoryRow.business_id, CategoryRow.key)
                    .join(
                        CategoryRow,
                        and_(
                            CategoryRow.tenant_id == BusinessCategoryRow.tenant_id,
                            CategoryRow.id == BusinessCategoryRow.category_id,
                        ),
                    )
                    .where(BusinessCategoryRow.tenant_id == self._tenant_id)
                    .order_by(CategoryRow.key)
                )
            ).all():
                keys.setdefault(business_id, []).append(key)
            rows = (
                await session.scalars(
                    select(BusinessRow)
                    .where(
                        BusinessRow.tenant_id == self._tenant_id, BusinessRow.hidden_at.is_(None)
                    )
                    .order_by(BusinessRow.name, BusinessRow.id)
                )
            ).all()
        return [
            OpenDataBusiness(
                id=r.id,
                name=r.name,
                kind=r.kind,
                category_keys=tuple(keys.get(r.id, ())),
                street=r.street,
                postcode=r.postcode,
                city=r.city,
                location=GeoPoint(r.lat, r.lon) if r.lat is not None else None,
                website_url=r.website_url,
                shop_url=r.shop_url,
                delivers=r.delivers,
                offers_pickup=r.offers_pickup,
                opening_hours=hours_from_data(r.opening_hours),
                verified=r.verified_at is not None,
                updated_at=r.updated_at,
            )
            for r in rows
        ]

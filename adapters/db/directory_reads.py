"""Read models of the directory straight from SQL: lists, the businesses in a box and around
a point (for discovery's map), categories and offers. Each call is one short transaction with
the tenant set (row-level security)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.db import business_summaries as statements
from adapters.db.directory import (
    BusinessCategoryRow,
    BusinessRow,
    CategoryRow,
    OfferRow,
    category_from_row,
    hours_from_data,
    hours_from_json,
    name_in_german_order,
    offer_from_row,
)
from adapters.db.unit_of_work import begin_for_tenant
from domain.cursors import (
    instant_id_cursor,
    read_instant_id_cursor,
    read_text_id_cursor,
    text_id_cursor,
)
from domain.directory.model import BusinessKind, Category
from domain.directory.ports import BusinessFilter, BusinessSummary, OpenDataBusiness, Page
from domain.geo import BoundingBox, GeoPoint

# The rows of a statement run with these values, each a mapping of column names. With
# `planned_anew`, PostgreSQL plans the statement for these values (not a generic plan kept
# from earlier runs) for the rest of the transaction.
Rows = Callable[..., Awaitable[Sequence[Any]]]


class SqlDirectoryReads:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], tenant_id: UUID) -> None:
        self._sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        self._dialect = self._engine.dialect.name
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            await begin_for_tenant(session, self._tenant_id)
            yield session

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Rows]:
        """The hot reads (list, map, around me): their rows as mappings, in one read-only
        transaction that names the tenant. On PostgreSQL they run on asyncpg itself, from
        SQLAlchemy's pool, with the statements compiled once (business_summaries): SQLAlchemy's
        execution layers cost more than the queries (0.3 of 0.55 ms of Python per list page),
        and the transaction opens with its tenant in one round trip instead of two."""
        async with self._engine.connect() as connection:
            if self._dialect != "postgresql":
                await connection.begin()

                async def through_sqlalchemy(
                    statement: Select, values: dict, *, planned_anew: bool = False
                ) -> Sequence[Any]:
                    return (await connection.execute(statement, values)).mappings().all()

                yield through_sqlalchemy
                return
            driver = (await connection.get_raw_connection()).driver_connection
            try:
                # One simple-protocol message, two statements; the tenant is a UUID we hold.
                await driver.execute(
                    "BEGIN READ ONLY; "
                    f"SELECT set_config('app.tenant_id', '{UUID(str(self._tenant_id))}', true)"
                )

                async def on_asyncpg(
                    statement: Select, values: dict, *, planned_anew: bool = False
                ) -> Sequence[Any]:
                    sql, names, own = statements.for_asyncpg(statement)
                    if planned_anew:
                        await driver.execute("SET LOCAL plan_cache_mode = force_custom_plan")
                    return await driver.fetch(sql, *(values.get(n, own.get(n)) for n in names))

                yield on_asyncpg
                await driver.execute("ROLLBACK")
            except BaseException:
                # SQLAlchemy does not see this transaction, so it would not end it: a
                # connection in an unknown state never goes back to the pool.
                await connection.invalidate()
                raise

    @staticmethod
    def _summaries(
        rows: Sequence[Any], distances: list[float] | None = None
    ) -> list[BusinessSummary]:
        return [
            BusinessSummary(
                id=r["id"],
                name=r["name"],
                kind=BusinessKind(r["kind"]),
                category_ids=tuple(sorted(r["category_ids"])),
                location=GeoPoint(r["lat"], r["lon"]) if r["lat"] is not None else None,
                city=r["city"],
                verified=r["verified_at"] is not None,
                hidden=r["hidden_at"] is not None,
                opening_hours=hours_from_json(r["opening_hours"]),
                delivers=r["delivers"],
                offers_pickup=r["offers_pickup"],
                distance_m=distances[i] if distances else None,
            )
            for i, r in enumerate(rows)
        ]

    async def list_businesses(
        self, where: BusinessFilter, *, limit: int, cursor: str | None
    ) -> Page:
        """By name in German order, then id; the cursor is the last (name, id) given out."""
        shape = statements.Shape.of(where, self._dialect)
        values = statements.filter_values(self._tenant_id, where) | {"size": limit + 1}
        if cursor:
            name, last_id = read_text_id_cursor(cursor)
            values |= {"after_name": name, "after_id": last_id}
        async with self._reading() as rows_of:
            if where.category_ids:
                rows = await self._page_in_categories(rows_of, shape, values, limit)
            else:
                rows = await rows_of(
                    statements.page(shape, after=bool(cursor), window=False), values
                )
        last = rows[limit - 1] if len(rows) > limit else None
        next_cursor = text_id_cursor(last["name"], last["id"]) if last else None
        return Page(self._summaries(rows[:limit]), next_cursor)

    @staticmethod
    async def _page_in_categories(
        rows_of: Rows, shape: statements.Shape, values: dict, limit: int
    ) -> Sequence[Any]:
        """The next limit + 1 businesses in the categories asked for (a top-level one with
        its children). Planners misjudge how many of one tenant's businesses a category holds
        (their statistics span all tenants), and then join every match and sort them. So the
        page is first sought among the next WINDOW_PAGES pages in name order, read from the
        name index, each row checked by probes of the category keys: that stops after a page
        for any category holding more than a sixteenth of the list. Only when the window
        holds less than a page is the planner asked to find the rest its way (for a rare
        category that is the cheap way: few matches to sort)."""
        after = "after_id" in values
        windowed = values | {"window": statements.WINDOW_PAGES * (limit + 1)}
        rows = await rows_of(statements.page(shape, after=after, window=True), windowed)
        if len(rows) > limit:
            return rows
        return await rows_of(statements.page(shape, after=after, window=False), values)

    def _box_values(self, where: BusinessFilter, box: BoundingBox, limit: int) -> dict[str, Any]:
        """For a box that does not cross the antimeridian (one of BoundingBox.parts())."""
        return statements.filter_values(self._tenant_id, where) | {
            "min_lat": box.south,
            "max_lat": box.north,
            "min_lon": box.west,
            "max_lon": box.east,
            "size": limit,
        }

    async def businesses_in_box(
        self, box: BoundingBox, where: BusinessFilter, *, limit: int
    ) -> list[BusinessSummary]:
        """The box's businesses in any order, cut one past the limit; when that holds them
        all, sorted here. Only when more match are the lowest ids asked for, planned for the
        box at hand: walking the id index suits a box holding most of the tenant, sorting
        the box's matches a smaller one, and a plan kept from other boxes fits neither (a
        city-wide box: 85 ms instead of 6 on 50,000 businesses). The street-level boxes apps
        ask for most hold fewer than the limit and cost what they cost unordered. A box
        across the antimeridian is asked for on each side."""
        shape = statements.Shape.of(where, self._dialect)
        rows: list[Any] = []
        async with self._reading() as rows_of:
            for part in box.parts():
                values = self._box_values(where, part, limit + 1)
                found = await rows_of(statements.any_in_box(shape), values)
                if len(found) > limit:
                    found = await rows_of(
                        statements.in_box(shape), values | {"size": limit}, planned_anew=True
                    )
                rows += found
        rows.sort(key=lambda r: r["id"])
        return self._summaries(rows[:limit])

    async def businesses_near(
        self, centre: GeoPoint, radius_m: float, where: BusinessFilter, *, limit: int
    ) -> list[BusinessSummary]:
        """The nearest by a flat-earth order in SQL, measured here. A circle across the
        antimeridian is sought on both sides, the centre's longitude moved by 360° for the
        side it is not on, so the flat order holds there too."""
        statement = statements.near(statements.Shape.of(where, self._dialect))
        shrink = math.cos(math.radians(centre.lat))
        rows: list[Any] = []
        async with self._reading() as rows_of:
            for part in BoundingBox.around(centre, radius_m).parts():
                lon = centre.lon
                if lon > part.east:
                    lon -= 360
                elif lon < part.west:
                    lon += 360
                values = self._box_values(where, part, limit)
                rows += await rows_of(
                    statement, values | {"lat": centre.lat, "lon": lon, "shrink": shrink}
                )
        measured = [(round(centre.distance_to(GeoPoint(r["lat"], r["lon"])), 1), r) for r in rows]
        inside = sorted(
            ((d, r) for d, r in measured if d <= radius_m),
            key=lambda m: (m[0], m[1]["id"]),
        )[:limit]
        return self._summaries([r for _, r in inside], [d for d, _ in inside])

    async def category_ids_by_key(self, keys: tuple[str, ...]) -> list[UUID]:
        async with self._session() as session:
            found = await session.scalars(
                select(CategoryRow.id).where(
                    CategoryRow.tenant_id == self._tenant_id, CategoryRow.key.in_(keys)
                )
            )
            return list(found)

    async def categories_within(self, ids: tuple[UUID, ...], keys: tuple[str, ...]) -> list[UUID]:
        named = or_(CategoryRow.id.in_(ids), CategoryRow.key.in_(keys))
        parents = select(CategoryRow.id).where(CategoryRow.tenant_id == self._tenant_id, named)
        async with self._session() as session:
            found = await session.scalars(
                select(CategoryRow.id).where(
                    CategoryRow.tenant_id == self._tenant_id,
                    or_(named, CategoryRow.parent_id.in_(parents)),
                )
            )
            return list(found)

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
                .order_by(CategoryRow.position, CategoryRow.key)
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
            until_at, last_id = read_instant_id_cursor(cursor)
            query = query.where(
                or_(
                    OfferRow.valid_until > until_at,
                    and_(OfferRow.valid_until == until_at, OfferRow.id > last_id),
                )
            )
        query = query.order_by(OfferRow.valid_until, OfferRow.id).limit(limit + 1)
        async with self._session() as session:
            rows = (await session.scalars(query)).all()
        items = [offer_from_row(r) for r in rows[:limit]]
        next_cursor = (
            instant_id_cursor(items[-1].valid_until, items[-1].id) if len(rows) > limit else None
        )
        return Page(items, next_cursor)

    async def open_data_businesses(self) -> list[OpenDataBusiness]:
        """Every visible business, by name in German order (as the list)."""
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
                    .order_by(name_in_german_order, BusinessRow.id)
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

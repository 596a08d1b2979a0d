"""Read models of funding straight from SQL: the campaign list (filtered, sorted, paged by
keyset), campaigns and tiers by ids (GraphQL's DataLoaders), and live campaigns on the map.
Each call is one short transaction with the tenant set (row-level security).

The list is the hot read. Its statement is built once per filter shape (`campaign_page`) and,
on PostgreSQL, runs on asyncpg itself from SQLAlchemy's pool (as the directory's list does,
adapters/db/directory_reads.py): through the ORM session a page of 20 cost about 4 ms of
Python for a 0.2 ms query (bench/run.py's `campaigns` scenario, README "Campaigns")."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, bindparam, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.db.business_summaries import for_asyncpg
from adapters.db.funding import CAMPAIGNS, TIERS, campaign_from_row, tier_from_row
from adapters.db.syndication import mirrored_condition
from adapters.db.unit_of_work import begin_for_tenant
from domain.cursors import integer_id_cursor, read_integer_id_cursor
from domain.funding.model import Campaign, CampaignStatus, RewardTier
from domain.funding.ports import CampaignFilter, CampaignPage, CampaignSort, NearbyCampaign
from domain.geo import BoundingBox, GeoPoint

# What anyone may see of a tenant's campaigns (an empty filter of statuses lists these).
PUBLIC_STATUSES = (
    CampaignStatus.LIVE,
    CampaignStatus.SUCCEEDED,
    CampaignStatus.FAILED,
    CampaignStatus.PAID_OUT,
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)  # a day inside Python's range, whatever the zone
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def _instant(micros: int) -> datetime:
    """A cursor's integer as the instant of a list by time: every integer is one, the ones
    beyond the years 1 to 9999 at those ends."""
    try:
        return min(max(_EPOCH + timedelta(microseconds=micros), _EARLIEST), _LATEST)
    except OverflowError:
        return _EARLIEST if micros < 0 else _LATEST


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def _like_pattern(text: str) -> str:
    """`text` anywhere, its own % and _ matched as themselves (escaped with a backslash)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Each sort's key column, and whether it runs down (then id runs down too).
_SORTS = {
    CampaignSort.NEWEST: ("starts_at", True),
    CampaignSort.ENDING_SOON: ("ends_at", False),
    CampaignSort.MOST_FUNDED: ("pledged_amount", True),
}


@dataclass(frozen=True)
class PageShape:
    """What a list page's SQL depends on, not its values: one statement per shape."""

    sort: CampaignSort
    statuses: int  # how many are asked for; 0: any
    categories: int
    text: bool
    owner: bool
    business: bool
    after: bool  # continues from a cursor


def _ordered(query: Select, key: ColumnElement, id_: ColumnElement, descending: bool) -> Select:
    order = (key.desc(), id_.desc()) if descending else (key, id_)
    return query.order_by(*order).limit(bindparam("size"))


@lru_cache(maxsize=256)
def campaign_page(shape: PageShape) -> Select:
    """The first `size` campaigns shown in `tenant_id` (its own and those of other tenants
    listed in it: one path for both) in the sort's order (after `after_key`, `after_id`), in
    the statuses `status_0`... The tenant's own are read a status each and merged: an index
    on (tenant, status, key, id) gives each status in order, and the first page is read off
    their heads; one condition `status IN (...)` reads every campaign of those statuses and
    sorts them (4,600 rows for a page of 20 at 5,000 campaigns a tenant: 25-50 ms instead of
    0.3 ms). Listed campaigns are one more branch over the tenant's listings. The cursor is a
    row comparison, so a later page starts inside the index rather than scanning past the
    pages before it."""
    c = CAMPAIGNS.c
    name, descending = _SORTS[shape.sort]
    key = c[name]
    made: dict[str, Any] = {}

    def param(name: str, type_: Any = None) -> Any:
        """One parameter object per name: the branches share their values."""
        if name not in made:
            made[name] = bindparam(name, type_=type_)
        return made[name]

    tenant = param("tenant_id", c.tenant_id.type)

    def one(statuses: list[str], *, listed: bool) -> Select:
        shown_here = (
            mirrored_condition(c.tenant_id, c.id, tenant, c.status)
            if listed
            else c.tenant_id == tenant
        )
        query = select(CAMPAIGNS).where(shown_here)
        if len(statuses) == 1:
            query = query.where(c.status == param(statuses[0], c.status.type))
        elif statuses:
            query = query.where(c.status.in_([param(s, c.status.type) for s in statuses]))
        if shape.categories:
            asked = [param(f"category_{i}", c.category_id.type) for i in range(shape.categories)]
            query = query.where(c.category_id.in_(asked))
        if shape.text:
            query = query.where(c.search_text.like(param("pattern"), escape="\\"))
        if shape.owner:
            query = query.where(c.owner_id == param("owner_id", c.owner_id.type))
        if shape.business:
            query = query.where(c.business_id == param("business_id", c.business_id.type))
        if shape.after:
            at = tuple_(param("after_key", key.type), param("after_id", c.id.type))
            query = query.where(tuple_(key, c.id) < at if descending else tuple_(key, c.id) > at)
        return _ordered(query, key, c.id, descending)

    statuses = [f"status_{i}" for i in range(shape.statuses)]
    # The tenant's own: one branch a status, each read in order off its index.
    heads = [one([s], listed=False) for s in statuses] or [one([], listed=False)]
    # Those listed here: one branch for every status, a walk over the tenant's listings (an
    # index probe when it lists none). An owner's and a business's lists are home alone.
    if not (shape.owner or shape.business):
        heads.append(one(statuses, listed=True))
    if len(heads) == 1:
        return heads[0]
    heads = [select(h.subquery()) for h in heads]
    merged = union_all(*heads).subquery()
    return _ordered(select(merged), merged.c[name], merged.c.id, descending)


# The rows of a statement run with these values, read by attribute (as SQLAlchemy's rows).
Rows = Callable[[Select, dict[str, Any]], Awaitable[Sequence[Any]]]


class _Fields:
    """An asyncpg record read by attribute, as campaign_from_row reads SQLAlchemy's rows."""

    __slots__ = ("_record",)

    def __init__(self, record: Any) -> None:
        self._record = record

    def __getattr__(self, name: str) -> Any:
        return self._record[name]


class SqlFundingReads:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], tenant_id: UUID) -> None:
        self._sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            await begin_for_tenant(session, self._tenant_id)
            yield session

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Rows]:
        """One read-only transaction that names the tenant. On PostgreSQL the statements run
        on asyncpg itself, from SQLAlchemy's pool, compiled once, and the transaction opens
        with its tenant in one round trip (as SqlDirectoryReads._reading)."""
        async with self._engine.connect() as connection:
            if self._engine.dialect.name != "postgresql":
                await connection.begin()

                async def through_sqlalchemy(statement: Select, values: dict) -> Sequence[Any]:
                    return (await connection.execute(statement, values)).all()

                yield through_sqlalchemy
                return
            driver = (await connection.get_raw_connection()).driver_connection
            try:
                # One simple-protocol message, two statements; the tenant is a UUID we hold.
                await driver.execute(
                    "BEGIN READ ONLY; "
                    f"SELECT set_config('app.tenant_id', '{UUID(str(self._tenant_id))}', true)"
                )

                async def on_asyncpg(statement: Select, values: dict) -> Sequence[Any]:
                    sql, names, own = for_asyncpg(statement)
                    records = await driver.fetch(sql, *(values.get(n, own.get(n)) for n in names))
                    return [_Fields(r) for r in records]

                yield on_asyncpg
                await driver.execute("ROLLBACK")
            except BaseException:
                # SQLAlchemy does not see this transaction, so it would not end it: a
                # connection in an unknown state never goes back to the pool.
                await connection.invalidate()
                raise

    def _shown_here(
        self, tenant_column: Any, campaign_column: Any, status: Any = None
    ) -> tuple[Any, Any]:
        """The tenant's own campaigns, and those listed in it while public (`status`: the
        campaign's status column, where there is one); the policies of migration 0013 say the
        same on PostgreSQL. Two conditions, each read on its own: one `OR` of them could use
        no index."""
        return (
            tenant_column == self._tenant_id,
            mirrored_condition(tenant_column, campaign_column, self._tenant_id, status),
        )

    def _statuses(self, where: CampaignFilter) -> tuple[CampaignStatus, ...]:
        """No statuses: the public ones; an owner's own list: every status."""
        return where.statuses or (() if where.owner_id else PUBLIC_STATUSES)

    async def list_campaigns(
        self, where: CampaignFilter, sort: CampaignSort, *, limit: int, cursor: str | None
    ) -> CampaignPage:
        """By the sort's key, then id in the same direction. The cursor is the last item's
        (key, id) in one shape for every sort (domain.cursors' integer + id): an amount, or
        an instant in microseconds since 1970."""
        statuses = self._statuses(where)
        text = where.text.strip()
        shape = PageShape(
            sort=sort,
            statuses=len(statuses),
            categories=len(where.category_ids),
            text=bool(text),
            owner=where.owner_id is not None,
            business=where.business_id is not None,
            after=bool(cursor),
        )
        values: dict[str, Any] = {
            "tenant_id": self._tenant_id,
            "size": limit + 1,
            "pattern": _like_pattern(text),
            "owner_id": where.owner_id,
            "business_id": where.business_id,
        }
        values |= {f"status_{i}": s.value for i, s in enumerate(statuses)}
        values |= {f"category_{i}": c for i, c in enumerate(where.category_ids)}
        by_time = sort is not CampaignSort.MOST_FUNDED
        if cursor:
            number, last_id = read_integer_id_cursor(cursor)
            values |= {"after_key": _instant(number) if by_time else number, "after_id": last_id}
        async with self._reading() as rows_of:
            rows = await rows_of(campaign_page(shape), values)
        items = [campaign_from_row(r) for r in rows[:limit]]
        if len(rows) <= limit:
            return CampaignPage(items, None)
        last = rows[limit - 1]
        key_value = getattr(last, _SORTS[sort][0])
        number = _micros(key_value) if by_time else key_value
        return CampaignPage(items, integer_id_cursor(number, last.id))

    async def campaigns_by_ids(self, ids: Sequence[UUID]) -> dict[UUID, Campaign]:
        if not ids:
            return {}
        c = CAMPAIGNS.c
        asked = c.id.in_(list(ids))
        both = [
            select(CAMPAIGNS).where(h, asked) for h in self._shown_here(c.tenant_id, c.id, c.status)
        ]
        async with self._session() as session:
            rows = await session.execute(union_all(*both))
            return {r.id: campaign_from_row(r) for r in rows.all()}

    async def tiers_of(self, campaign_ids: Sequence[UUID]) -> dict[UUID, list[RewardTier]]:
        found: dict[UUID, list[RewardTier]] = {i: [] for i in campaign_ids}
        if not found:
            return found
        t = TIERS.c
        asked = t.campaign_id.in_(list(found))
        both = [select(TIERS).where(h, asked) for h in self._shown_here(t.tenant_id, t.campaign_id)]
        merged = union_all(*both).subquery()
        async with self._session() as session:
            rows = await session.execute(
                select(merged).order_by(merged.c.campaign_id, merged.c.minimum, merged.c.id)
            )
            for row in rows.all():
                found[row.campaign_id].append(tier_from_row(row))
        return found

    def _live_in(self, part: BoundingBox, category_ids: Sequence[UUID], here: Any) -> Any:
        """Live campaigns placed in a box that does not cross the antimeridian, of the tenant
        or listed in it (`here`, one of `_shown_here`)."""
        c = CAMPAIGNS.c
        query = select(CAMPAIGNS).where(
            here,
            c.status == CampaignStatus.LIVE.value,
            c.lat.between(part.south, part.north),
            c.lon.between(part.west, part.east),
        )
        if category_ids:
            query = query.where(c.category_id.in_(list(category_ids)))
        return query

    async def live_in_box(
        self, box: BoundingBox, *, category_ids: Sequence[UUID] = (), limit: int
    ) -> list[Campaign]:
        """A box across the antimeridian is asked for on each side."""
        c = CAMPAIGNS.c
        rows: list[Any] = []
        async with self._session() as session:
            for part in box.parts():
                for here in self._shown_here(c.tenant_id, c.id, c.status):
                    query = self._live_in(part, category_ids, here)
                    rows += (
                        await session.execute(query.order_by(CAMPAIGNS.c.id).limit(limit))
                    ).all()
        rows.sort(key=lambda r: r.id)
        return [campaign_from_row(r) for r in rows[:limit]]

    async def live_near(
        self,
        centre: GeoPoint,
        radius_m: float,
        *,
        category_ids: Sequence[UUID] = (),
        limit: int,
    ) -> list[NearbyCampaign]:
        """The nearest by a flat-earth order in SQL, measured here (as the directory's
        businesses_near): a circle across the antimeridian is sought on both sides, the
        centre's longitude moved by 360° for the side it is not on."""
        c = CAMPAIGNS.c
        shrink = math.cos(math.radians(centre.lat))
        rows: list[Any] = []
        async with self._session() as session:
            for part in BoundingBox.around(centre, radius_m).parts():
                lon = centre.lon
                if lon > part.east:
                    lon -= 360
                elif lon < part.west:
                    lon += 360
                north, east = c.lat - centre.lat, (c.lon - lon) * shrink
                nearest = (north * north + east * east, c.id)
                for here in self._shown_here(c.tenant_id, c.id, c.status):
                    query = self._live_in(part, category_ids, here).order_by(*nearest)
                    rows += (await session.execute(query.limit(limit))).all()
        measured = [(round(centre.distance_to(GeoPoint(r.lat, r.lon)), 1), r) for r in rows]
        inside = sorted(
            ((d, r) for d, r in measured if d <= radius_m), key=lambda m: (m[0], m[1].id)
        )[:limit]
        return [NearbyCampaign(campaign_from_row(r), d) for d, r in inside]

"""Mirroring's listings (a campaign of another tenant listed in this one) and their unit of
work, and the change feed read from the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    and_,
    bindparam,
    cast,
    delete,
    func,
    literal,
    literal_column,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.types import BigInteger, Text
from sqlmodel import Field, SQLModel

from adapters.db.outbox import OutboxRow
from adapters.db.search import SqlSearchIndex
from adapters.db.types import UtcDateTime
from adapters.db.unit_of_work import Outbox, SqlUnitOfWork, begin_for_tenant
from domain.funding.campaigns import PUBLIC
from domain.syndication.feed import Change
from domain.syndication.listings import Listing, ListingStatus


class ListingRow(SQLModel, table=True):
    __tablename__ = "campaign_listings"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "campaign_id", name="campaign_listings_pkey"),
        ForeignKeyConstraint(
            ["home_tenant_id", "campaign_id"],
            ["campaigns.tenant_id", "campaigns.id"],
            name="campaign_listings_campaign_fkey",
            ondelete="CASCADE",
        ),
        Index("ix_campaign_listings_status", "tenant_id", "status", "campaign_id"),
        Index("ix_campaign_listings_campaign", "home_tenant_id", "campaign_id"),
    )

    tenant_id: UUID = Field(
        sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    )
    campaign_id: UUID
    home_tenant_id: UUID
    status: str = Field(sa_column=Column(String(16), nullable=False))
    decided_by: UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("accounts.id", ondelete="SET NULL"))
    )
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


LISTINGS = ListingRow.__table__
OUTBOX = OutboxRow.__table__


def listed_in(tenant_id: object) -> Sequence[object]:
    """The (home tenant, campaign) pairs listed (approved, not hidden) in a tenant: the
    condition every read of mirrored campaigns shares (the policies say the same on
    PostgreSQL, migration 0013)."""
    lc = LISTINGS.c
    # A constant, not a parameter: the list's statement names its own parameters status_0...
    listed = literal_column(f"'{ListingStatus.LISTED.value}'")
    return select(lc.home_tenant_id, lc.campaign_id).where(
        lc.tenant_id == tenant_id, lc.status == listed
    )


def _listing(row: ListingRow) -> Listing:
    return Listing(
        tenant_id=row.tenant_id,
        campaign_id=row.campaign_id,
        home_tenant_id=row.home_tenant_id,
        status=ListingStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        decided_by=row.decided_by,
    )


class SqlListingRepository:
    def __init__(self, session: AsyncSession, tenant_id: UUID) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def get(self, campaign_id: UUID) -> Listing | None:
        row = await self._session.get(ListingRow, (self._tenant_id, campaign_id))
        return _listing(row) if row is not None else None

    async def put(self, listing: Listing) -> None:
        if listing.tenant_id != self._tenant_id:
            raise ValueError("a listing of another tenant")
        values = {
            "tenant_id": listing.tenant_id,
            "campaign_id": listing.campaign_id,
            "home_tenant_id": listing.home_tenant_id,
            "status": listing.status.value,
            "decided_by": listing.decided_by,
            "created_at": listing.created_at,
            "updated_at": listing.updated_at,
        }
        dialect = postgresql if self._session.bind.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(LISTINGS).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant_id", "campaign_id"],
            set_={k: statement.excluded[k] for k in ("status", "decided_by", "updated_at")},
        )
        await self._session.execute(statement)

    async def remove(self, campaign_id: UUID) -> bool:
        lc = LISTINGS.c
        result = await self._session.execute(
            delete(LISTINGS).where(lc.tenant_id == self._tenant_id, lc.campaign_id == campaign_id)
        )
        return bool(result.rowcount)

    async def in_status(
        self, statuses: Sequence[ListingStatus], *, limit: int, after: UUID | None
    ) -> list[Listing]:
        lc = LISTINGS.c
        query = select(ListingRow).where(
            lc.tenant_id == self._tenant_id, lc.status.in_([s.value for s in statuses])
        )
        if after is not None:
            query = query.where(lc.campaign_id > after)
        rows = await self._session.execute(query.order_by(lc.campaign_id).limit(limit))
        return [_listing(r) for r in rows.scalars().all()]

    async def home_of(self, campaign_id: UUID) -> UUID | None:
        lc = LISTINGS.c
        return await self._session.scalar(
            select(lc.home_tenant_id).where(
                lc.tenant_id == self._tenant_id,
                lc.campaign_id == campaign_id,
                lc.status == ListingStatus.LISTED.value,
            )
        )

    async def places_of(self, campaign_id: UUID) -> list[UUID]:
        lc = LISTINGS.c
        rows = await self._session.execute(
            select(lc.tenant_id).where(
                lc.home_tenant_id == self._tenant_id, lc.campaign_id == campaign_id
            )
        )
        return list(rows.scalars().all())


class SqlSyndicationUnitOfWork(SqlUnitOfWork):
    tenant_id: UUID
    locales: tuple[str, ...]

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        tenant_id: UUID,
        outbox: Outbox | None = None,
        locales: tuple[str, ...] = ("de",),
    ) -> None:
        super().__init__(session_factory, tenant_id=tenant_id, outbox=outbox)
        self.locales = locales

    def _open(self, session: AsyncSession) -> None:
        self.listings = SqlListingRepository(session, self.tenant_id)
        self.search = SqlSearchIndex(session, self.tenant_id, self.locales)


class SqlChangeReads:
    """The feed of one tenant: its own outbox rows and those about campaigns listed in it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], tenant_id: UUID) -> None:
        self._sessions = sessions
        self._tenant_id = tenant_id

    async def changes(
        self, event_types: Sequence[str], after: tuple[int, int] | None, *, limit: int
    ) -> list[Change]:
        o = OUTBOX.c
        async with self._sessions() as session:
            await begin_for_tenant(session, self._tenant_id)
            postgres = session.bind.dialect.name == "postgresql"

            def branch(*where: object) -> object:
                query = select(o.id, o.xact, o.event_type, o.payload, o.occurred_at).where(
                    o.event_type.in_(bindparam("types", expanding=True)), *where
                )
                if after is not None:
                    query = query.where(
                        tuple_(o.xact, o.id) > tuple_(literal(after[0]), literal(after[1]))
                    )
                if postgres:
                    # Only transactions that have ended: none below this can still commit.
                    horizon = cast(
                        cast(func.pg_snapshot_xmin(func.pg_current_snapshot()), Text), BigInteger
                    )
                    query = query.where(o.xact < horizon)
                return query.order_by(o.xact, o.id).limit(limit)

            own = branch(o.tenant_id == self._tenant_id)
            mirrored = branch(
                o.tenant_id != self._tenant_id,
                tuple_(o.tenant_id, o.subject_id).in_(listed_in(self._tenant_id)),
            )
            merged = union_all(select(own.subquery()), select(mirrored.subquery())).subquery()
            rows = await session.execute(
                select(merged).order_by(merged.c.xact, merged.c.id).limit(limit),
                {"types": list(event_types)},
            )
            return [
                Change(r.xact, r.id, r.event_type, r.payload, r.occurred_at) for r in rows.all()
            ]


def mirrored_condition(
    campaign_tenant: object, campaign_id: object, tenant_id: object, status: object = None
) -> object:
    """A campaign row (by its tenant and id columns) listed in `tenant_id`; with its status
    column, only while it is public (a listing outlives a cancellation until the worker
    removes it). The policies of migration 0013 say the same on PostgreSQL."""
    condition = and_(
        campaign_tenant != tenant_id,
        tuple_(campaign_tenant, campaign_id).in_(listed_in(tenant_id)),
    )
    if status is not None:
        # Constants, not parameters (as in `listed_in`).
        public = [literal_column(f"'{s.value}'") for s in PUBLIC]
        condition = and_(condition, status.in_(public))  # type: ignore[attr-defined]
    return condition

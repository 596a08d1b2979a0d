"""Funding tables and repositories: campaigns, reward tiers, pledges, refunds, the
Idempotency-Keys of the requests that made them, and the payment events applied. All
tenant-owned: repositories are built for one tenant and filter by it in every statement;
row-level security holds them to `app.tenant_id` on PostgreSQL.

What the money path relies on is done by single conditional statements, so it holds however
many transactions race: a pledge opens the campaign (`open_for_pledge`), claims its reward's
unit (`claim`), and moves the totals (`add_to_totals`) each with one UPDATE whose WHERE says
when it may; every other change is conditional on the version it was read at."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from adapters.db.constraints import constraint_errors
from adapters.db.directory import BusinessRow, CategoryRow, localized
from adapters.db.identity import ApiKeyRow, BusinessRoleRow
from adapters.db.types import JsonDocument, UtcDateTime
from domain.cursors import instant_id_cursor, read_instant_id_cursor
from domain.funding.errors import IdempotencyKeyTaken
from domain.funding.model import (
    Campaign,
    CampaignContent,
    CampaignOrigin,
    CampaignStatus,
    CampaignTerms,
    FundingModel,
    Money,
    Pledge,
    PledgeStatus,
    Refund,
    RefundStatus,
    RewardKind,
    RewardTier,
    Totals,
)
from domain.funding.ports import SettlementItem, StoredRequest
from domain.funding.settlement import (
    BANK_TRANSFER,
    UNCONFIRMED_CARD,
    UNFINISHED,
    UNPAID_TRANSFER,
)
from domain.geo import GeoPoint


def _tenant_fk() -> Any:
    return Field(sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False))


def _of(table: str, column: str, parent: str, **options: str) -> ForeignKeyConstraint:
    """A reference within the tenant: (tenant_id, column) -> parent (tenant_id, id)."""
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{parent}.tenant_id", f"{parent}.id"],
        name=f"{table}_{column.removesuffix('_id')}_fkey",
        **options,
    )


class CampaignRow(SQLModel, table=True):
    """`business_id` and `category_id` name rows keyed by (tenant_id, id) and carry no
    foreign key: a composite key would set the tenant to NULL with the id (SQLite cannot set
    one column of it), so a removed business or category leaves its id behind, as the
    search index's category ids and media's attachments do."""

    __tablename__ = "campaigns"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="campaigns_pkey"),
        # The list's sorts within a status; read backwards for the ones that sort down.
        Index("ix_campaigns_newest", "tenant_id", "status", "starts_at", "id"),
        Index("ix_campaigns_ending", "tenant_id", "status", "ends_at", "id"),
        Index("ix_campaigns_most_funded", "tenant_id", "status", "pledged_amount", "id"),
        Index("ix_campaigns_owner", "owner_id"),
        Index("ix_campaigns_business", "tenant_id", "business_id"),
        Index("ix_campaigns_location", "tenant_id", "lat", "lon"),
        Index(
            "campaigns_external_id_key",
            "tenant_id",
            "external_id",
            unique=True,
            sqlite_where=text("external_id IS NOT NULL"),
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )

    tenant_id: UUID = _tenant_fk()
    id: UUID
    owner_id: UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("accounts.id", ondelete="SET NULL"))
    )
    partner_key_id: UUID | None = None
    business_id: UUID | None = None
    # A partner's campaign: its id there, the platform and where to pledge (migration 0013).
    external_id: str | None = Field(default=None, sa_column=Column(String(200)))
    origin: str | None = Field(default=None, sa_column=Column(String(120)))
    origin_url: str | None = Field(default=None, sa_column=Column(String(2000)))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    title: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))
    summary: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))
    description: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))
    # Titles and summaries in every language, lowercased here: the list's text filter.
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    image_ids: list[str] = Field(sa_column=Column(JsonDocument, nullable=False))
    category_id: UUID | None = None
    lat: float | None = Field(default=None, sa_column=Column(Float))
    lon: float | None = Field(default=None, sa_column=Column(Float))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    goal: int = Field(sa_column=Column(BigInteger, nullable=False))
    minimum: int | None = Field(default=None, sa_column=Column(BigInteger))
    funding_model: str = Field(sa_column=Column(String(16), nullable=False))
    starts_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    pledged_amount: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    backer_count: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    first_pledge_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))


class RewardTierRow(SQLModel, table=True):
    __tablename__ = "reward_tiers"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="reward_tiers_pkey"),
        _of("reward_tiers", "campaign_id", "campaigns", ondelete="CASCADE"),
        CheckConstraint("claimed >= 0", name="reward_tiers_claimed_check"),
        # The last wall against overselling (claim's own WHERE is the first).
        CheckConstraint("quantity IS NULL OR claimed <= quantity", name="reward_tiers_stock_check"),
        Index("ix_reward_tiers_campaign", "tenant_id", "campaign_id", "minimum", "id"),
    )

    tenant_id: UUID = _tenant_fk()
    id: UUID
    campaign_id: UUID
    title: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))
    description: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    minimum: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    quantity: int | None = Field(default=None, sa_column=Column(Integer))
    claimed: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    estimated_delivery: date | None = Field(default=None, sa_column=Column(Date))


class PledgeRow(SQLModel, table=True):
    """A pledge points at its campaign without a cascade: money records are never deleted
    with what they were pledged to. Its tier may be removed once no pledge holds a unit of it
    (tiers.py), so `tier_id` has no foreign key (one to (tenant_id, id) could not be set to
    NULL alone)."""

    __tablename__ = "pledges"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="pledges_pkey"),
        _of("pledges", "campaign_id", "campaigns"),
        Index(
            "pledges_payment_reference_key",
            "provider",
            "payment_reference",
            unique=True,
            sqlite_where=text("payment_reference <> ''"),
            postgresql_where=text("payment_reference <> ''"),
        ),
        Index("ix_pledges_charge_ref", "provider", "charge_ref"),
        Index("ix_pledges_campaign", "tenant_id", "campaign_id", "created_at", "id"),
        Index("ix_pledges_backer", "tenant_id", "backer_id", "created_at", "id"),
        Index("ix_pledges_status", "tenant_id", "status", "created_at", "id"),
    )

    tenant_id: UUID = _tenant_fk()
    id: UUID
    campaign_id: UUID
    backer_id: UUID
    tier_id: UUID | None = None
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    refunded: int | None = Field(default=None, sa_column=Column(BigInteger))
    anonymous: bool = Field(sa_column=Column(Boolean, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    provider: str = Field(sa_column=Column(String(32), nullable=False))
    payment_reference: str = Field(sa_column=Column(String(255), nullable=False))
    client_secret: str = Field(sa_column=Column(String(255), nullable=False))
    customer_ref: str = Field(sa_column=Column(String(255), nullable=False))
    method_ref: str = Field(sa_column=Column(String(255), nullable=False))
    charge_ref: str = Field(sa_column=Column(String(255), nullable=False))
    charge_attempts: int = Field(sa_column=Column(Integer, nullable=False))
    next_charge_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    retry_until: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    # Until when one worker holds the pledge's next payment step (`lease`); not the entity's.
    lease_until: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    updated_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    version: int = Field(sa_column=Column(Integer, nullable=False))


class RefundRow(SQLModel, table=True):
    __tablename__ = "refunds"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="refunds_pkey"),
        _of("refunds", "pledge_id", "pledges"),
        Index("ix_refunds_pledge", "tenant_id", "pledge_id", "created_at"),
        Index("ix_refunds_status", "tenant_id", "status", "created_at"),
    )

    tenant_id: UUID = _tenant_fk()
    id: UUID
    pledge_id: UUID
    campaign_id: UUID
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    requested_by: UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("accounts.id", ondelete="SET NULL"))
    )
    status: str = Field(sa_column=Column(String(16), nullable=False))
    provider_ref: str = Field(sa_column=Column(String(255), nullable=False))
    reason: str = Field(sa_column=Column(String(500), nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class IdempotencyKeyRow(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "scope", "key", name="idempotency_keys_pkey"),
    )

    tenant_id: UUID = _tenant_fk()
    scope: str = Field(sa_column=Column(String(200), nullable=False))
    key: str = Field(sa_column=Column(String(255), nullable=False))
    fingerprint: str = Field(sa_column=Column(String(128), nullable=False))
    resource_id: UUID
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class PaymentEventRow(SQLModel, table=True):
    __tablename__ = "payment_events"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "provider", "event_id", name="payment_events_pkey"),
    )

    tenant_id: UUID = _tenant_fk()
    provider: str = Field(sa_column=Column(String(32), nullable=False))
    event_id: str = Field(sa_column=Column(String(255), nullable=False))
    received_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


CAMPAIGNS = CampaignRow.__table__
TIERS = RewardTierRow.__table__
PLEDGES = PledgeRow.__table__
REFUNDS = RefundRow.__table__
KEYS = IdempotencyKeyRow.__table__
EVENTS = PaymentEventRow.__table__


# The pledge path's statements, built once and run with parameters (`b_...`: the WHERE's
# values; column names: the values written). Building a statement per call cost more CPU than
# running it (1-3 ms of a repository call on the bench machine, bench/pledges.py), and a busy
# campaign's pledges queue on its row lock, which each pledge holds from `open_for_pledge` to
# COMMIT: the Python work in that window sets how many pledges a second it takes.
_C, _T, _P, _K = CAMPAIGNS.c, TIERS.c, PLEDGES.c, KEYS.c
_TENANT = bindparam("b_tenant", type_=Uuid())  # typed: tenant_id's type comes from its key
_NOW = bindparam("b_now", type_=UtcDateTime)
_CAMPAIGN = select(CAMPAIGNS).where(_C.tenant_id == _TENANT, _C.id == bindparam("b_id"))
_CAMPAIGN_LOCKED = _CAMPAIGN.with_for_update()  # SQLite: its one writer at a time already
_OPEN = (
    update(CAMPAIGNS)
    .where(
        _C.tenant_id == _TENANT,
        _C.id == bindparam("b_id"),
        _C.status == CampaignStatus.LIVE.value,
        _C.starts_at <= _NOW,
        _C.ends_at > _NOW,
    )
    .values(
        first_pledge_at=func.coalesce(_C.first_pledge_at, _NOW),
        version=_C.version + case((_C.first_pledge_at.is_(None), 1), else_=0),
    )
)
_TIER = select(TIERS).where(_T.tenant_id == _TENANT, _T.id == bindparam("b_id"))
_CLAIM = (
    update(TIERS)
    .where(
        _T.tenant_id == _TENANT,
        _T.id == bindparam("b_id"),
        _T.campaign_id == bindparam("b_campaign"),
        or_(_T.quantity.is_(None), _T.claimed + 1 <= _T.quantity),
    )
    .values(claimed=_T.claimed + 1)
)
_ADD_PLEDGE = insert(PLEDGES)
_REPLACE_PLEDGE = update(PLEDGES).where(
    _P.tenant_id == _TENANT,
    _P.id == bindparam("b_id"),
    _P.version == bindparam("b_version"),
)
_KEY = select(_K.fingerprint, _K.resource_id).where(
    _K.tenant_id == _TENANT,
    _K.scope == bindparam("b_scope"),
    _K.key == bindparam("b_key"),
)
# A known key makes the INSERT do nothing (see SqlIdempotencyKeys.add), on either database.
_ADD_KEY = {
    name: dialect.insert(KEYS).on_conflict_do_nothing().returning(_K.key)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}

# Campaigns -----------------------------------------------------------------------------


def search_text_of(content: CampaignContent) -> str:
    """What the list's text filter looks in: every title and summary, lowercased (here, the
    same way as the text looked for: SQLite's lower() knows ASCII only). One text a line, so
    a phrase never spans two."""
    return "\n".join(v for _, v in content.title.values + content.summary.values).lower()


def _edited_campaign_values(c: Campaign) -> dict[str, Any]:
    """What an edit writes: content, terms, status, owner (an account or a partner key) and
    business."""
    content, terms = c.content, c.terms
    return {
        "owner_id": c.owner_id,
        "partner_key_id": c.partner_key_id,
        "business_id": c.business_id,
        "status": c.status.value,
        "title": content.title.as_dict(),
        "summary": content.summary.as_dict(),
        "description": content.description.as_dict(),
        "search_text": search_text_of(content),
        "image_ids": [str(i) for i in content.image_ids],
        "category_id": content.category_id,
        "lat": content.location.lat if content.location else None,
        "lon": content.location.lon if content.location else None,
        "currency": c.currency,
        "goal": terms.goal.amount,
        "minimum": terms.minimum.amount if terms.minimum else None,
        "funding_model": terms.funding_model.value,
        "starts_at": terms.starts_at,
        "ends_at": terms.ends_at,
        "updated_at": c.updated_at,
        "version": c.version,
        "external_id": c.origin.external_id if c.origin else None,
        "origin": c.origin.platform if c.origin else None,
        "origin_url": c.origin.pledge_url if c.origin else None,
        # A partner's campaign has the partner's totals; ours move with our pledges only.
        **(
            {
                "pledged_amount": c.current_totals.pledged.amount,
                "backer_count": c.current_totals.backers,
            }
            if c.origin
            else {}
        ),
    }


def campaign_from_row(row: Any) -> Campaign:
    currency = row.currency
    return Campaign(
        id=row.id,
        tenant_id=row.tenant_id,
        owner_id=row.owner_id,
        content=CampaignContent(
            title=localized(row.title),
            summary=localized(row.summary),
            description=localized(row.description),
            image_ids=tuple(UUID(i) for i in row.image_ids),
            category_id=row.category_id,
            location=GeoPoint(row.lat, row.lon) if row.lat is not None else None,
        ),
        terms=CampaignTerms(
            goal=Money(row.goal, currency),
            funding_model=FundingModel(row.funding_model),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            minimum=Money(row.minimum, currency) if row.minimum is not None else None,
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        business_id=row.business_id,
        partner_key_id=row.partner_key_id,
        status=CampaignStatus(row.status),
        totals=Totals(Money(row.pledged_amount, currency), row.backer_count),
        first_pledge_at=row.first_pledge_at,
        version=row.version,
        origin=(
            CampaignOrigin(row.external_id, row.origin or "", row.origin_url or "")
            if row.external_id is not None
            else None
        ),
    )


class _TenantRepository:
    def __init__(self, session: AsyncSession, tenant_id: UUID) -> None:
        self._session = session
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def _may_break_a_key(self) -> AsyncIterator[None]:
        """Around a statement that may break a unique key, so that the transaction goes on
        (the caller draws again, or reads what a racing request stored): PostgreSQL aborts a
        transaction at an error, so the statement runs in a savepoint there. SQLite undoes
        the failed statement alone, and needs none: a savepoint that opened its transaction
        (no write before it) would commit the transaction when released."""
        with constraint_errors():
            if self._session.bind.dialect.name != "postgresql":
                yield
                return
            async with self._session.begin_nested():
                yield


class SqlCampaignRepository(_TenantRepository):
    def _mine(self, campaign_id: UUID) -> list[Any]:
        return [CAMPAIGNS.c.tenant_id == self._tenant_id, CAMPAIGNS.c.id == campaign_id]

    async def add(self, campaign: Campaign) -> None:
        """Its totals start at zero, whatever it says: only pledges move them (a partner's
        campaign starts at the partner's)."""
        if campaign.tenant_id != self._tenant_id:
            raise ValueError("a campaign of another tenant")
        values = {
            "tenant_id": self._tenant_id,
            "id": campaign.id,
            "pledged_amount": 0,
            "backer_count": 0,
            "first_pledge_at": campaign.first_pledge_at,
            "created_at": campaign.created_at,
        } | _edited_campaign_values(campaign)
        with constraint_errors():
            await self._session.execute(insert(CAMPAIGNS).values(**values))

    async def get(self, campaign_id: UUID, *, for_update: bool = False) -> Campaign | None:
        statement = _CAMPAIGN_LOCKED if for_update else _CAMPAIGN
        found = await self._session.execute(
            statement, {"b_tenant": self._tenant_id, "b_id": campaign_id}
        )
        row = found.one_or_none()
        return campaign_from_row(row) if row else None

    async def remove(self, campaign_id: UUID) -> bool:
        """With its tiers (and its listings elsewhere); only a campaign without pledges."""
        c = CAMPAIGNS.c
        result = await self._session.execute(
            delete(CAMPAIGNS).where(c.tenant_id == self._tenant_id, c.id == campaign_id)
        )
        return bool(result.rowcount)

    async def by_external_id(self, external_id: str) -> Campaign | None:
        c = CAMPAIGNS.c
        found = await self._session.execute(
            select(CAMPAIGNS).where(c.tenant_id == self._tenant_id, c.external_id == external_id)
        )
        row = found.one_or_none()
        return campaign_from_row(row) if row else None

    async def update(self, campaign: Campaign, *, expected_version: int) -> bool:
        with constraint_errors():
            result = await self._session.execute(
                update(CAMPAIGNS)
                .where(*self._mine(campaign.id), CAMPAIGNS.c.version == expected_version)
                .values(**_edited_campaign_values(campaign))
            )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def open_for_pledge(self, campaign_id: UUID, now: datetime) -> bool:
        """The UPDATE locks the campaign's row until the pledge commits (on PostgreSQL), so
        a settlement deciding the campaign waits for it, or it for the settlement and then
        finds the campaign no longer live. SET sees the row as it was: the version grows
        only when this is its first pledge."""
        result = await self._session.execute(
            _OPEN, {"b_tenant": self._tenant_id, "b_id": campaign_id, "b_now": now}
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def add_to_totals(self, campaign_id: UUID, amount: int, backers: int) -> None:
        c = CAMPAIGNS.c
        await self._session.execute(
            update(CAMPAIGNS)
            .where(*self._mine(campaign_id))
            .values(pledged_amount=c.pledged_amount + amount, backer_count=c.backer_count + backers)
        )

    async def due_for_decision(self, now: datetime, *, limit: int) -> list[Campaign]:
        c = CAMPAIGNS.c
        rows = await self._session.execute(
            select(CAMPAIGNS)
            .where(
                c.tenant_id == self._tenant_id,
                c.status == CampaignStatus.LIVE.value,
                c.ends_at <= now,
                c.external_id.is_(None),  # a partner's campaigns are decided by the partner
            )
            .order_by(c.ends_at, c.id)
            .limit(limit)
        )
        return [campaign_from_row(r) for r in rows.all()]


# Reward tiers --------------------------------------------------------------------------


def _tier_values(tier: RewardTier) -> dict[str, Any]:
    """Everything but `claimed`, which only claim and release move."""
    return {
        "title": tier.title.as_dict(),
        "description": tier.description.as_dict(),
        "currency": tier.minimum.currency,
        "minimum": tier.minimum.amount,
        "kind": tier.kind.value,
        "quantity": tier.quantity,
        "estimated_delivery": tier.estimated_delivery,
    }


def tier_from_row(row: Any) -> RewardTier:
    return RewardTier(
        id=row.id,
        campaign_id=row.campaign_id,
        title=localized(row.title),
        minimum=Money(row.minimum, row.currency),
        kind=RewardKind(row.kind),
        description=localized(row.description),
        quantity=row.quantity,
        claimed=row.claimed,
        estimated_delivery=row.estimated_delivery,
    )


class SqlRewardTierRepository(_TenantRepository):
    def _mine(self, tier_id: UUID) -> list[Any]:
        return [TIERS.c.tenant_id == self._tenant_id, TIERS.c.id == tier_id]

    async def add(self, tier: RewardTier) -> None:
        with constraint_errors():
            await self._session.execute(
                insert(TIERS).values(
                    tenant_id=self._tenant_id,
                    id=tier.id,
                    campaign_id=tier.campaign_id,
                    claimed=tier.claimed,
                    **_tier_values(tier),
                )
            )

    async def get(self, tier_id: UUID) -> RewardTier | None:
        found = await self._session.execute(_TIER, {"b_tenant": self._tenant_id, "b_id": tier_id})
        row = found.one_or_none()
        return tier_from_row(row) if row else None

    async def of_campaign(self, campaign_id: UUID) -> list[RewardTier]:
        t = TIERS.c
        rows = await self._session.execute(
            select(TIERS)
            .where(t.tenant_id == self._tenant_id, t.campaign_id == campaign_id)
            .order_by(t.minimum, t.id)
        )
        return [tier_from_row(r) for r in rows.all()]

    async def update(self, tier: RewardTier, *, only_unclaimed: bool = False) -> bool:
        """A quantity below what is claimed breaks the stock check: a Conflict."""
        unclaimed = (TIERS.c.claimed == 0,) if only_unclaimed else ()
        with constraint_errors():
            result = await self._session.execute(
                update(TIERS).where(*self._mine(tier.id), *unclaimed).values(**_tier_values(tier))
            )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def remove(self, tier_id: UUID) -> bool:
        result = await self._session.execute(
            delete(TIERS).where(*self._mine(tier_id), TIERS.c.claimed == 0)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def claim(self, tier_id: UUID, campaign_id: UUID) -> bool:
        result = await self._session.execute(
            _CLAIM, {"b_tenant": self._tenant_id, "b_id": tier_id, "b_campaign": campaign_id}
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def release(self, tier_id: UUID) -> None:
        t = TIERS.c
        await self._session.execute(
            update(TIERS).where(*self._mine(tier_id), t.claimed > 0).values(claimed=t.claimed - 1)
        )


# Pledges -------------------------------------------------------------------------------


def _pledge_values(p: Pledge) -> dict[str, Any]:
    """What a replace writes: all but the pledge's identity (id, campaign, backer, time)."""
    return {
        "tier_id": p.tier_id,
        "currency": p.amount.currency,
        "amount": p.amount.amount,
        "refunded": p.refunded.amount if p.refunded is not None else None,
        "anonymous": p.anonymous,
        "status": p.status.value,
        "provider": p.provider,
        "payment_reference": p.payment_reference,
        "client_secret": p.client_secret,
        "customer_ref": p.customer_ref,
        "method_ref": p.method_ref,
        "charge_ref": p.charge_ref,
        "charge_attempts": p.charge_attempts,
        "next_charge_at": p.next_charge_at,
        "retry_until": p.retry_until,
        "updated_at": p.updated_at,
        "version": p.version,
    }


def pledge_from_row(row: Any) -> Pledge:
    currency = row.currency
    return Pledge(
        id=row.id,
        campaign_id=row.campaign_id,
        backer_id=row.backer_id,
        amount=Money(row.amount, currency),
        created_at=row.created_at,
        tier_id=row.tier_id,
        anonymous=row.anonymous,
        status=PledgeStatus(row.status),
        refunded=Money(row.refunded, currency) if row.refunded is not None else None,
        provider=row.provider,
        payment_reference=row.payment_reference,
        client_secret=row.client_secret,
        customer_ref=row.customer_ref,
        method_ref=row.method_ref,
        charge_ref=row.charge_ref,
        charge_attempts=row.charge_attempts,
        next_charge_at=row.next_charge_at,
        retry_until=row.retry_until,
        updated_at=row.updated_at,
        version=row.version,
    )


_PLEDGE_COLUMNS = [c for c in PLEDGES.c if c.name != "lease_until"]
_PLEDGE = select(*_PLEDGE_COLUMNS).where(_P.tenant_id == _TENANT, _P.id == bindparam("b_id"))
_COUNTED = (PledgeStatus.SECURED.value, PledgeStatus.CAPTURED.value)
_ENDED_UNSUCCESSFUL = (CampaignStatus.FAILED.value, CampaignStatus.CANCELLED.value)
_SUCCEEDED = (CampaignStatus.SUCCEEDED.value, CampaignStatus.PAID_OUT.value)


class SqlPledgeRepository(_TenantRepository):
    def _mine(self, pledge_id: UUID) -> list[Any]:
        return [PLEDGES.c.tenant_id == self._tenant_id, PLEDGES.c.id == pledge_id]

    async def add(self, pledge: Pledge) -> None:
        """A reference drawn twice fails this insert only: the caller may draw again in the
        same transaction. Without a reference (a pledge before its payment starts) no unique
        key can break, and no savepoint is needed (as `replace`): a pledge holds its campaign's
        row lock while it is added, so each round trip saved there counts on a busy one."""
        values = {
            "tenant_id": self._tenant_id,
            "id": pledge.id,
            "campaign_id": pledge.campaign_id,
            "backer_id": pledge.backer_id,
            "created_at": pledge.created_at,
            **_pledge_values(pledge),
        }
        if not pledge.payment_reference:
            with constraint_errors():
                await self._session.execute(_ADD_PLEDGE, values)
            return
        async with self._may_break_a_key():
            await self._session.execute(_ADD_PLEDGE, values)

    async def get(self, pledge_id: UUID) -> Pledge | None:
        found = await self._session.execute(
            _PLEDGE, {"b_tenant": self._tenant_id, "b_id": pledge_id}
        )
        row = found.one_or_none()
        return pledge_from_row(row) if row else None

    async def by_reference(self, provider: str, reference: str) -> Pledge | None:
        """The payment reference (a transfer reference, a setup id) or the charge's id."""
        if not reference:
            return None  # pledges before their payment started share the empty reference
        p = PLEDGES.c
        row = (
            await self._session.execute(
                select(*_PLEDGE_COLUMNS)
                .where(
                    p.tenant_id == self._tenant_id,
                    p.provider == provider,
                    or_(p.payment_reference == reference, p.charge_ref == reference),
                )
                .order_by(case((p.payment_reference == reference, 0), else_=1), p.id)
                .limit(1)
            )
        ).one_or_none()
        return pledge_from_row(row) if row else None

    async def replace(self, pledge: Pledge, *, expected_version: int) -> bool:
        """Ends a running lease: the new state completes (or overtakes) the step it was
        taken for, and its own next step may follow at once. PaymentReferenceTaken (as
        `add`, the transaction going on) when the new reference is another pledge's."""
        values = _pledge_values(pledge) | {
            "lease_until": None,
            "b_tenant": self._tenant_id,
            "b_id": pledge.id,
            "b_version": expected_version,
        }
        if not pledge.payment_reference:
            result = await self._session.execute(_REPLACE_PLEDGE, values)
        else:
            async with self._may_break_a_key():
                result = await self._session.execute(_REPLACE_PLEDGE, values)
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def _page(
        self, where: list[Any], limit: int, cursor: str | None
    ) -> tuple[list[Pledge], str | None]:
        p = PLEDGES.c
        query = select(*_PLEDGE_COLUMNS).where(p.tenant_id == self._tenant_id, *where)
        if cursor:
            at, last_id = read_instant_id_cursor(cursor)
            query = query.where(
                or_(p.created_at < at, and_(p.created_at == at, p.id < last_id)),
            )
        query = query.order_by(p.created_at.desc(), p.id.desc()).limit(limit + 1)
        rows = (await self._session.execute(query)).all()
        items = [pledge_from_row(r) for r in rows[:limit]]
        more = len(rows) > limit
        return items, instant_id_cursor(items[-1].created_at, items[-1].id) if more else None

    async def of_campaign(
        self, campaign_id: UUID, *, counted_only: bool, limit: int, cursor: str | None
    ) -> tuple[list[Pledge], str | None]:
        where = [PLEDGES.c.campaign_id == campaign_id]
        if counted_only:
            where.append(PLEDGES.c.status.in_(_COUNTED))
        return await self._page(where, limit, cursor)

    async def of_backer(
        self, backer_id: UUID, *, limit: int, cursor: str | None
    ) -> tuple[list[Pledge], str | None]:
        return await self._page([PLEDGES.c.backer_id == backer_id], limit, cursor)

    async def due_for_settlement(self, now: datetime, *, limit: int) -> list[SettlementItem]:
        """The rules of settlement.needs_step, as one statement."""
        p, c = PLEDGES.c, CAMPAIGNS.c
        secured = p.status == PledgeStatus.SECURED.value
        live = c.status == CampaignStatus.LIVE.value
        succeeded = c.status.in_(_SUCCEEDED)
        due = or_(
            # to charge: keep-it-all while live, any once the campaign succeeded; a failed
            # charge again when its next attempt is due
            and_(
                secured,
                or_(succeeded, and_(c.funding_model == FundingModel.KEEP_IT_ALL.value, live)),
                or_(p.next_charge_at.is_(None), p.next_charge_at <= now),
            ),
            and_(secured, ~live, ~succeeded),  # to release
            and_(  # to refund (not before a day after the provider refused one)
                p.status == PledgeStatus.CAPTURED.value,
                c.status.in_(_ENDED_UNSUCCESSFUL),
                p.amount - func.coalesce(p.refunded, 0) > 0,
                or_(p.next_charge_at.is_(None), p.next_charge_at <= now),
            ),
            and_(  # to cancel: the campaign ended first, or the payment never came
                p.status == PledgeStatus.PENDING.value,
                or_(
                    ~live,
                    and_(p.payment_reference == "", p.created_at <= now - UNFINISHED),
                    and_(p.provider != BANK_TRANSFER, p.created_at <= now - UNCONFIRMED_CARD),
                    and_(p.provider == BANK_TRANSFER, p.created_at <= now - UNPAID_TRANSFER),
                ),
            ),
        )
        rows = await self._session.execute(
            select(*_PLEDGE_COLUMNS, c.status.label("campaign_status"), c.funding_model)
            .join(CAMPAIGNS, and_(c.tenant_id == p.tenant_id, c.id == p.campaign_id))
            .where(
                p.tenant_id == self._tenant_id,
                p.status.in_(
                    (
                        PledgeStatus.SECURED.value,
                        PledgeStatus.CAPTURED.value,
                        PledgeStatus.PENDING.value,
                    )
                ),
                or_(p.lease_until.is_(None), p.lease_until <= now),
                due,
            )
            .order_by(p.created_at, p.id)
            .limit(limit)
        )
        return [
            SettlementItem(
                pledge=pledge_from_row(r),
                campaign_status=CampaignStatus(r.campaign_status),
                keep_it_all=r.funding_model == FundingModel.KEEP_IT_ALL.value,
            )
            for r in rows.all()
        ]

    async def lease(self, pledge_id: UUID, *, version: int, until: datetime, now: datetime) -> bool:
        p = PLEDGES.c
        result = await self._session.execute(
            update(PLEDGES)
            .where(
                *self._mine(pledge_id),
                p.version == version,
                or_(p.lease_until.is_(None), p.lease_until <= now),
            )
            .values(lease_until=until)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


# Refunds -------------------------------------------------------------------------------


def refund_from_row(row: Any) -> Refund:
    return Refund(
        id=row.id,
        pledge_id=row.pledge_id,
        campaign_id=row.campaign_id,
        amount=Money(row.amount, row.currency),
        created_at=row.created_at,
        requested_by=row.requested_by,
        status=RefundStatus(row.status),
        provider_ref=row.provider_ref,
        reason=row.reason,
    )


class SqlRefundRepository(_TenantRepository):
    def _mine(self) -> Any:
        return REFUNDS.c.tenant_id == self._tenant_id

    async def add(self, refund: Refund) -> None:
        with constraint_errors():
            await self._session.execute(
                insert(REFUNDS).values(
                    tenant_id=self._tenant_id,
                    id=refund.id,
                    pledge_id=refund.pledge_id,
                    campaign_id=refund.campaign_id,
                    currency=refund.amount.currency,
                    amount=refund.amount.amount,
                    requested_by=refund.requested_by,
                    status=refund.status.value,
                    provider_ref=refund.provider_ref,
                    reason=refund.reason,
                    created_at=refund.created_at,
                )
            )

    async def get(self, refund_id: UUID) -> Refund | None:
        row = (
            await self._session.execute(
                select(REFUNDS).where(self._mine(), REFUNDS.c.id == refund_id)
            )
        ).one_or_none()
        return refund_from_row(row) if row else None

    async def of_pledge(self, pledge_id: UUID) -> list[Refund]:
        r = REFUNDS.c
        rows = await self._session.execute(
            select(REFUNDS)
            .where(self._mine(), r.pledge_id == pledge_id)
            .order_by(r.created_at, r.id)
        )
        return [refund_from_row(row) for row in rows.all()]

    async def set_status(
        self,
        refund_id: UUID,
        status: RefundStatus,
        *,
        provider_ref: str = "",
        from_status: RefundStatus = RefundStatus.PENDING,
    ) -> bool:
        """An empty provider_ref keeps the one stored."""
        r = REFUNDS.c
        values: dict[str, Any] = {"status": status.value}
        if provider_ref:
            values["provider_ref"] = provider_ref
        result = await self._session.execute(
            update(REFUNDS)
            .where(self._mine(), r.id == refund_id, r.status == from_status.value)
            .values(**values)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def in_status(self, status: RefundStatus, *, limit: int) -> list[Refund]:
        r = REFUNDS.c
        rows = await self._session.execute(
            select(REFUNDS)
            .where(self._mine(), r.status == status.value)
            .order_by(r.created_at, r.id)
            .limit(limit)
        )
        return [refund_from_row(row) for row in rows.all()]

    async def pending(self, older_than: datetime, *, limit: int) -> list[Refund]:
        r = REFUNDS.c
        rows = await self._session.execute(
            select(REFUNDS)
            .where(self._mine(), r.status == RefundStatus.PENDING.value, r.created_at < older_than)
            .order_by(r.created_at, r.id)
            .limit(limit)
        )
        return [refund_from_row(row) for row in rows.all()]


# Idempotency-Keys and payment events ---------------------------------------------------


class SqlIdempotencyKeys(_TenantRepository):
    async def get(self, scope: str, key: str) -> StoredRequest | None:
        found = await self._session.execute(
            _KEY, {"b_tenant": self._tenant_id, "b_scope": scope, "b_key": key}
        )
        row = found.one_or_none()
        return StoredRequest(row.fingerprint, row.resource_id) if row else None

    async def add(self, scope: str, key: str, request: StoredRequest, at: datetime) -> None:
        """The key stored first by a racing request makes this insert do nothing (on
        PostgreSQL once that request commits): IdempotencyKeyTaken, and the caller reads that
        one. No error, so no savepoint, as SqlPaymentEventLog.first_time: a pledge holds its
        campaign's row lock while it stores its key."""
        stored = await self._session.execute(
            _ADD_KEY[self._session.bind.dialect.name],
            {
                "tenant_id": self._tenant_id,
                "scope": scope,
                "key": key,
                "fingerprint": request.fingerprint,
                "resource_id": request.resource_id,
                "created_at": at,
            },
        )
        if stored.first() is None:
            raise IdempotencyKeyTaken()


class SqlPaymentEventLog(_TenantRepository):
    async def first_time(self, provider: str, event_id: str, at: datetime) -> bool:
        """One INSERT that does nothing for a known event (on PostgreSQL, one noted by a
        concurrent delivery waits for that one's transaction): no error, no savepoint."""
        dialect = postgresql if self._session.bind.dialect.name == "postgresql" else sqlite
        noted = await self._session.execute(
            dialect.insert(EVENTS)
            .values(tenant_id=self._tenant_id, provider=provider, event_id=event_id, received_at=at)
            .on_conflict_do_nothing()
            .returning(EVENTS.c.event_id)
        )
        return noted.first() is not None


# What funding asks of the directory ----------------------------------------------------


class SqlDirectoryLookups(_TenantRepository):
    """Read only, from the directory's and identity's tables, in funding's transaction."""

    async def partner_key_active(self, key_id: UUID) -> bool:
        found = await self._session.scalar(
            select(ApiKeyRow.id).where(
                ApiKeyRow.tenant_id == self._tenant_id,
                ApiKeyRow.id == key_id,
                ApiKeyRow.revoked_at.is_(None),
            )
        )
        return found is not None

    async def category_exists(self, category_id: UUID) -> bool:
        found = await self._session.scalar(
            select(CategoryRow.id).where(
                CategoryRow.tenant_id == self._tenant_id, CategoryRow.id == category_id
            )
        )
        return found is not None

    async def business_team_role(self, business_id: UUID, account_id: UUID) -> str | None:
        b, r = BusinessRow.__table__.c, BusinessRoleRow.__table__.c
        row = (
            await self._session.execute(
                select(b.id, r.role)
                .select_from(BusinessRow.__table__)
                .outerjoin(
                    BusinessRoleRow.__table__,
                    and_(
                        r.tenant_id == b.tenant_id,
                        r.business_id == b.id,
                        r.account_id == account_id,
                    ),
                )
                .where(b.tenant_id == self._tenant_id, b.id == business_id)
            )
        ).one_or_none()
        if row is None:
            return None
        return row.role or ""

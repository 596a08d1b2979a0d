"""Directory tables and repositories: businesses, categories, offers, claims and business
roles. All tenant-owned: repositories are built for one tenant, and row-level security holds
them to `app.tenant_id` on PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from adapters.db.constraints import constraint_errors
from adapters.db.identity import AccountRow, BusinessRoleRow
from adapters.db.types import JsonDocument, UtcDateTime
from domain.directory.hours import OpeningHours, hours_from_text, weekly_as_text
from domain.directory.model import (
    Address,
    Business,
    BusinessClaim,
    BusinessKind,
    BusinessProfile,
    Category,
    ClaimStatus,
    Contact,
    GeoPoint,
    Offer,
)
from domain.identity.model import BusinessRole


def _tenant_fk() -> Any:
    return Field(sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False))


class CategoryRow(SQLModel, table=True):
    __tablename__ = "categories"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="categories_pkey"),
        UniqueConstraint("tenant_id", "key", name="categories_key_key"),
    )

    tenant_id: UUID = _tenant_fk()
    id: UUID
    key: str = Field(sa_column=Column(String(48), nullable=False))
    name: str = Field(sa_column=Column(String(80), nullable=False))
    parent_id: UUID | None = None
    position: int = Field(sa_column=Column(Integer, nullable=False))


class BusinessRow(SQLModel, table=True):
    __tablename__ = "businesses"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="businesses_pkey"),
        UniqueConstraint("tenant_id", "external_id", name="businesses_external_id_key"),
        Index("ix_businesses_location", "tenant_id", "lat", "lon"),
        Index("ix_businesses_name", "tenant_id", "name", "id"),
    )

    tenant_id: UUID = _tenant_fk()
    id: UUID
    external_id: str | None = Field(default=None, sa_column=Column(String(100)))
    name: str = Field(sa_column=Column(String(120), nullable=False))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    description: str = Field(sa_column=Column(Text, nullable=False))
    street: str = Field(sa_column=Column(String(200), nullable=False))
    postcode: str = Field(sa_column=Column(String(12), nullable=False))
    city: str = Field(sa_column=Column(String(100), nullable=False))
    lat: float | None = Field(default=None, sa_column=Column(Float))
    lon: float | None = Field(default=None, sa_column=Column(Float))
    phone: str = Field(sa_column=Column(String(30), nullable=False))
    email: str = Field(sa_column=Column(String(254), nullable=False))
    website_url: str | None = Field(default=None, sa_column=Column(String(2000)))
    shop_url: str | None = Field(default=None, sa_column=Column(String(2000)))
    delivers: bool = Field(sa_column=Column(Boolean, nullable=False))
    delivery_notes: str = Field(sa_column=Column(String(500), nullable=False))
    offers_pickup: bool = Field(sa_column=Column(Boolean, nullable=False))
    pickup_notes: str = Field(sa_column=Column(String(500), nullable=False))
    image_urls: list[str] = Field(sa_column=Column(JsonDocument, nullable=False))
    social_links: list[str] = Field(sa_column=Column(JsonDocument, nullable=False))
    opening_hours: dict[str, Any] = Field(sa_column=Column(JsonDocument, nullable=False))
    verified_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    hidden_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    hidden_reason: str = Field(sa_column=Column(String(500), nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))


class BusinessCategoryRow(SQLModel, table=True):
    __tablename__ = "business_categories"
    __table_args__ = (
        PrimaryKeyConstraint(
            "tenant_id", "business_id", "category_id", name="business_categories_pkey"
        ),
        ForeignKeyConstraint(
            ["tenant_id", "business_id"],
            ["businesses.tenant_id", "businesses.id"],
            ondelete="CASCADE",
            name="business_categories_business_fkey",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "category_id"],
            ["categories.tenant_id", "categories.id"],
            ondelete="CASCADE",
            name="business_categories_category_fkey",
        ),
        Index("ix_business_categories_category", "tenant_id", "category_id"),
    )

    tenant_id: UUID
    business_id: UUID
    category_id: UUID


class OfferRow(SQLModel, table=True):
    __tablename__ = "offers"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="offers_pkey"),
        ForeignKeyConstraint(
            ["tenant_id", "business_id"],
            ["businesses.tenant_id", "businesses.id"],
            ondelete="CASCADE",
            name="offers_business_fkey",
        ),
        Index("ix_offers_valid_until", "tenant_id", "valid_until"),
        Index("ix_offers_business", "tenant_id", "business_id"),
    )

    tenant_id: UUID
    id: UUID
    business_id: UUID
    title: str = Field(sa_column=Column(String(120), nullable=False))
    text: str = Field(sa_column=Column(String(2000), nullable=False))
    valid_from: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    valid_until: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    voucher_url: str | None = Field(default=None, sa_column=Column(String(2000)))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class BusinessClaimRow(SQLModel, table=True):
    __tablename__ = "business_claims"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="business_claims_pkey"),
        ForeignKeyConstraint(
            ["tenant_id", "business_id"],
            ["businesses.tenant_id", "businesses.id"],
            ondelete="CASCADE",
            name="business_claims_business_fkey",
        ),
    )

    tenant_id: UUID
    id: UUID
    business_id: UUID
    account_id: UUID = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    message: str = Field(sa_column=Column(String(1000), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    decided_by: UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("accounts.id", ondelete="SET NULL"))
    )


def hours_to_data(hours: OpeningHours) -> dict[str, Any]:
    return {
        "weekly": weekly_as_text(hours),
        "exceptions": [
            {"date": e.day.isoformat(), "ranges": [str(r) for r in e.ranges], "note": e.note}
            for e in hours.exceptions
        ],
    }


@lru_cache(maxsize=20_000)
def hours_from_json(text: str) -> OpeningHours:
    """Opening hours from their stored JSON text. Lists and the map read hundreds of rows a
    request and many businesses share their hours, so each distinct text is parsed once
    (OpeningHours is immutable)."""
    return hours_from_data(json.loads(text))


def hours_from_data(data: dict[str, Any]) -> OpeningHours:
    return hours_from_text(
        data.get("weekly", {}),
        [
            (date.fromisoformat(e["date"]), e["ranges"], e.get("note", ""))
            for e in data.get("exceptions", [])
        ],
    )


def profile_from_row(row: Any, category_ids: tuple[UUID, ...]) -> BusinessProfile:
    return BusinessProfile(
        name=row.name,
        kind=BusinessKind(row.kind),
        description=row.description,
        category_ids=category_ids,
        address=Address(row.street, row.postcode, row.city),
        location=GeoPoint(row.lat, row.lon) if row.lat is not None else None,
        contact=Contact(row.phone, row.email),
        website_url=row.website_url,
        shop_url=row.shop_url,
        delivers=row.delivers,
        delivery_notes=row.delivery_notes,
        offers_pickup=row.offers_pickup,
        pickup_notes=row.pickup_notes,
        image_urls=tuple(row.image_urls),
        social_links=tuple(row.social_links),
        opening_hours=hours_from_data(row.opening_hours),
    )


def _business_values(b: Business) -> dict[str, Any]:
    p = b.profile
    return {
        "external_id": b.external_id,
        "name": p.name,
        "kind": p.kind.value,
        "description": p.description,
        "street": p.address.street,
        "postcode": p.address.postcode,
        "city": p.address.city,
        "lat": p.location.lat if p.location else None,
        "lon": p.location.lon if p.location else None,
        "phone": p.contact.phone,
        "email": p.contact.email,
        "website_url": p.website_url,
        "shop_url": p.shop_url,
        "delivers": p.delivers,
        "delivery_notes": p.delivery_notes,
        "offers_pickup": p.offers_pickup,
        "pickup_notes": p.pickup_notes,
        "image_urls": list(p.image_urls),
        "social_links": list(p.social_links),
        "opening_hours": hours_to_data(p.opening_hours),
        "verified_at": b.verified_at,
        "hidden_at": b.hidden_at,
        "hidden_reason": b.hidden_reason,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
        "version": b.version,
    }


class _TenantRepository:
    def __init__(self, session: AsyncSession, tenant_id: UUID) -> None:
        self._session = session
        self._tenant_id = tenant_id


class SqlBusinessRepository(_TenantRepository):
    async def _categories(self, business_id: UUID) -> tuple[UUID, ...]:
        rows = await self._session.scalars(
            select(BusinessCategoryRow.category_id).where(
                BusinessCategoryRow.tenant_id == self._tenant_id,
                BusinessCategoryRow.business_id == business_id,
            )
        )
        return tuple(rows.all())

    async def _entity(self, row: BusinessRow) -> Business:
        return Business(
            id=row.id,
            tenant_id=row.tenant_id,
            profile=profile_from_row(row, await self._categories(row.id)),
            created_at=row.created_at,
            updated_at=row.updated_at,
            verified_at=row.verified_at,
            hidden_at=row.hidden_at,
            hidden_reason=row.hidden_reason,
            external_id=row.external_id,
            version=row.version,
        )

    async def _one(self, *where: Any) -> Business | None:
        row = await self._session.scalar(
            select(BusinessRow).where(BusinessRow.tenant_id == self._tenant_id, *where)
        )
        return await self._entity(row) if row else None

    async def get(self, business_id: UUID) -> Business | None:
        return await self._one(BusinessRow.id == business_id)

    async def get_by_external_id(self, external_id: str) -> Business | None:
        return await self._one(BusinessRow.external_id == external_id)

    async def _set_categories(self, business: Business) -> None:
        await self._session.execute(
            delete(BusinessCategoryRow).where(
                BusinessCategoryRow.tenant_id == self._tenant_id,
                BusinessCategoryRow.business_id == business.id,
            )
        )
        if business.profile.category_ids:
            await self._session.execute(
                insert(BusinessCategoryRow),
                [
                    {"tenant_id": self._tenant_id, "business_id": business.id, "category_id": c}
                    for c in business.profile.category_ids
                ],
            )

    async def add(self, business: Business) -> None:
        with constraint_errors():
            await self._session.execute(
                insert(BusinessRow).values(
                    tenant_id=self._tenant_id, id=business.id, **_business_values(business)
                )
            )
            await self._set_categories(business)

    async def update(self, business: Business, *, expected_version: int) -> bool:
        with constraint_errors():
            result = await self._session.execute(
                update(BusinessRow)
                .where(
                    BusinessRow.tenant_id == self._tenant_id,
                    BusinessRow.id == business.id,
                    BusinessRow.version == expected_version,
                )
                .values(**_business_values(business))
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            await self._set_categories(business)
        return True


class SqlBusinessRoleRepository(_TenantRepository):
    def _mine(self, business_id: UUID) -> list[Any]:
        return [
            BusinessRoleRow.tenant_id == self._tenant_id,
            BusinessRoleRow.business_id == business_id,
        ]

    async def role_of(self, business_id: UUID, account_id: UUID) -> BusinessRole | None:
        role = await self._session.scalar(
            select(BusinessRoleRow.role).where(
                *self._mine(business_id), BusinessRoleRow.account_id == account_id
            )
        )
        return BusinessRole(role) if role else None

    async def team(self, business_id: UUID) -> list[tuple[UUID, str, BusinessRole]]:
        rows = await self._session.execute(
            select(BusinessRoleRow.account_id, AccountRow.display_name, BusinessRoleRow.role)
            .join(AccountRow, AccountRow.id == BusinessRoleRow.account_id)
            .where(*self._mine(business_id))
            .order_by(BusinessRoleRow.created_at, BusinessRoleRow.account_id)
        )
        return [(a, name, BusinessRole(r)) for a, name, r in rows.all()]

    async def set_role(
        self, business_id: UUID, account_id: UUID, role: BusinessRole, at: datetime
    ) -> None:
        changed = await self._session.execute(
            update(BusinessRoleRow)
            .where(*self._mine(business_id), BusinessRoleRow.account_id == account_id)
            .values(role=role.value)
        )
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            with constraint_errors():
                await self._session.execute(
                    insert(BusinessRoleRow).values(
                        tenant_id=self._tenant_id,
                        business_id=business_id,
                        account_id=account_id,
                        role=role.value,
                        created_at=at,
                    )
                )

    async def remove(self, business_id: UUID, account_id: UUID) -> None:
        await self._session.execute(
            delete(BusinessRoleRow).where(
                *self._mine(business_id), BusinessRoleRow.account_id == account_id
            )
        )

    async def count_owners(self, business_id: UUID) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(BusinessRoleRow)
            .where(*self._mine(business_id), BusinessRoleRow.role == BusinessRole.OWNER.value)
        )
        return int(count or 0)


def category_from_row(row: Any) -> Category:
    return Category(row.id, row.tenant_id, row.key, row.name, row.parent_id, row.position)


class SqlCategoryRepository(_TenantRepository):
    async def list(self) -> list[Category]:
        rows = await self._session.execute(
            select(CategoryRow.__table__).where(CategoryRow.tenant_id == self._tenant_id)
        )
        return [category_from_row(r) for r in rows.all()]

    async def get(self, category_id: UUID) -> Category | None:
        return next((c for c in await self.list() if c.id == category_id), None)

    async def add(self, category: Category) -> None:
        with constraint_errors():
            await self._session.execute(insert(CategoryRow).values(**vars(category)))

    async def update(self, category: Category) -> None:
        with constraint_errors():
            await self._session.execute(
                update(CategoryRow)
                .where(CategoryRow.tenant_id == self._tenant_id, CategoryRow.id == category.id)
                .values(
                    key=category.key,
                    name=category.name,
                    parent_id=category.parent_id,
                    position=category.position,
                )
            )

    async def remove(self, category_id: UUID) -> None:
        await self._session.execute(
            delete(CategoryRow).where(
                CategoryRow.tenant_id == self._tenant_id, CategoryRow.id == category_id
            )
        )


def offer_from_row(row: Any) -> Offer:
    return Offer(
        id=row.id,
        tenant_id=row.tenant_id,
        business_id=row.business_id,
        title=row.title,
        text=row.text,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        created_at=row.created_at,
        voucher_url=row.voucher_url,
    )


class SqlOfferRepository(_TenantRepository):
    async def get(self, offer_id: UUID) -> Offer | None:
        row = await self._session.scalar(
            select(OfferRow).where(OfferRow.tenant_id == self._tenant_id, OfferRow.id == offer_id)
        )
        return offer_from_row(row) if row else None

    async def add(self, offer: Offer) -> None:
        with constraint_errors():
            await self._session.execute(insert(OfferRow).values(**vars(offer)))

    async def update(self, offer: Offer) -> None:
        values = vars(offer).copy()
        for key in ("id", "tenant_id", "business_id", "created_at"):
            values.pop(key)
        await self._session.execute(
            update(OfferRow)
            .where(OfferRow.tenant_id == self._tenant_id, OfferRow.id == offer.id)
            .values(**values)
        )

    async def remove(self, offer_id: UUID) -> None:
        await self._session.execute(
            delete(OfferRow).where(OfferRow.tenant_id == self._tenant_id, OfferRow.id == offer_id)
        )


def claim_from_row(row: Any) -> BusinessClaim:
    return BusinessClaim(
        id=row.id,
        tenant_id=row.tenant_id,
        business_id=row.business_id,
        account_id=row.account_id,
        message=row.message,
        created_at=row.created_at,
        status=ClaimStatus(row.status),
        decided_at=row.decided_at,
        decided_by=row.decided_by,
    )


class SqlClaimRepository(_TenantRepository):
    def _mine(self) -> Any:
        return BusinessClaimRow.tenant_id == self._tenant_id

    async def get(self, claim_id: UUID) -> BusinessClaim | None:
        row = await self._session.scalar(
            select(BusinessClaimRow).where(self._mine(), BusinessClaimRow.id == claim_id)
        )
        return claim_from_row(row) if row else None

    async def pending_of(self, business_id: UUID, account_id: UUID) -> BusinessClaim | None:
        row = await self._session.scalar(
            select(BusinessClaimRow).where(
                self._mine(),
                BusinessClaimRow.business_id == business_id,
                BusinessClaimRow.account_id == account_id,
                BusinessClaimRow.status == ClaimStatus.PENDING.value,
            )
        )
        return claim_from_row(row) if row else None

    async def list(self, status: ClaimStatus | None) -> list[BusinessClaim]:
        query = select(BusinessClaimRow).where(self._mine())
        if status is not None:
            query = query.where(BusinessClaimRow.status == status.value)
        rows = await self._session.scalars(
            query.order_by(BusinessClaimRow.created_at, BusinessClaimRow.id).limit(500)
        )
        return [claim_from_row(r) for r in rows.all()]

    async def add(self, claim: BusinessClaim) -> None:
        values = vars(claim).copy()
        values["status"] = claim.status.value
        with constraint_errors():
            await self._session.execute(insert(BusinessClaimRow).values(**values))

    async def update(self, claim: BusinessClaim) -> None:
        await self._session.execute(
            update(BusinessClaimRow)
            .where(self._mine(), BusinessClaimRow.id == claim.id)
            .values(
                status=claim.status.value, decided_at=claim.decided_at, decided_by=claim.decided_by
            )
        )

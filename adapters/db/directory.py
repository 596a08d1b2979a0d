"""Directory tables and repositories: businesses, categories, offers, claims and business
roles. All tenant-owned: repositories are built for one tenant, and row-level security holds
them to `app.tenant_id` on PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    JSON,
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
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from adapters.db.collation import GERMAN
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
from domain.languages import LocalizedText


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
    name: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))  # locale -> text
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
    # Texts for people: JSON documents of locale -> text (localized below).
    description: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))
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
    delivery_notes: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))
    offers_pickup: bool = Field(sa_column=Column(Boolean, nullable=False))
    pickup_notes: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))
    image_urls: list[str] = Field(sa_column=Column(JsonDocument, nullable=False))
    # The media it shows, in order (their rows say they are attached to it).
    image_ids: list[str] = Field(
        default_factory=list,
        sa_column=Column(JsonDocument, nullable=False, server_default=text("'[]'")),
    )
    social_links: list[str] = Field(sa_column=Column(JsonDocument, nullable=False))
    opening_hours: dict[str, Any] = Field(sa_column=Column(JsonDocument, nullable=False))
    verified_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    hidden_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    hidden_reason: str = Field(sa_column=Column(String(500), nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))


# Lists page by (name in German order, id). The index ix_businesses_name holds `name` in that
# collation (migration 0005; reflected, it shows as a plain column, so the model lists it so),
# and a query must name the same collation for the index to give the order and the cursor.
name_in_german_order = BusinessRow.name.collate(GERMAN)  # type: ignore[attr-defined]


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
    title: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))
    text: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))
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


@lru_cache(maxsize=20_000)
def hours_to_data(hours: OpeningHours) -> dict[str, Any]:
    """Opening hours as stored. Imports write thousands of rows that share a few schedules,
    so each distinct one is written out once (callers only serialise the answer)."""
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


def localized(document: dict[str, str]) -> LocalizedText:
    """A stored text: its languages by locale, whatever order the database keeps them in
    (JSONB has its own), so fakes and both databases hand back the same."""
    return LocalizedText.of(dict(sorted(document.items())))


def profile_from_row(
    row: Any, category_ids: tuple[UUID, ...], hours: OpeningHours | None = None
) -> BusinessProfile:
    return BusinessProfile(
        name=row.name,
        kind=BusinessKind(row.kind),
        description=localized(row.description),
        category_ids=category_ids,
        address=Address(row.street, row.postcode, row.city),
        location=GeoPoint(row.lat, row.lon) if row.lat is not None else None,
        contact=Contact(row.phone, row.email),
        website_url=row.website_url,
        shop_url=row.shop_url,
        delivers=row.delivers,
        delivery_notes=localized(row.delivery_notes),
        offers_pickup=row.offers_pickup,
        pickup_notes=localized(row.pickup_notes),
        image_ids=tuple(UUID(i) for i in row.image_ids),
        image_urls=tuple(row.image_urls),
        social_links=tuple(row.social_links),
        opening_hours=hours_from_data(row.opening_hours) if hours is None else hours,
    )


def business_from_row(
    row: Any, category_ids: tuple[UUID, ...], hours: OpeningHours | None = None
) -> Business:
    return Business(
        id=row.id,
        tenant_id=row.tenant_id,
        profile=profile_from_row(row, category_ids, hours),
        created_at=row.created_at,
        updated_at=row.updated_at,
        verified_at=row.verified_at,
        hidden_at=row.hidden_at,
        hidden_reason=row.hidden_reason,
        external_id=row.external_id,
        version=row.version,
    )


_EDITED_NAMES = {"updated_at", "version"} | {
    "name", "kind", "description", "street", "postcode", "city", "lat", "lon", "phone",
    "email", "website_url", "shop_url", "delivers", "delivery_notes", "offers_pickup",
    "pickup_notes", "image_ids", "image_urls", "social_links", "opening_hours",
}  # fmt: skip
_ROWS_PER_STATEMENT = 1000  # well below the bind parameter limits of both databases


def _business_values(b: Business) -> dict[str, Any]:
    return {
        "external_id": b.external_id,
        **_edited_values(b),
        "verified_at": b.verified_at,
        "hidden_at": b.hidden_at,
        "hidden_reason": b.hidden_reason,
        "created_at": b.created_at,
    }


def _edited_values(b: Business) -> dict[str, Any]:
    """The columns an edit of the profile changes."""
    p = b.profile
    return {
        "name": p.name,
        "kind": p.kind.value,
        "description": p.description.as_dict(),
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
        "delivery_notes": p.delivery_notes.as_dict(),
        "offers_pickup": p.offers_pickup,
        "pickup_notes": p.pickup_notes.as_dict(),
        "image_ids": [str(i) for i in p.image_ids],
        "image_urls": list(p.image_urls),
        "social_links": list(p.social_links),
        "opening_hours": hours_to_data(p.opening_hours),
        "updated_at": b.updated_at,
        "version": b.version,
    }


_EDITED_COLUMNS = tuple(c for c in BusinessRow.__table__.c if c.name in _EDITED_NAMES)
# As text, so each distinct schedule is parsed once (hours_from_json).
_HOURS_TEXT = cast(BusinessRow.__table__.c.opening_hours, Text).label("opening_hours_text")

# PostgreSQL takes a batch as one array per column, unnested into rows: one statement text
# for any batch size, prepared once, where a multi-row VALUES is compiled anew for every batch
# (half an update's time) and executemany converts every row's parameters in Python.
_ARRAY_TYPES = {
    # VARCHAR without its length: a CAST would cut a long value short, a column refuses it.
    c.name: re.sub(r"\(\d+\)", "", c.type.compile(dialect=postgresql.dialect()))
    for c in BusinessRow.__table__.c
    if c.name != "tenant_id"  # a scalar parameter (and typed only by its foreign key)
} | {"expected": "INTEGER"}
_JSON_COLUMNS = {c.name for c in BusinessRow.__table__.c if isinstance(c.type, JSON)}


def _unnest(names: Sequence[str]) -> str:
    arrays = ", ".join(f"CAST(:{n} AS {_ARRAY_TYPES[n]}[])" for n in names)
    return f"unnest({arrays}) AS given({', '.join(names)})"


def _as_arrays(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {
        name: [json.dumps(r[name]) if name in _JSON_COLUMNS else r[name] for r in rows]
        for name in rows[0]
    }


_INSERTED = [
    "id", "external_id", *(c.name for c in _EDITED_COLUMNS),
    "verified_at", "hidden_at", "hidden_reason", "created_at",
]  # fmt: skip
_INSERT_FROM_ARRAYS = text(
    f"INSERT INTO businesses (tenant_id, {', '.join(_INSERTED)}) "
    f"SELECT :tenant_id, {', '.join(_INSERTED)} FROM {_unnest(_INSERTED)}"
)
_EDITED = [c.name for c in _EDITED_COLUMNS]
_UPDATE_FROM_ARRAYS = text(
    f"UPDATE businesses AS b SET {', '.join(f'{n} = given.{n}' for n in _EDITED)} "
    f"FROM {_unnest(['id', 'expected', *_EDITED])} "
    "WHERE b.tenant_id = :tenant_id AND b.id = given.id AND b.version = given.expected "
    "RETURNING b.id"
)
_LINK_FROM_ARRAYS = text(
    "INSERT INTO business_categories (tenant_id, business_id, category_id) "
    "SELECT :tenant_id, business_id, category_id FROM "
    "unnest(CAST(:business_id AS UUID[]), CAST(:category_id AS UUID[])) "
    "AS given(business_id, category_id)"
)


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
        return business_from_row(row, await self._categories(row.id))

    async def _categories_of(self, business_ids: list[UUID]) -> dict[UUID, list[UUID]]:
        rows = await self._session.execute(
            select(BusinessCategoryRow.business_id, BusinessCategoryRow.category_id).where(
                BusinessCategoryRow.tenant_id == self._tenant_id,
                BusinessCategoryRow.business_id.in_(business_ids),  # type: ignore[attr-defined]
            )
        )
        found: dict[UUID, list[UUID]] = {}
        for business_id, category_id in rows.all():
            found.setdefault(business_id, []).append(category_id)
        return found

    async def by_external_ids(self, external_ids: Collection[str]) -> dict[str, Business]:
        """Category ids come sorted, so a profile compares equal whatever order they were
        stored in."""
        if not external_ids:
            return {}
        table = BusinessRow.__table__
        if self._session.bind.dialect.name == "postgresql":
            await self._plan_afresh()
            rows = (await self._session.execute(self._joined_with(list(external_ids)))).all()
        else:
            rows = (
                await self._session.execute(
                    select(table, _HOURS_TEXT).where(
                        table.c.tenant_id == self._tenant_id,
                        table.c.external_id.in_(list(external_ids)),
                    )
                )
            ).all()
        categories = await self._categories_of([r.id for r in rows]) if rows else {}
        return {
            r.external_id: business_from_row(
                r, tuple(sorted(categories.get(r.id, ()))), hours_from_json(r.opening_hours_text)
            )
            for r in rows
        }

    def _joined_with(self, external_ids: list[str]) -> Any:
        """The ids as a table joined to the tenant's businesses. A table the statistics have
        not seen yet (a fresh database, a new tenant's first import) looks tiny to the planner,
        and for `external_id IN (...)` or a probe per id it may then pick any index that leads
        with the tenant, reading all the tenant's rows once per id. As a join its worst plan
        reads them once per batch (hashing the ids); its best probes the unique index."""
        table = BusinessRow.__table__
        given = (
            func.unnest(bindparam("external_ids", external_ids, type_=ARRAY(String())))
            .table_valued("external_id")
            .render_derived(name="given")
        )
        return (
            select(table, _HOURS_TEXT)
            .select_from(given)
            .join(
                table,
                (table.c.tenant_id == self._tenant_id)
                & (table.c.external_id == given.c.external_id),
            )
        )

    async def _plan_afresh(self) -> None:
        """PostgreSQL keeps a statement's generic plan, and a foreign-key check's, for the
        connection's life: made while a table was tiny (a fresh database), it is a scan of the
        whole table, and each later batch then reads all of it again (per row, for the
        checks), so an import slows down as it goes. Bulk reads and writes have their
        statements planned anew, for this transaction only."""
        if self._session.bind.dialect.name == "postgresql":
            await self._session.execute(
                text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)")
            )

    async def add_many(self, businesses: Sequence[Business]) -> None:
        if not businesses:
            return
        await self._plan_afresh()
        rows = [{"id": b.id, **_business_values(b)} for b in businesses]
        with constraint_errors():
            if self._session.bind.dialect.name == "postgresql":
                await self._session.execute(
                    _INSERT_FROM_ARRAYS, {"tenant_id": self._tenant_id} | _as_arrays(rows)
                )
            else:
                await self._session.execute(
                    insert(BusinessRow.__table__),
                    [{"tenant_id": self._tenant_id} | row for row in rows],
                )
            await self._insert_categories(businesses)

    async def update_many(self, edits: Sequence[tuple[Business, int]]) -> bool:
        if not edits:
            return True
        await self._plan_afresh()
        with constraint_errors():
            for start in range(0, len(edits), _ROWS_PER_STATEMENT):
                chunk = edits[start : start + _ROWS_PER_STATEMENT]
                if self._session.bind.dialect.name == "postgresql":
                    written = await self._update_from_arrays(chunk)
                else:
                    written = await self._update_each(chunk)
                if written != len(chunk):
                    return False
            businesses = [b for b, _ in edits]
            await self._session.execute(
                delete(BusinessCategoryRow).where(
                    BusinessCategoryRow.tenant_id == self._tenant_id,
                    BusinessCategoryRow.business_id.in_([b.id for b in businesses]),  # type: ignore[attr-defined]
                )
            )
            await self._insert_categories(businesses)
        return True

    async def _update_from_arrays(self, edits: Sequence[tuple[Business, int]]) -> int:
        """RETURNING says which rows matched their version (asyncpg reports no row counts
        for executemany)."""
        rows = [{"id": b.id, "expected": v} | _edited_values(b) for b, v in edits]
        written = await self._session.execute(
            _UPDATE_FROM_ARRAYS, {"tenant_id": self._tenant_id} | _as_arrays(rows)
        )
        return len(written.all())

    async def _update_each(self, edits: Sequence[tuple[Business, int]]) -> int:
        table = BusinessRow.__table__
        written = await self._session.execute(
            update(table).where(
                table.c.tenant_id == bindparam("b_tenant"),
                table.c.id == bindparam("b_id"),
                table.c.version == bindparam("b_expected"),
            ),
            [
                {"b_tenant": self._tenant_id, "b_id": b.id, "b_expected": expected}
                | _edited_values(b)
                for b, expected in edits
            ],
        )
        return int(written.rowcount)  # type: ignore[attr-defined]

    async def _insert_categories(self, businesses: Sequence[Business]) -> None:
        links = [
            {"tenant_id": self._tenant_id, "business_id": b.id, "category_id": c}
            for b in businesses
            for c in b.profile.category_ids
        ]
        if not links:
            return
        if self._session.bind.dialect.name == "postgresql":
            await self._session.execute(
                _LINK_FROM_ARRAYS,
                {
                    "tenant_id": self._tenant_id,
                    "business_id": [link["business_id"] for link in links],
                    "category_id": [link["category_id"] for link in links],
                },
            )
            return
        await self._session.execute(insert(BusinessCategoryRow.__table__), links)

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
        await self._insert_categories([business])

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

    async def remove(self, business_id: UUID) -> None:
        """Its roles, categories, offers and claims go with it (foreign keys cascade)."""
        await self._session.execute(
            delete(BusinessRow).where(
                BusinessRow.tenant_id == self._tenant_id, BusinessRow.id == business_id
            )
        )


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
    return Category(
        row.id, row.tenant_id, row.key, localized(row.name), row.parent_id, row.position
    )


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
            # The repository's tenant, whatever the entity says: no write lands in another.
            values = vars(category) | {"tenant_id": self._tenant_id}
            values["name"] = category.name.as_dict()
            await self._session.execute(insert(CategoryRow).values(**values))

    async def update(self, category: Category) -> None:
        with constraint_errors():
            await self._session.execute(
                update(CategoryRow)
                .where(CategoryRow.tenant_id == self._tenant_id, CategoryRow.id == category.id)
                .values(
                    key=category.key,
                    name=category.name.as_dict(),
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
        title=localized(row.title),
        text=localized(row.text),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        created_at=row.created_at,
        voucher_url=row.voucher_url,
    )


def _offer_values(offer: Offer) -> dict[str, Any]:
    return vars(offer) | {"title": offer.title.as_dict(), "text": offer.text.as_dict()}


class SqlOfferRepository(_TenantRepository):
    async def get(self, offer_id: UUID) -> Offer | None:
        row = await self._session.scalar(
            select(OfferRow).where(OfferRow.tenant_id == self._tenant_id, OfferRow.id == offer_id)
        )
        return offer_from_row(row) if row else None

    async def add(self, offer: Offer) -> None:
        with constraint_errors():
            await self._session.execute(insert(OfferRow).values(**_offer_values(offer)))

    async def update(self, offer: Offer) -> None:
        values = _offer_values(offer)
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

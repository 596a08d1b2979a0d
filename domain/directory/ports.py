"""Ports of the directory: repositories for writes, and a read port for lists and the
businesses that discovery shows on the map (read models straight from SQL). The search index
a unit of work writes is discovery's port."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.directory.hours import OpeningHours
from domain.directory.model import (
    Business,
    BusinessClaim,
    BusinessKind,
    Category,
    ClaimStatus,
    Offer,
)
from domain.discovery.ports import SearchIndex
from domain.geo import BoundingBox, GeoPoint
from domain.identity.model import BusinessRole, Membership
from domain.media.attachments import AttachableMedia
from domain.ports import UnitOfWork


class BusinessRepository(Protocol):
    """Built for one tenant."""

    async def get(self, business_id: UUID) -> Business | None: ...

    async def get_by_external_id(self, external_id: str) -> Business | None: ...

    async def add(self, business: Business) -> None: ...

    async def update(self, business: Business, *, expected_version: int) -> bool:
        """False if the stored version is no longer `expected_version` (a concurrent edit)."""
        ...

    async def remove(self, business_id: UUID) -> None:
        """With its roles, categories, offers and claims."""
        ...

    # In bulk, for imports: a statement or two per batch instead of several per business.

    async def by_external_ids(self, external_ids: Collection[str]) -> dict[str, Business]: ...

    async def add_many(self, businesses: Sequence[Business]) -> None: ...

    async def update_many(self, edits: Sequence[tuple[Business, int]]) -> bool:
        """Each business with the version it was read at; False if any stored version is no
        longer that (nothing may then be committed)."""
        ...


class BusinessRoleRepository(Protocol):
    async def role_of(self, business_id: UUID, account_id: UUID) -> BusinessRole | None: ...

    async def team(self, business_id: UUID) -> list[tuple[UUID, str, BusinessRole]]:
        """(account id, display name, role) of everyone with a role on the business."""
        ...

    async def set_role(
        self, business_id: UUID, account_id: UUID, role: BusinessRole, at: datetime
    ) -> None: ...

    async def remove(self, business_id: UUID, account_id: UUID) -> None: ...

    async def count_owners(self, business_id: UUID) -> int: ...


class CategoryRepository(Protocol):
    async def list(self) -> list[Category]: ...

    async def get(self, category_id: UUID) -> Category | None: ...

    async def add(self, category: Category) -> None: ...

    async def update(self, category: Category) -> None: ...

    async def remove(self, category_id: UUID) -> None: ...


class OfferRepository(Protocol):
    async def get(self, offer_id: UUID) -> Offer | None: ...

    async def add(self, offer: Offer) -> None: ...

    async def update(self, offer: Offer) -> None: ...

    async def remove(self, offer_id: UUID) -> None: ...


class ClaimRepository(Protocol):
    async def get(self, claim_id: UUID) -> BusinessClaim | None: ...

    async def pending_of(self, business_id: UUID, account_id: UUID) -> BusinessClaim | None: ...

    async def list(self, status: ClaimStatus | None) -> list[BusinessClaim]: ...

    async def add(self, claim: BusinessClaim) -> None: ...

    async def update(self, claim: BusinessClaim) -> None: ...


class MemberLookup(Protocol):
    """Identity's answer to the directory: is this account a member of the tenant?"""

    async def get(self, account_id: UUID) -> Membership | None: ...


class DirectoryUnitOfWork(UnitOfWork, Protocol):
    tenant_id: UUID
    locales: tuple[str, ...]  # the tenant's languages, its default first
    businesses: BusinessRepository
    business_roles: BusinessRoleRepository
    categories: CategoryRepository
    offers: OfferRepository
    claims: ClaimRepository
    search_index: SearchIndex
    members: MemberLookup
    media: AttachableMedia  # the images businesses show (media's repository, this transaction)


# Read models and the read port.


@dataclass(frozen=True)
class BusinessFilter:
    kinds: tuple[BusinessKind, ...] = ()
    # A business in any of them (a top level includes its children), named by id or by key.
    category_ids: tuple[UUID, ...] = ()
    category_keys: tuple[str, ...] = ()
    verified_only: bool = False
    include_hidden: bool = False
    delivers: bool | None = None


@dataclass(frozen=True)
class BusinessSummary:
    """One business in a list or on the map."""

    id: UUID
    name: str
    kind: BusinessKind
    category_ids: tuple[UUID, ...]
    location: GeoPoint | None
    city: str
    verified: bool
    hidden: bool
    opening_hours: OpeningHours
    delivers: bool
    offers_pickup: bool
    distance_m: float | None = None


@dataclass(frozen=True)
class Page:
    items: list = field(default_factory=list)
    next_cursor: str | None = None


class DirectoryReads(Protocol):
    """Read models for one tenant, straight from SQL."""

    async def list_businesses(
        self, where: BusinessFilter, *, limit: int, cursor: str | None
    ) -> Page: ...

    async def businesses_in_box(
        self, box: BoundingBox, where: BusinessFilter, *, limit: int
    ) -> list[BusinessSummary]:
        """Those with a location in the box (edges included; across the antimeridian too),
        the lowest ids first."""
        ...

    async def businesses_near(
        self, centre: GeoPoint, radius_m: float, where: BusinessFilter, *, limit: int
    ) -> list[BusinessSummary]:
        """Within the radius (across the antimeridian too), nearest first, the lower id
        first at equal distance, each with its distance."""
        ...

    async def categories_of(self, business_ids: list[UUID]) -> dict[UUID, list[Category]]: ...

    async def category_ids_by_key(self, keys: tuple[str, ...]) -> list[UUID]:
        """The ids of the categories with these keys (unknown keys are left out)."""
        ...

    async def categories_within(self, ids: tuple[UUID, ...], keys: tuple[str, ...]) -> list[UUID]:
        """The ids of the categories named by id or key and of their children (unknown ones
        left out), in no particular order."""
        ...

    async def current_offers(
        self, now: datetime, *, business_ids: list[UUID] | None, limit: int, cursor: str | None
    ) -> Page: ...


@dataclass(frozen=True)
class OpenDataBusiness:
    """A business as open data shows it: the listing, never its contact or team."""

    id: UUID
    name: str
    kind: str
    category_keys: tuple[str, ...]
    street: str
    postcode: str
    city: str
    location: GeoPoint | None
    website_url: str | None
    shop_url: str | None
    delivers: bool
    offers_pickup: bool
    opening_hours: OpeningHours
    verified: bool
    updated_at: datetime


class OpenDataReads(Protocol):
    async def open_data_businesses(self) -> list[OpenDataBusiness]: ...

"""GraphQL types of the directory (businesses, categories, offers, claims, teams) and how
domain objects become them. Relations resolve through the DataLoaders in loaders.py.

Texts for people resolve to one string in the request's language (else the tenant's first);
each has its `...Language` (the language shown, null without text) and `...Translations` (every
language), as REST's `languages` and `translations` and as media's `alt`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

import strawberry

from api.directory_input import fields_of
from api.graphql.context import Info
from api.graphql.directory_inputs import BusinessKindEnum
from api.graphql.languages import (
    EVERY_LANGUAGE,
    IN_LANGUAGE,
    SHOWN_LANGUAGE,
    Translation,
    translations,
)
from api.graphql.loaders import load_categories, load_current_offers
from api.graphql.media import Media, media_from
from api.languages import Language, shown_texts
from domain.directory import categories, model
from domain.directory.businesses import BusinessView
from domain.directory.model import BUSINESS_TEXTS, CATEGORY_TEXTS, OFFER_TEXTS, ClaimStatus
from domain.directory.ports import BusinessSummary
from domain.identity.model import BusinessRole

CategoryRefs = Annotated[
    list[str] | None,
    strawberry.argument(description="Category ids or keys; a top level includes its children"),
]
BusinessRoleEnum = strawberry.enum(BusinessRole, name="BusinessRole")
ClaimStatusEnum = strawberry.enum(ClaimStatus, name="ClaimStatus")


@strawberry.type
class Category:
    id: UUID
    key: str
    name: str = strawberry.field(description=IN_LANGUAGE)
    parent_id: UUID | None
    name_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    name_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)


@strawberry.type
class CategoryNode:
    id: UUID
    key: str
    name: str = strawberry.field(description=IN_LANGUAGE)
    children: list[Category]
    name_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    name_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)


@strawberry.type
class Offer:
    id: UUID
    business_id: UUID
    title: str = strawberry.field(description=IN_LANGUAGE)
    text: str = strawberry.field(description=IN_LANGUAGE)
    valid_from: datetime
    valid_until: datetime
    voucher_url: str | None
    title_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    title_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)
    text_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    text_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)


@strawberry.type
class Business:
    id: UUID
    name: str
    kind: BusinessKindEnum  # type: ignore[valid-type]
    city: str
    lat: float | None
    lon: float | None
    verified: bool
    open_now: bool
    next_opening: datetime | None

    @strawberry.field(description="Through a DataLoader: one query for the whole page")
    async def categories(self, info: Info) -> list[Category]:
        return await categories_of(self.id, info)

    @strawberry.field(description="Current offers, through a DataLoader")
    async def offers(self, info: Info) -> list[Offer]:
        return await offers_of(self.id, info)


@strawberry.type
class Address:
    street: str
    postcode: str
    city: str


@strawberry.type
class DayHours:
    day: str
    ranges: list[str]


@strawberry.type
class HoursException:
    date: date
    ranges: list[str]
    note: str


@strawberry.type
class OpeningHours:
    weekly: list[DayHours]
    exceptions: list[HoursException]


@strawberry.type(description="A business in full, as GET /v1/businesses/{id} shows it")
class BusinessDetail:
    id: UUID
    version: int = strawberry.field(description="Give it back as expectedVersion when editing")
    name: str
    kind: BusinessKindEnum  # type: ignore[valid-type]
    description: str = strawberry.field(description=IN_LANGUAGE)
    address: Address
    lat: float | None
    lon: float | None
    phone: str
    email: str
    website_url: str | None
    shop_url: str | None
    delivers: bool
    delivery_notes: str = strawberry.field(description=IN_LANGUAGE)
    offers_pickup: bool
    pickup_notes: str = strawberry.field(description=IN_LANGUAGE)
    image_ids: list[UUID] = strawberry.field(description="The uploaded images it shows, in order")
    images: list[Media] = strawberry.field(description="Those images, with variants and alt text")
    image_urls: list[str] = strawberry.field(
        description="Images elsewhere on the web (before uploads); prefer images"
    )
    social_links: list[str]
    opening_hours: OpeningHours
    timezone: str
    open_now: bool
    closes_at: datetime | None
    next_opening: datetime | None
    verified: bool
    hidden: bool
    external_id: str | None
    your_role: BusinessRoleEnum | None  # type: ignore[valid-type]
    description_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    description_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)
    delivery_notes_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    delivery_notes_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)
    pickup_notes_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    pickup_notes_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)

    @strawberry.field(description="Through a DataLoader")
    async def categories(self, info: Info) -> list[Category]:
        return await categories_of(self.id, info)

    @strawberry.field(description="Current offers, through a DataLoader")
    async def offers(self, info: Info) -> list[Offer]:
        return await offers_of(self.id, info)


@strawberry.type
class BusinessClaim:
    id: UUID
    business_id: UUID
    account_id: UUID
    message: str
    status: ClaimStatusEnum  # type: ignore[valid-type]
    created_at: datetime
    decided_at: datetime | None


@strawberry.type
class TeamMember:
    account_id: UUID
    display_name: str
    role: BusinessRoleEnum  # type: ignore[valid-type]


@strawberry.type
class BusinessEdge:
    cursor: str
    node: Business


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class BusinessConnection:
    edges: list[BusinessEdge]
    page_info: PageInfo


def category_from(c: model.Category, language: Language) -> Category:
    shown = shown_texts(c, CATEGORY_TEXTS, language)
    return Category(
        id=c.id,
        key=c.key,
        name=shown.texts["name"],
        parent_id=c.parent_id,
        name_language=shown.languages.get("name"),
        name_translations=translations(shown, "name"),
    )


def category_node_from(node: categories.CategoryNode, language: Language) -> CategoryNode:
    top = category_from(node.category, language)
    return CategoryNode(
        id=top.id,
        key=top.key,
        name=top.name,
        children=[category_from(c, language) for c in node.children],
        name_language=top.name_language,
        name_translations=top.name_translations,
    )


def offer_from(o: model.Offer, language: Language) -> Offer:
    shown = shown_texts(o, OFFER_TEXTS, language)
    return Offer(
        id=o.id,
        business_id=o.business_id,
        title=shown.texts["title"],
        text=shown.texts["text"],
        valid_from=o.valid_from,
        valid_until=o.valid_until,
        voucher_url=o.voucher_url,
        title_language=shown.languages.get("title"),
        title_translations=translations(shown, "title"),
        text_language=shown.languages.get("text"),
        text_translations=translations(shown, "text"),
    )


def claim_from(c: model.BusinessClaim) -> BusinessClaim:
    return BusinessClaim(
        id=c.id,
        business_id=c.business_id,
        account_id=c.account_id,
        message=c.message,
        status=c.status,
        created_at=c.created_at,
        decided_at=c.decided_at,
    )


async def categories_of(business_id: UUID, info: Info) -> list[Category]:
    found = await info.context.loader("categories", load_categories).load(business_id)
    return [category_from(c, info.context.language) for c in found]


async def offers_of(business_id: UUID, info: Info) -> list[Offer]:
    found = await info.context.loader("offers", load_current_offers).load(business_id)
    return [offer_from(o, info.context.language) for o in found]


def business_from(s: BusinessSummary, info: Info) -> Business:
    tenant = info.context.tenant
    status = s.opening_hours.status_at(
        info.context.services.clock.now(), ZoneInfo(tenant.config.timezone)
    )
    return Business(
        id=s.id,
        name=s.name,
        kind=s.kind,
        city=s.city,
        lat=s.location.lat if s.location else None,
        lon=s.location.lon if s.location else None,
        verified=s.verified,
        open_now=status.open_now,
        next_opening=status.next_opening,
    )


def detail_from(view: BusinessView, info: Info) -> BusinessDetail:
    business, role = view.business, view.caller_role
    tenant = info.context.tenant
    status = business.profile.opening_hours.status_at(
        info.context.services.clock.now(), ZoneInfo(tenant.config.timezone)
    )
    fields = fields_of(business.profile)
    shown = shown_texts(business.profile, BUSINESS_TEXTS, info.context.language)
    location = business.profile.location
    return BusinessDetail(
        id=business.id,
        version=business.version,
        name=fields.name,
        kind=fields.kind,
        description=shown.texts["description"],
        address=Address(**fields.address.model_dump()),
        lat=location.lat if location else None,
        lon=location.lon if location else None,
        phone=fields.contact.phone,
        email=fields.contact.email,
        website_url=fields.website_url,
        shop_url=fields.shop_url,
        delivers=fields.delivers,
        delivery_notes=shown.texts["delivery_notes"],
        offers_pickup=fields.offers_pickup,
        pickup_notes=shown.texts["pickup_notes"],
        image_ids=[m.id for m in view.images],
        images=[media_from(m, info) for m in view.images],
        image_urls=fields.image_urls,
        social_links=fields.social_links,
        opening_hours=OpeningHours(
            weekly=[DayHours(day=d, ranges=r) for d, r in fields.opening_hours.weekly.items()],
            exceptions=[
                HoursException(date=e.date, ranges=e.ranges, note=e.note)
                for e in fields.opening_hours.exceptions
            ],
        ),
        timezone=tenant.config.timezone,
        open_now=status.open_now,
        closes_at=status.closes_at,
        next_opening=status.next_opening,
        verified=business.verified,
        hidden=business.hidden,
        external_id=business.external_id,
        your_role=role,
        description_language=shown.languages.get("description"),
        description_translations=translations(shown, "description"),
        delivery_notes_language=shown.languages.get("delivery_notes"),
        delivery_notes_translations=translations(shown, "delivery_notes"),
        pickup_notes_language=shown.languages.get("pickup_notes"),
        pickup_notes_translations=translations(shown, "pickup_notes"),
    )

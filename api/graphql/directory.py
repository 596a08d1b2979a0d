"""GraphQL for the directory: businesses (a Relay-style connection, and one in full) with
categories and offers through per-request DataLoaders, categories, map pins, "around me",
search, claims and teams; mutations for registering and editing businesses, moderation,
claims, teams, categories and offers. Same use cases and policies as REST."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

import strawberry

from adapters.search_text import language_for
from api.graphql.context import GraphQLContext
from api.graphql.directory_inputs import (
    BusinessInput,
    BusinessKindEnum,
    BusinessPatchInput,
    checked,
)
from api.graphql.errors import UserError, or_graphql_error, user_errors
from api.rest.directory_mapping import fields_of, patched, profile_from
from api.rest.schemas import directory as schemas
from domain.directory import businesses, categories, offers, queries
from domain.directory.errors import FeatureOff
from domain.directory.model import BoundingBox, BusinessKind, ClaimStatus, GeoPoint
from domain.directory.model import Business as BusinessModel
from domain.directory.ports import BusinessFilter, BusinessSummary
from domain.directory.queries import open_now_of
from domain.errors import DomainError
from domain.identity.model import BusinessRole
from domain.tenancy.model import Feature

Info = strawberry.Info[GraphQLContext, None]
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
    name: str
    parent_id: UUID | None


@strawberry.type
class CategoryNode:
    id: UUID
    key: str
    name: str
    children: list[Category]


@strawberry.type
class Offer:
    id: UUID
    business_id: UUID
    title: str
    text: str
    valid_from: datetime
    valid_until: datetime
    voucher_url: str | None


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
        return await info.context.loader("categories", _load_categories).load(self.id)

    @strawberry.field(description="Current offers, through a DataLoader")
    async def offers(self, info: Info) -> list[Offer]:
        return await info.context.loader("offers", _load_offers).load(self.id)


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
    description: str
    address: Address
    lat: float | None
    lon: float | None
    phone: str
    email: str
    website_url: str | None
    shop_url: str | None
    delivers: bool
    delivery_notes: str
    offers_pickup: bool
    pickup_notes: str
    image_urls: list[str]
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

    @strawberry.field(description="Through a DataLoader")
    async def categories(self, info: Info) -> list[Category]:
        return await info.context.loader("categories", _load_categories).load(self.id)

    @strawberry.field(description="Current offers, through a DataLoader")
    async def offers(self, info: Info) -> list[Offer]:
        return await info.context.loader("offers", _load_offers).load(self.id)


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


@strawberry.type
class MapPin:
    type: str = strawberry.field(description="What the pin stands for: business (later more)")
    business_id: UUID
    name: str
    kind: BusinessKindEnum  # type: ignore[valid-type]
    category_ids: list[UUID]
    verified: bool
    open_now: bool | None = strawberry.field(description="null when it has no opening hours")
    lon: float
    lat: float
    distance_m: float | None


@strawberry.type(description="The pins in a box, as GET /v1/map?bbox= answers them")
class MapPins:
    pins: list[MapPin]
    truncated: bool = strawberry.field(description="More matched than `limit`: zoom in or filter")


@strawberry.type
class SearchHit:
    type: str
    id: UUID
    title: str
    snippet: str
    rank: float


def _business(s: BusinessSummary, info: Info) -> Business:
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


def _detail(business: BusinessModel, role: BusinessRole | None, info: Info) -> BusinessDetail:
    tenant = info.context.tenant
    status = business.profile.opening_hours.status_at(
        info.context.services.clock.now(), ZoneInfo(tenant.config.timezone)
    )
    fields = fields_of(business.profile)
    location = business.profile.location
    return BusinessDetail(
        id=business.id,
        version=business.version,
        name=fields.name,
        kind=fields.kind,
        description=fields.description,
        address=Address(**fields.address.model_dump()),
        lat=location.lat if location else None,
        lon=location.lon if location else None,
        phone=fields.contact.phone,
        email=fields.contact.email,
        website_url=fields.website_url,
        shop_url=fields.shop_url,
        delivers=fields.delivers,
        delivery_notes=fields.delivery_notes,
        offers_pickup=fields.offers_pickup,
        pickup_notes=fields.pickup_notes,
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
    )


def _pins(info: Info, found: list[BusinessSummary]) -> list[MapPin]:
    tenant, now = info.context.tenant, info.context.services.clock.now()
    open_now = open_now_of(found, ZoneInfo(tenant.config.timezone), now)
    return [
        MapPin(
            type="business",
            business_id=s.id,
            name=s.name,
            kind=s.kind,
            category_ids=list(s.category_ids),
            verified=s.verified,
            open_now=is_open,
            lon=s.location.lon,
            lat=s.location.lat,
            distance_m=s.distance_m,
        )
        for s, is_open in zip(found, open_now, strict=True)
        if s.location is not None
    ]


def _category(c) -> Category:  # type: ignore[no-untyped-def]
    return Category(id=c.id, key=c.key, name=c.name, parent_id=c.parent_id)


def _offer(o) -> Offer:  # type: ignore[no-untyped-def]
    return Offer(
        id=o.id,
        business_id=o.business_id,
        title=o.title,
        text=o.text,
        valid_from=o.valid_from,
        valid_until=o.valid_until,
        voucher_url=o.voucher_url,
    )


async def _load_categories(context: GraphQLContext, ids: list[UUID]) -> list[list[Category]]:
    found = await context.directory_reads().categories_of(list(ids))
    return [[_category(c) for c in found.get(i, [])] for i in ids]


async def _load_offers(context: GraphQLContext, ids: list[UUID]) -> list[list[Offer]]:
    page = await context.directory_reads().current_offers(
        context.services.clock.now(),
        business_ids=list(ids),
        limit=queries.MAX_PAGE * 5,
        cursor=None,
    )
    by_business: dict[UUID, list[Offer]] = {i: [] for i in ids}
    for o in page.items:
        by_business[o.business_id].append(_offer(o))
    return [by_business[i] for i in ids]


def _require_directory(info: Info) -> None:
    if Feature.BUSINESSES not in info.context.tenant.config.features:
        raise FeatureOff("this tenant has no business directory")


def _filter(kind, category) -> BusinessFilter:  # type: ignore[no-untyped-def]
    ids, keys = queries.category_refs(category or [])
    return BusinessFilter(
        kinds=tuple(BusinessKind(k.value) for k in kind or ()), category_ids=ids, category_keys=keys
    )


async def _businesses(
    info: Info, first: int, after: str | None, kind, category
) -> BusinessConnection:  # type: ignore[no-untyped-def]
    _require_directory(info)
    page = await queries.list_businesses(
        _filter(kind, category),
        await info.context.principal(),
        reads=info.context.directory_reads(),
        limit=first,
        cursor=after,
    )
    edges = [BusinessEdge(cursor=str(s.id), node=_business(s, info)) for s in page.items]
    return BusinessConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.next_cursor is not None, end_cursor=page.next_cursor),
    )


@strawberry.type
class DirectoryQuery:
    @strawberry.field(description="Businesses by name; `after` takes pageInfo.endCursor")
    async def businesses(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        kind: list[BusinessKindEnum] | None = None,  # type: ignore[valid-type]
        category: CategoryRefs = None,
    ) -> BusinessConnection:
        return await or_graphql_error(_businesses(info, first, after, kind, category))

    @strawberry.field(
        description="One business in full; hidden ones only for their team and moderators"
    )
    async def business(self, info: Info, id: UUID) -> BusinessDetail:
        async def work() -> BusinessDetail:
            _require_directory(info)
            view = await businesses.view_business(
                id, await info.context.principal(), uow=info.context.directory_uow()
            )
            return _detail(view.business, view.caller_role, info)

        return await or_graphql_error(work())

    @strawberry.field(description="The category tree")
    async def categories(self, info: Info) -> list[CategoryNode]:
        async def work() -> list[categories.CategoryNode]:
            _require_directory(info)
            return await categories.list_categories(uow=info.context.directory_uow())

        return [
            CategoryNode(
                id=n.category.id,
                key=n.category.key,
                name=n.category.name,
                children=[_category(c) for c in n.children],
            )
            for n in await or_graphql_error(work())
        ]

    @strawberry.field(description="Business pins in a box: minLon,minLat,maxLon,maxLat")
    async def map_pins(
        self,
        info: Info,
        bbox: str,
        limit: int = 1000,
        kind: list[BusinessKindEnum] | None = None,  # type: ignore[valid-type]
        category: CategoryRefs = None,
    ) -> MapPins:
        async def work() -> queries.PinsInBox:
            box = BoundingBox.parse(bbox)
            if Feature.BUSINESSES not in info.context.tenant.config.features:
                return queries.PinsInBox([], truncated=False)
            return await queries.businesses_in_box(
                box,
                _filter(kind, category),
                await info.context.principal(),
                reads=info.context.directory_reads(),
                limit=limit,
            )

        found = await or_graphql_error(work())
        return MapPins(pins=_pins(info, found.items), truncated=found.truncated)

    @strawberry.field(description="Businesses around a point, nearest first (radius in metres)")
    async def businesses_near(
        self,
        info: Info,
        lon: float,
        lat: float,
        radius: float = 1000,
        limit: int = 50,
        kind: list[BusinessKindEnum] | None = None,  # type: ignore[valid-type]
        category: CategoryRefs = None,
    ) -> list[MapPin]:
        async def work() -> list[BusinessSummary]:
            centre = GeoPoint(lat, lon)
            _require_directory(info)
            return await queries.businesses_near(
                centre,
                radius,
                _filter(kind, category),
                await info.context.principal(),
                reads=info.context.directory_reads(),
                limit=limit,
            )

        return _pins(info, await or_graphql_error(work()))

    @strawberry.field(description="Full-text search over the tenant's content")
    async def search(
        self,
        info: Info,
        q: str,
        limit: int = 20,
        type: list[str] | None = None,
        category: CategoryRefs = None,
    ) -> list[SearchHit]:
        ids, keys = queries.category_refs(category or [])
        hits = await or_graphql_error(
            queries.search(
                q,
                kinds=tuple(type or ()),
                category_ids=ids,
                category_keys=keys,
                language=language_for(info.context.tenant.config.default_locale),
                reads=info.context.directory_reads(),
                limit=limit,
            )
        )
        return [
            SearchHit(type=h.kind, id=h.item_id, title=h.title, snippet=h.snippet, rank=h.rank)
            for h in hits
        ]

    @strawberry.field(description="Claims on listings (moderators); pending ones by default")
    async def business_claims(
        self,
        info: Info,
        status: ClaimStatusEnum | None = ClaimStatus.PENDING,  # type: ignore[valid-type]
    ) -> list[BusinessClaim]:
        async def work():  # type: ignore[no-untyped-def]
            _require_directory(info)
            return await businesses.list_claims(
                status, await info.context.principal(), uow=info.context.directory_uow()
            )

        return [
            BusinessClaim(
                id=c.id,
                business_id=c.business_id,
                account_id=c.account_id,
                message=c.message,
                status=c.status,
                created_at=c.created_at,
                decided_at=c.decided_at,
            )
            for c in await or_graphql_error(work())
        ]

    @strawberry.field(description="Owners and staff of a business (its team and moderators)")
    async def business_team(self, info: Info, id: UUID) -> list[TeamMember]:
        async def work():  # type: ignore[no-untyped-def]
            _require_directory(info)
            return await businesses.view_team(
                id, await info.context.principal(), uow=info.context.directory_uow()
            )

        found = await or_graphql_error(work())
        return [TeamMember(account_id=a, display_name=n, role=r) for a, n, r in found]


@strawberry.type
class DirectoryPayload:
    ok: bool = False
    id: UUID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _payload(info: Info, work) -> DirectoryPayload:  # type: ignore[no-untyped-def]
    """Run `work(principal)`; a bad credential or a broken rule becomes the payload's errors."""
    try:
        made = await work(await info.context.principal())
    except DomainError as error:
        return DirectoryPayload(errors=user_errors(error))
    return DirectoryPayload(ok=True, id=getattr(made, "id", None))


@strawberry.type
class BusinessPayload:
    business: BusinessDetail | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _business_payload(info: Info, work) -> BusinessPayload:  # type: ignore[no-untyped-def]
    """Run `work(principal)`, which answers with the business as it now is (a BusinessView);
    a bad credential or a broken rule becomes the payload's errors."""
    try:
        _require_directory(info)
        view = await work(await info.context.principal())
    except DomainError as error:
        return BusinessPayload(errors=user_errors(error))
    return BusinessPayload(business=_detail(view.business, view.caller_role, info))


@strawberry.type
class DirectoryMutation:
    @strawberry.mutation(description="Register a business (members become its owner)")
    async def register_business(self, info: Info, input: BusinessInput) -> BusinessPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            fields = checked(schemas.BusinessCreateIn, input)
            made = await businesses.register_business(
                businesses.RegisterBusiness(profile_from(fields), fields.external_id),
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
                ids=c.services.ids,
            )
            return await businesses.view_business(made.id, principal, uow=c.directory_uow())

        return await _business_payload(info, work)

    @strawberry.mutation(
        description="Edit a business (owners, staff, moderators). With expectedVersion (the "
        "version you read) an edit made meanwhile by someone else fails with precondition-failed."
    )
    async def update_business(
        self,
        info: Info,
        id: UUID,
        patch: BusinessPatchInput,
        expected_version: int | None = None,
    ) -> BusinessPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            changes = checked(schemas.BusinessPatchIn, patch)
            view = await businesses.view_business(id, principal, uow=c.directory_uow())
            edited = await businesses.edit_business(
                id,
                patched(view.business.profile, changes),
                principal,
                expected_version=expected_version
                if expected_version is not None
                else view.business.version,
                uow=c.directory_uow(),
                clock=c.services.clock,
            )
            return businesses.BusinessView(edited, view.caller_role)

        return await _business_payload(info, work)

    @strawberry.mutation(description="Verify or hide a business (moderators)")
    async def moderate_business(
        self, info: Info, id: UUID, verified: bool, hidden: bool, reason: str = ""
    ) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: businesses.moderate_business(
                id,
                businesses.Moderation(verified, hidden, reason),
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
            ),
        )

    @strawberry.mutation(description="Claim a listed business as its owner")
    async def claim_business(self, info: Info, id: UUID, message: str = "") -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: businesses.claim_business(
                id,
                message,
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
                ids=c.services.ids,
            ),
        )

    @strawberry.mutation(description="Approve or reject a claim (moderators)")
    async def decide_claim(self, info: Info, id: UUID, approve: bool) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: businesses.decide_claim(
                id, approve, principal, uow=c.directory_uow(), clock=c.services.clock
            ),
        )

    @strawberry.mutation(description="Add a category (tenant admins)")
    async def create_category(
        self, info: Info, key: str, name: str, parent_id: UUID | None = None
    ) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: categories.create_category(
                categories.CategoryInput(key, name, parent_id),
                principal,
                uow=c.directory_uow(),
                ids=c.services.ids,
            ),
        )

    @strawberry.mutation(
        description="Give a member of the tenant a role on a business, or take it away with "
        "role null (owners, tenant admins)"
    )
    async def set_business_team_role(
        self,
        info: Info,
        business_id: UUID,
        account_id: UUID,
        role: BusinessRoleEnum | None,  # type: ignore[valid-type]
    ) -> DirectoryPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            _require_directory(info)
            await businesses.set_team_role(
                business_id,
                account_id,
                role,
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
            )

        return await _payload(info, work)

    @strawberry.mutation(description="Rename or move a category (tenant admins)")
    async def update_category(
        self,
        info: Info,
        id: UUID,
        key: str,
        name: str,
        parent_id: UUID | None = None,
        position: int = 0,
    ) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: categories.update_category(
                id,
                categories.CategoryInput(key, name, parent_id, position),
                principal,
                uow=c.directory_uow(),
            ),
        )

    @strawberry.mutation(description="Remove an empty category (tenant admins)")
    async def remove_category(self, info: Info, id: UUID) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: categories.remove_category(id, principal, uow=c.directory_uow()),
        )

    @strawberry.mutation(description="Publish an offer (the business's team)")
    async def publish_offer(
        self,
        info: Info,
        business_id: UUID,
        title: str,
        valid_from: datetime,
        valid_until: datetime,
        text: str = "",
        voucher_url: str | None = None,
    ) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: offers.publish_offer(
                business_id,
                offers.OfferInput(title, text, valid_from, valid_until, voucher_url),
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
                ids=c.services.ids,
            ),
        )

    @strawberry.mutation(description="Change an offer (the business's team)")
    async def change_offer(
        self,
        info: Info,
        id: UUID,
        title: str,
        valid_from: datetime,
        valid_until: datetime,
        text: str = "",
        voucher_url: str | None = None,
    ) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: offers.change_offer(
                id,
                offers.OfferInput(title, text, valid_from, valid_until, voucher_url),
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
            ),
        )

    @strawberry.mutation(description="Withdraw an offer before it runs out (the business's team)")
    async def withdraw_offer(self, info: Info, id: UUID) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info, lambda principal: offers.withdraw_offer(id, principal, uow=c.directory_uow())
        )

"""GraphQL for the directory: businesses (a Relay-style connection) with categories and
offers through per-request DataLoaders, categories, map pins and search; mutations for
moderation, claims, categories and offers. Same use cases and policies as REST."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import strawberry

from adapters.search_text import language_for
from api.graphql.context import GraphQLContext
from api.graphql.errors import UserError, or_graphql_error, user_errors
from domain.directory import businesses, categories, offers, queries
from domain.directory.errors import FeatureOff
from domain.directory.model import BoundingBox, BusinessKind
from domain.directory.ports import BusinessFilter, BusinessSummary
from domain.errors import DomainError
from domain.tenancy.model import Feature

Info = strawberry.Info[GraphQLContext, None]
BusinessKindEnum = strawberry.enum(BusinessKind, name="BusinessKind")


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
    business_id: UUID
    name: str
    kind: BusinessKindEnum  # type: ignore[valid-type]
    lon: float
    lat: float
    distance_m: float | None


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


async def _businesses(
    info: Info, first: int, after: str | None, kind, category
) -> BusinessConnection:  # type: ignore[no-untyped-def]
    _require_directory(info)
    page = await queries.list_businesses(
        BusinessFilter(
            kinds=tuple(BusinessKind(k.value) for k in kind or ()),
            category_ids=tuple(category or ()),
        ),
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
        category: list[UUID] | None = None,
    ) -> BusinessConnection:
        return await or_graphql_error(_businesses(info, first, after, kind, category))

    @strawberry.field(description="The category tree")
    async def categories(self, info: Info) -> list[CategoryNode]:
        _require_directory(info)
        tree = await or_graphql_error(categories.list_categories(uow=info.context.directory_uow()))
        return [
            CategoryNode(
                id=n.category.id,
                key=n.category.key,
                name=n.category.name,
                children=[_category(c) for c in n.children],
            )
            for n in tree
        ]

    @strawberry.field(description="Business pins in a box: minLon,minLat,maxLon,maxLat")
    async def map_pins(self, info: Info, bbox: str, limit: int = 1000) -> list[MapPin]:
        async def work() -> list[BusinessSummary]:
            box = BoundingBox.parse(bbox)
            if Feature.BUSINESSES not in info.context.tenant.config.features:
                return []
            return await queries.businesses_in_box(
                box,
                BusinessFilter(),
                await info.context.principal(),
                reads=info.context.directory_reads(),
                limit=limit,
            )

        found = await or_graphql_error(work())
        return [
            MapPin(
                business_id=s.id,
                name=s.name,
                kind=s.kind,
                lon=s.location.lon,
                lat=s.location.lat,
                distance_m=None,
            )
            for s in found
            if s.location
        ]

    @strawberry.field(description="Full-text search over the tenant's content")
    async def search(self, info: Info, q: str, limit: int = 20) -> list[SearchHit]:
        hits = await or_graphql_error(
            queries.search(
                q,
                kinds=(),
                category_ids=(),
                language=language_for(info.context.tenant.config.default_locale),
                reads=info.context.directory_reads(),
                limit=limit,
            )
        )
        return [
            SearchHit(type=h.kind, id=h.item_id, title=h.title, snippet=h.snippet, rank=h.rank)
            for h in hits
        ]


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
class DirectoryMutation:
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

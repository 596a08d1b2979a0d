"""GraphQL for finding things: the map's pins in a box, pins around a point, and full-text
search. Businesses are what they find today; campaigns, events and posts join later, which
is why these live apart from the directory's own queries."""

from __future__ import annotations

from uuid import UUID
from zoneinfo import ZoneInfo

import strawberry

from api.graphql.context import Info
from api.graphql.directory_inputs import BusinessKindEnum
from api.graphql.directory_queries import business_filter, require_directory
from api.graphql.directory_types import CategoryRefs
from api.graphql.errors import or_graphql_error
from domain.directory import queries
from domain.directory.model import BoundingBox, GeoPoint
from domain.directory.ports import BusinessSummary
from domain.directory.queries import open_now_of
from domain.tenancy.model import Feature


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


@strawberry.type
class DiscoveryQuery:
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
                business_filter(kind, category),
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
            require_directory(info)
            return await queries.businesses_near(
                centre,
                radius,
                business_filter(kind, category),
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
                language=info.context.services.search_language(info.context.tenant),
                reads=info.context.directory_reads(),
                limit=limit,
            )
        )
        return [
            SearchHit(type=h.kind, id=h.item_id, title=h.title, snippet=h.snippet, rank=h.rank)
            for h in hits
        ]

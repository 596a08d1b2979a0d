"""GraphQL for finding things: the map's pins in a box or around a point, and full-text
search, through discovery's use cases as REST's /v1/map and /v1/search. Search covers every
registered kind; the map's types (MapPin) are a business's pin, so the map fields ask the
business source only, until a second kind brings a pin interface."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.graphql.context import Info
from api.graphql.directory_inputs import BusinessKindEnum
from api.graphql.directory_queries import require_directory
from api.graphql.directory_types import CategoryRefs
from api.graphql.errors import or_graphql_error
from domain.directory.model import BusinessKind
from domain.directory.pins import BUSINESS, BusinessPinDetails
from domain.discovery import map as discovery_map
from domain.discovery import search as discovery_search
from domain.discovery.model import PinFilter, Pins
from domain.discovery.ports import DiscoverySource
from domain.geo import BoundingBox, GeoPoint
from domain.languages import choose_language

TRUNCATED = (
    "More matched than `limit`: zoom in or filter. A box keeps the pins with the lowest ids "
    "(an even sample of the box, the same on every request); around a point, the nearest"
)


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


@strawberry.type(description="The pins in a box or around a point, as GET /v1/map answers them")
class MapPins:
    pins: list[MapPin]
    truncated: bool = strawberry.field(description=TRUNCATED)


@strawberry.type
class SearchHit:
    type: str
    id: UUID
    title: str
    snippet: str
    rank: float
    language: str = strawberry.field(
        description="The locale the snippet is in: the request's language (`lang`, else "
        "Accept-Language) when the item has a text in it, else the tenant's first locale"
    )


def _request_language(info: Info) -> str:
    """The request's language among the tenant's, as REST picks it."""
    request = info.context.request
    return choose_language(
        request.query_params.get("lang") if request else None,
        request.headers.get("accept-language") if request else None,
        info.context.tenant.config.locales,
    )


def _pins(found: Pins) -> list[MapPin]:
    pins = []
    for pin in found.items:
        details = pin.details
        assert isinstance(details, BusinessPinDetails)
        pins.append(
            MapPin(
                type=pin.kind,
                business_id=pin.item_id,
                name=pin.title,
                kind=BusinessKind(details.kind),
                category_ids=list(pin.category_ids),
                verified=details.verified,
                open_now=details.open_now,
                lon=pin.location.lon,
                lat=pin.location.lat,
                distance_m=pin.distance_m,
            )
        )
    return pins


def _filter(kind, category) -> PinFilter:  # type: ignore[no-untyped-def]
    return PinFilter(
        categories=tuple(category or ()), item_kinds=tuple(k.value for k in kind or ())
    )


def _business_sources(info: Info) -> list[DiscoverySource]:
    return info.context.discovery_kinds.sources_for(info.context.tenant, (BUSINESS,))


async def _near(info: Info, lon: float, lat: float, radius: float, limit: int, kind, category):  # type: ignore[no-untyped-def]
    return await discovery_map.pins_near(
        GeoPoint(lat, lon),
        radius,
        _filter(kind, category),
        await info.context.principal(),
        sources=_business_sources(info),
        limit=limit,
    )


@strawberry.type
class DiscoveryQuery:
    @strawberry.field(
        description="Business pins in a box: west,south,east,north (RFC 7946; west greater "
        "than east crosses the antimeridian)"
    )
    async def map_pins(
        self,
        info: Info,
        bbox: str,
        limit: int = 1000,
        kind: list[BusinessKindEnum] | None = None,  # type: ignore[valid-type]
        category: CategoryRefs = None,
    ) -> MapPins:
        async def work() -> Pins:
            return await discovery_map.pins_in_box(
                BoundingBox.parse(bbox),
                _filter(kind, category),
                await info.context.principal(),
                sources=_business_sources(info),
                limit=limit,
            )

        found = await or_graphql_error(work())
        return MapPins(pins=_pins(found), truncated=found.truncated)

    @strawberry.field(
        description="Business pins around a point, nearest first (radius in metres), as GET "
        "/v1/map/near answers them"
    )
    async def map_pins_near(
        self,
        info: Info,
        lon: float,
        lat: float,
        radius: float = 1000,
        limit: int = 50,
        kind: list[BusinessKindEnum] | None = None,  # type: ignore[valid-type]
        category: CategoryRefs = None,
    ) -> MapPins:
        found = await or_graphql_error(_near(info, lon, lat, radius, limit, kind, category))
        return MapPins(pins=_pins(found), truncated=found.truncated)

    @strawberry.field(
        description="Businesses around a point, nearest first (radius in metres)",
        deprecation_reason="Use mapPinsNear: it says whether more matched than `limit`",
    )
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
        async def work() -> Pins:
            GeoPoint(lat, lon)  # a bad point is the caller's error before a missing directory
            require_directory(info)
            return await _near(info, lon, lat, radius, limit, kind, category)

        return _pins(await or_graphql_error(work()))

    @strawberry.field(description="Full-text search over the tenant's content")
    async def search(
        self,
        info: Info,
        q: str,
        limit: int = 20,
        type: list[str] | None = None,
        category: CategoryRefs = None,
    ) -> list[SearchHit]:
        hits = await or_graphql_error(
            discovery_search.search(
                q,
                kinds=tuple(type or ()),
                categories=tuple(category or ()),
                known_kinds=info.context.discovery_kinds.kinds,
                index=info.context.search_reads(),
                taxonomy=info.context.taxonomy(),
                language=_request_language(info),
                limit=limit,
            )
        )
        return [
            SearchHit(
                type=h.kind,
                id=h.item_id,
                title=h.title,
                snippet=h.snippet,
                rank=h.rank,
                language=h.language,
            )
            for h in hits
        ]

"""/v1/map (GeoJSON pins in a box or around a point) and /v1/search (one full-text search
over the tenant's content)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from adapters.search_text import language_for
from api.auth import CurrentPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.problem_catalog import problems
from api.rest.directory_mapping import OPTIONAL_AUTH
from api.rest.schemas import directory as schemas
from domain.directory import queries
from domain.directory.model import BoundingBox, BusinessKind, GeoPoint
from domain.directory.ports import BusinessFilter, BusinessSummary
from domain.directory.queries import open_now_of
from domain.errors import FieldProblem, InvalidInput
from domain.tenancy.model import Feature

router = APIRouter(tags=["map and search"])


def _point(text: str) -> GeoPoint:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInput([FieldProblem("near", "must be lon,lat")]) from None
    return GeoPoint(lat, lon)


def _pin(s: BusinessSummary, open_now: bool | None) -> schemas.PinFeature:
    assert s.location is not None
    return schemas.PinFeature(
        id=f"business:{s.id}",
        geometry=schemas.PointGeometry(coordinates=[s.location.lon, s.location.lat]),
        properties=schemas.PinProperties(
            type="business",
            name=s.name,
            kind=s.kind.value,
            category_ids=list(s.category_ids),
            verified=s.verified,
            open_now=open_now,
            distance_m=s.distance_m,
        ),
    )


@router.get(
    "/v1/map",
    response_model=schemas.FeatureCollection,
    response_model_exclude_none=True,
    responses=problems(),
    summary="Map pins (GeoJSON) in a bounding box, or around a point nearest first",
    openapi_extra=OPTIONAL_AUTH,
)
async def get_map_pins(
    principal: CurrentPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
    bbox: Annotated[
        str | None,
        Query(
            max_length=200, description="minLon,minLat,maxLon,maxLat; at most 2 degrees each way"
        ),
    ] = None,
    near: Annotated[str | None, Query(max_length=100, description="lon,lat of the centre")] = None,
    radius: Annotated[float, Query(description="Metres around `near`, at most 25000")] = 1000,
    kind: Annotated[list[BusinessKind] | None, Query(max_length=10)] = None,
    category: Annotated[list[UUID] | None, Query(max_length=10)] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_MAP_PINS)] = 1000,
) -> schemas.FeatureCollection:
    if (bbox is None) == (near is None):
        raise InvalidInput([FieldProblem("bbox", "give either bbox or near")])
    where = BusinessFilter(kinds=tuple(kind or ()), category_ids=tuple(category or ()))
    reads = services.directory_reads(tenant)
    box = BoundingBox.parse(bbox) if bbox is not None else None
    found: list[BusinessSummary] = []
    truncated = False
    if Feature.BUSINESSES in tenant.config.features:
        if box is not None:
            in_box = await queries.businesses_in_box(
                box, where, principal, reads=reads, limit=limit
            )
            found, truncated = in_box.items, in_box.truncated
        else:
            found = await queries.businesses_near(
                _point(near or ""),
                radius,
                where,
                principal,
                reads=reads,
                limit=min(limit, queries.MAX_NEAR_RESULTS),
            )
    zone, now = ZoneInfo(tenant.config.timezone), services.clock.now()
    return schemas.FeatureCollection(
        bbox=[box.min_lon, box.min_lat, box.max_lon, box.max_lat] if box else None,
        features=[
            _pin(s, open_now)
            for s, open_now in zip(found, open_now_of(found, zone, now), strict=True)
        ],
        truncated=truncated,
    )


@router.get(
    "/v1/search",
    response_model=schemas.SearchResults,
    responses=problems(),
    summary="Full-text search over the tenant's businesses (and later campaigns, events, posts)",
)
async def search_content(
    tenant: CurrentTenant,
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=queries.MAX_QUERY_LENGTH)],
    type: Annotated[list[str] | None, Query(max_length=4, description="business")] = None,
    category: Annotated[list[UUID] | None, Query(max_length=10)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> schemas.SearchResults:
    hits = await queries.search(
        q,
        kinds=tuple(type or ()),
        category_ids=tuple(category or ()),
        language=language_for(tenant.config.default_locale),
        reads=services.directory_reads(tenant),
        limit=limit,
    )
    return schemas.SearchResults(
        query=q,
        items=[
            schemas.SearchHitOut(
                type=h.kind, id=h.item_id, title=h.title, snippet=h.snippet, rank=h.rank
            )
            for h in hits
        ],
    )

"""/v1/map (GeoJSON pins in a box or around a point) and /v1/search (one full-text search
over the tenant's content)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from adapters.search_text import language_for
from api.auth import CurrentPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.problems import error_responses
from api.rest.directory_mapping import OPTIONAL_AUTH
from api.rest.schemas import directory as schemas
from api.rest.tenancy import TENANT_ERRORS
from domain.directory import queries
from domain.directory.model import BoundingBox, BusinessKind, GeoPoint
from domain.directory.ports import BusinessFilter, BusinessSummary
from domain.errors import FieldProblem, InvalidInput
from domain.tenancy.model import Feature

router = APIRouter(tags=["map and search"])
ERRORS = TENANT_ERRORS | error_responses(401, 422)


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


def open_now_of(found: list[BusinessSummary], zone: ZoneInfo, now: datetime) -> list[bool | None]:
    """Whether each is open now. Businesses with the same hours share one parsed OpeningHours
    (see hours_from_json), so keying by identity evaluates each distinct schedule once; the
    summaries hold the objects, so no identity is reused meanwhile."""
    known: dict[int, bool | None] = {}
    for s in found:
        hours = s.opening_hours
        if id(hours) not in known:
            known[id(hours)] = None if hours.is_empty else hours.status_at(now, zone).open_now
    return [known[id(s.opening_hours)] for s in found]


@router.get(
    "/v1/map",
    response_model=schemas.FeatureCollection,
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="Map pins (GeoJSON) in a bounding box, or around a point nearest first",
    openapi_extra=OPTIONAL_AUTH,
)
async def map_pins(
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
    if Feature.BUSINESSES in tenant.config.features:
        if box is not None:
            found = await queries.businesses_in_box(
                box, where, principal, reads=reads, limit=limit + 1
            )
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
            for s, open_now in zip(
                found[:limit], open_now_of(found[:limit], zone, now), strict=True
            )
        ],
        truncated=len(found) > limit,
    )


@router.get(
    "/v1/search",
    response_model=schemas.SearchResults,
    responses=ERRORS,
    summary="Full-text search over the tenant's businesses (and later campaigns, events, posts)",
)
async def search(
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

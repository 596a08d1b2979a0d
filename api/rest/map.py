"""/v1/map (GeoJSON pins in a box or around a point) and /v1/search (one full-text search
over the tenant's content)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response

from api.auth import CurrentPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.problem_catalog import problems
from api.rest.directory_mapping import OPTIONAL_AUTH
from api.rest.responses import json_document
from api.rest.schemas import directory as schemas
from domain.directory import queries
from domain.directory.model import (
    BBOX_PATTERN,
    POINT_PATTERN,
    BoundingBox,
    BusinessKind,
    GeoPoint,
)
from domain.directory.ports import BusinessFilter, BusinessSummary
from domain.directory.queries import open_now_of
from domain.tenancy.model import Feature, Tenant

router = APIRouter(tags=["map and search"])
SearchKind = Literal[queries.SEARCH_KINDS]  # type: ignore[valid-type]


def _pin(s: BusinessSummary, open_now: bool | None) -> dict[str, Any]:
    """A schemas.PinFeature as plain data (see api/rest/responses.py); absent, not null, what
    a pin does not have."""
    assert s.location is not None
    properties: dict[str, Any] = {
        "type": "business",
        "name": s.name,
        "kind": s.kind.value,
        "category_ids": s.category_ids,
        "verified": s.verified,
    }
    if open_now is not None:
        properties["open_now"] = open_now
    if s.distance_m is not None:
        properties["distance_m"] = s.distance_m
    return {
        "type": "Feature",
        "id": f"business:{s.id}",
        "geometry": {"type": "Point", "coordinates": [s.location.lon, s.location.lat]},
        "properties": properties,
    }


Kinds = Annotated[list[BusinessKind] | None, Query(max_length=10)]


def _filter(kind: list[BusinessKind] | None, category: list[str] | None) -> BusinessFilter:
    ids, keys = queries.category_refs(category or [])
    return BusinessFilter(kinds=tuple(kind or ()), category_ids=ids, category_keys=keys)


def _collection(
    found: list[BusinessSummary], tenant: Tenant, now: datetime, **extra: object
) -> Response:
    """A schemas.FeatureCollection (without its null members), as JSON."""
    zone = ZoneInfo(tenant.config.timezone)
    features = [
        _pin(s, open_now) for s, open_now in zip(found, open_now_of(found, zone, now), strict=True)
    ]
    return json_document({"type": "FeatureCollection", **extra, "features": features})


@router.get(
    "/v1/map",
    response_model=schemas.FeatureCollection,
    response_model_exclude_none=True,
    responses=problems(),
    summary="Map pins (GeoJSON) in a bounding box",
    openapi_extra=OPTIONAL_AUTH,
)
async def get_map_pins(
    principal: CurrentPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
    bbox: Annotated[
        str,
        Query(
            max_length=200,
            pattern=BBOX_PATTERN,
            description="minLon,minLat,maxLon,maxLat (any two opposite corners); a large box "
            "is cut at `limit` with `truncated`",
        ),
    ],
    kind: Kinds = None,
    category: schemas.CategoryFilter = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_MAP_PINS)] = 1000,
) -> Response:
    box = BoundingBox.parse(bbox)
    in_box = queries.PinsInBox([], truncated=False)
    if Feature.BUSINESSES in tenant.config.features:
        where = _filter(kind, category)
        in_box = await queries.businesses_in_box(
            box, where, principal, reads=services.directory_reads(tenant), limit=limit
        )
    return _collection(
        in_box.items,
        tenant,
        services.clock.now(),
        bbox=[box.min_lon, box.min_lat, box.max_lon, box.max_lat],
        truncated=in_box.truncated,
    )


@router.get(
    "/v1/map/near",
    response_model=schemas.FeatureCollection,
    response_model_exclude_none=True,
    responses=problems(),
    summary="Map pins (GeoJSON) around a point, nearest first, with their distance",
    openapi_extra=OPTIONAL_AUTH,
)
async def get_map_pins_near(
    principal: CurrentPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
    point: Annotated[
        str, Query(max_length=100, pattern=POINT_PATTERN, description="lon,lat of the centre")
    ],
    radius: Annotated[
        float, Query(ge=1, le=queries.MAX_NEAR_RADIUS_M, description="Metres around `point`")
    ] = 1000,
    kind: Kinds = None,
    category: schemas.CategoryFilter = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_NEAR_RESULTS)] = 50,
) -> Response:
    lon, lat = (float(v) for v in point.split(","))
    found: list[BusinessSummary] = []
    if Feature.BUSINESSES in tenant.config.features:
        where = _filter(kind, category)
        found = await queries.businesses_near(
            GeoPoint(lat, lon),
            radius,
            where,
            principal,
            reads=services.directory_reads(tenant),
            limit=limit,
        )
    return _collection(found, tenant, services.clock.now(), truncated=False)


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
    type: Annotated[
        list[SearchKind] | None, Query(max_length=4, description="Only these kinds of item")
    ] = None,
    category: schemas.CategoryFilter = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> schemas.SearchResults:
    ids, keys = queries.category_refs(category or [])
    hits = await queries.search(
        q,
        kinds=tuple(type or ()),
        category_ids=ids,
        category_keys=keys,
        language=services.search_language(tenant),
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

"""/v1/map: GeoJSON pins in a box or around a point, of every kind of item a tenant has
(discovery asks each registered source; api/services.py registers them)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.auth import CurrentPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.problem_catalog import problems
from api.rest.directory_mapping import OPTIONAL_AUTH
from api.rest.responses import json_document
from api.rest.schemas import directory as directory_schemas
from api.rest.schemas import discovery as schemas
from domain.directory.model import BusinessKind
from domain.discovery import map as discovery_map
from domain.discovery.model import Pin, PinFilter, Pins
from domain.geo import BBOX_PATTERN, POINT_PATTERN, BoundingBox, GeoPoint

router = APIRouter(tags=["map and search"])

# The items' own kinds. Only businesses have kinds so far, and the contract names them so.
ItemKinds = Annotated[list[BusinessKind] | None, Query(max_length=10)]

_DETAIL_FIELDS: dict[type, tuple[str, ...]] = {}


def _details(details: object) -> dict[str, Any]:
    """A source's details of a pin, field by field; absent, not null, what it does not have."""
    if details is None:
        return {}
    if isinstance(details, tuple):  # a NamedTuple: the fast way, for the common pins
        fields = details._fields  # type: ignore[attr-defined]
        return {k: v for k, v in zip(fields, details, strict=True) if v is not None}
    names = _DETAIL_FIELDS.get(type(details))
    if names is None:
        names = _DETAIL_FIELDS[type(details)] = tuple(
            f.name
            for f in dataclasses.fields(details)  # type: ignore[arg-type]
        )
    values = ((name, getattr(details, name)) for name in names)
    return {name: value for name, value in values if value is not None}


def _feature(pin: Pin) -> dict[str, Any]:
    """A schemas.PinFeature as plain data (see api/rest/responses.py)."""
    properties: dict[str, Any] = {"type": pin.kind, "name": pin.title}
    properties |= _details(pin.details)
    properties["category_ids"] = pin.category_ids
    if pin.distance_m is not None:
        properties["distance_m"] = pin.distance_m
    return {
        "type": "Feature",
        "id": f"{pin.kind}:{pin.item_id}",
        "geometry": {"type": "Point", "coordinates": [pin.location.lon, pin.location.lat]},
        "properties": properties,
    }


def _filter(kind: list[BusinessKind] | None, category: list[str] | None) -> PinFilter:
    return PinFilter(
        categories=tuple(category or ()), item_kinds=tuple(k.value for k in kind or ())
    )


def _collection(found: Pins, **extra: object) -> Response:
    """A schemas.FeatureCollection (without its null members), as JSON."""
    features = [_feature(pin) for pin in found.items]
    return json_document(
        {"type": "FeatureCollection", **extra, "features": features, "truncated": found.truncated}
    )


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
            description="west,south,east,north (RFC 7946; the latitudes in either order). "
            "West greater than east crosses the antimeridian: `170,-10,-170,10` is the 20° "
            "around 180°, not the 340° between. A large box is cut at `limit` with "
            "`truncated`, keeping the pins with the lowest ids",
        ),
    ],
    kind: ItemKinds = None,
    category: directory_schemas.CategoryFilter = None,
    limit: Annotated[int, Query(ge=1, le=discovery_map.MAX_MAP_PINS)] = 1000,
) -> Response:
    box = BoundingBox.parse(bbox)
    found = await discovery_map.pins_in_box(
        box,
        _filter(kind, category),
        principal,
        sources=services.discovery_kinds.sources_for(tenant),
        limit=limit,
    )
    return _collection(found, bbox=[box.west, box.south, box.east, box.north])


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
        float,
        Query(ge=1, le=discovery_map.MAX_NEAR_RADIUS_M, description="Metres around `point`"),
    ] = 1000,
    kind: ItemKinds = None,
    category: directory_schemas.CategoryFilter = None,
    limit: Annotated[int, Query(ge=1, le=discovery_map.MAX_NEAR_RESULTS)] = 50,
) -> Response:
    lon, lat = (float(v) for v in point.split(","))
    found = await discovery_map.pins_near(
        GeoPoint(lat, lon),
        radius,
        _filter(kind, category),
        principal,
        sources=services.discovery_kinds.sources_for(tenant),
        limit=limit,
    )
    return _collection(found)

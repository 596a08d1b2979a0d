"""Response models of discovery: the map's pins (GeoJSON, RFC 7946) and search results. The
map's JSON is built as plain data (api/rest/responses.py); these document its shape."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

# Which pins a full map keeps (domain/discovery/model.py), as callers read it.
TRUNCATED = (
    "More pins matched than `limit`: zoom in or filter. A box keeps the pins with the lowest "
    "ids (an even sample of the box, the same on every request); around a point, the nearest"
)


class PointGeometry(BaseModel):
    type: Literal["Point"] = "Point"
    coordinates: list[float] = Field(
        description="[longitude, latitude]", min_length=2, max_length=2
    )


class PinProperties(BaseModel):
    """Just what a map pin needs; the rest is one request away."""

    type: Literal["business"] = Field(
        description="What the pin stands for (campaigns and events later)"
    )
    name: str
    kind: str
    category_ids: list[UUID]
    verified: bool
    open_now: bool | None
    distance_m: float | None = None


class PinFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: PointGeometry
    properties: PinProperties


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    bbox: list[float] | None = Field(default=None, description="The box asked for, when one was")
    features: list[PinFeature]
    truncated: bool = Field(description=TRUNCATED)


class SearchHitOut(BaseModel):
    type: str = Field(description="business or campaign (event and post as they arrive)")
    id: UUID
    title: str
    snippet: str = Field(description="HTML-escaped text with matches in <mark>…</mark>")
    rank: float
    language: str = Field(
        description="The locale the snippet is in: the request's language (`lang`, else "
        "Accept-Language) when the item has a text in it, else the tenant's first locale",
        examples=["de"],
    )


class SearchResults(BaseModel):
    query: str
    items: list[SearchHitOut]

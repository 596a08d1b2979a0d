"""/v1/open-data: the directory as CSV and GeoJSON, under the tenant's licence."""

from __future__ import annotations

import json

from fastapi import APIRouter, Response
from pydantic import BaseModel

from api.csv_files import csv_text
from api.deps import CurrentTenant, ServicesDep
from api.problem_catalog import problems
from domain.directory import open_data
from domain.directory.errors import FeatureOff

router = APIRouter(prefix="/v1/open-data", tags=["open data"])
ERRORS = problems(FeatureOff)


class Dataset(BaseModel):
    name: str
    description: str
    csv_url: str
    geojson_url: str


class OpenDataIndex(BaseModel):
    publisher: str
    licence: str
    licence_url: str
    attribution: str
    datasets: list[Dataset]


def _licence_headers(tenant) -> dict[str, str]:  # type: ignore[no-untyped-def]
    settings = open_data.require_open_data(tenant.config)
    return {
        "Link": f'<{settings.licence_url}>; rel="license"',
        "Cache-Control": "public, max-age=300",
        "Vary": "Host, X-Tenant",
    }


@router.get(
    "",
    response_model=OpenDataIndex,
    responses=ERRORS,
    summary="What the tenant publishes, and its licence",
)
async def get_open_data_index(tenant: CurrentTenant, response: Response) -> OpenDataIndex:
    response.headers.update(_licence_headers(tenant))
    settings = open_data.require_open_data(tenant.config)
    return OpenDataIndex(
        publisher=tenant.config.name,
        licence=settings.licence,
        licence_url=settings.licence_url,
        attribution=settings.attribution,
        datasets=[
            Dataset(
                name="businesses",
                description="The business directory: names, kinds, categories, addresses, "
                "locations, websites and opening hours; no personal data",
                csv_url="/v1/open-data/businesses.csv",
                geojson_url="/v1/open-data/businesses.geojson",
            )
        ],
    )


@router.get(
    "/businesses.csv",
    response_class=Response,
    responses=ERRORS
    | {200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a header row"}},
    summary="The directory as CSV",
)
async def get_open_data_businesses_csv(tenant: CurrentTenant, services: ServicesDep) -> Response:
    headers = _licence_headers(tenant)
    rows = await open_data.open_data_businesses(
        tenant.config, reads=services.directory_reads(tenant)
    )
    text = csv_text(open_data.CSV_COLUMNS, (open_data.csv_row(row) for row in rows))
    headers["Content-Disposition"] = f'attachment; filename="{tenant.slug}-businesses.csv"'
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get(
    "/businesses.geojson",
    response_class=Response,
    responses=ERRORS | {200: {"content": {"application/geo+json": {}}, "description": "RFC 7946"}},
    summary="The directory as GeoJSON (businesses with a location)",
)
async def get_open_data_businesses_geojson(
    tenant: CurrentTenant, services: ServicesDep
) -> Response:
    headers = _licence_headers(tenant)
    settings = open_data.require_open_data(tenant.config)
    rows = await open_data.open_data_businesses(
        tenant.config, reads=services.directory_reads(tenant)
    )
    features = []
    for row in rows:
        if row.location is None:
            continue
        properties = open_data.csv_row(row)
        for key in ("id", "lat", "lon"):
            properties.pop(key)
        features.append(
            {
                "type": "Feature",
                "id": str(row.id),
                "geometry": {"type": "Point", "coordinates": [row.location.lon, row.location.lat]},
                "properties": properties,
            }
        )
    body = {
        "type": "FeatureCollection",
        "licence": settings.licence,
        "licence_url": settings.licence_url,
        "attribution": settings.attribution,
        "features": features,
    }
    return Response(
        json.dumps(body, ensure_ascii=False), media_type="application/geo+json", headers=headers
    )

"""Open data: the tenant's directory as CSV and GeoJSON rows, under the tenant's licence,
without personal data (no contact details, no team, no external ids). Off unless the tenant
enables the `open_data` feature."""

from __future__ import annotations

from typing import Any

from domain.directory.errors import FeatureOff
from domain.directory.hours import WEEKDAYS
from domain.directory.ports import OpenDataBusiness, OpenDataReads
from domain.tenancy.model import Feature, OpenDataSettings, TenantConfig

CSV_COLUMNS = (
    "id",
    "name",
    "kind",
    "categories",
    "street",
    "postcode",
    "city",
    "lat",
    "lon",
    "website_url",
    "shop_url",
    "delivers",
    "offers_pickup",
    "opening_hours",
    "verified",
    "updated_at",
)


def require_open_data(config: TenantConfig) -> OpenDataSettings:
    if Feature.OPEN_DATA not in config.features or config.open_data is None:
        raise FeatureOff("this tenant publishes no open data")
    return config.open_data


def hours_text(business: OpenDataBusiness) -> str:
    """Weekly hours in the compact form the importer reads: 'mo 09:00-18:00; sa 10:00-14:00'."""
    return "; ".join(
        f"{day} {','.join(str(r) for r in ranges)}"
        for day, ranges in zip(WEEKDAYS, business.opening_hours.weekly, strict=True)
        if ranges
    )


def csv_row(b: OpenDataBusiness) -> dict[str, Any]:
    return {
        "id": str(b.id),
        "name": b.name,
        "kind": b.kind,
        "categories": "|".join(b.category_keys),
        "street": b.street,
        "postcode": b.postcode,
        "city": b.city,
        "lat": b.location.lat if b.location else "",
        "lon": b.location.lon if b.location else "",
        "website_url": b.website_url or "",
        "shop_url": b.shop_url or "",
        "delivers": str(b.delivers).lower(),
        "offers_pickup": str(b.offers_pickup).lower(),
        "opening_hours": hours_text(b),
        "verified": str(b.verified).lower(),
        "updated_at": b.updated_at.isoformat(),
    }


async def open_data_businesses(
    config: TenantConfig, *, reads: OpenDataReads
) -> list[OpenDataBusiness]:
    require_open_data(config)
    return await reads.open_data_businesses()

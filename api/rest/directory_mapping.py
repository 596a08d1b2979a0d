"""Between the directory's domain objects and its REST models, both ways."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends

from api.deps import CurrentTenant
from api.rest.schemas import directory as schemas
from domain.directory.errors import FeatureOff
from domain.directory.hours import OpenStatus, hours_from_text, weekly_as_text
from domain.directory.model import Address, Business, BusinessProfile, Contact, GeoPoint
from domain.directory.ports import BusinessSummary, Page
from domain.identity.model import BusinessRole
from domain.tenancy.model import Feature, Tenant


async def directory_tenant(tenant: CurrentTenant) -> Tenant:
    """The tenant, if it runs the business directory."""
    if Feature.BUSINESSES not in tenant.config.features:
        raise FeatureOff("this tenant has no business directory")
    return tenant


DirectoryTenant = Annotated[Tenant, Depends(directory_tenant)]


# For operations anyone may call, where a credential only shows more (hidden listings, your
# role): OpenAPI's empty requirement says "no credential is fine too".
OPTIONAL_AUTH = {"security": [{}]}


def profile_from(fields: schemas.BusinessFields) -> BusinessProfile:
    hours = fields.opening_hours
    return BusinessProfile(
        name=fields.name.strip(),
        kind=fields.kind,
        description=fields.description.strip(),
        category_ids=tuple(fields.category_ids),
        address=Address(**fields.address.model_dump()),
        location=GeoPoint(fields.location.lat, fields.location.lon) if fields.location else None,
        contact=Contact(**fields.contact.model_dump()),
        website_url=fields.website_url,
        shop_url=fields.shop_url,
        delivers=fields.delivers,
        delivery_notes=fields.delivery_notes,
        offers_pickup=fields.offers_pickup,
        pickup_notes=fields.pickup_notes,
        image_urls=tuple(fields.image_urls),
        social_links=tuple(fields.social_links),
        opening_hours=hours_from_text(
            dict(hours.weekly), [(e.date, list(e.ranges), e.note) for e in hours.exceptions]
        ),
    )


def fields_of(profile: BusinessProfile) -> schemas.BusinessFields:
    hours = profile.opening_hours
    return schemas.BusinessFields(
        name=profile.name,
        kind=profile.kind,
        description=profile.description,
        category_ids=list(profile.category_ids),
        address=schemas.Address(**vars(profile.address)),
        location=schemas.Location(lat=profile.location.lat, lon=profile.location.lon)
        if profile.location
        else None,
        contact=schemas.Contact(**vars(profile.contact)),
        website_url=profile.website_url,
        shop_url=profile.shop_url,
        delivers=profile.delivers,
        delivery_notes=profile.delivery_notes,
        offers_pickup=profile.offers_pickup,
        pickup_notes=profile.pickup_notes,
        image_urls=list(profile.image_urls),
        social_links=list(profile.social_links),
        opening_hours=schemas.OpeningHours(
            weekly={day: ranges for day, ranges in weekly_as_text(hours).items() if ranges},  # type: ignore[misc]
            exceptions=[
                schemas.HoursException(date=e.day, ranges=[str(r) for r in e.ranges], note=e.note)
                for e in hours.exceptions
            ],
        ),
    )


def patched(profile: BusinessProfile, patch: schemas.BusinessPatchIn) -> BusinessProfile:
    """The profile with the patch's fields; a null sent for a field clears it to its default
    (the patch model already refused null where a field cannot be empty)."""
    defaults = schemas.BusinessFields.model_fields
    changes = {
        name: defaults[name].get_default(call_default_factory=True) if value is None else value
        for name, value in patch.model_dump(exclude_unset=True).items()
    }
    return profile_from(
        schemas.BusinessFields.model_validate(fields_of(profile).model_dump() | changes)
    )


def business_out(
    business: Business, tenant: Tenant, now: datetime, role: BusinessRole | None
) -> schemas.BusinessOut:
    zone = ZoneInfo(tenant.config.timezone)
    status = business.profile.opening_hours.status_at(now, zone)
    fields = fields_of(business.profile)
    return schemas.BusinessOut(
        id=business.id,
        **fields.model_dump(),
        timezone=tenant.config.timezone,
        open_status=schemas.OpenStatus(**vars(status)),
        verified=business.verified,
        hidden=business.hidden,
        hidden_reason=business.hidden_reason or None,
        external_id=business.external_id,
        your_role=role,
        created_at=business.created_at,
        updated_at=business.updated_at,
    )


def statuses_at(
    summaries: list[BusinessSummary], zone: ZoneInfo, now: datetime
) -> list[OpenStatus]:
    """Each one's open status. Businesses with the same hours share one parsed OpeningHours
    (see hours_from_json), so keying by identity evaluates each distinct schedule once; the
    summaries hold the objects, so no identity is reused meanwhile."""
    known: dict[int, OpenStatus] = {}
    for s in summaries:
        if id(s.opening_hours) not in known:
            known[id(s.opening_hours)] = s.opening_hours.status_at(now, zone)
    return [known[id(s.opening_hours)] for s in summaries]


def page_document(page: Page, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    """A schemas.BusinessPage as plain data (see api/rest/responses.py)."""
    statuses = statuses_at(page.items, zone, now)
    return {
        "items": [
            summary_document(s, status) for s, status in zip(page.items, statuses, strict=True)
        ],
        "next_cursor": page.next_cursor,
    }


def summary_document(summary: BusinessSummary, status: OpenStatus) -> dict[str, Any]:
    """A schemas.BusinessSummaryOut as plain data."""
    location = summary.location
    return {
        "id": summary.id,
        "name": summary.name,
        "kind": summary.kind.value,
        "category_ids": summary.category_ids,
        "city": summary.city,
        "location": {"lat": location.lat, "lon": location.lon} if location else None,
        "verified": summary.verified,
        "open_now": status.open_now,
        "next_opening": status.next_opening,
        "delivers": summary.delivers,
        "offers_pickup": summary.offers_pickup,
    }


def etag_for(business: Business) -> str:
    return f'"{business.id.hex[:12]}-{business.version}"'


def version_from_if_match(if_match: str | None, business_id_hex: str) -> int | None:
    """The version an If-Match names; -1 (never current) for a tag of another resource."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.split(",")[0].strip().removeprefix("W/").strip('"')
    prefix, _, version = tag.partition("-")
    if prefix != business_id_hex[:12] or not version.isdigit() or len(version) > 9:
        return -1
    return int(version)

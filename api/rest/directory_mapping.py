"""From the directory's domain objects to its REST responses (what REST and GraphQL both take
in, and its mapping to the domain, is in api/directory_input.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends

from api.deps import CurrentTenant
from api.directory_input import fields_of
from api.languages import Language, ShownTexts, shown_texts
from api.rest.schemas import directory as schemas
from api.rest.schemas.media import media_out
from domain.directory.businesses import BusinessView
from domain.directory.errors import FeatureOff
from domain.directory.hours import OpenStatus
from domain.directory.model import (
    BUSINESS_TEXTS,
    CATEGORY_TEXTS,
    OFFER_TEXTS,
    Business,
    Category,
    Offer,
)
from domain.directory.ports import BusinessSummary, Page
from domain.media.ports import MediaStorage
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


def business_out(
    view: BusinessView, tenant: Tenant, now: datetime, language: Language, storage: MediaStorage
) -> schemas.BusinessOut:
    business = view.business
    zone = ZoneInfo(tenant.config.timezone)
    status = business.profile.opening_hours.status_at(now, zone)
    fields = fields_of(business.profile)
    shown = shown_texts(business.profile, BUSINESS_TEXTS, language)
    return schemas.BusinessOut(
        id=business.id,
        **fields.model_dump(exclude={*BUSINESS_TEXTS, "image_ids"}),
        **shown.texts,
        languages=shown.languages,
        translations=shown.translations,
        timezone=tenant.config.timezone,
        open_status=schemas.OpenStatus(**vars(status)),
        verified=business.verified,
        hidden=business.hidden,
        hidden_reason=business.hidden_reason or None,
        external_id=business.external_id,
        your_role=view.caller_role,
        image_ids=[m.id for m in view.images],  # without images deleted since
        images=[media_out(m, language, storage) for m in view.images],
        created_at=business.created_at,
        updated_at=business.updated_at,
    )


def offer_out(
    offer: Offer, language: Language, shown: ShownTexts | None = None
) -> schemas.OfferOut:
    """An offer in a list: its texts in the request's language."""
    shown = shown or shown_texts(offer, OFFER_TEXTS, language)
    return schemas.OfferOut(
        id=offer.id,
        business_id=offer.business_id,
        **shown.texts,
        valid_from=offer.valid_from,
        valid_until=offer.valid_until,
        voucher_url=offer.voucher_url,
        languages=shown.languages,
    )


def offer_detail_out(offer: Offer, language: Language) -> schemas.OfferDetailOut:
    """An offer as written: with every language of its texts."""
    shown = shown_texts(offer, OFFER_TEXTS, language)
    return schemas.OfferDetailOut(
        **offer_out(offer, language, shown).model_dump(), translations=shown.translations
    )


def category_out(
    category: Category, language: Language, shown: ShownTexts | None = None
) -> schemas.CategoryOut:
    shown = shown or shown_texts(category, CATEGORY_TEXTS, language)
    return schemas.CategoryOut(
        id=category.id,
        key=category.key,
        **shown.texts,
        parent_id=category.parent_id,
        position=category.position,
        languages=shown.languages,
    )


def category_detail_out(category: Category, language: Language) -> schemas.CategoryDetailOut:
    shown = shown_texts(category, CATEGORY_TEXTS, language)
    return schemas.CategoryDetailOut(
        **category_out(category, language, shown).model_dump(), translations=shown.translations
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

"""The change feed's items as documents: each entry's item as it is now, built as the REST
answers build it (so a feed item equals what GET on the item answers), or nothing for a
tombstone. REST's /v1/sync/changes and GraphQL's `changes` share it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from api.languages import Language
from api.rest.directory_mapping import business_out, offer_detail_out
from api.rest.schemas import funding as funding_schemas
from api.services import Services
from domain.directory.businesses import view_business
from domain.directory.errors import BusinessNotFound
from domain.funding.campaigns import PUBLIC
from domain.identity.model import Anonymous
from domain.syndication import feed
from domain.tenancy.model import Feature, Tenant


async def current_documents(
    entries: list[feed.FeedEntry], tenant: Tenant, services: Services, language: Language
) -> dict[tuple[str, UUID], dict[str, Any]]:
    """The current public document of each item the page names; absent: a tombstone."""
    wanted: dict[str, set[UUID]] = {}
    for entry in entries:
        wanted.setdefault(entry.kind, set()).add(entry.item_id)
    found: dict[tuple[str, UUID], dict[str, Any]] = {}
    now = services.clock.now()
    if wanted.get("campaign") and Feature.CAMPAIGNS in tenant.config.features:
        reads = services.funding_reads(tenant)
        shown = await reads.campaigns_by_ids(sorted(wanted["campaign"]))
        public = [c for c in shown.values() if c.status in PUBLIC]
        tiers = await reads.tiers_of([c.id for c in public])
        homes = {
            i: funding_schemas.home_tenant_document(t)
            for i, t in (await services.home_tenants(tenant, public)).items()
        }
        for campaign in public:
            found[("campaign", campaign.id)] = funding_schemas.campaign_document(
                campaign, language, now, tiers=tiers[campaign.id], homes=homes
            )
    if Feature.BUSINESSES in tenant.config.features:
        anyone = Anonymous(tenant.id)
        for business_id in sorted(wanted.get("business", ())):
            try:
                view = await view_business(business_id, anyone, uow=services.directory_uow(tenant))
            except BusinessNotFound:
                continue
            document = business_out(view, tenant, now, language, services.media_storage)
            found[("business", business_id)] = document.model_dump(mode="json")
        if wanted.get("offer"):
            async with services.directory_uow(tenant) as uow:
                for offer_id in sorted(wanted["offer"]):
                    offer = await uow.offers.get(offer_id)
                    if offer is None or not offer.current(now):
                        continue
                    owner = await uow.businesses.get(offer.business_id)
                    if owner is None or owner.hidden:
                        continue
                    found[("offer", offer_id)] = offer_detail_out(offer, language).model_dump(
                        mode="json"
                    )
    return found

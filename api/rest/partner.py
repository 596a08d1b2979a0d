"""/v1/partner/campaigns/{external_id}: partner platforms keep their campaigns here by their
own ids (keys with campaigns:write). Such campaigns are listed like ours, carry their origin,
and take pledges on the partner's platform."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.auth import SignedInPrincipal
from api.deps import ServicesDep
from api.languages import RequestLanguage
from api.problem_catalog import problems
from api.rest.campaigns import FundingTenant, etag_for
from api.rest.responses import json_document
from api.rest.schemas import funding as schemas
from api.syndication_input import PartnerCampaignIn, partner_campaign_input
from domain.errors import FeatureOff
from domain.funding.errors import CampaignNotFound
from domain.identity.errors import ApiKeyRequired, ScopeRequired, Unauthenticated
from domain.syndication import partner
from domain.syndication.errors import PartnerCampaignConflict

router = APIRouter(prefix="/v1/partner/campaigns", tags=["partner"])
REFUSALS = (Unauthenticated, ApiKeyRequired, ScopeRequired)
ExternalId = Annotated[
    str,
    Path(
        pattern=partner.EXTERNAL_ID_PATTERN,
        max_length=200,
        description="Your own id for the campaign (letters, digits and . _ : ~ -)",
    ),
]


@router.put(
    "/{external_id}",
    response_model=schemas.CampaignOut,
    responses={
        201: {"model": schemas.CampaignOut, "description": "Created"},
        **problems(FeatureOff, *REFUSALS, PartnerCampaignConflict),
    },
    summary="Create or replace your campaign (idempotent: the same state again changes "
    "nothing); 201 when it was created",
)
async def put_partner_campaign(
    external_id: ExternalId,
    body: PartnerCampaignIn,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> Response:
    partner.require_partner_key(principal)  # before the body's terms are checked
    done = await partner.upsert_partner_campaign(
        partner_campaign_input(external_id, body, language.writing),
        principal,
        uow=services.funding_uow(tenant),
        clock=services.clock,
        ids=services.ids,
        currency=tenant.config.currency,
    )
    document = schemas.campaign_document(done.campaign, language, services.clock.now())
    response = json_document(document)
    response.status_code = 201 if done.created else 200
    response.headers["ETag"] = etag_for(done.campaign)
    return response


@router.get(
    "/{external_id}",
    response_model=schemas.CampaignOut,
    responses=problems(FeatureOff, *REFUSALS, CampaignNotFound),
    summary="Your campaign as we hold it",
)
async def get_partner_campaign(
    external_id: ExternalId,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> Response:
    campaign = await partner.partner_campaign(
        external_id, principal, uow=services.funding_uow(tenant)
    )
    response = json_document(schemas.campaign_document(campaign, language, services.clock.now()))
    response.headers["ETag"] = etag_for(campaign)
    return response


@router.delete(
    "/{external_id}",
    status_code=204,
    response_class=Response,
    responses=problems(FeatureOff, *REFUSALS, PartnerCampaignConflict),
    summary="Withdraw your campaign (the change feed shows a tombstone); again: no error",
)
async def delete_partner_campaign(
    external_id: ExternalId,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
) -> Response:
    await partner.delete_partner_campaign(external_id, principal, uow=services.funding_uow(tenant))
    return Response(status_code=204)

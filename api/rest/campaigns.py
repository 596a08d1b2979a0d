"""/v1/campaigns: campaigns, their review, their reward tiers and their pledges."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response

from api.auth import CurrentPrincipal, SignedInPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.funding_input import (
    CampaignCreateIn,
    CampaignPatchIn,
    PledgeIn,
    TierIn,
    TierPatchIn,
    campaign_input,
    patched_campaign,
    patched_tier,
    tier_input,
)
from api.languages import RequestLanguage
from api.problem_catalog import problems
from api.rest.directory_mapping import OPTIONAL_AUTH, version_from_if_match
from api.rest.responses import json_document
from api.rest.schemas import funding as schemas
from api.rest.schemas.paging import CURSOR_TEXT
from api.services import Services
from domain.cursors import INSTANT_ID_PATTERN, INTEGER_ID_PATTERN, MAX_CURSOR_LENGTH
from domain.errors import FeatureOff, StaleVersion
from domain.funding import campaigns, pledges, tiers
from domain.funding.campaigns import CampaignView, showing
from domain.funding.errors import (
    CampaignClosed,
    CampaignNotFound,
    IdempotencyKeyReused,
    PaymentsUnavailable,
    PledgesElsewhere,
    RewardSoldOut,
    RewardTierNotFound,
    TransitionNotAllowed,
)
from domain.funding.model import Campaign, CampaignStatus, Pledge
from domain.funding.ports import BankDetails, CampaignFilter, CampaignSort
from domain.identity.errors import AccountRequired, RoleRequired, ScopeRequired
from domain.identity.model import Principal
from domain.syndication.listings import as_seen_at_home
from domain.tenancy.model import Feature, Tenant

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])
REFUSALS = (AccountRequired, RoleRequired, ScopeRequired)
IDEMPOTENCY_TEXT = (
    "Any unique string (a UUID): the same request again with this key answers with the first "
    "result and never pledges twice; another body with the same key is refused (422)"
)


async def funding_tenant(tenant: CurrentTenant) -> Tenant:
    """The tenant, if it runs campaigns."""
    if Feature.CAMPAIGNS not in tenant.config.features:
        raise FeatureOff("this tenant runs no campaigns")
    return tenant


FundingTenant = Annotated[Tenant, Depends(funding_tenant)]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", max_length=255, description=IDEMPOTENCY_TEXT)
]
# The campaign list's cursor (any of its sorts) and the pledge lists' (newest first).
CampaignCursor = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR_LENGTH, pattern=INTEGER_ID_PATTERN, description=CURSOR_TEXT),
]
Cursor = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR_LENGTH, pattern=INSTANT_ID_PATTERN, description=CURSOR_TEXT),
]


def etag_for(campaign: Campaign) -> str:
    return f'"{campaign.id.hex[:12]}-{campaign.version}"'


def bank_details(tenant: Tenant) -> BankDetails | None:
    payments = tenant.config.payments
    if not (payments.bank_account_holder and payments.bank_iban):
        return None
    return BankDetails(payments.bank_account_holder, payments.bank_iban, payments.bank_bic)


def pledge_document(
    pledge: Pledge, principal: Principal, tenant: Tenant, names: dict[UUID, str] | None = None
) -> dict:
    """A PledgeOut as `principal` may see it: an anonymous backer unnamed, and how to pay
    only to the backer (and moderators)."""
    payment = pledges.may_see_pledge(principal, pledge)
    return schemas.pledge_out(
        pledge,
        backer_id=pledges.shown_backer(pledge, principal),
        with_payment=payment,
        bank=bank_details(tenant) if payment else None,
        backer_name=(names or {}).get(pledge.backer_id),
        to_backer=getattr(principal, "account_id", None) == pledge.backer_id,
    ).model_dump(mode="json")


async def _detail(
    view: CampaignView, services: Services, tenant: Tenant, language: RequestLanguage
) -> dict:
    async with services.media_uow(tenant) as media:
        images = await media.media.attached_to(showing(view.campaign.id))
    order = {image_id: i for i, image_id in enumerate(view.campaign.content.image_ids)}
    images.sort(key=lambda m: order.get(m.id, len(order)))
    campaign = view.campaign
    found = services.funding_names(tenant)
    names = await found.people([campaign.owner_id] if campaign.owner_id else [])
    names |= await found.businesses([campaign.business_id] if campaign.business_id else [])
    return schemas.campaign_document(
        campaign,
        language,
        services.clock.now(),
        tiers=view.tiers,
        images=images,
        storage=services.media_storage,
        names=names,
    )


async def _homes(services: Services, tenant: Tenant, shown: list[Campaign]) -> dict[UUID, dict]:
    """The home tenants of mirrored campaigns (listed here, living on another tenant)."""
    found = await services.home_tenants(tenant, shown)
    return {i: schemas.home_tenant_document(t) for i, t in found.items()}


def _answer(document: dict, campaign: Campaign, status: int = 200) -> Response:
    response = json_document(document)
    response.status_code = status
    response.headers["ETag"] = etag_for(campaign)
    return response


@router.get(
    "",
    response_model=schemas.CampaignPage,
    responses=problems(FeatureOff),
    summary="List campaigns (live, succeeded, failed, paid out; your own and, for "
    "moderators, any status)",
    openapi_extra=OPTIONAL_AUTH,
)
async def list_campaigns(
    principal: CurrentPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
    status: Annotated[list[CampaignStatus] | None, Query(max_length=7)] = None,
    category: Annotated[list[UUID] | None, Query(max_length=20)] = None,
    q: Annotated[
        str | None,
        Query(max_length=100, pattern=r"^[^\x00]*$", description="In a title or summary"),
    ] = None,
    sort: CampaignSort = CampaignSort.NEWEST,
    mine: Annotated[bool, Query(description="Only your own, in any status")] = False,
    business_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=campaigns.MAX_PAGE)] = 20,
    cursor: CampaignCursor = None,
) -> Response:
    owner = getattr(principal, "account_id", None) if mine else None
    if mine and owner is None:
        return json_document({"items": [], "next_cursor": None})
    where = CampaignFilter(
        statuses=tuple(status or ()),
        category_ids=tuple(category or ()),
        text=(q or "").strip(),
        owner_id=owner,
        business_id=business_id,
    )
    page = await campaigns.list_campaigns(
        where,
        sort,
        principal,
        reads=services.funding_reads(tenant),
        limit=limit,
        cursor=cursor,
    )
    now = services.clock.now()
    homes = await _homes(services, tenant, page.items)
    return json_document(
        {
            "items": [schemas.campaign_document(c, language, now, homes=homes) for c in page.items],
            "next_cursor": page.next_cursor,
        }
    )


@router.post(
    "",
    status_code=201,
    response_model=schemas.CampaignOut,
    responses=problems(FeatureOff, *REFUSALS),
    summary="Draft a campaign (members; partner keys with campaigns:write)",
)
async def create_campaign(
    body: CampaignCreateIn,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> Response:
    made = await campaigns.create_campaign(
        campaign_input(body, language.writing),
        principal,
        uow=services.funding_uow(tenant),
        clock=services.clock,
        ids=services.ids,
        currency=tenant.config.currency,
    )
    view = CampaignView(made, [])
    response = _answer(await _detail(view, services, tenant, language), made, 201)
    response.headers["Location"] = f"/v1/campaigns/{made.id}"
    return response


@router.get(
    "/{campaign_id}",
    response_model=schemas.CampaignOut,
    responses=problems(FeatureOff, CampaignNotFound),
    summary="One campaign with its totals, images and reward tiers",
    openapi_extra=OPTIONAL_AUTH,
)
async def get_campaign(
    campaign_id: UUID,
    principal: CurrentPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> Response:
    home = await services.campaign_home(tenant, campaign_id)
    view = await campaigns.view_campaign(
        campaign_id, as_seen_at_home(principal, tenant.id, home.id), uow=services.funding_uow(home)
    )
    document = await _detail(view, services, home, language)
    if home.id != tenant.id:
        document["home_tenant"] = schemas.home_tenant_document(home)
    response = _answer(document, view.campaign)
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.patch(
    "/{campaign_id}",
    response_model=schemas.CampaignOut,
    responses=problems(FeatureOff, CampaignNotFound, *REFUSALS, TransitionNotAllowed, StaleVersion),
    summary="Edit a campaign (its runner or moderators; send If-Match with the ETag). Once "
    "pledged to, its goal and end can only grow",
)
async def update_campaign(
    campaign_id: UUID,
    body: CampaignPatchIn,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=200)] = None,
) -> Response:
    edited = await campaigns.edit_campaign(
        campaign_id,
        lambda current: patched_campaign(current, body, language.writing),
        principal,
        uow=services.funding_uow(tenant),
        clock=services.clock,
        expected_version=version_from_if_match(if_match, campaign_id.hex) if if_match else None,
    )
    return await _moved(edited, services, tenant, language)


async def _moved(
    campaign: Campaign, services: Services, tenant: Tenant, language: RequestLanguage
) -> Response:
    async with services.funding_uow(tenant) as uow:
        found_tiers = await uow.tiers.of_campaign(campaign.id)
    view = CampaignView(campaign, found_tiers)
    return _answer(await _detail(view, services, tenant, language), campaign)


_MOVES = problems(FeatureOff, CampaignNotFound, *REFUSALS, TransitionNotAllowed, StaleVersion)


@router.post(
    "/{campaign_id}/submit",
    response_model=schemas.CampaignOut,
    responses=_MOVES,
    summary="Submit a draft for review (live at once where the tenant approves itself)",
)
async def submit_campaign(
    campaign_id: UUID,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> Response:
    moved = await campaigns.submit_campaign(
        campaign_id,
        principal,
        uow=services.funding_uow(tenant),
        clock=services.clock,
        auto_approve=tenant.config.moderation.auto_approve_campaigns,
    )
    return await _moved(moved, services, tenant, language)


@router.post(
    "/{campaign_id}/approve",
    response_model=schemas.CampaignOut,
    responses=_MOVES,
    summary="Approve a campaign in review: it goes live (moderators)",
)
async def approve_campaign(
    campaign_id: UUID,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> Response:
    moved = await campaigns.review_campaign(
        campaign_id, True, principal, uow=services.funding_uow(tenant), clock=services.clock
    )
    return await _moved(moved, services, tenant, language)


@router.post(
    "/{campaign_id}/send-back",
    response_model=schemas.CampaignOut,
    responses=_MOVES,
    summary="Send a campaign in review back to its author as a draft (moderators)",
)
async def send_back_campaign(
    campaign_id: UUID,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> Response:
    moved = await campaigns.review_campaign(
        campaign_id, False, principal, uow=services.funding_uow(tenant), clock=services.clock
    )
    return await _moved(moved, services, tenant, language)


@router.post(
    "/{campaign_id}/cancel",
    response_model=schemas.CampaignOut,
    responses=_MOVES,
    summary="Cancel a campaign before its outcome (its runner or moderators); every pledge "
    "is released or refunded",
)
async def cancel_campaign(
    campaign_id: UUID,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> Response:
    moved = await campaigns.cancel_campaign(
        campaign_id, principal, uow=services.funding_uow(tenant), clock=services.clock
    )
    return await _moved(moved, services, tenant, language)


@router.post(
    "/{campaign_id}/payout",
    response_model=schemas.CampaignOut,
    responses=_MOVES,
    summary="Note that a succeeded campaign's money was paid out (tenant admins)",
)
async def mark_paid_out(
    campaign_id: UUID,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> Response:
    moved = await campaigns.mark_paid_out(
        campaign_id, principal, uow=services.funding_uow(tenant), clock=services.clock
    )
    return await _moved(moved, services, tenant, language)


# Reward tiers ----------------------------------------------------------------------------


@router.get(
    "/{campaign_id}/reward-tiers",
    response_model=list[schemas.TierOut],
    responses=problems(FeatureOff, CampaignNotFound),
    summary="A campaign's reward tiers, by minimum amount",
    openapi_extra=OPTIONAL_AUTH,
)
async def list_tiers(
    campaign_id: UUID,
    principal: CurrentPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> list[schemas.TierOut]:
    home = await services.campaign_home(tenant, campaign_id)
    found = await tiers.tiers_of(
        campaign_id, as_seen_at_home(principal, tenant.id, home.id), uow=services.funding_uow(home)
    )
    return [schemas.tier_out(t, language) for t in found]


@router.post(
    "/{campaign_id}/reward-tiers",
    status_code=201,
    response_model=schemas.TierOut,
    responses=problems(FeatureOff, CampaignNotFound, *REFUSALS, TransitionNotAllowed),
    summary="Add a reward tier (the campaign's runner or moderators)",
)
async def add_tier(
    campaign_id: UUID,
    body: TierIn,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> schemas.TierOut:
    tier = await tiers.add_tier(
        campaign_id,
        tier_input(body, language.writing, tenant.config.currency),
        principal,
        uow=services.funding_uow(tenant),
        ids=services.ids,
    )
    return schemas.tier_out(tier, language)


@router.patch(
    "/{campaign_id}/reward-tiers/{tier_id}",
    response_model=schemas.TierOut,
    responses=problems(
        FeatureOff, CampaignNotFound, RewardTierNotFound, *REFUSALS, TransitionNotAllowed
    ),
    summary="Change a reward tier; once chosen, its minimum and kind stay and its stock "
    "never drops below what is claimed",
)
async def update_tier(
    campaign_id: UUID,
    tier_id: UUID,
    body: TierPatchIn,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> schemas.TierOut:
    found = await tiers.tiers_of(campaign_id, principal, uow=services.funding_uow(tenant))
    current = next((t for t in found if t.id == tier_id), None)
    if current is None:
        raise RewardTierNotFound()
    tier = await tiers.edit_tier(
        campaign_id,
        tier_id,
        patched_tier(current, body, language.writing, tenant.config.currency),
        principal,
        uow=services.funding_uow(tenant),
    )
    return schemas.tier_out(tier, language)


@router.delete(
    "/{campaign_id}/reward-tiers/{tier_id}",
    status_code=204,
    responses=problems(
        FeatureOff, CampaignNotFound, RewardTierNotFound, *REFUSALS, TransitionNotAllowed
    ),
    summary="Remove a reward tier nobody has chosen",
)
async def remove_tier(
    campaign_id: UUID,
    tier_id: UUID,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
) -> Response:
    await tiers.remove_tier(campaign_id, tier_id, principal, uow=services.funding_uow(tenant))
    return Response(status_code=204)


# Pledges of a campaign ---------------------------------------------------------------------


@router.get(
    "/{campaign_id}/pledges",
    response_model=schemas.PledgePage,
    responses=problems(FeatureOff, CampaignNotFound),
    summary="A campaign's backers, newest first (anonymous ones unnamed); its runner and "
    "moderators see every pledge with its status",
    openapi_extra=OPTIONAL_AUTH,
)
async def list_campaign_pledges(
    campaign_id: UUID,
    principal: CurrentPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=pledges.MAX_PAGE)] = 20,
    cursor: Cursor = None,
) -> Response:
    items, next_cursor = await pledges.pledges_of_campaign(
        campaign_id, principal, uow=services.funding_uow(tenant), limit=limit, cursor=cursor
    )
    shown = [p.backer_id for p in items if pledges.shown_backer(p, principal)]
    names = await services.funding_names(tenant).people(shown)
    return json_document(
        {
            "items": [pledge_document(p, principal, tenant, names) for p in items],
            "next_cursor": next_cursor,
        }
    )


@router.post(
    "/{campaign_id}/pledges",
    status_code=201,
    response_model=schemas.PledgeOut,
    responses=problems(
        FeatureOff,
        CampaignNotFound,
        RewardTierNotFound,
        *REFUSALS,
        CampaignClosed,
        RewardSoldOut,
        PledgesElsewhere,
        IdempotencyKeyReused,
        PaymentsUnavailable,
    ),
    summary="Back a campaign (members). The answer says how to pay: a bank transfer's "
    "details, or a Stripe client secret to confirm the card with",
)
async def make_pledge(
    campaign_id: UUID,
    body: PledgeIn,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    # A campaign listed here from another tenant is pledged on its home's ledger.
    home = await services.campaign_home(tenant, campaign_id)
    made = await pledges.make_pledge(
        pledges.PledgeInput(campaign_id, body.amount.money(), body.tier_id, body.anonymous),
        principal,
        idempotency_key=idempotency_key,
        uow=services.funding_uow(home),
        gateways=services.payment_gateways(home),
        clock=services.clock,
        ids=services.ids,
    )
    response = json_document(pledge_document(made, principal, home))
    response.status_code = 201
    response.headers["Location"] = f"/v1/pledges/{made.id}"
    return response

"""/v1/listings: campaigns of child tenants listed here (mirroring), decided by this tenant's
moderators: approve, hide, show again. The campaign itself is never touched."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.auth import SignedInPrincipal
from api.deps import ServicesDep
from api.problem_catalog import problems
from api.rest.campaigns import FundingTenant
from api.services import Services
from domain.errors import FeatureOff
from domain.identity.errors import AccountRequired, NotAMember, RoleRequired
from domain.syndication import listings
from domain.syndication.errors import ListingMoveNotAllowed, ListingNotFound
from domain.syndication.listings import Listing, ListingAction, ListingStatus
from domain.tenancy.model import Tenant

router = APIRouter(prefix="/v1/listings", tags=["listings"])
REFUSALS = (AccountRequired, NotAMember, RoleRequired)
MAX_PAGE = 100


class ListingOut(BaseModel):
    campaign_id: UUID
    home_tenant: str  # its slug
    status: ListingStatus
    created_at: datetime
    updated_at: datetime
    decided_by: UUID | None


async def _out(services: Services, found: list[Listing]) -> list[ListingOut]:
    out = []
    for listing in found:
        home = await services.tenant_directory.by_id(listing.home_tenant_id)
        out.append(
            ListingOut(
                campaign_id=listing.campaign_id,
                home_tenant=home.slug if home else "",
                status=listing.status,
                created_at=listing.created_at,
                updated_at=listing.updated_at,
                decided_by=listing.decided_by,
            )
        )
    return out


@router.get(
    "",
    response_model=list[ListingOut],
    responses=problems(FeatureOff, *REFUSALS),
    summary="Campaigns of child tenants listed here, by status (moderators); by campaign id",
)
async def list_listings(
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    status: Annotated[list[ListingStatus] | None, Query(max_length=3)] = None,
    after: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> list[ListingOut]:
    found = await listings.listings_to_decide(
        principal,
        tuple(status or ()),
        uow=services.syndication_uow(tenant),
        limit=limit,
        after=after,
    )
    return await _out(services, found)


async def _decide(
    campaign_id: UUID,
    action: ListingAction,
    principal: SignedInPrincipal,
    tenant: Tenant,
    services: Services,
) -> ListingOut:
    moved = await listings.moderate(
        campaign_id,
        action,
        principal,
        uow=services.syndication_uow(tenant),
        campaigns=services.campaign_at_home,
        clock=services.clock,
    )
    return (await _out(services, [moved]))[0]


def _route(action: ListingAction, summary: str) -> None:
    @router.post(
        f"/{{campaign_id}}/{action.value}",
        response_model=ListingOut,
        responses=problems(FeatureOff, *REFUSALS, ListingNotFound, ListingMoveNotAllowed),
        summary=summary,
        name=f"{action.value}_listing",
    )
    async def decide(
        campaign_id: UUID,
        principal: SignedInPrincipal,
        tenant: FundingTenant,
        services: ServicesDep,
    ) -> ListingOut:
        return await _decide(campaign_id, action, principal, tenant, services)


_route(ListingAction.APPROVE, "Approve a pending listing: it shows here (moderators)")
_route(ListingAction.HIDE, "Hide a listing here; the campaign itself is untouched (moderators)")
_route(ListingAction.SHOW, "Show a hidden listing again (moderators)")

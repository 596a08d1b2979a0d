"""/v1/offers: businesses' time-limited offers; expired ones leave every list by themselves."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.auth import SignedInPrincipal
from api.deps import ServicesDep
from api.directory_input import OfferChangeIn, OfferIn, offer_input
from api.languages import RequestLanguage
from api.problem_catalog import problems
from api.rest.directory_mapping import DirectoryTenant, offer_detail_out, offer_out
from api.rest.schemas import directory as schemas
from api.rest.schemas.paging import CURSOR_TEXT
from domain.cursors import INSTANT_ID_PATTERN, MAX_CURSOR_LENGTH
from domain.directory import offers, queries
from domain.directory.errors import (
    BusinessNotFound,
    BusinessRoleRequired,
    FeatureOff,
    OfferNotFound,
)
from domain.identity.errors import AccountRequired, RoleRequired, ScopeRequired

router = APIRouter(prefix="/v1/offers", tags=["offers"])
EDITOR_REFUSALS = (FeatureOff, AccountRequired, ScopeRequired, RoleRequired, BusinessRoleRequired)


@router.get(
    "",
    response_model=schemas.OfferPage,
    responses=problems(FeatureOff),
    summary="Current offers, those ending soonest first",
)
async def list_offers(
    tenant: DirectoryTenant,
    services: ServicesDep,
    language: RequestLanguage,
    business_id: Annotated[list[UUID] | None, Query(max_length=50)] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 20,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_LENGTH, pattern=INSTANT_ID_PATTERN, description=CURSOR_TEXT),
    ] = None,
) -> schemas.OfferPage:
    page = await queries.current_offers(
        services.clock.now(),
        reads=services.directory_reads(tenant),
        business_ids=business_id,
        limit=limit,
        cursor=cursor,
    )
    return schemas.OfferPage(
        items=[offer_out(o, language) for o in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "",
    status_code=201,
    response_model=schemas.OfferDetailOut,
    responses=problems(*EDITOR_REFUSALS, BusinessNotFound),
    summary="Publish an offer",
)
async def publish_offer(
    body: OfferIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> schemas.OfferDetailOut:
    made = await offers.publish_offer(
        body.business_id,
        offer_input(body, language.writing),
        principal,
        uow=services.directory_uow(tenant),
        clock=services.clock,
        ids=services.ids,
    )
    return offer_detail_out(made, language)


@router.put(
    "/{offer_id}",
    response_model=schemas.OfferDetailOut,
    responses=problems(*EDITOR_REFUSALS, OfferNotFound, BusinessNotFound),
    summary="Change an offer (all of it: its texts in the languages given)",
)
async def change_offer(
    offer_id: UUID,
    body: OfferChangeIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> schemas.OfferDetailOut:
    changed = await offers.change_offer(
        offer_id,
        offer_input(body, language.writing),
        principal,
        uow=services.directory_uow(tenant),
        clock=services.clock,
    )
    return offer_detail_out(changed, language)


@router.delete(
    "/{offer_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*EDITOR_REFUSALS, OfferNotFound, BusinessNotFound),
    summary="Withdraw an offer",
)
async def withdraw_offer(
    offer_id: UUID, principal: SignedInPrincipal, tenant: DirectoryTenant, services: ServicesDep
) -> Response:
    await offers.withdraw_offer(offer_id, principal, uow=services.directory_uow(tenant))
    return Response(status_code=204)

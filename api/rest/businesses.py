"""/v1/businesses: the directory's businesses, their moderation, claims and teams."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Query, Response

from api.auth import CurrentPrincipal, SignedInPrincipal
from api.deps import ServicesDep
from api.directory_input import BusinessCreateIn, BusinessPatchIn, patched, profile_from
from api.languages import RequestLanguage
from api.problem_catalog import problems
from api.rest.directory_mapping import (
    OPTIONAL_AUTH,
    DirectoryTenant,
    business_out,
    etag_for,
    page_document,
    version_from_if_match,
)
from api.rest.responses import json_document
from api.rest.schemas import directory as schemas
from api.rest.schemas.paging import CURSOR_TEXT
from domain.cursors import MAX_CURSOR_LENGTH, TEXT_ID_PATTERN
from domain.directory import businesses, queries
from domain.directory.errors import (
    AlreadyOnTeam,
    BusinessNotFound,
    BusinessRoleRequired,
    CategoryNotFound,
    ClaimDecided,
    ClaimNotFound,
    ClaimPending,
    ExternalIdTaken,
    FeatureOff,
    LastOwner,
)
from domain.directory.model import BusinessKind, ClaimStatus
from domain.directory.ports import BusinessFilter
from domain.errors import StaleVersion
from domain.identity.errors import AccountRequired, RoleRequired, ScopeRequired

router = APIRouter(prefix="/v1/businesses", tags=["businesses"])
claims_router = APIRouter(prefix="/v1/business-claims", tags=["businesses"])
# What a principal may be refused before a business is looked at.
MEMBER_REFUSALS = (AccountRequired, RoleRequired, ScopeRequired)


def _filter(
    kind: list[BusinessKind] | None,
    category: list[str] | None,
    verified: bool,
    delivers: bool | None,
    include_hidden: bool = False,
) -> BusinessFilter:
    ids, keys = queries.category_refs(category or [])
    return BusinessFilter(
        kinds=tuple(kind or ()),
        category_ids=ids,
        category_keys=keys,
        verified_only=verified,
        delivers=delivers,
        include_hidden=include_hidden,
    )


@router.get(
    "",
    response_model=schemas.BusinessPage,
    responses=problems(FeatureOff),
    summary="List businesses",
    openapi_extra=OPTIONAL_AUTH,
)
async def list_businesses(
    principal: CurrentPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
    kind: Annotated[list[BusinessKind] | None, Query(max_length=10)] = None,
    category: schemas.CategoryFilter = None,
    verified: Annotated[bool, Query(description="Only businesses a moderator verified")] = False,
    delivers: bool | None = None,
    include_hidden: Annotated[bool, Query(description="Moderators: hidden ones too")] = False,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 20,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_LENGTH, pattern=TEXT_ID_PATTERN, description=CURSOR_TEXT),
    ] = None,
) -> Response:
    page = await queries.list_businesses(
        _filter(kind, category, verified, delivers, include_hidden),
        principal,
        reads=services.directory_reads(tenant),
        limit=limit,
        cursor=cursor,
    )
    zone, now = ZoneInfo(tenant.config.timezone), services.clock.now()
    return json_document(page_document(page, zone, now))


@router.post(
    "",
    status_code=201,
    response_model=schemas.BusinessOut,
    responses=problems(FeatureOff, *MEMBER_REFUSALS, CategoryNotFound, ExternalIdTaken),
    summary="Register a business (members become its owner)",
)
async def register_business(
    body: BusinessCreateIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
    language: RequestLanguage,
    response: Response,
) -> schemas.BusinessOut:
    view = await businesses.register_business(
        businesses.RegisterBusiness(profile_from(body, language.writing), body.external_id),
        principal,
        uow=services.directory_uow(tenant),
        clock=services.clock,
        ids=services.ids,
    )
    response.headers["ETag"] = etag_for(view.business)
    response.headers["Location"] = f"/v1/businesses/{view.business.id}"
    return business_out(view, tenant, services.clock.now(), language, services.media_storage)


@router.get(
    "/{business_id}",
    response_model=schemas.BusinessOut,
    responses=problems(FeatureOff, BusinessNotFound),
    summary="One business, with whether it is open now",
    openapi_extra=OPTIONAL_AUTH,
)
async def get_business(
    business_id: UUID,
    principal: CurrentPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
    language: RequestLanguage,
    response: Response,
) -> schemas.BusinessOut:
    view = await businesses.view_business(
        business_id, principal, uow=services.directory_uow(tenant)
    )
    response.headers["ETag"] = etag_for(view.business)
    response.headers["Cache-Control"] = "no-cache"
    return business_out(view, tenant, services.clock.now(), language, services.media_storage)


@router.patch(
    "/{business_id}",
    response_model=schemas.BusinessOut,
    responses=problems(
        FeatureOff,
        BusinessNotFound,
        BusinessRoleRequired,
        *MEMBER_REFUSALS,
        CategoryNotFound,
        StaleVersion,
    ),
    summary="Edit a business (owners, staff, moderators; send If-Match with the ETag)",
)
async def update_business(
    business_id: UUID,
    body: BusinessPatchIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
    language: RequestLanguage,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=200)] = None,
) -> schemas.BusinessOut:
    view = await businesses.edit_business(
        business_id,
        lambda profile: patched(profile, body, language.writing),
        principal,
        expected_version=version_from_if_match(if_match, business_id.hex) if if_match else None,
        uow=services.directory_uow(tenant),
        clock=services.clock,
    )
    response.headers["ETag"] = etag_for(view.business)
    return business_out(view, tenant, services.clock.now(), language, services.media_storage)


@router.put(
    "/{business_id}/moderation",
    response_model=schemas.BusinessOut,
    responses=problems(FeatureOff, BusinessNotFound, *MEMBER_REFUSALS, StaleVersion),
    summary="Verify or hide a business (moderators)",
)
async def moderate_business(
    business_id: UUID,
    body: schemas.ModerationIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> schemas.BusinessOut:
    view = await businesses.moderate_business(
        business_id,
        businesses.Moderation(body.verified, body.hidden, body.reason.strip()),
        principal,
        uow=services.directory_uow(tenant),
        clock=services.clock,
    )
    return business_out(view, tenant, services.clock.now(), language, services.media_storage)


@router.delete(
    "/{business_id}",
    status_code=204,
    response_class=Response,
    responses=problems(FeatureOff, BusinessNotFound, BusinessRoleRequired, *MEMBER_REFUSALS),
    summary="Delete a business with its offers, team, claims and images (owners, moderators)",
)
async def delete_business(
    business_id: UUID, principal: SignedInPrincipal, tenant: DirectoryTenant, services: ServicesDep
) -> Response:
    await businesses.delete_business(business_id, principal, uow=services.directory_uow(tenant))
    return Response(status_code=204)


@router.post(
    "/{business_id}/claims",
    status_code=201,
    response_model=schemas.ClaimOut,
    responses=problems(FeatureOff, BusinessNotFound, AccountRequired, AlreadyOnTeam, ClaimPending),
    summary="Claim a listed business as its owner; a moderator decides",
)
async def claim_business(
    business_id: UUID,
    body: schemas.ClaimIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
) -> schemas.ClaimOut:
    made = await businesses.claim_business(
        business_id,
        body.message,
        principal,
        uow=services.directory_uow(tenant),
        clock=services.clock,
        ids=services.ids,
    )
    return schemas.ClaimOut.model_validate(made)


@router.get(
    "/{business_id}/team",
    response_model=list[schemas.TeamMemberOut],
    responses=problems(FeatureOff, BusinessNotFound, BusinessRoleRequired, *MEMBER_REFUSALS),
    summary="Owners and staff of a business (its team and moderators)",
)
async def get_business_team(
    business_id: UUID, principal: SignedInPrincipal, tenant: DirectoryTenant, services: ServicesDep
) -> list[schemas.TeamMemberOut]:
    found = await businesses.view_team(business_id, principal, uow=services.directory_uow(tenant))
    return [schemas.TeamMemberOut(account_id=a, display_name=n, role=r) for a, n, r in found]


@router.put(
    "/{business_id}/team/{account_id}",
    status_code=204,
    response_class=Response,
    responses=problems(
        FeatureOff, BusinessNotFound, BusinessRoleRequired, *MEMBER_REFUSALS, LastOwner
    ),
    summary="Give a member of the tenant a role on the business (owners, tenant admins)",
)
async def set_business_team_role(
    business_id: UUID,
    account_id: UUID,
    body: schemas.TeamRoleIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
) -> Response:
    await businesses.set_team_role(
        business_id,
        account_id,
        body.role,
        principal,
        uow=services.directory_uow(tenant),
        clock=services.clock,
    )
    return Response(status_code=204)


@router.delete(
    "/{business_id}/team/{account_id}",
    status_code=204,
    response_class=Response,
    responses=problems(
        FeatureOff, BusinessNotFound, BusinessRoleRequired, *MEMBER_REFUSALS, LastOwner
    ),
    summary="Take someone off the business's team (owners, tenant admins)",
)
async def remove_from_business_team(
    business_id: UUID,
    account_id: UUID,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
) -> Response:
    await businesses.set_team_role(
        business_id,
        account_id,
        None,
        principal,
        uow=services.directory_uow(tenant),
        clock=services.clock,
    )
    return Response(status_code=204)


@claims_router.get(
    "",
    response_model=list[schemas.ClaimOut],
    responses=problems(FeatureOff, *MEMBER_REFUSALS),
    summary="Claims (moderators)",
)
async def list_business_claims(
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
    status: ClaimStatus | None = ClaimStatus.PENDING,
) -> list[schemas.ClaimOut]:
    found = await businesses.list_claims(status, principal, uow=services.directory_uow(tenant))
    return [schemas.ClaimOut.model_validate(c) for c in found]


@claims_router.put(
    "/{claim_id}/decision",
    response_model=schemas.ClaimOut,
    responses=problems(FeatureOff, *MEMBER_REFUSALS, ClaimNotFound, ClaimDecided),
    summary="Approve (the claimant becomes an owner) or reject a claim (moderators)",
)
async def decide_business_claim(
    claim_id: UUID,
    body: schemas.ClaimDecisionIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
) -> schemas.ClaimOut:
    decided = await businesses.decide_claim(
        claim_id, body.approve, principal, uow=services.directory_uow(tenant), clock=services.clock
    )
    return schemas.ClaimOut.model_validate(decided)

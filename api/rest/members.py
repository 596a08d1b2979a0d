"""/v1/members: the tenant's members and their roles (admins manage them)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.auth import SignedInPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.problem_catalog import problems
from api.rest.schemas.identity import MemberOut, MemberRoleIn
from domain.identity import members
from domain.identity.errors import AccountRequired, LastAdmin, MemberNotFound, RoleRequired

router = APIRouter(prefix="/v1/members", tags=["members"])
ADMIN_REFUSALS = (AccountRequired, RoleRequired)


@router.get(
    "", response_model=list[MemberOut], responses=problems(*ADMIN_REFUSALS), summary="List members"
)
async def list_members(
    principal: SignedInPrincipal, tenant: CurrentTenant, services: ServicesDep
) -> list[MemberOut]:
    found = await members.list_members(principal, uow=services.identity_uow(tenant.id))
    return [MemberOut.model_validate(m) for m in found]


@router.put(
    "/{account_id}",
    response_model=MemberOut,
    responses=problems(*ADMIN_REFUSALS, MemberNotFound, LastAdmin),
    summary="Set a member's role",
)
async def set_member_role(
    account_id: UUID,
    body: MemberRoleIn,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
) -> MemberOut:
    uow = services.identity_uow(tenant.id)
    await members.set_member_role(account_id, body.role, principal, uow=uow)
    listed = await members.list_members(principal, uow=services.identity_uow(tenant.id))
    return MemberOut.model_validate(next(m for m in listed if m.account_id == account_id))


@router.delete(
    "/{account_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*ADMIN_REFUSALS, MemberNotFound, LastAdmin),
    summary="Remove a member (admins), or leave the tenant (yourself)",
)
async def remove_member(
    account_id: UUID, principal: SignedInPrincipal, tenant: CurrentTenant, services: ServicesDep
) -> Response:
    await members.remove_member(account_id, principal, uow=services.identity_uow(tenant.id))
    return Response(status_code=204)

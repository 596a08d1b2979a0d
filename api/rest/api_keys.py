"""/v1/api-keys: partner API keys, managed by tenant admins."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.auth import SignedInPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.problem_catalog import problems
from api.rest.schemas.identity import ApiKeyCreatedOut, ApiKeyCreateIn, ApiKeyOut
from domain.identity import api_keys
from domain.identity.errors import (
    AccountRequired,
    ApiKeyNotFound,
    ApiKeyRequired,
    RoleRequired,
)

router = APIRouter(prefix="/v1/api-keys", tags=["api-keys"])
calling_key_router = APIRouter(tags=["auth"])
ADMIN_ERRORS = (AccountRequired, RoleRequired)


@router.get(
    "", response_model=list[ApiKeyOut], responses=problems(*ADMIN_ERRORS), summary="List keys"
)
async def list_api_keys(
    principal: SignedInPrincipal, tenant: CurrentTenant, services: ServicesDep
) -> list[ApiKeyOut]:
    keys = await api_keys.list_api_keys(principal, uow=services.identity_uow(tenant.id))
    return [ApiKeyOut.model_validate(k) for k in keys]


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreatedOut,
    responses=problems(*ADMIN_ERRORS),
    summary="Create a key; its secret is in this answer only",
)
async def create_api_key(
    body: ApiKeyCreateIn,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
) -> ApiKeyCreatedOut:
    created = await api_keys.create_api_key(
        api_keys.CreateApiKey(body.name, frozenset(body.scopes)),
        principal,
        uow=services.identity_uow(tenant.id),
        secrets=services.identity.secrets,
        clock=services.clock,
        ids=services.ids,
    )
    out = ApiKeyOut.model_validate(created.key)
    return ApiKeyCreatedOut(**out.model_dump(), secret=created.secret)


@router.delete(
    "/{key_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*ADMIN_ERRORS, ApiKeyNotFound),
    summary="Revoke a key",
)
async def revoke_api_key(
    key_id: UUID, principal: SignedInPrincipal, tenant: CurrentTenant, services: ServicesDep
) -> Response:
    await api_keys.revoke_api_key(
        key_id, principal, uow=services.identity_uow(tenant.id), clock=services.clock
    )
    return Response(status_code=204)


@calling_key_router.get(
    "/v1/auth/key",
    response_model=ApiKeyOut,
    responses=problems(ApiKeyRequired, ApiKeyNotFound),
    summary="The partner key this request authenticated with, and its scopes",
)
async def get_calling_api_key(
    principal: SignedInPrincipal, tenant: CurrentTenant, services: ServicesDep
) -> ApiKeyOut:
    key = await api_keys.view_calling_key(principal, uow=services.identity_uow(tenant.id))
    return ApiKeyOut.model_validate(key)

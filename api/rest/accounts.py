"""/v1/me: the signed-in account as this tenant sees it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from starlette.exceptions import HTTPException

from api.auth import SignedInPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.problem_catalog import problems
from api.rest.caching import etag_of, matches_if_none_match
from api.rest.schemas.identity import MeOut, MeUpdateIn
from domain.errors import StaleVersion
from domain.identity.errors import AccountRequired
from domain.identity.model import Account, Person
from domain.identity.policies import require_person
from domain.identity.sessions import UpdateAccount, update_account, view_account

router = APIRouter(prefix="/v1/me", tags=["accounts"])


def _me(account: Account, person: Person, slug: str) -> bytes:
    return (
        MeOut(
            id=account.id,
            email=account.email,
            display_name=account.display_name,
            email_verified=account.email_verified,
            tenant=slug,
            role=person.role,
            preferred_language=account.preferred_language,
        )
        .model_dump_json()
        .encode()
    )


def _private(body: bytes, status: int = 200) -> Response:
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={"ETag": etag_of(body), "Cache-Control": "private, no-cache"},
    )


@router.get(
    "",
    response_model=MeOut,
    responses={304: {"description": "Not modified"}} | problems(AccountRequired),
    summary="The signed-in account",
)
async def get_me(
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=1000)] = None,
) -> Response:
    person = require_person(principal)
    account = await view_account(person.account_id, uow=services.identity_uow(tenant.id))
    body = _me(account, person, tenant.slug)
    if matches_if_none_match(if_none_match, etag_of(body)):
        return Response(status_code=304, headers={"ETag": etag_of(body)})
    return _private(body)


@router.patch(
    "",
    response_model=MeOut,
    responses=problems(AccountRequired, StaleVersion),
    summary="Change the display name or preferred language (send If-Match with the ETag to "
    "avoid lost updates)",
)
async def update_me(
    body: MeUpdateIn,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=1000)] = None,
) -> Response:
    person = require_person(principal)
    uow = services.identity_uow(tenant.id)
    if if_match is not None:
        current = _me(await view_account(person.account_id, uow=uow), person, tenant.slug)
        if not matches_if_none_match(if_match, etag_of(current)):
            raise HTTPException(412, "the account changed since it was read")
    account = await update_account(
        UpdateAccount(
            person.account_id,
            services.tenant_ref(tenant),
            display_name=body.display_name,
            preferred_language=body.preferred_language,
        ),
        uow=uow,
    )
    return _private(_me(account, person, tenant.slug))

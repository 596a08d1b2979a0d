"""GET /v1/tenant and /v1/tenant/theme.css: the tenant's public profile and brand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from api.deps import CurrentTenant
from api.rest.caching import cacheable_response, etag_of
from api.rest.schemas.tenancy import TenantProfileOut
from domain.tenancy.model import Tenant
from domain.tenancy.profile import brand_css_properties, view_tenant_profile

router = APIRouter(prefix="/v1/tenant", tags=["tenant"])

PROFILE_MAX_AGE = 60

IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        max_length=1000,
        description="ETag of a copy the client holds; a current copy gets 304 Not Modified",
    ),
]
NOT_MODIFIED = {304: {"description": "The client's copy is current"}}


# A profile changes only with its tenant's config, which arrives as a new (frozen) Tenant: it
# is serialised and hashed once per Tenant object instead of once per request (model,
# serialisation and hash were half the route's own time). Entries hold their Tenant, so an
# id is not reused while cached.
_profiles: dict[int, tuple[Tenant, bytes, str]] = {}


def _profile_of(tenant: Tenant) -> tuple[bytes, str]:
    known = _profiles.get(id(tenant))
    if known is None:
        if len(_profiles) >= 10_000:
            _profiles.clear()  # configs reloaded many times over: start afresh
        profile = TenantProfileOut.model_validate(view_tenant_profile(tenant))
        body = profile.model_dump_json().encode()
        known = _profiles[id(tenant)] = (tenant, body, etag_of(body))
    return known[1], known[2]


@router.get(
    "",
    response_model=TenantProfileOut,
    responses=NOT_MODIFIED,
    summary="The tenant's public profile and branding",
)
async def get_tenant(tenant: CurrentTenant, if_none_match: IfNoneMatch = None) -> Response:
    body, etag = _profile_of(tenant)
    return cacheable_response(
        body,
        media_type="application/json",
        if_none_match=if_none_match,
        max_age=PROFILE_MAX_AGE,
        etag=etag,
    )


@router.get(
    "/theme.css",
    response_class=Response,
    responses={
        200: {"content": {"text/css": {"schema": {"type": "string"}}}, "description": "CSS"},
        **NOT_MODIFIED,
    },
    summary="The tenant's brand as CSS custom properties",
)
async def get_tenant_theme(tenant: CurrentTenant, if_none_match: IfNoneMatch = None) -> Response:
    properties = brand_css_properties(tenant.config.branding)
    lines = "".join(f"  {name}: {value};\n" for name, value in properties.items())
    css = f"/* Stadtkern theme of {tenant.slug} */\n:root {{\n{lines}}}\n"
    return cacheable_response(
        css.encode(),
        media_type="text/css; charset=utf-8",
        if_none_match=if_none_match,
        max_age=PROFILE_MAX_AGE,
    )

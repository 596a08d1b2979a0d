"""FastAPI dependencies: the composed services, and the tenant a request is for."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from fastapi import Depends, Request

from api.rate_limits import MINUTE, enforce_rate_limit
from api.request_context import bind_tenant_slug
from api.services import Services
from domain.languages import choose_language
from domain.tenancy.model import Tenant
from domain.tenancy.resolution import TenantRequest, resolve_tenant


async def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def request_host(request: Request, services: Services) -> str | None:
    """The Host the client asked for; X-Forwarded-Host only when a trusted proxy sent it."""
    proxies = services.settings.trusted_proxies
    forwarded = request.headers.get("x-forwarded-host")
    if forwarded and proxies and request.client:
        try:
            peer = ipaddress.ip_address(request.client.host)
        except ValueError:
            peer = None
        if peer is not None and any(peer in network for network in proxies):
            # The nearest trusted proxy appended the last value; earlier ones came from outside.
            return forwarded.split(",")[-1].strip()
    return request.headers.get("host")


TENANT_HEADER = {
    "name": "X-Tenant",
    "in": "header",
    "required": False,
    "description": (
        "Tenant slug, exactly. Accepted when the deployment allows it (development default; a "
        "value that is no slug names no tenant); otherwise ignored, and the tenant comes from "
        "the Host header."
    ),
    "schema": {"type": "string"},
}


async def current_tenant(request: Request) -> Tenant:
    """The request's tenant, counted against its rate limit. Every route runs this, so it reads
    the services and the X-Tenant header itself rather than through sub-dependencies and a
    declared header (FastAPI's solving of those was a tenth of a light route's time); the
    header is documented for every tenant route by `document_tenant_header`."""
    services: Services = request.app.state.services
    settings = services.settings
    tenant = await resolve_tenant(
        TenantRequest(
            host=request_host(request, services),
            tenant_header=request.headers.get("x-tenant"),
            header_allowed=settings.tenant_header_allowed,
            base_domain=settings.base_domain,
        ),
        tenants=services.tenant_directory,
    )
    request.state.tenant_slug = tenant.slug
    # What the answer's Content-Language says unless a route negotiates otherwise.
    request.state.content_language = choose_language(
        request.query_params.get("lang"),
        request.headers.get("accept-language"),
        tenant.config.locales,
    )
    bind_tenant_slug(tenant.slug)
    await _limit_tenant(request, services, tenant)
    return tenant


def document_tenant_header(openapi: dict[str, Any]) -> dict[str, Any]:
    """Every operation under /v1 is for one tenant (current_tenant), so each names the
    X-Tenant header; tests/api/test_contracts.py holds the routes to that."""
    for path, operations in openapi.get("paths", {}).items():
        if path.startswith("/v1/"):
            for operation in operations.values():
                operation.setdefault("parameters", []).append(TENANT_HEADER)
    return openapi


async def _limit_tenant(request: Request, services: Services, tenant: Tenant) -> None:
    await enforce_rate_limit(
        request,
        services,
        key=f"tenant:{tenant.id}",
        limit=tenant.config.rate_limits.requests_per_minute,
        window=MINUTE,
        policy="tenant",
    )


CurrentTenant = Annotated[Tenant, Depends(current_tenant)]

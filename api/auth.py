"""Who is asking, for REST and GraphQL alike: the bearer credential becomes a principal;
rate limits per tenant, per partner key and per client address."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import CurrentTenant, ServicesDep
from api.rate_limits import MINUTE, enforce_rate_limit
from api.services import Services
from domain.identity.authentication import authenticate
from domain.identity.errors import Unauthenticated
from domain.identity.model import Anonymous, PartnerKey, Principal
from domain.tenancy.model import Tenant

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A JWT access token from /v1/auth/login, or a partner API key `sk_...`",
)


def client_address(request: Request, services: Services) -> str:
    """The peer's address; X-Forwarded-For's last value only from a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    forwarded = request.headers.get("x-forwarded-for")
    proxies = services.settings.trusted_proxies
    if forwarded and proxies:
        try:
            trusted = any(ipaddress.ip_address(peer) in network for network in proxies)
        except ValueError:
            trusted = False
        if trusted:
            return forwarded.split(",")[-1].strip()
    return peer


async def limit_auth_attempts(
    request: Request, tenant: CurrentTenant, services: ServicesDep
) -> None:
    """Logins, sign-ups and reset requests per client address, counted across all tenants
    (one address trying five tenants gets no five times the attempts). A tenant may set a
    lower limit than the deployment's, never a higher one: the loosest tenant would otherwise
    be the door to every account."""
    await enforce_rate_limit(
        request,
        services,
        key=f"auth-ip:{client_address(request, services)}",
        limit=min(
            tenant.config.rate_limits.auth_attempts_per_ip_per_minute,
            services.settings.auth_attempts_per_address_per_minute,
        ),
        window=MINUTE,
        policy="auth",
    )


async def current_principal(
    request: Request,
    tenant: CurrentTenant,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None and request.headers.get("authorization"):
        # A credential we cannot read (another scheme, a blank token) is refused, not ignored.
        raise Unauthenticated("send Authorization: Bearer <token>")
    return await resolve_principal(
        request, tenant, services, credentials.credentials if credentials else None
    )


async def resolve_principal(
    request: Request | None, tenant: Tenant, services: Services, bearer: str | None
) -> Principal:
    principal = await authenticate(
        tenant.id,
        bearer,
        uow=services.identity_uow(tenant.id),
        tokens=services.tokens,
        clock=services.clock,
    )
    if isinstance(principal, PartnerKey) and request is not None:
        await enforce_rate_limit(
            request,
            services,
            key=f"key:{principal.key_id}",
            limit=tenant.config.rate_limits.partner_key_requests_per_minute,
            window=MINUTE,
            policy="partner-key",
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def signed_in_principal(principal: CurrentPrincipal) -> Principal:
    """Anyone but anonymous: writes answer 401 before their input is looked at. The use case
    still decides what this principal may do."""
    if isinstance(principal, Anonymous):
        raise Unauthenticated()
    return principal


SignedInPrincipal = Annotated[Principal, Depends(signed_in_principal)]
AuthAttemptLimit = Depends(limit_auth_attempts)

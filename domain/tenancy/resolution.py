"""How a request finds its tenant: the X-Tenant header when allowed, else the Host."""

from __future__ import annotations

from dataclasses import dataclass

from domain.tenancy.errors import TenantArchived, TenantSuspended, UnknownTenant
from domain.tenancy.model import Tenant, TenantStatus, is_valid_hostname
from domain.tenancy.ports import TenantLookup


def normalise_host(raw: str | None) -> str | None:
    """Lower-case host without port or trailing dot; None for anything that is no DNS name."""
    if not raw:
        return None
    host = raw.strip().lower()
    if host.startswith("["):  # an IPv6 literal never names a tenant
        return None
    host = host.rsplit(":", 1)[0] if ":" in host else host
    host = host.rstrip(".")
    return host if is_valid_hostname(host) else None


def slug_from_subdomain(host: str, base_domain: str) -> str | None:
    """`leipzig.example.org` with base domain `example.org` gives `leipzig`; deeper names none."""
    suffix = "." + base_domain.lower().strip(".")
    if not host.endswith(suffix):
        return None
    label = host[: -len(suffix)]
    return label if label and "." not in label else None


@dataclass(frozen=True)
class TenantRequest:
    """What a request says about its tenant."""

    host: str | None
    tenant_header: str | None
    header_allowed: bool
    base_domain: str


async def resolve_tenant(request: TenantRequest, *, tenants: TenantLookup) -> Tenant:
    """The open tenant the request is for; raises UnknownTenant, TenantSuspended, TenantArchived."""
    tenant = await _find(request, tenants)
    if tenant is None:
        raise UnknownTenant()
    if tenant.status is TenantStatus.SUSPENDED:
        raise TenantSuspended()
    if tenant.status is TenantStatus.ARCHIVED:
        raise TenantArchived()
    return tenant


async def _find(request: TenantRequest, tenants: TenantLookup) -> Tenant | None:
    if request.header_allowed and request.tenant_header:
        return await tenants.by_slug(request.tenant_header.strip().lower())
    host = normalise_host(request.host)
    if host is None:
        return None
    own = await tenants.by_hostname(host)
    if own is not None:
        return own
    slug = slug_from_subdomain(host, request.base_domain)
    return await tenants.by_slug(slug) if slug else None

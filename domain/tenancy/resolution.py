"""How a request finds its tenant: the X-Tenant header when allowed, else the Host."""

from __future__ import annotations

from dataclasses import dataclass

from domain.tenancy.errors import TenantArchived, TenantSuspended, UnknownTenant
from domain.tenancy.model import SLUG_PATTERN, Tenant, TenantStatus, is_valid_hostname
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
    tenant = await find_tenant(request, tenants)
    if tenant is None:
        raise UnknownTenant(_unknown_detail(request))
    if tenant.status is TenantStatus.SUSPENDED:
        raise TenantSuspended()
    if tenant.status is TenantStatus.ARCHIVED:
        raise TenantArchived()
    return tenant


def _uses_header(request: TenantRequest) -> bool:
    return request.header_allowed and bool(request.tenant_header)


def _unknown_detail(request: TenantRequest) -> str:
    if _uses_header(request):
        return f"no tenant has the slug {_shown(request.tenant_header or '')!r} (X-Tenant header)"
    host = normalise_host(request.host)
    if host is None:
        return "the request names no host a tenant answers at"
    return (
        f"no tenant answers at {_shown(host)!r}: use {{slug}}.{request.base_domain} or a hostname "
        "from a tenant file"
    )


def _shown(value: str, most: int = 80) -> str:
    """A client's value as an answer repeats it: never longer than a slug or host could be."""
    return value if len(value) <= most else value[:most] + "…"


async def find_tenant(request: TenantRequest, tenants: TenantLookup) -> Tenant | None:
    """The tenant the request names, whatever its status; None when it names none."""
    if _uses_header(request):
        # Exactly a slug: "kulturnetz " or "KulturNetz" name no tenant, as on a subdomain.
        slug = request.tenant_header or ""
        return await tenants.by_slug(slug) if SLUG_PATTERN.match(slug) else None
    host = normalise_host(request.host)
    if host is None:
        return None
    own = await tenants.by_hostname(host)
    if own is not None:
        return own
    slug = slug_from_subdomain(host, request.base_domain)
    return await tenants.by_slug(slug) if slug else None

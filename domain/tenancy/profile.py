"""The public face of a tenant: what any frontend may read, and its brand as CSS properties."""

from __future__ import annotations

from dataclasses import dataclass

from domain.tenancy.model import Branding, Tenant


@dataclass(frozen=True)
class TenantProfile:
    """Public read model: no payment, moderation or mirroring internals."""

    slug: str
    name: str
    hostnames: tuple[str, ...]
    parent: str | None
    locales: tuple[str, ...]
    default_locale: str
    timezone: str
    currency: str
    features: tuple[str, ...]
    branding: Branding


def view_tenant_profile(tenant: Tenant) -> TenantProfile:
    """The profile REST (`GET /v1/tenant`) and GraphQL (`tenant`) both serve."""
    config = tenant.config
    return TenantProfile(
        slug=config.slug,
        name=config.name,
        hostnames=config.hostnames,
        parent=config.parent,
        locales=config.locales,
        default_locale=config.default_locale,
        timezone=config.timezone,
        currency=config.currency,
        features=tuple(sorted(config.features)),
        branding=config.branding,
    )


def brand_css_properties(branding: Branding) -> dict[str, str]:
    """CSS custom properties for the brand; names are a public contract for frontends."""
    colors = branding.colors
    return {
        "--sk-color-primary": str(colors.primary),
        "--sk-color-on-primary": str(colors.on_primary),
        "--sk-color-background": str(colors.background),
        "--sk-color-text": str(colors.text),
        "--sk-color-accent": str(colors.accent),
        "--sk-font-family": branding.font_family,
    }

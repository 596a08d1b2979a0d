"""GraphQL types and the `tenant` query."""

from __future__ import annotations

import strawberry

from api.graphql.context import GraphQLContext
from domain.tenancy.profile import TenantProfile, view_tenant_profile


@strawberry.type
class BrandColors:
    primary: str
    on_primary: str
    background: str
    text: str
    accent: str


@strawberry.type
class LegalLinks:
    imprint_url: str
    privacy_url: str
    terms_url: str | None
    accessibility_url: str | None


@strawberry.type
class Branding:
    app_name: str
    logo_url: str | None
    font_family: str
    colors: BrandColors
    legal: LegalLinks


@strawberry.type(description="The public profile and branding of the tenant")
class Tenant:
    slug: str
    name: str
    hostnames: list[str]
    parent: str | None
    locales: list[str]
    default_locale: str
    timezone: str
    currency: str
    features: list[str]
    branding: Branding

    @classmethod
    def of(cls, profile: TenantProfile) -> Tenant:
        b = profile.branding
        return cls(
            slug=profile.slug,
            name=profile.name,
            hostnames=list(profile.hostnames),
            parent=profile.parent,
            locales=list(profile.locales),
            default_locale=profile.default_locale,
            timezone=profile.timezone,
            currency=profile.currency,
            features=list(profile.features),
            branding=Branding(
                app_name=b.app_name,
                logo_url=b.logo_url,
                font_family=b.font_family,
                colors=BrandColors(
                    primary=str(b.colors.primary),
                    on_primary=str(b.colors.on_primary),
                    background=str(b.colors.background),
                    text=str(b.colors.text),
                    accent=str(b.colors.accent),
                ),
                legal=LegalLinks(
                    imprint_url=b.legal.imprint_url,
                    privacy_url=b.legal.privacy_url,
                    terms_url=b.legal.terms_url,
                    accessibility_url=b.legal.accessibility_url,
                ),
            ),
        )


@strawberry.type
class TenancyQuery:
    @strawberry.field(description="The tenant this request is for (by Host or X-Tenant)")
    def tenant(self, info: strawberry.Info[GraphQLContext, None]) -> Tenant:
        return Tenant.of(view_tenant_profile(info.context.tenant))

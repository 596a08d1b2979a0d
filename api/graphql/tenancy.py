"""GraphQL types and the `tenant` query."""

from __future__ import annotations

import strawberry

from api.graphql.context import GraphQLContext
from domain.tenancy.colors import Color
from domain.tenancy.profile import view_tenant_profile

SCALARS = {
    Color: strawberry.scalar(
        name="HexColor",
        description="An sRGB colour as #rrggbb",
        serialize=str,
        parse_value=Color,
    )
}


# The types below are read straight off the domain's TenantProfile by attribute name.
@strawberry.type
class BrandColors:
    primary: Color
    on_primary: Color
    background: Color
    text: Color
    accent: Color


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


@strawberry.type
class TenancyQuery:
    @strawberry.field(description="The tenant this request is for (by Host or X-Tenant)")
    def tenant(self, info: strawberry.Info[GraphQLContext, None]) -> Tenant:
        return view_tenant_profile(info.context.tenant)  # type: ignore[return-value]

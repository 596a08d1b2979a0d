"""Response models for the tenant profile."""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.tenancy.profile import TenantProfile


class BrandColorsOut(BaseModel):
    primary: str = Field(examples=["#0b4f8a"])
    on_primary: str
    background: str
    text: str
    accent: str


class LegalLinksOut(BaseModel):
    imprint_url: str
    privacy_url: str
    terms_url: str | None
    accessibility_url: str | None


class BrandingOut(BaseModel):
    app_name: str
    logo_url: str | None
    font_family: str
    colors: BrandColorsOut
    legal: LegalLinksOut


class TenantProfileOut(BaseModel):
    """The public profile and branding of the tenant a request is for."""

    slug: str
    name: str
    hostnames: list[str]
    parent: str | None = Field(description="Slug of the parent platform, if any")
    locales: list[str]
    default_locale: str
    timezone: str = Field(examples=["Europe/Berlin"])
    currency: str = Field(examples=["EUR"])
    features: list[str]
    branding: BrandingOut

    @classmethod
    def of(cls, profile: TenantProfile) -> TenantProfileOut:
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
            branding=BrandingOut(
                app_name=b.app_name,
                logo_url=b.logo_url,
                font_family=b.font_family,
                colors=BrandColorsOut(
                    primary=str(b.colors.primary),
                    on_primary=str(b.colors.on_primary),
                    background=str(b.colors.background),
                    text=str(b.colors.text),
                    accent=str(b.colors.accent),
                ),
                legal=LegalLinksOut(
                    imprint_url=b.legal.imprint_url,
                    privacy_url=b.legal.privacy_url,
                    terms_url=b.legal.terms_url,
                    accessibility_url=b.legal.accessibility_url,
                ),
            ),
        )

"""Response models for the tenant profile."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# Colours arrive as domain Color values; the API shows them as "#rrggbb".
HexColor = Annotated[str, BeforeValidator(str), Field(pattern=r"^#[0-9a-f]{6}$")]


class _FromDomain(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class BrandColorsOut(_FromDomain):
    primary: HexColor
    on_primary: HexColor
    background: HexColor
    text: HexColor
    accent: HexColor


class LegalLinksOut(_FromDomain):
    imprint_url: str
    privacy_url: str
    terms_url: str | None
    accessibility_url: str | None


class BrandingOut(_FromDomain):
    app_name: str
    logo_url: str | None
    font_family: str
    colors: BrandColorsOut
    legal: LegalLinksOut


class TenantProfileOut(_FromDomain):
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

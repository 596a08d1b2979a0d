"""The tenant document: the shape of a tenant file (TOML) and of the stored config (JSON).

One schema for both, so what `stadtkern tenants apply` reads is exactly what the database holds.
Shapes and types are checked here; the rules of a tenant are checked by `TenantConfig` itself.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from domain.errors import FieldProblem, InvalidInput
from domain.languages import LocalizedText
from domain.tenancy.colors import Color
from domain.tenancy.model import (
    MAX_UPLOAD_MB,
    BrandColors,
    Branding,
    CategorySeed,
    CorsSettings,
    Feature,
    LegalLinks,
    MediaSettings,
    MirrorPolicy,
    ModerationMode,
    ModerationSettings,
    OpenDataSettings,
    PaymentProvider,
    PaymentSettings,
    RateLimits,
    RemoteParentSettings,
    SsoSettings,
    TenantConfig,
    TenantStatus,
)

HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Text = Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00]*$")]
Locale = Annotated[str, StringConstraints(max_length=35, pattern=r"^[A-Za-z0-9-]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColorsDocument(_Strict):
    primary: HexColor
    on_primary: HexColor
    background: HexColor
    text: HexColor
    accent: HexColor


class LegalDocument(_Strict):
    imprint_url: Text
    privacy_url: Text
    terms_url: Text | None = None
    accessibility_url: Text | None = None


class BrandingDocument(_Strict):
    app_name: Text
    colors: ColorsDocument
    legal: LegalDocument
    logo_url: Text | None = None
    font_family: Text = "system-ui, sans-serif"


class ModerationDocument(_Strict):
    mode: ModerationMode = ModerationMode.POST
    hide_after_reports: int = Field(default=3, ge=1, le=1000)
    auto_approve_campaigns: bool = False


class PaymentsDocument(_Strict):
    provider: PaymentProvider = PaymentProvider.BANK_TRANSFER
    stripe_secret_key_env: Text | None = None
    stripe_webhook_secret_env: Text | None = None
    bank_account_holder: Text | None = None
    bank_iban: Text | None = None
    bank_bic: Text | None = None


class SsoDocument(_Strict):
    issuer: Text
    client_id: Text
    client_secret_env: Text | None = None
    label: Text = "Single sign-on"


class RateLimitsDocument(_Strict):
    requests_per_minute: int = Field(default=60_000, ge=1, le=10_000_000)
    partner_key_requests_per_minute: int = Field(default=600, ge=1, le=10_000_000)
    auth_attempts_per_ip_per_minute: int = Field(default=20, ge=1, le=10_000_000)


class MediaDocument(_Strict):
    max_upload_mb: int = Field(default=10, ge=1, le=MAX_UPLOAD_MB)


class CategoryDocument(_Strict):
    key: Text
    # One text in the tenant's first language, or a table of locale -> text.
    name: Text | dict[Locale, Text] = Field(union_mode="left_to_right")
    parent: Text | None = None

    def to_seed(self) -> CategorySeed:
        """A table's languages in locale order, whatever order a file or JSONB keeps them in:
        an unchanged file compares equal to the stored config."""
        if isinstance(self.name, dict):
            return CategorySeed(
                self.key, LocalizedText.of(dict(sorted(self.name.items()))), self.parent
            )
        return CategorySeed(self.key, self.name, self.parent)

    @classmethod
    def from_seed(cls, seed: CategorySeed) -> CategoryDocument:
        name = seed.name.as_dict() if isinstance(seed.name, LocalizedText) else seed.name
        return cls(key=seed.key, name=name, parent=seed.parent)


class OpenDataDocument(_Strict):
    licence: Text
    licence_url: Text
    attribution: Text = ""


class CorsDocument(_Strict):
    allowed_origins: list[Text] = Field(max_length=1000)


class RemoteParentDocument(_Strict):
    base_url: Text
    key_env: Text
    tenant: Text | None = None
    platform: Text | None = None
    campaign_url: Text | None = None


class TenantDocument(_Strict):
    slug: Text
    name: Text
    status: TenantStatus = TenantStatus.ACTIVE
    hostnames: list[Text] = []
    parent: Text | None = None
    locales: list[Text] = ["de"]
    timezone: Text = "Europe/Berlin"
    currency: Text = "EUR"
    features: list[Feature] = []
    mirror_policy: MirrorPolicy = MirrorPolicy.NONE
    branding: BrandingDocument
    moderation: ModerationDocument = ModerationDocument()
    payments: PaymentsDocument = PaymentsDocument()
    sso: SsoDocument | None = None
    rate_limits: RateLimitsDocument = RateLimitsDocument()
    media: MediaDocument = MediaDocument()
    app_url: Text | None = None
    categories: list[CategoryDocument] = Field(default=[], max_length=1000)
    open_data: OpenDataDocument | None = None
    cors: CorsDocument | None = None
    remote_parent: RemoteParentDocument | None = None

    def to_config(self) -> TenantConfig:
        """The domain config; raises InvalidInput naming every broken rule."""
        b = self.branding
        return TenantConfig(
            slug=self.slug,
            name=self.name,
            status=self.status,
            hostnames=tuple(self.hostnames),
            parent=self.parent,
            locales=tuple(self.locales),
            timezone=self.timezone,
            currency=self.currency,
            features=frozenset(self.features),
            mirror_policy=self.mirror_policy,
            branding=Branding(
                app_name=b.app_name,
                logo_url=b.logo_url,
                font_family=b.font_family,
                colors=BrandColors(**{k: Color(v) for k, v in b.colors.model_dump().items()}),
                legal=LegalLinks(**b.legal.model_dump()),
            ),
            moderation=ModerationSettings(**self.moderation.model_dump()),
            payments=PaymentSettings(**self.payments.model_dump()),
            sso=SsoSettings(**self.sso.model_dump()) if self.sso else None,
            rate_limits=RateLimits(**self.rate_limits.model_dump()),
            media=MediaSettings(**self.media.model_dump()),
            app_url=self.app_url,
            categories=tuple(c.to_seed() for c in self.categories),
            open_data=OpenDataSettings(**self.open_data.model_dump()) if self.open_data else None,
            cors=CorsSettings(tuple(self.cors.allowed_origins)) if self.cors else None,
            remote_parent=RemoteParentSettings(**self.remote_parent.model_dump())
            if self.remote_parent
            else None,
        )

    @classmethod
    def from_config(cls, config: TenantConfig) -> TenantDocument:
        b = config.branding
        return cls(
            slug=config.slug,
            name=config.name,
            status=config.status,
            hostnames=list(config.hostnames),
            parent=config.parent,
            locales=list(config.locales),
            timezone=config.timezone,
            currency=config.currency,
            features=sorted(config.features),
            mirror_policy=config.mirror_policy,
            branding=BrandingDocument(
                app_name=b.app_name,
                logo_url=b.logo_url,
                font_family=b.font_family,
                colors=ColorsDocument(
                    primary=str(b.colors.primary),
                    on_primary=str(b.colors.on_primary),
                    background=str(b.colors.background),
                    text=str(b.colors.text),
                    accent=str(b.colors.accent),
                ),
                legal=LegalDocument(
                    imprint_url=b.legal.imprint_url,
                    privacy_url=b.legal.privacy_url,
                    terms_url=b.legal.terms_url,
                    accessibility_url=b.legal.accessibility_url,
                ),
            ),
            moderation=ModerationDocument(
                mode=config.moderation.mode,
                hide_after_reports=config.moderation.hide_after_reports,
                auto_approve_campaigns=config.moderation.auto_approve_campaigns,
            ),
            payments=PaymentsDocument(
                provider=config.payments.provider,
                stripe_secret_key_env=config.payments.stripe_secret_key_env,
                stripe_webhook_secret_env=config.payments.stripe_webhook_secret_env,
                bank_account_holder=config.payments.bank_account_holder,
                bank_iban=config.payments.bank_iban,
                bank_bic=config.payments.bank_bic,
            ),
            sso=SsoDocument(**dataclasses.asdict(config.sso)) if config.sso else None,
            rate_limits=RateLimitsDocument(**dataclasses.asdict(config.rate_limits)),
            media=MediaDocument(**dataclasses.asdict(config.media)),
            app_url=config.app_url,
            categories=[CategoryDocument.from_seed(c) for c in config.categories],
            open_data=OpenDataDocument(**dataclasses.asdict(config.open_data))
            if config.open_data
            else None,
            cors=CorsDocument(allowed_origins=list(config.cors.allowed_origins))
            if config.cors
            else None,
            remote_parent=RemoteParentDocument(**dataclasses.asdict(config.remote_parent))
            if config.remote_parent
            else None,
        )

    def to_data(self) -> dict[str, Any]:
        """Plain data without empty optionals: the stored JSON and the written TOML."""
        return self.model_dump(mode="json", exclude_none=True)


def parse_tenant_document(data: Any, *, source: str = "") -> TenantConfig:
    """A validated config from plain data; InvalidInput lists every problem with its field."""
    try:
        document = TenantDocument.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            [FieldProblem(_dotted(e["loc"]), e["msg"], source) for e in exc.errors()]
        ) from None
    try:
        return document.to_config()
    except InvalidInput as exc:
        raise InvalidInput(
            [FieldProblem(p.field, p.reason, source) for p in exc.problems]
        ) from None


def config_to_data(config: TenantConfig) -> dict[str, Any]:
    return TenantDocument.from_config(config).to_data()


def _dotted(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(file)"

"""The Tenant: one city platform, its configuration (as written in its tenant file) and status."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import FieldProblem, InvalidInput
from domain.languages import EMPTY, LocalizedText
from domain.tenancy.colors import WCAG_AA_TEXT_CONTRAST, Color, contrast_ratio
from domain.tenancy.origins import ANY_ORIGIN, MAX_ALLOWED_ORIGINS, origin_problem

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])$")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOCALE = re.compile(r"^[a-z]{2}(?:-[A-Z]{2})?$")
_ENV_VAR = re.compile(r"^[A-Z][A-Z0-9_]{0,127}$")
# Font stacks end up in CSS: letters, digits, spaces, quotes, commas and dashes only.
_FONT_FAMILY = re.compile(r"^[A-Za-z0-9 ,'\"-]{1,200}$")

# Currencies with two minor-unit digits that the payment adapters handle.
SUPPORTED_CURRENCIES = frozenset({"EUR", "CHF", "GBP", "DKK", "SEK", "NOK", "PLN", "CZK", "USD"})


class TenantStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # temporarily closed: answers 403
    ARCHIVED = "archived"  # closed for good: answers 410


class Feature(StrEnum):
    CAMPAIGNS = "campaigns"
    BUSINESSES = "businesses"
    EVENTS = "events"
    POSTS = "posts"
    VOUCHERS = "vouchers"
    MATCHFUNDING = "matchfunding"
    OPEN_DATA = "open_data"


class MirrorPolicy(StrEnum):
    """How this tenant's campaigns are listed on its parent platform."""

    NONE = "none"
    AUTO = "auto"
    APPROVAL = "approval"  # the parent's moderators approve each listing


class ModerationMode(StrEnum):
    PRE = "pre"  # new posts wait for a moderator
    POST = "post"  # new posts appear at once; reports bring them to moderators


class PaymentProvider(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    STRIPE = "stripe"


@dataclass(frozen=True)
class BrandColors:
    primary: Color
    on_primary: Color  # text and icons on the primary colour
    background: Color
    text: Color  # body text on the background
    accent: Color


@dataclass(frozen=True)
class LegalLinks:
    imprint_url: str
    privacy_url: str
    terms_url: str | None = None
    accessibility_url: str | None = None


@dataclass(frozen=True)
class Branding:
    app_name: str
    colors: BrandColors
    legal: LegalLinks
    logo_url: str | None = None
    font_family: str = "system-ui, sans-serif"


@dataclass(frozen=True)
class ModerationSettings:
    mode: ModerationMode = ModerationMode.POST
    hide_after_reports: int = 3  # reports that hide a post until a moderator looks
    # A submitted campaign goes live at once, without a moderator's approval.
    auto_approve_campaigns: bool = False


@dataclass(frozen=True)
class PaymentSettings:
    """Which gateway the tenant uses. Secrets are named by environment variable, never held."""

    provider: PaymentProvider = PaymentProvider.BANK_TRANSFER
    stripe_secret_key_env: str | None = None
    stripe_webhook_secret_env: str | None = None
    bank_account_holder: str | None = None
    bank_iban: str | None = None
    bank_bic: str | None = None


@dataclass(frozen=True)
class SsoSettings:
    """The tenant's own OIDC provider; its client secret is named by environment variable."""

    issuer: str
    client_id: str
    client_secret_env: str | None = None
    label: str = "Single sign-on"


@dataclass(frozen=True)
class RateLimits:
    requests_per_minute: int = 60_000  # all clients of the tenant together
    partner_key_requests_per_minute: int = 600  # per API key
    auth_attempts_per_ip_per_minute: int = 20  # logins and sign-ups from one address


MAX_UPLOAD_MB = 50  # the most a tenant file may allow for one image upload


@dataclass(frozen=True)
class MediaSettings:
    max_upload_mb: int = 10  # per image upload


@dataclass(frozen=True)
class CategorySeed:
    """A directory category as the tenant file names it; `parent` is a top-level key. Its
    name is one text in the tenant's first language, or a text per language."""

    key: str
    name: str | LocalizedText
    parent: str | None = None

    def names(self, locales: Sequence[str]) -> LocalizedText:
        """The name in each language it has; a single text is in the first of `locales`."""
        if isinstance(self.name, LocalizedText):
            return self.name
        return LocalizedText.single(locales[0], self.name) if locales else EMPTY


@dataclass(frozen=True)
class OpenDataSettings:
    """The licence the tenant publishes its open data under (with the `open_data` feature)."""

    licence: str  # e.g. "CC-BY-4.0", "DL-DE-BY-2.0"
    licence_url: str
    attribution: str = ""


@dataclass(frozen=True)
class CorsSettings:
    """Browser origins that may read the tenant's API answers; "*" alone: any, no credentials."""

    allowed_origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemoteParentSettings:
    """A parent platform elsewhere (another Stadtkern, or any platform that speaks the partner
    API): the worker pushes this tenant's public campaigns to it. The partner key is read from
    the environment variable `key_env`; it is never in the file."""

    base_url: str  # e.g. https://nordstart.example: the partner API is under {base_url}/v1
    key_env: str
    tenant: str | None = None  # sent as X-Tenant, when one base URL serves several tenants
    platform: str | None = None  # the name the parent credits; None: this tenant's name
    # Where backers pledge, with {id} for the campaign's id; None: {app_url}/campaigns/{id}
    campaign_url: str | None = None


@dataclass(frozen=True)
class TenantConfig:
    """Everything a tenant file says. Construction checks every rule and reports all breaks."""

    slug: str
    name: str
    branding: Branding
    status: TenantStatus = TenantStatus.ACTIVE
    hostnames: tuple[str, ...] = ()
    parent: str | None = None
    locales: tuple[str, ...] = ("de",)
    timezone: str = "Europe/Berlin"
    currency: str = "EUR"
    features: frozenset[Feature] = field(default_factory=frozenset)
    mirror_policy: MirrorPolicy = MirrorPolicy.NONE
    moderation: ModerationSettings = field(default_factory=ModerationSettings)
    payments: PaymentSettings = field(default_factory=PaymentSettings)
    sso: SsoSettings | None = None
    rate_limits: RateLimits = field(default_factory=RateLimits)
    media: MediaSettings = field(default_factory=MediaSettings)
    app_url: str | None = None  # the city app's public URL, for links in mails
    categories: tuple[CategorySeed, ...] = ()  # seeds the directory's taxonomy
    open_data: OpenDataSettings | None = None
    cors: CorsSettings | None = None  # None: the app's origin and the tenant's own hosts
    remote_parent: RemoteParentSettings | None = None

    def __post_init__(self) -> None:
        problems = config_problems(self)
        if problems:
            raise InvalidInput(problems)

    @property
    def default_locale(self) -> str:
        return self.locales[0]


@dataclass(frozen=True)
class Tenant:
    """A tenant as stored: identity, its current config and when it last changed."""

    id: UUID
    config: TenantConfig
    created_at: datetime
    updated_at: datetime

    @property
    def slug(self) -> str:
        return self.config.slug

    @property
    def status(self) -> TenantStatus:
        return self.config.status


def is_valid_hostname(host: str) -> bool:
    if not host or len(host) > 253 or host != host.lower() or "." not in host:
        return False
    return all(_HOST_LABEL.match(label) for label in host.split("."))


def _is_https_url(value: str) -> bool:
    return value.startswith("https://") and len(value) <= 2000 and " " not in value


def config_problems(config: TenantConfig) -> list[FieldProblem]:
    """Every rule a single tenant config breaks; rules across tenants live in onboarding."""
    problems: list[FieldProblem] = []

    def refuse(field_path: str, reason: str) -> None:
        problems.append(FieldProblem(field_path, reason))

    if not SLUG_PATTERN.match(config.slug):
        refuse("slug", "2-40 characters: lower-case letters, digits and inner dashes")
    if not config.name.strip() or len(config.name) > 120:
        refuse("name", "must be 1-120 characters")
    for i, host in enumerate(config.hostnames):
        if not is_valid_hostname(host):
            refuse(f"hostnames[{i}]", f"{host!r} is not a lower-case DNS name with a dot")
    if len(set(config.hostnames)) != len(config.hostnames):
        refuse("hostnames", "lists a hostname twice")
    if config.parent is not None and config.parent == config.slug:
        refuse("parent", "a tenant cannot be its own parent")
    if not config.locales:
        refuse("locales", "at least one locale")
    for i, locale in enumerate(config.locales):
        if not _LOCALE.match(locale):
            refuse(f"locales[{i}]", f"{locale!r} is not a locale like 'de' or 'de-AT'")
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        refuse("timezone", f"{config.timezone!r} is not an IANA timezone")
    if config.currency not in SUPPORTED_CURRENCIES:
        refuse("currency", f"must be one of {', '.join(sorted(SUPPORTED_CURRENCIES))}")
    if config.moderation.hide_after_reports < 1 or config.moderation.hide_after_reports > 1000:
        refuse("moderation.hide_after_reports", "must be between 1 and 1000")
    problems += _branding_problems(config.branding)
    problems += _sso_problems(config.sso)
    if config.app_url is not None and not (
        _is_https_url(config.app_url) or is_loopback_http_url(config.app_url)
    ):
        problems.append(FieldProblem("app_url", "must be an https:// URL"))
    for name in (
        "requests_per_minute",
        "partner_key_requests_per_minute",
        "auth_attempts_per_ip_per_minute",
    ):
        if not 1 <= getattr(config.rate_limits, name) <= 10_000_000:
            problems.append(FieldProblem(f"rate_limits.{name}", "must be 1 to 10,000,000"))
    if not 1 <= config.media.max_upload_mb <= MAX_UPLOAD_MB:
        problems.append(FieldProblem("media.max_upload_mb", f"must be 1 to {MAX_UPLOAD_MB}"))
    problems += _payment_problems(config.payments, takes_money=Feature.CAMPAIGNS in config.features)
    problems += category_seed_problems(config.categories, config.locales)
    problems += _open_data_problems(config)
    problems += _cors_problems(config.cors)
    problems += _remote_parent_problems(config)
    return problems


def _remote_parent_problems(config: TenantConfig) -> list[FieldProblem]:
    remote = config.remote_parent
    if remote is None:
        return []
    problems = []
    # One way up: a parent here lists the campaigns itself, a remote parent is pushed them.
    # Both would show a campaign twice upstream, with two pledge URLs.
    if config.parent is not None:
        problems.append(
            FieldProblem("remote_parent", "a tenant has a parent or a remote_parent, not both")
        )
    if not _is_base_url(remote.base_url):
        problems.append(
            FieldProblem(
                "remote_parent.base_url",
                "must be an https:// URL (http only on loopback) without query or fragment",
            )
        )
    if not _ENV_VAR.match(remote.key_env):
        problems.append(
            FieldProblem(
                "remote_parent.key_env",
                "names an environment variable (A-Z, 0-9, _); never put the key here",
            )
        )
    if remote.tenant is not None and not SLUG_PATTERN.match(remote.tenant):
        problems.append(FieldProblem("remote_parent.tenant", "is not a tenant slug"))
    if remote.platform is not None and not 1 <= len(remote.platform.strip()) <= 120:
        problems.append(FieldProblem("remote_parent.platform", "must be 1-120 characters"))
    url = remote.campaign_url
    if url is not None and not (
        url.count("{id}") == 1
        and not set("{}") & set(url.replace("{id}", ""))
        and (_is_https_url(url) or is_loopback_http_url(url))
    ):
        problems.append(
            FieldProblem(
                "remote_parent.campaign_url",
                "an https:// URL with {id} once where the campaign's id goes",
            )
        )
    return problems


def _is_base_url(value: str) -> bool:
    if len(value) > 2000 or " " in value:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a port that is no number)
    except ValueError:
        return False
    if parts.query or parts.fragment or not parts.hostname:
        return False
    if parts.scheme == "http":  # on this machine only (development and tests)
        return parts.hostname in ("127.0.0.1", "localhost", "::1")
    return parts.scheme == "https"


def _cors_problems(cors: CorsSettings | None) -> list[FieldProblem]:
    if cors is None:
        return []
    problems = []
    origins = cors.allowed_origins
    for i, origin in enumerate(origins):
        reason = origin_problem(origin)
        if reason:
            problems.append(FieldProblem(f"cors.allowed_origins[{i}]", reason))
    if ANY_ORIGIN in origins and len(origins) > 1:
        problems.append(FieldProblem("cors.allowed_origins", "'*' (any origin) stands alone"))
    if len(set(origins)) != len(origins):
        problems.append(FieldProblem("cors.allowed_origins", "lists an origin twice"))
    if len(origins) > MAX_ALLOWED_ORIGINS:
        problems.append(FieldProblem("cors.allowed_origins", f"at most {MAX_ALLOWED_ORIGINS}"))
    return problems


_CATEGORY_KEY = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
MAX_CATEGORIES = 500


def category_seed_problems(
    seeds: tuple[CategorySeed, ...], locales: Sequence[str]
) -> list[FieldProblem]:
    """Unique keys, names of 1-80 characters in the tenant's languages (`locales`), two
    levels: a parent is a top-level key here."""
    problems: list[FieldProblem] = []
    keys = [s.key for s in seeds]
    tops = {s.key for s in seeds if s.parent is None}
    for i, seed in enumerate(seeds):
        where = f"categories[{i}]"
        if not _CATEGORY_KEY.match(seed.key):
            problems.append(FieldProblem(f"{where}.key", "1-48 lower-case letters, digits, dashes"))
        problems += [
            FieldProblem(f"{where}.{p.field}", p.reason)
            for p in seed.names(locales).problems("name", locales=locales, min_len=1, max_len=80)
        ]
        if keys.count(seed.key) > 1:
            problems.append(FieldProblem(f"{where}.key", f"{seed.key!r} is listed twice"))
        if seed.parent is not None and seed.parent not in tops:
            problems.append(
                FieldProblem(f"{where}.parent", f"{seed.parent!r} is not a top-level key here")
            )
    if len(seeds) > MAX_CATEGORIES:
        problems.append(FieldProblem("categories", f"at most {MAX_CATEGORIES}"))
    return problems


def _open_data_problems(config: TenantConfig) -> list[FieldProblem]:
    settings = config.open_data
    if settings is None:
        if Feature.OPEN_DATA in config.features:
            return [FieldProblem("open_data", "the open_data feature needs a licence")]
        return []
    problems = []
    if not settings.licence.strip() or len(settings.licence) > 100:
        problems.append(FieldProblem("open_data.licence", "must be 1-100 characters"))
    if not _is_https_url(settings.licence_url):
        problems.append(FieldProblem("open_data.licence_url", "must be an https:// URL"))
    if len(settings.attribution) > 300:
        problems.append(FieldProblem("open_data.attribution", "at most 300 characters"))
    return problems


def is_loopback_http_url(value: str) -> bool:
    return value.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))


def _sso_problems(sso: SsoSettings | None) -> list[FieldProblem]:
    if sso is None:
        return []
    problems = []
    # Plain http only for a provider on this machine (development and tests).
    if not (_is_https_url(sso.issuer) or is_loopback_http_url(sso.issuer)):
        problems.append(FieldProblem("sso.issuer", "must be an https:// URL"))
    if not sso.client_id.strip() or len(sso.client_id) > 255:
        problems.append(FieldProblem("sso.client_id", "must be 1-255 characters"))
    if sso.client_secret_env is not None and not _ENV_VAR.match(sso.client_secret_env):
        problems.append(FieldProblem("sso.client_secret_env", "names an environment variable"))
    return problems


def _branding_problems(branding: Branding) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not branding.app_name.strip() or len(branding.app_name) > 60:
        problems.append(FieldProblem("branding.app_name", "must be 1-60 characters"))
    if not _FONT_FAMILY.match(branding.font_family):
        problems.append(
            FieldProblem("branding.font_family", "letters, digits, spaces, quotes, commas, dashes")
        )
    if branding.logo_url is not None and not _is_https_url(branding.logo_url):
        problems.append(FieldProblem("branding.logo_url", "must be an https:// URL"))
    legal = branding.legal
    for name in ("imprint_url", "privacy_url", "terms_url", "accessibility_url"):
        value = getattr(legal, name)
        if value is not None and not _is_https_url(value):
            problems.append(FieldProblem(f"branding.legal.{name}", "must be an https:// URL"))
    colors = branding.colors
    for text_name, ground_name in (("text", "background"), ("on_primary", "primary")):
        ratio = contrast_ratio(getattr(colors, text_name), getattr(colors, ground_name))
        if ratio < WCAG_AA_TEXT_CONTRAST:
            problems.append(
                FieldProblem(
                    f"branding.colors.{text_name}",
                    f"contrast {ratio:.2f}:1 on {ground_name} is below WCAG AA "
                    f"{WCAG_AA_TEXT_CONTRAST}:1",
                )
            )
    return problems


def is_valid_iban(iban: str) -> bool:
    """ISO 13616 check: country, check digits, and the mod-97 rule."""
    compact = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _payment_problems(payments: PaymentSettings, *, takes_money: bool) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for name in ("stripe_secret_key_env", "stripe_webhook_secret_env"):
        value = getattr(payments, name)
        if value is not None and not _ENV_VAR.match(value):
            problems.append(
                FieldProblem(
                    f"payments.{name}",
                    "names an environment variable (A-Z, 0-9, _); never put the secret here",
                )
            )
    if payments.provider is PaymentProvider.STRIPE and not (
        payments.stripe_secret_key_env and payments.stripe_webhook_secret_env
    ):
        problems.append(
            FieldProblem(
                "payments",
                "stripe needs stripe_secret_key_env and stripe_webhook_secret_env",
            )
        )
    if payments.bank_iban is not None and not is_valid_iban(payments.bank_iban):
        problems.append(FieldProblem("payments.bank_iban", "is not a valid IBAN"))
    needs_account = takes_money and payments.provider is PaymentProvider.BANK_TRANSFER
    if needs_account and not (payments.bank_account_holder and payments.bank_iban):
        problems.append(
            FieldProblem(
                "payments",
                "campaigns paid by bank_transfer need bank_account_holder and bank_iban",
            )
        )
    return problems

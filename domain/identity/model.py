"""Identity: global accounts, their memberships in tenants, partner API keys, and who asks."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.errors import FieldProblem, InvalidInput

# Written with explicit character classes so the API contract can state the same pattern.
_NOT_IN_EMAIL = "@\\x00-\\x20\\x7f-\\x9f\\u2028\\u2029"  # no controls, blanks or line breaks
EMAIL_PATTERN = (
    f"^[^{_NOT_IN_EMAIL}]{{1,64}}@[^{_NOT_IN_EMAIL}]{{1,255}}\\.[^.{_NOT_IN_EMAIL}]{{2,63}}$"
)
DISPLAY_NAME_PATTERN = r"^[^\x00]*[^\x00\t\n\r ][^\x00]*$"
_EMAIL = re.compile(EMAIL_PATTERN)
_SPACE = " \t\r\n"
PASSWORD_MIN, PASSWORD_MAX = 12, 128
ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)


class Role(StrEnum):
    """A person's role in one tenant; each includes the ones below it."""

    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return (Role.MEMBER, Role.MODERATOR, Role.ADMIN).index(self)

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank


class BusinessRole(StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class Scope(StrEnum):
    """What a partner API key may do."""

    CAMPAIGNS_READ = "campaigns:read"
    CAMPAIGNS_WRITE = "campaigns:write"
    BUSINESSES_READ = "businesses:read"
    BUSINESSES_WRITE = "businesses:write"
    EVENTS_READ = "events:read"
    EVENTS_WRITE = "events:write"
    SYNC_READ = "sync:read"
    WEBHOOKS_MANAGE = "webhooks:manage"


def normalise_email(raw: str) -> str:
    return raw.strip(_SPACE).lower()


def email_problems(email: str, field_name: str = "email") -> list[FieldProblem]:
    if not _EMAIL.match(email) or len(email) > 254:
        return [FieldProblem(field_name, "is not an email address")]
    return []


def password_problems(
    password: str, email: str, field_name: str = "password"
) -> list[FieldProblem]:
    """ASVS 2.1: at least 12 characters, long passphrases allowed, not the email itself."""
    if len(password) < PASSWORD_MIN:
        return [FieldProblem(field_name, f"must have at least {PASSWORD_MIN} characters")]
    if len(password) > PASSWORD_MAX:
        return [FieldProblem(field_name, f"must have at most {PASSWORD_MAX} characters")]
    if "\x00" in password:
        return [FieldProblem(field_name, "must not contain NUL characters")]
    if password.lower() == email.lower():
        return [FieldProblem(field_name, "must not be the email address")]
    return []


def clean_display_name(raw: str) -> str:
    """The name without surrounding blanks; InvalidInput unless 1-80 characters remain."""
    name = raw.strip(_SPACE)
    if not name or len(name) > 80 or "\x00" in name:
        raise InvalidInput([FieldProblem("display_name", "must be 1-80 characters")])
    return name


def tenant_locale(language: str, locales: Sequence[str]) -> str | None:
    """`language` as the tenant spells it (`de-at` is its `de-AT`); None if it is none of
    the tenant's locales."""
    wanted = language.strip(_SPACE).lower()
    return next((locale for locale in locales if locale.lower() == wanted), None)


def locale_problems(language: str, locales: Sequence[str], field_name: str) -> list[FieldProblem]:
    if tenant_locale(language, locales) is None:
        return [FieldProblem(field_name, f"is not one of this tenant's languages {list(locales)}")]
    return []


def hash_secret(secret: str) -> str:
    """For high-entropy secrets (tokens, API keys): a plain digest is enough and fast."""
    return hashlib.sha256(secret.encode()).hexdigest()


def credential_stamp(account: Account) -> str:
    """Changes whenever the owner sets a new password: device tokens carry the stamp of their
    login, so a password change or reset voids every device token issued before it, while a
    rehash with new Argon2 parameters voids none."""
    since = account.password_changed_at or account.created_at
    return hash_secret(f"{account.id}:{since.isoformat()}")[:16]


@dataclass(frozen=True)
class Account:
    """One person, the same on every tenant. Holds only what login needs."""

    id: UUID
    email: str
    display_name: str
    password_hash: str | None  # None for accounts that only sign in through a tenant's SSO
    created_at: datetime
    email_verified_at: datetime | None = None
    is_operator: bool = False  # platform operator: granted only through the CLI
    # Set when the owner sets a new password (never by a rehash); None: since sign-up.
    password_changed_at: datetime | None = None
    # The language its mails are written in, a locale of the tenant it was set on ("de",
    # "de-AT"); None for accounts from before it was asked: mails then use the tenant's.
    preferred_language: str | None = None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def verified(self, at: datetime) -> Account:
        return self if self.email_verified_at else replace(self, email_verified_at=at)

    def preferring(self, language: str) -> Account:
        """The account with this preferred language (one of a tenant's locales: see
        `tenant_locale`)."""
        return replace(self, preferred_language=language)


@dataclass(frozen=True)
class Membership:
    tenant_id: UUID
    account_id: UUID
    role: Role
    created_at: datetime


@dataclass(frozen=True)
class Member:
    """Read model of a membership as other members may see it: no email."""

    account_id: UUID
    display_name: str
    role: Role
    since: datetime


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"
    ADMIN_INVITE = "admin_invite"


ONE_TIME_TOKEN_LIFETIME = {
    TokenPurpose.VERIFY_EMAIL: timedelta(days=2),
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.ADMIN_INVITE: timedelta(days=7),
}


@dataclass(frozen=True)
class OneTimeToken:
    """A single-use, expiring token sent by mail. Only its digest is stored."""

    id: UUID
    purpose: TokenPurpose
    token_hash: str
    tenant_id: UUID
    email: str
    expires_at: datetime
    account_id: UUID | None = None
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@dataclass(frozen=True)
class RefreshToken:
    """One link of a rotating chain (`family_id`). A link used twice revokes the family."""

    id: UUID
    family_id: UUID
    account_id: UUID
    tenant_id: UUID
    token_hash: str
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class ApiKey:
    id: UUID
    tenant_id: UUID
    name: str
    prefix: str  # public part, shown in lists: sk_<prefix>_...
    secret_hash: str
    scopes: frozenset[Scope]
    created_by: UUID
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class ExternalIdentity:
    issuer: str
    subject: str
    account_id: UUID
    created_at: datetime


# Who is asking: one of these per request.


@dataclass(frozen=True)
class Anonymous:
    tenant_id: UUID


@dataclass(frozen=True)
class Person:
    """A signed-in account acting on one tenant, with its role there (None: no member)."""

    tenant_id: UUID
    account_id: UUID
    role: Role | None
    is_operator: bool = False


@dataclass(frozen=True)
class PartnerKey:
    tenant_id: UUID
    key_id: UUID
    scopes: frozenset[Scope] = field(default_factory=frozenset)


Principal = Anonymous | Person | PartnerKey

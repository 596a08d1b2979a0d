"""Ports of identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.identity.model import (
    Account,
    ApiKey,
    ExternalIdentity,
    Member,
    Membership,
    OneTimeToken,
    RefreshToken,
)
from domain.ports import UnitOfWork


class AccountRepository(Protocol):
    async def get(self, account_id: UUID) -> Account | None: ...

    async def get_by_email(self, email: str) -> Account | None: ...

    async def add(self, account: Account) -> None: ...

    async def update(self, account: Account) -> None: ...


class MembershipRepository(Protocol):
    """Built for one tenant: every call is about that tenant's members."""

    async def get(self, account_id: UUID) -> Membership | None: ...

    async def list_members(self) -> list[Member]:
        """Members with their display names, oldest first."""
        ...

    async def count_admins(self) -> int: ...

    async def add(self, membership: Membership) -> None: ...

    async def update(self, membership: Membership) -> None: ...

    async def remove(self, account_id: UUID) -> None: ...


class ApiKeyRepository(Protocol):
    """Built for one tenant."""

    async def get(self, key_id: UUID) -> ApiKey | None: ...

    async def get_by_prefix(self, prefix: str) -> ApiKey | None: ...

    async def list(self) -> list[ApiKey]: ...

    async def add(self, key: ApiKey) -> None: ...

    async def update(self, key: ApiKey) -> None: ...


class OneTimeTokenRepository(Protocol):
    async def get_by_hash(self, token_hash: str) -> OneTimeToken | None: ...

    async def add(self, token: OneTimeToken) -> None: ...

    async def mark_used(self, token_id: UUID, at: datetime) -> bool:
        """True if this call used the token; False if it was already used (a race lost)."""
        ...


class RefreshTokenRepository(Protocol):
    async def get_by_hash(self, token_hash: str) -> RefreshToken | None: ...

    async def add(self, token: RefreshToken) -> None: ...

    async def mark_used(self, token_id: UUID, at: datetime) -> bool: ...

    async def revoke_family(self, family_id: UUID, at: datetime) -> None: ...

    async def revoke_all_of(self, account_id: UUID, at: datetime) -> None: ...


class ExternalIdentityRepository(Protocol):
    async def get(self, issuer: str, subject: str) -> ExternalIdentity | None: ...

    async def add(self, identity: ExternalIdentity) -> None: ...


class IdentityUnitOfWork(UnitOfWork, Protocol):
    accounts: AccountRepository
    memberships: MembershipRepository
    api_keys: ApiKeyRepository
    one_time_tokens: OneTimeTokenRepository
    refresh_tokens: RefreshTokenRepository
    external_identities: ExternalIdentityRepository


class PasswordHasher(Protocol):
    """Deliberately slow hashing; the adapter keeps it off the event loop, so these are
    awaitable and a burst of logins never stalls other requests."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...

    async def spend_verify_time(self, password: str) -> None:
        """Take as long as a verify, for answers that must not reveal a missing account."""
        ...


@dataclass(frozen=True)
class AccessClaims:
    account_id: UUID
    tenant_id: UUID
    expires_at: datetime


class AccessTokens(Protocol):
    """Signs and verifies short-lived access tokens (JWT)."""

    def issue(self, *, account_id: UUID, tenant_id: UUID, tenant_slug: str) -> str: ...

    def verify(self, token: str) -> AccessClaims:
        """Raises InvalidToken for a bad signature, algorithm, issuer or an expired token."""
        ...


class DeviceTokens(Protocol):
    """Device tokens (OWASP's device cookies): proof that a client logged in to an account
    before. A login that brings one is exempt from the lock that strangers' failed attempts
    put on the account."""

    def issue(self, account_id: UUID, stamp: str) -> str:
        """`stamp`: the account's credential stamp at this login."""
        ...

    def account_of(self, token: str) -> tuple[UUID, str] | None:
        """(account, credential stamp) a genuine, unexpired device token was issued for."""
        ...


class SecretGenerator(Protocol):
    def new_secret(self, nbytes: int = 32) -> str:
        """URL-safe random text from `nbytes` random bytes."""
        ...


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    # Stable for one mail however often it is retried: its Message-ID, by which mail systems
    # and tests recognise a duplicate.
    key: str | None = None
    language: str | None = None  # the language the text is written in (Content-Language)


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


class LoginThrottle(Protocol):
    """Counts failed logins per account key (known or not), over a window."""

    async def failures(self, account_key: str) -> tuple[int, int]:
        """(failures in the current window, seconds until the window ends)"""
        ...

    async def begin_attempt(self, account_key: str) -> LoginAttempt:
        """Count an attempt as failed until `attempt_succeeded`; atomically, so concurrent
        attempts each get their own count."""
        ...

    async def attempt_succeeded(self, attempt: LoginAttempt) -> None:
        """Take back the count of an attempt whose password was right (in the window it was
        counted in, even if a new one began meanwhile)."""
        ...


@dataclass(frozen=True)
class LoginAttempt:
    count: int  # failed attempts in the window, this one included
    resets_in: int  # seconds until the window ends
    counter: str  # which counter it was counted in, for taking it back


@dataclass(frozen=True)
class VerifiedIdToken:
    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


class IdTokenVerifier(Protocol):
    async def verify(self, id_token: str, *, nonce: str) -> VerifiedIdToken:
        """Raises InvalidToken unless issuer, audience, expiry, signature and nonce hold."""
        ...

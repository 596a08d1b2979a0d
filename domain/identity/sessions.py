"""Accounts and sessions: sign-up, login, refresh rotation, logout, passwords, email proof."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from uuid import UUID

from domain.errors import InvalidInput
from domain.identity.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    LoginLocked,
)
from domain.identity.events import (
    AccountSignedUp,
    MemberRoleChanged,
    PasswordResetRequested,
    SignUpWithKnownEmail,
    VerificationRequested,
)
from domain.identity.model import (
    ACCESS_TOKEN_LIFETIME,
    ONE_TIME_TOKEN_LIFETIME,
    REFRESH_TOKEN_LIFETIME,
    Account,
    Membership,
    OneTimeToken,
    RefreshToken,
    Role,
    TokenPurpose,
    clean_display_name,
    credential_stamp,
    email_problems,
    hash_secret,
    locale_problems,
    normalise_email,
    password_problems,
    tenant_locale,
)
from domain.identity.ports import (
    AccessTokens,
    DeviceTokens,
    IdentityUnitOfWork,
    LoginThrottle,
    Mailer,
    PasswordHasher,
    SecretGenerator,
)
from domain.ports import Clock, IdGenerator

# Failed logins an hour before an account is locked for clients it does not know (OWASP ASVS
# 2.2.1). A client that logged in to the account before brings a device token and is counted
# apart, by that token, so strangers cannot lock the owner out (OWASP's device cookies).
MAX_FAILED_LOGINS_PER_HOUR = 100
MAX_FAILED_LOGINS_PER_DEVICE_PER_HOUR = 10


@dataclass(frozen=True)
class TenantRef:
    """The tenant a request is for, as identity needs it; `link_base` is its public URL,
    `locales` its languages (the first is its default)."""

    id: UUID
    slug: str
    link_base: str
    locales: tuple[str, ...]


@dataclass(frozen=True)
class Session:
    account_id: UUID
    access_token: str
    refresh_token: str
    expires_in: int
    device_token: str | None = None  # new sessions only; a refresh keeps the client's token


@dataclass(frozen=True)
class SignUp:
    tenant: TenantRef
    email: str
    password: str
    display_name: str
    # One of the tenant's locales: the one the caller chose, else the one its request
    # negotiated. None: no preference (mails then use the tenant's default).
    language: str | None = None


@dataclass(frozen=True)
class LogIn:
    tenant: TenantRef
    email: str
    password: str
    device_token: str | None = None  # from an earlier login of this client, if any


@dataclass(frozen=True)
class ChangePassword:
    account_id: UUID
    current_password: str
    new_password: str


@dataclass(frozen=True)
class ResetPassword:
    token: str
    new_password: str


@dataclass(frozen=True)
class IdentityPorts:
    """The ports identity use cases share, built once in the composition root."""

    hasher: PasswordHasher
    tokens: AccessTokens
    devices: DeviceTokens
    secrets: SecretGenerator
    mailer: Mailer
    clock: Clock
    ids: IdGenerator


async def sign_up(cmd: SignUp, *, uow: IdentityUnitOfWork, ports: IdentityPorts) -> None:
    """Create an account and its membership; the worker then mails an email-verification link
    (`AccountSignedUp`).

    An email that already has an account gets a mail saying so instead; the caller sees
    the same answer either way, so sign-up tells nobody which emails exist."""
    email = normalise_email(cmd.email)
    problems = email_problems(email) + password_problems(cmd.password, email)
    language = None
    if cmd.language is not None:
        problems += locale_problems(cmd.language, cmd.tenant.locales, "language")
        language = tenant_locale(cmd.language, cmd.tenant.locales)
    if problems:
        raise InvalidInput(problems)
    name = clean_display_name(cmd.display_name)
    now = ports.clock.now()
    # Hashed whether or not the email is taken: the answer's timing tells nothing either.
    password_hash = await ports.hasher.hash(cmd.password)
    async with uow:
        existing = await uow.accounts.get_by_email(email)
        if existing is None:
            account = Account(
                id=ports.ids.new_id(),
                email=email,
                display_name=name,
                password_hash=password_hash,
                created_at=now,
                preferred_language=language,
            )
            try:
                await uow.accounts.add(account)
            except EmailTaken:
                existing = account  # a racing sign-up won; answer as for an existing account
        if existing is None:
            await uow.memberships.add(Membership(cmd.tenant.id, account.id, Role.MEMBER, now))
            uow.record(AccountSignedUp(tenant_id=cmd.tenant.id, account_id=account.id, email=email))
            uow.record(
                MemberRoleChanged(
                    tenant_id=cmd.tenant.id,
                    account_id=account.id,
                    role=Role.MEMBER,
                    previous_role=None,
                )
            )
        else:
            uow.record(SignUpWithKnownEmail(tenant_id=cmd.tenant.id, email=email))
        await uow.commit()


async def log_in(
    cmd: LogIn, *, uow: IdentityUnitOfWork, ports: IdentityPorts, throttle: LoginThrottle
) -> Session:
    """A new session on this tenant. Joins the tenant as a member on first login there.

    Failed attempts are counted per account for unknown clients, and per device token for a
    client that logged in to this account before; each count locks only its own kind."""
    email = normalise_email(cmd.email)
    device_account = ports.devices.account_of(cmd.device_token) if cmd.device_token else None
    async with uow:
        account = await uow.accounts.get_by_email(email)
    # No transaction (nor its connection) is held while the password is hashed.
    throttle_key, limit = await _throttle_key(cmd, email, account, device_account, throttle)
    # Counted as a failure before the password is checked, and taken back if it was right:
    # concurrent attempts each see their own count, so a burst cannot slip past the limit
    # while its passwords wait for the hasher.
    attempt = await throttle.begin_attempt(throttle_key)
    if attempt.count > limit:
        raise LoginLocked(
            attempt.resets_in, "log in from a device that logged in before, or try again later"
        )
    if account is None or account.password_hash is None:
        await ports.hasher.spend_verify_time(cmd.password)  # an unknown email costs the same
        raise InvalidCredentials()
    if not await ports.hasher.verify(account.password_hash, cmd.password):
        raise InvalidCredentials()
    await throttle.attempt_succeeded(attempt)
    rehashed = None
    if ports.hasher.needs_rehash(account.password_hash):
        rehashed = await ports.hasher.hash(cmd.password)
    async with uow:
        if rehashed is not None:
            # Only over the hash it was made from: a password changed meanwhile stays.
            current = await uow.accounts.get(account.id)
            if current is not None and current.password_hash == account.password_hash:
                await uow.accounts.update(dataclasses.replace(current, password_hash=rehashed))
        session = await open_session(uow, ports, account, cmd.tenant)
        await uow.commit()
    return session


async def _throttle_key(
    cmd: LogIn,
    email: str,
    account: Account | None,
    device_account: tuple[UUID, str] | None,
    throttle: LoginThrottle,
) -> tuple[str, int]:
    """The counter this attempt is judged by, and its limit: its device token's while that
    token belongs to the account (issued since its password last changed) and has not failed
    too often itself, else the account's counter for clients it does not know."""
    if (
        account is not None
        and cmd.device_token
        and device_account == (account.id, credential_stamp(account))
    ):
        device_key = "device:" + hash_secret(cmd.device_token)
        failures, _ = await throttle.failures(device_key)
        if failures < MAX_FAILED_LOGINS_PER_DEVICE_PER_HOUR:
            return device_key, MAX_FAILED_LOGINS_PER_DEVICE_PER_HOUR
    return hash_secret(email), MAX_FAILED_LOGINS_PER_HOUR


async def open_session(
    uow: IdentityUnitOfWork, ports: IdentityPorts, account: Account, tenant: TenantRef
) -> Session:
    """Join the tenant if needed and start a refresh-token family (caller commits)."""
    now = ports.clock.now()
    if await uow.memberships.get(account.id) is None:
        await uow.memberships.add(Membership(tenant.id, account.id, Role.MEMBER, now))
        uow.record(
            MemberRoleChanged(
                tenant_id=tenant.id, account_id=account.id, role=Role.MEMBER, previous_role=None
            )
        )
    refresh = await _new_refresh_token(uow, ports, account.id, tenant.id, ports.ids.new_id())
    return Session(
        account_id=account.id,
        access_token=ports.tokens.issue(
            account_id=account.id, tenant_id=tenant.id, tenant_slug=tenant.slug
        ),
        refresh_token=refresh,
        expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        device_token=ports.devices.issue(account.id, credential_stamp(account)),
    )


async def refresh_session(
    tenant: TenantRef, refresh_token: str, *, uow: IdentityUnitOfWork, ports: IdentityPorts
) -> Session:
    """Rotate: the old refresh token is used up and a new one issued in the same family.
    A refresh token presented a second time means it was stolen: the family is revoked."""
    now = ports.clock.now()
    async with uow:
        stored = await uow.refresh_tokens.get_by_hash(hash_secret(refresh_token))
        if stored is None or stored.tenant_id != tenant.id or stored.revoked_at is not None:
            raise InvalidToken()
        if now >= stored.expires_at:
            raise InvalidToken("the refresh token has expired")
        if stored.used_at is not None or not await uow.refresh_tokens.mark_used(stored.id, now):
            await uow.refresh_tokens.revoke_family(stored.family_id, now)
            await uow.commit()
            raise InvalidToken("the refresh token was already used; the session is revoked")
        account = await uow.accounts.get(stored.account_id)
        if account is None:
            raise InvalidToken()
        new_refresh = await _new_refresh_token(uow, ports, account.id, tenant.id, stored.family_id)
        await uow.commit()
    return Session(
        account_id=account.id,
        access_token=ports.tokens.issue(
            account_id=account.id, tenant_id=tenant.id, tenant_slug=tenant.slug
        ),
        refresh_token=new_refresh,
        expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
    )


async def log_out(refresh_token: str, *, uow: IdentityUnitOfWork, ports: IdentityPorts) -> None:
    """End the session the refresh token belongs to (its whole family)."""
    async with uow:
        stored = await uow.refresh_tokens.get_by_hash(hash_secret(refresh_token))
        if stored is not None:
            await uow.refresh_tokens.revoke_family(stored.family_id, ports.clock.now())
            await uow.commit()


async def change_password(
    cmd: ChangePassword, *, uow: IdentityUnitOfWork, ports: IdentityPorts
) -> None:
    """Needs the current password; ends every session of the account. The slow hashing runs
    between two short transactions, never inside one."""
    async with uow:
        account = await uow.accounts.get(cmd.account_id)
    if account is None or account.password_hash is None:
        raise InvalidCredentials()
    if not await ports.hasher.verify(account.password_hash, cmd.current_password):
        raise InvalidCredentials("the current password is wrong")
    _require_password(cmd.new_password, account.email, "new_password")
    new_hash = await ports.hasher.hash(cmd.new_password)
    async with uow:
        current = await uow.accounts.get(cmd.account_id)
        if current is None or current.password_hash != account.password_hash:
            raise InvalidCredentials("the password was changed meanwhile")
        await _set_password(uow, ports, current, new_hash)
        await uow.commit()


async def request_password_reset(
    tenant: TenantRef, email: str, *, uow: IdentityUnitOfWork, ports: IdentityPorts
) -> None:
    """Mail a reset link if the account exists; the caller's answer is the same if not."""
    email = normalise_email(email)
    if email_problems(email):
        raise InvalidInput(email_problems(email))
    async with uow:
        account = await uow.accounts.get_by_email(email)
        if account is None:
            return
        uow.record(PasswordResetRequested(tenant_id=tenant.id, account_id=account.id, email=email))
        await uow.commit()


async def reset_password(
    cmd: ResetPassword, *, uow: IdentityUnitOfWork, ports: IdentityPorts
) -> None:
    async with uow:
        found = await uow.one_time_tokens.get_by_hash(hash_secret(cmd.token))
        account = await uow.accounts.get(found.account_id) if found and found.account_id else None
    if account is None:
        raise InvalidToken()
    _require_password(cmd.new_password, account.email, "new_password")
    new_hash = await ports.hasher.hash(cmd.new_password)  # outside any transaction
    async with uow:
        token = await use_one_time_token(uow, ports, cmd.token, TokenPurpose.RESET_PASSWORD)
        account = await uow.accounts.get(token.account_id) if token.account_id else None
        if account is None:
            raise InvalidToken()
        # Whoever holds the link reads the mailbox: the address is proven too.
        await _set_password(uow, ports, account.verified(ports.clock.now()), new_hash)
        await uow.commit()


async def verify_email(token: str, *, uow: IdentityUnitOfWork, ports: IdentityPorts) -> None:
    async with uow:
        used = await use_one_time_token(uow, ports, token, TokenPurpose.VERIFY_EMAIL)
        account = await uow.accounts.get(used.account_id) if used.account_id else None
        if account is None or account.email != used.email:
            raise InvalidToken()
        await uow.accounts.update(account.verified(ports.clock.now()))
        await uow.commit()


async def resend_verification(
    tenant: TenantRef, account_id: UUID, *, uow: IdentityUnitOfWork, ports: IdentityPorts
) -> None:
    async with uow:
        account = await uow.accounts.get(account_id)
        if account is None or account.email_verified:
            return
        uow.record(
            VerificationRequested(tenant_id=tenant.id, account_id=account.id, email=account.email)
        )
        await uow.commit()


async def use_one_time_token(
    uow: IdentityUnitOfWork, ports: IdentityPorts, token: str, purpose: TokenPurpose
) -> OneTimeToken:
    """The stored token, marked used; InvalidToken if unknown, expired, used or for another
    purpose. Marking is a conditional write, so two racing uses cannot both succeed."""
    now = ports.clock.now()
    stored = await uow.one_time_tokens.get_by_hash(hash_secret(token))
    if stored is None or stored.purpose is not purpose or not stored.usable(now):
        raise InvalidToken()
    if not await uow.one_time_tokens.mark_used(stored.id, now):
        raise InvalidToken()
    return stored


async def one_time_link(
    uow: IdentityUnitOfWork,
    ports: IdentityPorts,
    purpose: TokenPurpose,
    tenant: TenantRef,
    email: str,
    account_id: UUID | None,
) -> str:
    secret = ports.secrets.new_secret()
    await uow.one_time_tokens.add(
        OneTimeToken(
            id=ports.ids.new_id(),
            purpose=purpose,
            token_hash=hash_secret(secret),
            tenant_id=tenant.id,
            email=email,
            account_id=account_id,
            expires_at=ports.clock.now() + ONE_TIME_TOKEN_LIFETIME[purpose],
        )
    )
    path = {
        TokenPurpose.VERIFY_EMAIL: "verify-email",
        TokenPurpose.RESET_PASSWORD: "reset-password",
        TokenPurpose.ADMIN_INVITE: "accept-invite",
    }[purpose]
    return f"{tenant.link_base}/{path}?token={secret}"


async def _new_refresh_token(
    uow: IdentityUnitOfWork,
    ports: IdentityPorts,
    account_id: UUID,
    tenant_id: UUID,
    family_id: UUID,
) -> str:
    secret = "rt_" + ports.secrets.new_secret()
    await uow.refresh_tokens.add(
        RefreshToken(
            id=ports.ids.new_id(),
            family_id=family_id,
            account_id=account_id,
            tenant_id=tenant_id,
            token_hash=hash_secret(secret),
            expires_at=ports.clock.now() + REFRESH_TOKEN_LIFETIME,
        )
    )
    return secret


async def _set_password(
    uow: IdentityUnitOfWork, ports: IdentityPorts, account: Account, password_hash: str
) -> None:
    """Store an already hashed password and end every session of the account."""
    changed = dataclasses.replace(
        account, password_hash=password_hash, password_changed_at=ports.clock.now()
    )
    await uow.accounts.update(changed)
    await uow.refresh_tokens.revoke_all_of(account.id, ports.clock.now())


def _require_password(password: str, email: str, field_name: str) -> None:
    problems = password_problems(password, email, field_name)
    if problems:
        raise InvalidInput(problems)


@dataclass(frozen=True)
class UpdateAccount:
    """What the owner changes of their account; None leaves a field as it is."""

    account_id: UUID
    tenant: TenantRef  # whose locales a preferred language must be one of
    display_name: str | None = None
    preferred_language: str | None = None


async def update_account(cmd: UpdateAccount, *, uow: IdentityUnitOfWork) -> Account:
    """Rename the account and/or set the language of its mails; every field is checked
    before anything is written, so a refused one changes nothing."""
    problems = []
    name = None
    if cmd.display_name is not None:
        try:
            name = clean_display_name(cmd.display_name)
        except InvalidInput as exc:
            problems += exc.problems
    language = None
    if cmd.preferred_language is not None:
        field_name = "preferred_language"
        problems += locale_problems(cmd.preferred_language, cmd.tenant.locales, field_name)
        language = tenant_locale(cmd.preferred_language, cmd.tenant.locales)
    if problems:
        raise InvalidInput(problems)
    async with uow:
        account = await uow.accounts.get(cmd.account_id)
        if account is None:
            raise InvalidToken()
        changed = account
        if name is not None:
            changed = dataclasses.replace(changed, display_name=name)
        if language is not None:
            changed = changed.preferring(language)
        if changed != account:
            await uow.accounts.update(changed)
            await uow.commit()
    return changed


async def view_account(account_id: UUID, *, uow: IdentityUnitOfWork) -> Account:
    async with uow:
        account = await uow.accounts.get(account_id)
    if account is None:
        raise InvalidToken()
    return account

"""Who is asking: a bearer credential (JWT access token or partner API key) to a principal."""

from __future__ import annotations

import dataclasses
import hmac
from datetime import timedelta
from uuid import UUID

from domain.identity.errors import InvalidToken, NotAMember
from domain.identity.model import Anonymous, PartnerKey, Person, Principal, hash_secret
from domain.identity.ports import AccessTokens, IdentityUnitOfWork
from domain.ports import Clock

API_KEY_PREFIX = "sk_"
# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def split_api_key(secret: str) -> str | None:
    """The public prefix of `sk_<prefix>_<secret>`, or None if it has not that form."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != "sk" or not parts[1].isalnum() or not parts[2]:
        return None
    return parts[1]


async def authenticate(
    tenant_id: UUID,
    bearer: str | None,
    *,
    uow: IdentityUnitOfWork,
    tokens: AccessTokens,
    clock: Clock,
) -> Principal:
    """The principal for a request to `tenant_id`; InvalidToken for any credential that fails.

    An access token issued on another tenant counts here only if the account is a member
    here too; otherwise NotAMember."""
    if not bearer:
        return Anonymous(tenant_id)
    if bearer.startswith(API_KEY_PREFIX):
        return await _partner_key(tenant_id, bearer, uow=uow, clock=clock)
    claims = tokens.verify(bearer)
    async with uow:
        account = await uow.accounts.get(claims.account_id)
        if account is None:
            raise InvalidToken()
        membership = await uow.memberships.get(account.id)
    if membership is None and claims.tenant_id != tenant_id and not account.is_operator:
        raise NotAMember("the token was issued for another tenant")
    return Person(
        tenant_id=tenant_id,
        account_id=account.id,
        role=membership.role if membership else None,
        is_operator=account.is_operator,
    )


async def _partner_key(
    tenant_id: UUID, secret: str, *, uow: IdentityUnitOfWork, clock: Clock
) -> PartnerKey:
    prefix = split_api_key(secret)
    if prefix is None:
        raise InvalidToken()
    now = clock.now()
    async with uow:
        key = await uow.api_keys.get_by_prefix(prefix)
        if (
            key is None
            or not key.active
            or not hmac.compare_digest(key.secret_hash, hash_secret(secret))
        ):
            raise InvalidToken("unknown or revoked API key")
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            await uow.api_keys.update(dataclasses.replace(key, last_used_at=now))
            await uow.commit()
    return PartnerKey(tenant_id=tenant_id, key_id=key.id, scopes=key.scopes)

"""Partner API keys: tenant admins create, list and revoke them; the secret is shown once."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from uuid import UUID

from domain.errors import FieldProblem, InvalidInput
from domain.identity.errors import ApiKeyNotFound, ApiKeyRequired, Unauthenticated
from domain.identity.model import Anonymous, ApiKey, PartnerKey, Principal, Role, Scope, hash_secret
from domain.identity.policies import require_member
from domain.identity.ports import IdentityUnitOfWork, SecretGenerator
from domain.ports import Clock, IdGenerator


@dataclass(frozen=True)
class CreateApiKey:
    name: str
    scopes: frozenset[Scope]


@dataclass(frozen=True)
class CreatedApiKey:
    key: ApiKey
    secret: str  # shown to the caller this once, never stored


async def create_api_key(
    cmd: CreateApiKey,
    principal: Principal,
    *,
    uow: IdentityUnitOfWork,
    secrets: SecretGenerator,
    clock: Clock,
    ids: IdGenerator,
) -> CreatedApiKey:
    admin = require_member(principal, Role.ADMIN)
    name = cmd.name.strip()
    problems = []
    if not name or len(name) > 80 or "\x00" in name:
        problems.append(FieldProblem("name", "must be 1-80 characters"))
    if not cmd.scopes:
        problems.append(FieldProblem("scopes", "at least one scope"))
    if problems:
        raise InvalidInput(problems)
    key_id = ids.new_id()
    prefix = key_id.hex[:12]
    secret = f"sk_{prefix}_{secrets.new_secret()}"
    key = ApiKey(
        id=key_id,
        tenant_id=admin.tenant_id,
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        scopes=cmd.scopes,
        created_by=admin.account_id,
        created_at=clock.now(),
    )
    async with uow:
        await uow.api_keys.add(key)
        await uow.commit()
    return CreatedApiKey(key, secret)


async def list_api_keys(principal: Principal, *, uow: IdentityUnitOfWork) -> list[ApiKey]:
    require_member(principal, Role.ADMIN)
    async with uow:
        return await uow.api_keys.list()


async def revoke_api_key(
    key_id: UUID, principal: Principal, *, uow: IdentityUnitOfWork, clock: Clock
) -> None:
    require_member(principal, Role.ADMIN)
    async with uow:
        key = await uow.api_keys.get(key_id)
        if key is None:
            raise ApiKeyNotFound()
        if key.active:
            await uow.api_keys.update(dataclasses.replace(key, revoked_at=clock.now()))
            await uow.commit()


async def view_calling_key(principal: Principal, *, uow: IdentityUnitOfWork) -> ApiKey:
    """The key the request authenticated with: partners check their key and its scopes."""
    if isinstance(principal, Anonymous):
        raise Unauthenticated()
    if not isinstance(principal, PartnerKey):
        raise ApiKeyRequired()
    async with uow:
        key = await uow.api_keys.get(principal.key_id)
    if key is None:
        raise ApiKeyNotFound()
    return key

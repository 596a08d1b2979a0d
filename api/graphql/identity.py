"""GraphQL for identity: `me`, `apiKeys`, `members`, and mutations of the own account, keys
and roles, through the same use cases and policies as REST."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from uuid import UUID

import strawberry

from api.graphql.context import GraphQLContext
from api.graphql.errors import UserError, or_graphql_error, user_errors
from domain.errors import DomainError
from domain.identity import api_keys, members
from domain.identity.model import Account, Person, Role, Scope
from domain.identity.policies import require_person
from domain.identity.sessions import UpdateAccount, update_account, view_account

Info = strawberry.Info[GraphQLContext, None]
RoleEnum = strawberry.enum(Role, name="Role")
ScopeEnum = strawberry.enum(
    Enum("Scope", {s.name: s.value for s in Scope}),
    name="Scope",
    description="What a partner API key may do",
)


@strawberry.type
class Me:
    id: UUID
    email: str
    display_name: str
    email_verified: bool
    role: RoleEnum | None  # type: ignore[valid-type]
    preferred_language: str | None = strawberry.field(
        description="The language of the account's mails; null: the tenant's first locale"
    )


def _me(account: Account, person: Person) -> Me:
    return Me(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        email_verified=account.email_verified,
        role=person.role,
        preferred_language=account.preferred_language,
    )


@strawberry.type
class ApiKey:
    id: UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@strawberry.type
class Member:
    account_id: UUID
    display_name: str
    role: RoleEnum  # type: ignore[valid-type]
    since: datetime


async def _with_principal(info: Info, use_case):  # type: ignore[no-untyped-def]
    return await use_case(await info.context.principal())


def _key(key) -> ApiKey:  # type: ignore[no-untyped-def]
    return ApiKey(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        scopes=sorted(s.value for s in key.scopes),
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The signed-in account; null for anonymous callers and keys")
    async def me(self, info: Info) -> Me | None:
        principal = await or_graphql_error(info.context.principal())
        if not isinstance(principal, Person):
            return None
        account = await view_account(principal.account_id, uow=info.context.identity_uow())
        return _me(account, principal)

    @strawberry.field(description="The tenant's partner API keys (admins)")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        keys = await or_graphql_error(
            _with_principal(
                info, lambda p: api_keys.list_api_keys(p, uow=info.context.identity_uow())
            )
        )
        return [_key(k) for k in keys]

    @strawberry.field(description="The tenant's members (admins)")
    async def members(self, info: Info) -> list[Member]:
        found = await or_graphql_error(
            _with_principal(
                info, lambda p: members.list_members(p, uow=info.context.identity_uow())
            )
        )
        return [
            Member(account_id=m.account_id, display_name=m.display_name, role=m.role, since=m.since)
            for m in found
        ]


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(
        default=None, description="The whole key, shown this once"
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RevokeApiKeyPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetMemberRolePayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateMePayload:
    me: Me | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(
        description="Change the signed-in account's display name and/or preferred language "
        "(one of this tenant's locales); an argument left out stays as it is"
    )
    async def update_me(
        self,
        info: Info,
        display_name: str | None = None,
        preferred_language: str | None = None,
    ) -> UpdateMePayload:
        context = info.context
        try:
            person = require_person(await context.principal())
            account = await update_account(
                UpdateAccount(
                    person.account_id,
                    context.services.tenant_ref(context.tenant),
                    display_name=display_name,
                    preferred_language=preferred_language,
                ),
                uow=context.identity_uow(),
            )
        except DomainError as error:
            return UpdateMePayload(errors=user_errors(error))
        return UpdateMePayload(me=_me(account, person))

    @strawberry.mutation(description="Create a partner API key (admins)")
    async def create_api_key(
        self,
        info: Info,
        name: str,
        scopes: list[ScopeEnum],  # type: ignore[valid-type]
    ) -> CreateApiKeyPayload:
        services = info.context.services
        try:
            created = await api_keys.create_api_key(
                api_keys.CreateApiKey(name, frozenset(Scope(s.value) for s in scopes)),
                await info.context.principal(),
                uow=info.context.identity_uow(),
                secrets=services.identity.secrets,
                clock=services.clock,
                ids=services.ids,
            )
        except DomainError as error:
            return CreateApiKeyPayload(errors=user_errors(error))
        return CreateApiKeyPayload(api_key=_key(created.key), secret=created.secret)

    @strawberry.mutation(description="Revoke a partner API key (admins)")
    async def revoke_api_key(self, info: Info, id: UUID) -> RevokeApiKeyPayload:
        try:
            await api_keys.revoke_api_key(
                id,
                await info.context.principal(),
                uow=info.context.identity_uow(),
                clock=info.context.services.clock,
            )
        except DomainError as error:
            return RevokeApiKeyPayload(errors=user_errors(error))
        return RevokeApiKeyPayload(ok=True)

    @strawberry.mutation(description="Set a member's role (admins)")
    async def set_member_role(
        self,
        info: Info,
        account_id: UUID,
        role: RoleEnum,  # type: ignore[valid-type]
    ) -> SetMemberRolePayload:
        try:
            await members.set_member_role(
                account_id,
                Role(role),
                await info.context.principal(),
                uow=info.context.identity_uow(),
            )
        except DomainError as error:
            return SetMemberRolePayload(errors=user_errors(error))
        return SetMemberRolePayload(ok=True)

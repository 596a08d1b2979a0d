"""Tenant memberships and roles; the first admin of a tenant by invitation; operators."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from uuid import UUID

from domain.errors import InvalidInput, NotFound
from domain.identity.errors import InvalidToken, LastAdmin, MemberNotFound
from domain.identity.events import AdminInvited, MemberRemoved, MemberRoleChanged
from domain.identity.model import (
    Account,
    Member,
    Membership,
    Principal,
    Role,
    TokenPurpose,
    clean_display_name,
    email_problems,
    hash_secret,
    normalise_email,
    password_problems,
)
from domain.identity.policies import require_member
from domain.identity.ports import IdentityUnitOfWork
from domain.identity.sessions import (
    IdentityPorts,
    TenantRef,
    use_one_time_token,
)


async def list_members(principal: Principal, *, uow: IdentityUnitOfWork) -> list[Member]:
    require_member(principal, Role.ADMIN)
    async with uow:
        return await uow.memberships.list_members()


async def set_member_role(
    account_id: UUID, role: Role, principal: Principal, *, uow: IdentityUnitOfWork
) -> Membership:
    require_member(principal, Role.ADMIN)
    async with uow:
        membership = await uow.memberships.get(account_id)
        if membership is None:
            raise MemberNotFound()
        if membership.role is Role.ADMIN and role is not Role.ADMIN:
            await _keep_an_admin(uow)
        changed = dataclasses.replace(membership, role=role)
        await uow.memberships.update(changed)
        if role is not membership.role:
            uow.record(
                MemberRoleChanged(
                    tenant_id=membership.tenant_id,
                    account_id=account_id,
                    role=role,
                    previous_role=membership.role,
                )
            )
        await uow.commit()
    return changed


async def remove_member(account_id: UUID, principal: Principal, *, uow: IdentityUnitOfWork) -> None:
    """Admins remove anyone; every member may leave."""
    person = require_member(principal)
    if person.account_id != account_id:
        require_member(principal, Role.ADMIN)
    async with uow:
        membership = await uow.memberships.get(account_id)
        if membership is None:
            raise MemberNotFound()
        if membership.role is Role.ADMIN:
            await _keep_an_admin(uow)
        await uow.memberships.remove(account_id)
        uow.record(MemberRemoved(tenant_id=membership.tenant_id, account_id=account_id))
        await uow.commit()


async def _keep_an_admin(uow: IdentityUnitOfWork) -> None:
    if await uow.memberships.count_admins() <= 1:
        raise LastAdmin()


async def invite_admin(
    tenant: TenantRef, email: str, *, uow: IdentityUnitOfWork, ports: IdentityPorts
) -> None:
    """Mail a single-use link that makes its holder an admin of the tenant (CLI only)."""
    email = normalise_email(email)
    if email_problems(email):
        raise InvalidInput(email_problems(email))
    async with uow:
        account = await uow.accounts.get_by_email(email)
        uow.record(
            AdminInvited(
                tenant_id=tenant.id, email=email, account_id=account.id if account else None
            )
        )
        await uow.commit()


@dataclass(frozen=True)
class AcceptInvite:
    token: str
    display_name: str | None = None
    password: str | None = None  # needed only when the invited email has no account yet
    # A new account's preferred language: the request's, one of the tenant's locales.
    language: str | None = None


async def accept_invite(
    cmd: AcceptInvite, tenant_id: UUID, *, uow: IdentityUnitOfWork, ports: IdentityPorts
) -> UUID:
    """Make the invited email an admin of the tenant, creating its account if needed."""
    now = ports.clock.now()
    async with uow:
        invited = await uow.one_time_tokens.get_by_hash(hash_secret(cmd.token))
        known = await uow.accounts.get_by_email(invited.email) if invited else None
    password_hash = None
    if invited is not None and known is None:
        # A new account: checked and hashed before, not inside, the transaction.
        problems = password_problems(cmd.password or "", invited.email)
        try:
            name = clean_display_name(cmd.display_name or "")
        except InvalidInput as exc:
            problems += exc.problems
        if problems:
            raise InvalidInput(problems)
        password_hash = await ports.hasher.hash(cmd.password or "")
    async with uow:
        token = await use_one_time_token(uow, ports, cmd.token, TokenPurpose.ADMIN_INVITE)
        if token.tenant_id != tenant_id:
            raise NotFound("the invitation is for another tenant")
        account = await uow.accounts.get_by_email(token.email)
        if account is None:
            if password_hash is None:
                raise InvalidToken()  # the account it was checked for vanished meanwhile
            account = Account(
                id=ports.ids.new_id(),
                email=token.email,
                display_name=name,
                password_hash=password_hash,
                created_at=now,
                email_verified_at=now,  # the link came through that mailbox
                preferred_language=cmd.language,
            )
            await uow.accounts.add(account)
        else:
            await uow.accounts.update(account.verified(now))
        membership = await uow.memberships.get(account.id)
        if membership is None:
            await uow.memberships.add(Membership(tenant_id, account.id, Role.ADMIN, now))
        elif membership.role is not Role.ADMIN:
            await uow.memberships.update(dataclasses.replace(membership, role=Role.ADMIN))
        if membership is None or membership.role is not Role.ADMIN:
            uow.record(
                MemberRoleChanged(
                    tenant_id=tenant_id,
                    account_id=account.id,
                    role=Role.ADMIN,
                    previous_role=membership.role if membership else None,
                )
            )
        await uow.commit()
    return account.id


async def set_operator(email: str, is_operator: bool, *, uow: IdentityUnitOfWork) -> Account:
    """Grant or take the platform operator role (CLI only; no API reaches this)."""
    async with uow:
        account = await uow.accounts.get_by_email(normalise_email(email))
        if account is None:
            raise NotFound("no account with this email")
        changed = dataclasses.replace(account, is_operator=is_operator)
        await uow.accounts.update(changed)
        await uow.commit()
    return changed

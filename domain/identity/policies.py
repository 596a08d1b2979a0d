"""Who may do what: plain functions every use case calls, REST and GraphQL alike."""

from __future__ import annotations

from domain.identity.errors import (
    AccountRequired,
    NotAMember,
    RoleRequired,
    ScopeRequired,
    Unauthenticated,
)
from domain.identity.model import Anonymous, PartnerKey, Person, Principal, Role, Scope


def require_person(principal: Principal) -> Person:
    """A signed-in account, member of the tenant or not."""
    if isinstance(principal, Anonymous):
        raise Unauthenticated()
    if isinstance(principal, PartnerKey):
        raise AccountRequired()
    return principal


def is_moderator(principal: Principal) -> bool:
    """A signed-in moderator (or admin) of the tenant, or an operator."""
    return isinstance(principal, Person) and (
        principal.is_operator
        or (principal.role is not None and principal.role.includes(Role.MODERATOR))
    )


def require_member(principal: Principal, role: Role = Role.MEMBER) -> Person:
    """A signed-in member of the tenant with at least `role` (operators pass everywhere)."""
    person = require_person(principal)
    if person.is_operator:
        return person
    if person.role is None:
        raise NotAMember()
    if not person.role.includes(role):
        raise RoleRequired(f"needs the {role.value} role")
    return person


def require_scope_or_role(principal: Principal, scope: Scope, role: Role) -> Principal:
    """A partner key with `scope`, or a member with `role`."""
    if isinstance(principal, PartnerKey):
        if scope not in principal.scopes:
            raise ScopeRequired(f"needs the {scope.value} scope")
        return principal
    return require_member(principal, role)

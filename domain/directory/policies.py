"""Who may do what in the directory (REST and GraphQL alike)."""

from __future__ import annotations

from domain.directory.errors import BusinessRoleRequired
from domain.identity.errors import NotAMember, Unauthenticated
from domain.identity.model import (
    Anonymous,
    BusinessRole,
    PartnerKey,
    Person,
    Principal,
    Role,
    Scope,
)
from domain.identity.policies import is_moderator, require_member, require_scope_or_role


def may_see_hidden(principal: Principal, role_on_business: BusinessRole | None) -> bool:
    return is_moderator(principal) or role_on_business is not None


def require_business_editor(principal: Principal, role_on_business: BusinessRole | None) -> None:
    """Owners and staff of the business, the tenant's moderators, or a key that writes
    businesses."""
    if isinstance(principal, PartnerKey):
        require_scope_or_role(principal, Scope.BUSINESSES_WRITE, Role.MODERATOR)
        return
    if isinstance(principal, Anonymous):
        raise Unauthenticated()
    if is_moderator(principal):
        return
    if principal.role is None:
        raise NotAMember()
    if role_on_business is None:
        raise BusinessRoleRequired()


def require_business_owner(principal: Principal, role_on_business: BusinessRole | None) -> Person:
    """Owners manage their team; tenant admins may too."""
    if isinstance(principal, Person) and role_on_business is BusinessRole.OWNER:
        return require_member(principal)
    person = require_member(principal)
    if person.is_operator or (person.role is not None and person.role.includes(Role.ADMIN)):
        return person
    raise BusinessRoleRequired("only the business's owners (or tenant admins) manage its team")


def require_registrant(principal: Principal) -> Principal:
    """Members register their own business; moderators and keys that write businesses list
    businesses without an owner."""
    if isinstance(principal, PartnerKey):
        return require_scope_or_role(principal, Scope.BUSINESSES_WRITE, Role.MEMBER)
    return require_member(principal)

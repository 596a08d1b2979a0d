"""What happens in identity, as recorded in the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.domain_events import DomainEvent
from domain.identity.model import Role


@dataclass(frozen=True, kw_only=True)
class AccountSignedUp(DomainEvent):
    """A new account on a tenant; its email is not proven yet (a verification mail follows)."""

    event_type = "identity.account_signed_up"
    account_id: UUID
    email: str


@dataclass(frozen=True, kw_only=True)
class SignUpWithKnownEmail(DomainEvent):
    """Someone signed up with an email that has an account: its owner is told by mail."""

    event_type = "identity.sign_up_with_known_email"
    email: str


@dataclass(frozen=True, kw_only=True)
class VerificationRequested(DomainEvent):
    """The account asked for a new verification mail."""

    event_type = "identity.verification_requested"
    account_id: UUID
    email: str


@dataclass(frozen=True, kw_only=True)
class PasswordResetRequested(DomainEvent):
    event_type = "identity.password_reset_requested"
    account_id: UUID
    email: str


@dataclass(frozen=True, kw_only=True)
class AdminInvited(DomainEvent):
    """An operator invited an email to administer the tenant."""

    event_type = "identity.admin_invited"
    email: str
    account_id: UUID | None


@dataclass(frozen=True, kw_only=True)
class MemberRoleChanged(DomainEvent):
    event_type = "identity.member_role_changed"
    account_id: UUID
    role: Role
    previous_role: Role | None  # None: the account joined the tenant with this role


@dataclass(frozen=True, kw_only=True)
class MemberRemoved(DomainEvent):
    event_type = "identity.member_removed"
    account_id: UUID

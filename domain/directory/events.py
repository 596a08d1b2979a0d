"""What happens in the directory, as recorded in the outbox. Each carries the ids and the
version a subscriber needs to read the current state; the state itself is read, not copied,
so an event never holds more personal data than its ids."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.domain_events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class BusinessRegistered(DomainEvent):
    event_type = "directory.business_registered"
    business_id: UUID
    external_id: str | None


@dataclass(frozen=True, kw_only=True)
class BusinessEdited(DomainEvent):
    event_type = "directory.business_edited"
    business_id: UUID
    version: int


@dataclass(frozen=True, kw_only=True)
class BusinessDeleted(DomainEvent):
    """With its offers, team and claims; its images' files go through media.deleted."""

    event_type = "directory.business_deleted"
    business_id: UUID
    external_id: str | None


@dataclass(frozen=True, kw_only=True)
class BusinessModerated(DomainEvent):
    event_type = "directory.business_moderated"
    business_id: UUID
    version: int
    verified: bool
    hidden: bool


@dataclass(frozen=True, kw_only=True)
class BusinessClaimFiled(DomainEvent):
    event_type = "directory.business_claim_filed"
    claim_id: UUID
    business_id: UUID


@dataclass(frozen=True, kw_only=True)
class BusinessClaimDecided(DomainEvent):
    event_type = "directory.business_claim_decided"
    claim_id: UUID
    business_id: UUID
    approved: bool


@dataclass(frozen=True, kw_only=True)
class BusinessTeamChanged(DomainEvent):
    """Someone got, changed or lost (role None) a role on a business."""

    event_type = "directory.business_team_changed"
    business_id: UUID
    account_id: UUID
    role: str | None


@dataclass(frozen=True, kw_only=True)
class OfferPublished(DomainEvent):
    event_type = "directory.offer_published"
    offer_id: UUID
    business_id: UUID


@dataclass(frozen=True, kw_only=True)
class OfferChanged(DomainEvent):
    event_type = "directory.offer_changed"
    offer_id: UUID
    business_id: UUID


@dataclass(frozen=True, kw_only=True)
class OfferWithdrawn(DomainEvent):
    event_type = "directory.offer_withdrawn"
    offer_id: UUID
    business_id: UUID

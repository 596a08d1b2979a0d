"""What happens to campaigns and pledges, as recorded in the outbox. Later capabilities (the
change feed, webhooks, live totals, mirroring into a parent) subscribe to these.
Those that change what anyone may see of a campaign (its content, status and totals) name it
as their subject: the change feeds of the tenants that list it read them too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.domain_events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CampaignCreated(DomainEvent):
    event_type = "funding.campaign_created"
    subject_field = "campaign_id"
    campaign_id: UUID


@dataclass(frozen=True, kw_only=True)
class CampaignChanged(DomainEvent):
    """Its content or terms were edited."""

    event_type = "funding.campaign_changed"
    subject_field = "campaign_id"
    campaign_id: UUID


@dataclass(frozen=True, kw_only=True)
class CampaignStatusChanged(DomainEvent):
    """Submitted, approved, sent back, decided, paid out or cancelled."""

    event_type = "funding.campaign_status_changed"
    subject_field = "campaign_id"
    campaign_id: UUID
    old_status: str
    new_status: str


@dataclass(frozen=True, kw_only=True)
class CampaignDeleted(DomainEvent):
    """A partner withdrew its campaign (it had no pledges here): the feed shows a tombstone."""

    event_type = "funding.campaign_deleted"
    subject_field = "campaign_id"
    campaign_id: UUID
    external_id: str | None


@dataclass(frozen=True, kw_only=True)
class PledgeMade(DomainEvent):
    event_type = "funding.pledge_made"
    subject_field = "campaign_id"
    pledge_id: UUID
    campaign_id: UUID


@dataclass(frozen=True, kw_only=True)
class PledgeStatusChanged(DomainEvent):
    """Its payment moved on (secured, captured, failed, released, cancelled); the campaign's
    totals moved with it, in the same transaction."""

    event_type = "funding.pledge_status_changed"
    subject_field = "campaign_id"
    pledge_id: UUID
    campaign_id: UUID
    old_status: str
    new_status: str


@dataclass(frozen=True, kw_only=True)
class CampaignTotalsMoved(DomainEvent):
    """The totals moved while the pledge kept its status (a refund reserved, or given back
    when it failed): the one change of totals no other event tells."""

    event_type = "funding.campaign_totals_moved"
    subject_field = "campaign_id"
    campaign_id: UUID
    pledge_id: UUID
    amount: int  # minor units added (negative: taken off)
    backers: int


@dataclass(frozen=True, kw_only=True)
class PledgeChargeFailed(DomainEvent):
    """A charge after success was declined: the backer is told, and it is tried again until
    `retry_until` (then the pledge fails)."""

    event_type = "funding.pledge_charge_failed"
    pledge_id: UUID
    campaign_id: UUID
    backer_id: UUID
    attempt: int
    retry_until: datetime
    reason: str


@dataclass(frozen=True, kw_only=True)
class PledgeRefunded(DomainEvent):
    event_type = "funding.pledge_refunded"
    subject_field = "campaign_id"
    pledge_id: UUID
    campaign_id: UUID
    refund_id: UUID
    amount: int

"""What happens to campaigns and pledges, as recorded in the outbox. Later capabilities (the
change feed, webhooks, live totals, mirroring into a parent) subscribe to these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.domain_events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CampaignCreated(DomainEvent):
    event_type = "funding.campaign_created"
    campaign_id: UUID


@dataclass(frozen=True, kw_only=True)
class CampaignChanged(DomainEvent):
    """Its content or terms were edited."""

    event_type = "funding.campaign_changed"
    campaign_id: UUID


@dataclass(frozen=True, kw_only=True)
class CampaignStatusChanged(DomainEvent):
    """Submitted, approved, sent back, decided, paid out or cancelled."""

    event_type = "funding.campaign_status_changed"
    campaign_id: UUID
    old_status: str
    new_status: str


@dataclass(frozen=True, kw_only=True)
class PledgeMade(DomainEvent):
    event_type = "funding.pledge_made"
    pledge_id: UUID
    campaign_id: UUID


@dataclass(frozen=True, kw_only=True)
class PledgeStatusChanged(DomainEvent):
    """Its payment moved on (secured, captured, failed, released, cancelled); the campaign's
    totals moved with it, in the same transaction."""

    event_type = "funding.pledge_status_changed"
    pledge_id: UUID
    campaign_id: UUID
    old_status: str
    new_status: str


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
    pledge_id: UUID
    campaign_id: UUID
    refund_id: UUID
    amount: int

"""The public event types of webhooks, and the internal (outbox) events they come from.

Outbox types are the code's own (`funding.pledge_made`) and may change with it; public ones
(`pledge.created`) are a promise to receivers. One row per public type: a new capability
(bookings, posts) adds its rows here and the fan-out, the validation of subscriptions and the
documentation follow. `data` holds the event's ids and plain fields, never personal data: a
receiver that wants more reads the resource through the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.directory import events as directory
from domain.domain_events import DomainEvent
from domain.funding import events as funding


@dataclass(frozen=True)
class PublicEvent:
    name: str  # "<resource>.<what happened>"
    source: type[DomainEvent]
    fields: tuple[str, ...]  # the source's fields that `data` carries
    description: str


PUBLIC_EVENTS: tuple[PublicEvent, ...] = (
    PublicEvent(
        "campaign.created", funding.CampaignCreated, ("campaign_id",), "A campaign was drafted"
    ),
    PublicEvent(
        "campaign.updated",
        funding.CampaignChanged,
        ("campaign_id",),
        "A campaign's content or terms changed",
    ),
    PublicEvent(
        "campaign.status_changed",
        funding.CampaignStatusChanged,
        ("campaign_id", "old_status", "new_status"),
        "A campaign was submitted, approved, decided, paid out or cancelled",
    ),
    PublicEvent(
        "campaign.deleted",
        funding.CampaignDeleted,
        ("campaign_id", "external_id"),
        "A partner withdrew its campaign",
    ),
    PublicEvent(
        "campaign.totals_changed",
        funding.CampaignTotalsMoved,
        ("campaign_id", "pledge_id", "amount", "backers"),
        "A campaign's totals moved without a pledge changing status (a refund reserved or "
        "given back)",
    ),
    PublicEvent(
        "pledge.created",
        funding.PledgeMade,
        ("pledge_id", "campaign_id"),
        "A pledge was made",
    ),
    PublicEvent(
        "pledge.status_changed",
        funding.PledgeStatusChanged,
        ("pledge_id", "campaign_id", "old_status", "new_status"),
        "A pledge's payment moved on (secured, captured, failed, released, cancelled)",
    ),
    PublicEvent(
        "pledge.refunded",
        funding.PledgeRefunded,
        ("pledge_id", "campaign_id", "refund_id", "amount"),
        "Part or all of a pledge was refunded (amount in minor units)",
    ),
    PublicEvent(
        "business.created",
        directory.BusinessRegistered,
        ("business_id", "external_id"),
        "A business was registered",
    ),
    PublicEvent(
        "business.updated",
        directory.BusinessEdited,
        ("business_id", "version"),
        "A business's profile changed",
    ),
    PublicEvent(
        "business.deleted",
        directory.BusinessDeleted,
        ("business_id", "external_id"),
        "A business was removed",
    ),
    PublicEvent(
        "offer.published",
        directory.OfferPublished,
        ("offer_id", "business_id"),
        "A business published an offer",
    ),
    PublicEvent(
        "offer.updated", directory.OfferChanged, ("offer_id", "business_id"), "An offer changed"
    ),
    PublicEvent(
        "offer.withdrawn",
        directory.OfferWithdrawn,
        ("offer_id", "business_id"),
        "An offer was withdrawn",
    ),
)

PING = "webhook.ping"  # sent by the test endpoint only; no subscription asks for it

_BY_SOURCE: dict[str, PublicEvent] = {e.source.event_type: e for e in PUBLIC_EVENTS}


def public_event_names() -> list[str]:
    return [e.name for e in PUBLIC_EVENTS]


def source_event_types() -> tuple[str, ...]:
    """The outbox types webhooks are made from: what the fan-out handler subscribes to."""
    return tuple(_BY_SOURCE)


def public_event_of(event: DomainEvent) -> PublicEvent | None:
    return _BY_SOURCE.get(event.event_type)


def webhook_payload(public: PublicEvent, event: DomainEvent, at: datetime) -> dict[str, Any]:
    """The body Standard Webhooks describes: `type`, `timestamp` (RFC 3339) and `data`."""
    plain = event.payload()
    return {
        "type": public.name,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "data": {"tenant_id": str(event.tenant_id), **{f: plain[f] for f in public.fields}},
    }

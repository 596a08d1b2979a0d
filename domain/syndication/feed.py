"""The change feed: every create, update and delete of what a tenant syndicates (its
campaigns with their tiers and totals, the campaigns listed in it, its businesses and their
offers), read from the outbox (written in the transaction of each change), in commit order.

An entry names what changed (kind and id) at a position; the API shows each with the item's
current public document, or as a tombstone when the item is gone or no longer public. So a
partner that applies the entries in order, from any cursor, ends with exactly what the
tenant shows, and a cursor it kept resumes where it stopped: the adapter hands out only
changes whose transaction has ended, so one that commits late never lands behind a cursor
already given out (adapters/db/change_feed.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.cursors import feed_cursor, read_feed_cursor
from domain.identity.model import Principal, Role, Scope
from domain.identity.policies import require_scope_or_role

MAX_PAGE = 500


@dataclass(frozen=True)
class FeedKind:
    """What an outbox event is about, in the feed: the item's kind and the payload field that
    holds its id."""

    kind: str
    id_field: str


CAMPAIGN = FeedKind("campaign", "campaign_id")
BUSINESS = FeedKind("business", "business_id")
OFFER = FeedKind("offer", "offer_id")

# Internal event type -> what it changed. Capabilities to come (events, posts) add theirs.
SYNDICATED: dict[str, FeedKind] = {
    "funding.campaign_created": CAMPAIGN,
    "funding.campaign_changed": CAMPAIGN,  # content, terms, tiers
    "funding.campaign_status_changed": CAMPAIGN,
    "funding.campaign_deleted": CAMPAIGN,
    "funding.pledge_made": CAMPAIGN,  # totals
    "funding.pledge_status_changed": CAMPAIGN,
    "funding.pledge_refunded": CAMPAIGN,
    "funding.campaign_totals_moved": CAMPAIGN,
    "syndication.listing_changed": CAMPAIGN,  # a campaign of another tenant listed here
    "directory.business_registered": BUSINESS,
    "directory.business_edited": BUSINESS,
    "directory.business_moderated": BUSINESS,
    "directory.business_deleted": BUSINESS,
    "directory.offer_published": OFFER,
    "directory.offer_changed": OFFER,
    "directory.offer_withdrawn": OFFER,
}


@dataclass(frozen=True)
class Change:
    """One outbox row as the feed reads it."""

    xact: int
    row_id: int
    event_type: str
    payload: Mapping[str, Any]
    occurred_at: datetime


@dataclass(frozen=True)
class FeedEntry:
    cursor: str
    kind: str
    item_id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class ChangePage:
    entries: list[FeedEntry]
    next_cursor: str | None  # where to go on from; the cursor asked with when nothing came
    has_more: bool


class ChangeReads(Protocol):
    async def changes(
        self, event_types: Sequence[str], after: tuple[int, int] | None, *, limit: int
    ) -> list[Change]:
        """Changes of these types visible to the tenant (its own and those of campaigns
        listed in it), after the position, in commit order, whose transactions have ended."""
        ...


async def read_changes(
    principal: Principal, cursor: str | None, *, limit: int, reads: ChangeReads
) -> ChangePage:
    """Partner keys with `sync:read`, and the tenant's admins."""
    require_scope_or_role(principal, Scope.SYNC_READ, Role.ADMIN)
    after = read_feed_cursor(cursor) if cursor else None
    limit = max(1, min(limit, MAX_PAGE))
    found = await reads.changes(list(SYNDICATED), after, limit=limit + 1)
    entries = []
    for change in found[:limit]:
        kind = SYNDICATED[change.event_type]
        entries.append(
            FeedEntry(
                feed_cursor(change.xact, change.row_id),
                kind.kind,
                UUID(str(change.payload[kind.id_field])),
                change.occurred_at,
            )
        )
    next_cursor = entries[-1].cursor if entries else cursor
    return ChangePage(entries, next_cursor, has_more=len(found) > limit)

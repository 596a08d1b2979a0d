"""The remote parent: a tenant's public campaigns pushed to a parent platform elsewhere
(another Stadtkern, or any platform that speaks the partner API), as partner upserts.

The push reads the tenant's own change feed from a cursor it keeps (no second record of
changes): for each entry about one of the tenant's home campaigns it sends that campaign's
current state (content, terms, status and totals) when it is public, and a delete when it is
no longer public or gone. Entries are pushed in feed order and the cursor moves on after each
answered call, so a push that dies repeats at most one call, and both calls are idempotent on
the parent. Whatever the remote's state, applying the entries in order from any cursor ends
with the parent holding exactly the tenant's public campaigns.

While the remote is down (no answer, 5xx, 408, 409, 429; or it refuses our key or does not
know the tenant: 401, 403, 404, 410; or it redirects) the whole push waits and is tried again
from the same cursor, with exponential backoff and jitter, never giving up. When the remote
refuses one campaign itself (400, 413, 422 and any other 4xx) that campaign is recorded and
logged and the push goes on: it would be refused again each time, and holding up every later
change for it would stop the parent's totals for good. Its next change sends it again.

Not pushed: campaigns of other tenants listed here (their home pushes them, if anyone does),
campaigns that are themselves a partner's (they came from elsewhere: pushing them up again
could loop), drafts and campaigns in review (never public), and businesses and offers (the
partner API takes campaigns)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol
from uuid import UUID

from domain.cursors import feed_cursor, read_feed_cursor
from domain.funding.campaigns import PUBLIC
from domain.funding.model import Campaign, CampaignStatus
from domain.jobs import retry_delay
from domain.ports import Clock
from domain.syndication.feed import CAMPAIGN, SYNDICATED, Change, ChangeReads
from domain.syndication.partner import PartnerCampaign

log = logging.getLogger("stadtkern.remote_parent")

# What moves a campaign: its own events (listings of other tenants' campaigns never do).
PUSHED_EVENT_TYPES = tuple(
    sorted(t for t, kind in SYNDICATED.items() if kind is CAMPAIGN and t.startswith("funding."))
)
PAGE = 100
NEVER_PUBLIC = frozenset({CampaignStatus.DRAFT, CampaignStatus.IN_REVIEW})
MAX_ERROR = 2000


class RemoteUnavailable(Exception):
    """The remote did not take the call (down, overloaded, or it refuses this tenant or key):
    the push stops and is tried again later from the same entry."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after  # seconds, when the remote said (Retry-After)


class RemoteRefused(Exception):
    """The remote refused this one campaign for good (its data): recorded, then passed by."""


class RemoteParent(Protocol):
    """The partner API of the parent platform, as this tenant's partner key reaches it."""

    async def put_campaign(self, campaign: PartnerCampaign) -> None:
        """Create or update the campaign by its external id; same state twice is no change."""
        ...

    async def delete_campaign(self, external_id: str) -> None:
        """Gone afterwards, also when it was not there."""
        ...


class CampaignStates(Protocol):
    async def campaigns_by_ids(self, ids: list[UUID]) -> Mapping[UUID, Campaign]:
        """The current campaigns the tenant shows (its own and those listed in it); a gone
        one is missing."""
        ...


@dataclass(frozen=True)
class PushState:
    tenant_id: UUID
    target: str | None  # the remote the cursor belongs to
    cursor: str | None  # the last feed entry pushed; None: from the beginning
    failures: int = 0  # pushes in a row the remote did not take
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    pushed_at: datetime | None = None  # the last call the remote took
    refusals: int = 0
    last_refusal: str | None = None
    locked_until: datetime | None = None


class PushStates(Protocol):
    """One row per tenant: where its push stands, and who is pushing it now."""

    async def claim(
        self, tenant_id: UUID, worker: str, *, now: datetime, lease: timedelta
    ) -> PushState | None:
        """The tenant's state, now held by `worker` until the lease ends; None when another
        worker holds it or a retry is not due yet. Two workers never hold it at once."""
        ...

    async def advance(
        self,
        tenant_id: UUID,
        worker: str,
        cursor: str,
        *,
        target: str,
        now: datetime,
        lease: timedelta,
        pushed: bool,
        refusal: str | None = None,
    ) -> bool:
        """Move the cursor on and renew the lease; False when the lease was lost (another
        worker took over: this one must stop)."""
        ...

    async def release(
        self,
        tenant_id: UUID,
        worker: str,
        *,
        now: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Let go: after a push the remote took (no error: failures back to 0), or after one
        it did not (the error, failures + 1, not before `retry_at`)."""
        ...

    async def get(self, tenant_id: UUID) -> PushState | None: ...


@dataclass(frozen=True)
class RemoteTarget:
    """Where the tenant's campaigns go and how they are credited there."""

    name: str  # the remote as the state remembers it: a new remote starts from the beginning
    platform: str  # the name the parent credits
    campaign_url: str  # the pledge URL, {id} for the campaign's id


@dataclass(frozen=True)
class PushPorts:
    states: PushStates
    changes: ChangeReads
    campaigns: CampaignStates
    remote: RemoteParent
    clock: Clock
    lease: timedelta = timedelta(seconds=60)
    retry_base: float = 5.0
    retry_cap: float = 600.0
    jitter: Callable[[], float] | None = None  # None: random


@dataclass(frozen=True)
class PushReport:
    claimed: bool = False
    pushed: int = 0  # calls the remote took
    refused: int = 0
    skipped: int = 0  # entries that needed no call
    error: str | None = None  # why the push stopped early (tried again later)
    caught_up: bool = False  # the feed's end was reached


def is_caught_up(cursor: str | None, end: str | None) -> bool:
    """Whether a push at `cursor` has passed the feed position `end` (None: nothing to pass)."""
    if end is None:
        return True
    return cursor is not None and read_feed_cursor(cursor) >= read_feed_cursor(end)


def partner_campaign(campaign: Campaign, target: RemoteTarget) -> PartnerCampaign:
    """A home campaign as the parent's partner API takes it: by our id, with its totals."""
    return PartnerCampaign(
        external_id=str(campaign.id),
        content=campaign.content,
        terms=campaign.terms,
        status=campaign.status,
        totals=campaign.current_totals,
        platform=target.platform,
        pledge_url=target.campaign_url.replace("{id}", str(campaign.id)),
    )


def _is_partner_deletion(change: Change) -> bool:
    """A partner's campaign withdrawn here: it came from elsewhere and was never pushed."""
    return change.event_type == "funding.campaign_deleted" and bool(
        change.payload.get("external_id")
    )


def _latest_per_campaign(changes: list[Change]) -> list[tuple[Change, UUID, bool]]:
    """Each change with its campaign and whether a call is needed for it: only the last
    change of a campaign in the page is (its call sends the current state, which covers
    the earlier ones; the cursor passes those only when that call was answered)."""
    ids = [UUID(str(c.payload[CAMPAIGN.id_field])) for c in changes]
    last = {campaign_id: i for i, campaign_id in enumerate(ids)}
    return [(c, ids[i], last[ids[i]] == i) for i, c in enumerate(changes)]


async def push_to_remote(
    tenant_id: UUID, target: RemoteTarget, *, worker: str, ports: PushPorts, max_calls: int = 500
) -> PushReport:
    """One run of the tenant's push: from its cursor to the feed's end (or `max_calls`
    calls), unless another worker is pushing it or its retry is not due yet."""
    clock = ports.clock
    state = await ports.states.claim(tenant_id, worker, now=clock.now(), lease=ports.lease)
    if state is None:
        return PushReport()
    cursor = state.cursor if state.target == target.name else None  # a new remote: all again
    counts = {"pushed": 0, "refused": 0, "skipped": 0}
    try:
        caught_up = await _push_pages(tenant_id, target, cursor, worker, ports, counts, max_calls)
    except RemoteUnavailable as exc:
        error = str(exc)[:MAX_ERROR] or type(exc).__name__
        failures = state.failures + 1
        if ports.jitter is None:
            delay = retry_delay(failures, base=ports.retry_base, cap=ports.retry_cap)
        else:
            delay = retry_delay(
                failures, base=ports.retry_base, cap=ports.retry_cap, jitter=ports.jitter
            )
        if exc.retry_after is not None:
            delay = max(delay, timedelta(seconds=min(exc.retry_after, ports.retry_cap)))
        retry_at = clock.now() + delay
        log.warning(
            "remote parent did not take the push; trying again later",
            extra={
                "tenant_id": str(tenant_id),
                "failures": failures,
                "error": error,
                "retry_at": retry_at.isoformat(),
            },
        )
        await ports.states.release(
            tenant_id, worker, now=clock.now(), error=error, retry_at=retry_at
        )
        return PushReport(True, **counts, error=error)
    except _LeaseLost:
        return PushReport(True, **counts, error="another worker took the push over")
    except Exception as exc:
        # A fault here (the database, a bug): let go at once, try again at the next run.
        await ports.states.release(
            tenant_id,
            worker,
            now=clock.now(),
            error=f"{type(exc).__name__}: {exc}"[:MAX_ERROR],
            retry_at=clock.now(),
        )
        raise
    await ports.states.release(tenant_id, worker, now=clock.now())
    return PushReport(True, **counts, caught_up=caught_up)


class _LeaseLost(Exception):
    pass


async def _push_pages(
    tenant_id: UUID,
    target: RemoteTarget,
    cursor: str | None,
    worker: str,
    ports: PushPorts,
    counts: dict[str, int],
    max_calls: int,
) -> bool:
    """True when the feed's end was reached."""
    after = read_feed_cursor(cursor) if cursor else None

    async def advance(position: str, *, pushed: bool, refusal: str | None = None) -> None:
        moved = await ports.states.advance(
            tenant_id,
            worker,
            position,
            target=target.name,
            now=ports.clock.now(),
            lease=ports.lease,
            pushed=pushed,
            refusal=refusal,
        )
        if not moved:
            raise _LeaseLost()

    while counts["pushed"] + counts["refused"] < max_calls:
        changes = await ports.changes.changes(list(PUSHED_EVENT_TYPES), after, limit=PAGE)
        if not changes:
            return True
        page = _latest_per_campaign(changes)
        current = await ports.campaigns.campaigns_by_ids(
            list({campaign_id for _, campaign_id, needed in page if needed})
        )
        passed: str | None = None  # entries passed by without a call, not yet recorded
        for change, campaign_id, needed in page:
            position = feed_cursor(change.xact, change.row_id)
            after = (change.xact, change.row_id)
            campaign = current.get(campaign_id)
            call = _call_for(change, campaign, tenant_id) if needed else None
            if call is None:
                counts["skipped"] += 1
                passed = position
                continue
            try:
                if call is _Call.PUT and campaign is not None:
                    await ports.remote.put_campaign(partner_campaign(campaign, target))
                else:
                    await ports.remote.delete_campaign(str(campaign_id))
            except RemoteRefused as exc:
                reason = f"campaign {campaign_id}: {exc}"[:MAX_ERROR]
                log.warning(
                    "remote parent refused a campaign; going on without it",
                    extra={"tenant_id": str(tenant_id), "error": reason},
                )
                counts["refused"] += 1
                await advance(position, pushed=False, refusal=reason)
            else:
                counts["pushed"] += 1
                await advance(position, pushed=True)
            passed = None
            if counts["pushed"] + counts["refused"] >= max_calls:
                return False
        if passed is not None:
            await advance(passed, pushed=False)
        if len(changes) < PAGE:
            return True
    return False


class _Call(Enum):
    PUT = "put"
    DELETE = "delete"


def _call_for(change: Change, campaign: Campaign | None, tenant_id: UUID) -> _Call | None:
    """What to send the remote for a campaign's latest change, if anything."""
    if campaign is None:
        # Gone here (or no longer listed here: then it was never ours, and a delete of an id
        # the remote does not hold changes nothing there).
        return None if _is_partner_deletion(change) else _Call.DELETE
    if campaign.tenant_id != tenant_id or campaign.origin is not None:
        return None
    if campaign.status in PUBLIC:
        return _Call.PUT
    if campaign.status in NEVER_PUBLIC:
        return None
    return _Call.DELETE  # cancelled: it may have been live

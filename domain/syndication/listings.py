"""Mirroring inside one deployment: a campaign whose home is a child tenant is *listed* in its
parent (and further up a chain: a city inside a region inside a country).

A listing is a row (tenant it is listed in, campaign, home tenant, status). It is created by
`reconcile`, which the worker runs after every change of a campaign and `tenants apply` runs
after a change of the tenant tree, and it decides which ancestors should list the campaign:

- only campaigns anyone may see (live, succeeded, failed, paid out) are listed;
- the first ancestor lists it per the home tenant's mirror policy, each further one per the
  policy of the tenant just below it (a region that mirrors nothing stops the chain there);
- `auto` lists it at once, `approval` waits for the listing tenant's moderators.

The listing tenant's moderators approve, hide and show listings again without touching the
campaign; a listing whose campaign is no longer public, or whose chain no longer leads there
(a mirror policy set to `none`, a parent changed), is removed. One campaign, one ledger: a
pledge through any tenant that lists it is made in the home tenant (api: `campaign_home`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from domain.discovery.ports import SearchIndex
from domain.domain_events import DomainEvent
from domain.funding.campaigns import CAMPAIGN, PUBLIC, search_document
from domain.funding.model import Campaign
from domain.funding.ports import CampaignFilter, CampaignSort, FundingReads
from domain.identity.model import Anonymous, Principal, Role
from domain.identity.policies import require_member
from domain.ports import Clock, UnitOfWork
from domain.syndication.errors import ListingMoveNotAllowed, ListingNotFound
from domain.tenancy.model import MirrorPolicy, Tenant

MAX_CHAIN = 16  # tenant files refuse cycles; this bounds a walk over a broken tree anyway


class ListingStatus(StrEnum):
    PENDING = "pending"  # waits for the listing tenant's moderators
    LISTED = "listed"
    HIDDEN = "hidden"  # the listing tenant's moderators took it off; the campaign is untouched


class ListingAction(StrEnum):
    APPROVE = "approve"  # pending -> listed
    HIDE = "hide"  # -> hidden
    SHOW = "show"  # hidden -> listed


_MOVES: dict[ListingAction, tuple[frozenset[ListingStatus], ListingStatus]] = {
    ListingAction.APPROVE: (frozenset({ListingStatus.PENDING}), ListingStatus.LISTED),
    ListingAction.HIDE: (
        frozenset({ListingStatus.PENDING, ListingStatus.LISTED}),
        ListingStatus.HIDDEN,
    ),
    ListingAction.SHOW: (frozenset({ListingStatus.HIDDEN}), ListingStatus.LISTED),
}


@dataclass(frozen=True)
class Listing:
    tenant_id: UUID  # where it is listed
    campaign_id: UUID
    home_tenant_id: UUID
    status: ListingStatus
    created_at: datetime
    updated_at: datetime
    decided_by: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class ListingChanged(DomainEvent):
    """A campaign of another tenant was listed here, or its listing changed or went away
    (status None): the change feed shows the campaign, or its tombstone."""

    event_type = "syndication.listing_changed"
    subject_field = "campaign_id"
    campaign_id: UUID
    home_tenant_id: UUID
    status: str | None


class ListingRepository(Protocol):
    async def get(self, campaign_id: UUID) -> Listing | None: ...

    async def put(self, listing: Listing) -> None:
        """Insert or replace (by tenant and campaign)."""
        ...

    async def remove(self, campaign_id: UUID) -> bool: ...

    async def in_status(
        self, statuses: Sequence[ListingStatus], *, limit: int, after: UUID | None
    ) -> list[Listing]:
        """This tenant's listings in these statuses, by campaign id."""
        ...

    async def home_of(self, campaign_id: UUID) -> UUID | None:
        """The home tenant of a campaign listed (status listed) here."""
        ...

    async def places_of(self, campaign_id: UUID) -> list[UUID]:
        """Asked in the home tenant's transaction: the tenants its campaign is listed in,
        in any status."""
        ...


class SyndicationUnitOfWork(UnitOfWork, Protocol):
    """One transaction of the tenant the listings are in."""

    tenant_id: UUID
    locales: tuple[str, ...]
    listings: ListingRepository
    search: SearchIndex  # a listed campaign is found by search in the listing tenant too


class ListingUnitsOfWork(Protocol):
    def __call__(self, tenant: Tenant) -> SyndicationUnitOfWork: ...


def listing_tenants(
    home: Tenant, tenants: Mapping[str, Tenant]
) -> list[tuple[Tenant, MirrorPolicy]]:
    """The ancestors that should list the home tenant's public campaigns, nearest first, each
    with the policy it lists them by (that of the tenant below it): the chain ends at the
    first tenant that mirrors nothing."""
    found: list[tuple[Tenant, MirrorPolicy]] = []
    for parent, policy in _chain(home, tenants):
        if policy is MirrorPolicy.NONE:
            break
        found.append((parent, policy))
    return found


def descendants(tenant: Tenant, tenants: Mapping[str, Tenant]) -> list[Tenant]:
    """The tenants whose campaigns may be listed in `tenant` (children, their children...)."""
    return [
        t
        for t in tenants.values()
        if t.slug != tenant.slug and any(a.slug == tenant.slug for a, _ in _chain(t, tenants))
    ]


def ancestors(home: Tenant, tenants: Mapping[str, Tenant]) -> list[Tenant]:
    """The parent, its parent... nearest first."""
    return [t for t, _ in _chain(home, tenants)]


def _chain(home: Tenant, tenants: Mapping[str, Tenant]) -> list[tuple[Tenant, MirrorPolicy]]:
    """Every ancestor, whatever the policies (who might list the home's campaigns)."""
    found: list[tuple[Tenant, MirrorPolicy]] = []
    seen = {home.slug}
    below = home
    while below.config.parent and len(found) < MAX_CHAIN:
        parent = tenants.get(below.config.parent)
        if parent is None or parent.slug in seen:
            break
        found.append((parent, below.config.mirror_policy))
        seen.add(parent.slug)
        below = parent
    return found


@dataclass(frozen=True)
class Reconciled:
    listed: int = 0  # listings created or kept
    removed: int = 0


async def reconcile(
    campaign_id: UUID,
    campaign: Campaign | None,
    home: Tenant,
    tenants: Mapping[str, Tenant],
    *,
    units: ListingUnitsOfWork,
    clock: Clock,
) -> Reconciled:
    """Bring the listings of one campaign (None: it is gone) in line with the tenant tree:
    create the missing ones, remove those that should not be, and refresh the listing
    tenants' search documents. Safe to run again (the worker retries it)."""
    wanted = (
        {t.id: (t, policy) for t, policy in listing_tenants(home, tenants)}
        if campaign is not None and campaign.status in PUBLIC
        else {}
    )
    listed = removed = 0
    targets = [ancestor for ancestor, _ in _chain(home, tenants)]
    async with units(home) as uow:
        # Listed where the tree no longer leads (a parent changed): those go too.
        places = set(await uow.listings.places_of(campaign_id))
    by_id = {t.id: t for t in tenants.values()}
    targets += [by_id[i] for i in places if i in by_id and i not in {t.id for t in targets}]
    for ancestor in targets:
        async with units(ancestor) as uow:
            existing = await uow.listings.get(campaign_id)
            if ancestor.id not in wanted:
                # A deleted campaign's listings went with it (a foreign key): its tombstone
                # is recorded all the same.
                if existing is not None or campaign is None:
                    await uow.listings.remove(campaign_id)
                    await uow.search.remove(CAMPAIGN, campaign_id)
                    uow.record(_changed(uow.tenant_id, campaign_id, home.id, None))
                    removed += 1
                    await uow.commit()
                continue
            assert campaign is not None
            _, policy = wanted[ancestor.id]
            now = clock.now()
            if existing is None:
                status = (
                    ListingStatus.LISTED if policy is MirrorPolicy.AUTO else ListingStatus.PENDING
                )
                existing = Listing(ancestor.id, campaign_id, home.id, status, now, now)
                await uow.listings.put(existing)
                uow.record(_changed(uow.tenant_id, campaign_id, home.id, status))
            elif existing.status is ListingStatus.PENDING and policy is MirrorPolicy.AUTO:
                # The policy became `auto`: what waited for approval is listed now.
                existing = replace(existing, status=ListingStatus.LISTED, updated_at=now)
                await uow.listings.put(existing)
                uow.record(_changed(uow.tenant_id, campaign_id, home.id, existing.status))
            if existing.status is ListingStatus.LISTED:
                await uow.search.put(search_document(campaign, uow.locales))
            listed += 1
            await uow.commit()
    return Reconciled(listed, removed)


class CampaignsAtHome(Protocol):
    """A campaign read at its home tenant (for the listing tenant's search document)."""

    async def __call__(self, home_tenant_id: UUID, campaign_id: UUID) -> Campaign | None: ...


async def reconcile_campaigns(
    campaign_ids: Sequence[UUID],
    home: Tenant,
    tenants: Mapping[str, Tenant],
    *,
    reads: FundingReads,
    units: ListingUnitsOfWork,
    clock: Clock,
) -> int:
    """`reconcile` for these campaigns of `home` (`reads`: the home's); the number of
    listings created or kept."""
    found = await reads.campaigns_by_ids(campaign_ids)
    listed = 0
    for campaign_id in campaign_ids:
        campaign = found.get(campaign_id)
        own = campaign if campaign is not None and campaign.tenant_id == home.id else None
        done = await reconcile(campaign_id, own, home, tenants, units=units, clock=clock)
        listed += done.listed
    return listed


async def reconcile_home(
    home: Tenant,
    tenants: Mapping[str, Tenant],
    *,
    reads: FundingReads,
    units: ListingUnitsOfWork,
    clock: Clock,
) -> int:
    """Every public campaign of `home`, after a change of the tenant tree (`tenants apply`);
    listings of campaigns no longer public went when their status changed."""
    listed, cursor = 0, None
    while True:
        page = await reads.list_campaigns(
            CampaignFilter(), CampaignSort.NEWEST, limit=100, cursor=cursor
        )
        ids = [c.id for c in page.items if c.tenant_id == home.id]
        listed += await reconcile_campaigns(
            ids, home, tenants, reads=reads, units=units, clock=clock
        )
        if page.next_cursor is None:
            return listed
        cursor = page.next_cursor


def as_seen_at_home(principal: Principal, here: UUID, home: UUID) -> Principal:
    """Who reads a campaign at its home: the caller, on the campaign's own tenant; through a
    tenant that lists it, anyone (a role there is no role at the home)."""
    return principal if here == home else Anonymous(home)


async def moderate(
    campaign_id: UUID,
    action: ListingAction,
    principal: Principal,
    *,
    uow: SyndicationUnitOfWork,
    campaigns: CampaignsAtHome,
    clock: Clock,
) -> Listing:
    """The listing tenant's moderators approve, hide or show a listing; the campaign is not
    touched (only read at its home, for the search document of a listing that shows)."""
    person = require_member(principal, Role.MODERATOR)
    allowed, target = _MOVES[action]
    async with uow:
        listing = await uow.listings.get(campaign_id)
        if listing is None:
            raise ListingNotFound()
        if listing.status not in allowed:
            raise ListingMoveNotAllowed(f"a {listing.status.value} listing cannot {action.value}")
        moved = replace(
            listing, status=target, updated_at=clock.now(), decided_by=person.account_id
        )
        await uow.listings.put(moved)
        campaign = None
        if target is ListingStatus.LISTED:
            campaign = await campaigns(listing.home_tenant_id, campaign_id)
        if campaign is not None:
            await uow.search.put(search_document(campaign, uow.locales))
        else:
            await uow.search.remove(CAMPAIGN, campaign_id)
        uow.record(_changed(uow.tenant_id, campaign_id, listing.home_tenant_id, target))
        await uow.commit()
    return moved


async def listings_to_decide(
    principal: Principal,
    statuses: Sequence[ListingStatus],
    *,
    uow: SyndicationUnitOfWork,
    limit: int,
    after: UUID | None,
) -> list[Listing]:
    require_member(principal, Role.MODERATOR)
    async with uow:
        return await uow.listings.in_status(
            statuses or tuple(ListingStatus), limit=limit, after=after
        )


def _changed(
    tenant_id: UUID, campaign_id: UUID, home_id: UUID, status: ListingStatus | None
) -> ListingChanged:
    return ListingChanged(
        tenant_id=tenant_id,
        campaign_id=campaign_id,
        home_tenant_id=home_id,
        status=status.value if status else None,
    )

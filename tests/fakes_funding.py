"""In-memory fakes of funding's write ports, for unit tests of its use cases (no I/O). Like a
transaction, a unit of work's writes reach the store only on commit; the store holds the
rows of every tenant, each repository sees its own tenant's only (as SQL with its filters)."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Self

from domain.cursors import instant_id_cursor, read_instant_id_cursor
from domain.discovery.model import SearchDocument
from domain.funding.errors import IdempotencyKeyTaken, PaymentReferenceTaken
from domain.funding.model import (
    Campaign,
    CampaignStatus,
    FundingModel,
    Money,
    Pledge,
    PledgeStatus,
    Refund,
    RefundStatus,
    RewardTier,
    Totals,
)
from domain.funding.ports import SettlementItem, StoredRequest
from domain.funding.settlement import needs_step
from domain.media.model import Media
from tests.fakes_media import FakeMediaRepository

UUID = uuid.UUID


@dataclass
class FakeFundingStore:
    campaigns: dict[UUID, Campaign] = field(default_factory=dict)  # totals kept apart
    totals: dict[UUID, tuple[int, int]] = field(default_factory=dict)  # pledged, backers
    tiers: dict[UUID, tuple[UUID, RewardTier]] = field(default_factory=dict)  # tenant, tier
    pledges: dict[UUID, tuple[UUID, Pledge]] = field(default_factory=dict)
    leases: dict[UUID, datetime] = field(default_factory=dict)
    refunds: dict[UUID, tuple[UUID, Refund]] = field(default_factory=dict)
    keys: dict[tuple[UUID, str, str], StoredRequest] = field(default_factory=dict)
    payment_events: set[tuple[UUID, str, str]] = field(default_factory=set)
    search: dict[tuple[UUID, str, UUID], SearchDocument] = field(default_factory=dict)
    media: dict[UUID, Media] = field(default_factory=dict)
    outbox: list = field(default_factory=list)

    def copy(self) -> FakeFundingStore:
        return FakeFundingStore(
            **{
                name: copy.copy(rows) if not isinstance(rows, list) else rows
                for name, rows in vars(self).items()
            }
        )


class FakeFundingUnitOfWork:
    def __init__(
        self,
        store: FakeFundingStore,
        tenant_id: UUID,
        locales: tuple[str, ...] = ("de", "en"),
        directory: FakeDirectory | None = None,
    ) -> None:
        self.directory = directory or FakeDirectory()
        self.store = store
        self.tenant_id = tenant_id
        self.locales = locales
        self.commits = 0
        self.recorded: list = []
        self.fail_commit: Exception | None = None  # raised by the next commit (a crash)

    def record(self, event) -> None:  # type: ignore[no-untyped-def]
        assert event.tenant_id == self.tenant_id, "an event of another tenant"
        self.recorded.append(event)

    async def __aenter__(self) -> Self:
        self.recorded = []
        self.working = w = self.store.copy()
        tenant = self.tenant_id
        self.campaigns = FakeCampaigns(w, tenant)
        self.tiers = FakeTiers(w, tenant)
        self.pledges = FakePledges(w, tenant)
        self.refunds = FakeRefunds(w, tenant)
        self.idempotency = FakeIdempotencyKeys(w, tenant)
        self.payment_events = FakePaymentEventLog(w, tenant)
        self.search = FakeSearch(w, tenant)
        self.media = FakeMediaRepository(w.media, tenant)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.working = None  # type: ignore[assignment]

    async def commit(self) -> None:
        if self.fail_commit is not None:
            error, self.fail_commit = self.fail_commit, None
            raise error
        for name, rows in vars(self.working).items():
            if name != "outbox":
                setattr(self.store, name, rows)
        self.store.outbox.extend(self.recorded)
        self.recorded = []
        self.commits += 1

    async def rollback(self) -> None:
        await self.__aenter__()


class _Tenanted:
    def __init__(self, store: FakeFundingStore, tenant_id: UUID) -> None:
        self.store = store
        self.tenant_id = tenant_id


class FakeCampaigns(_Tenanted):
    def _with_totals(self, campaign: Campaign) -> Campaign:
        pledged, backers = self.store.totals.get(campaign.id, (0, 0))
        return replace(campaign, totals=Totals(Money(pledged, campaign.currency), backers))

    def _partner_totals(self, campaign: Campaign) -> None:
        """A partner's campaign has the partner's totals (ours move with pledges only)."""
        if campaign.origin is not None:
            totals = campaign.current_totals
            self.store.totals[campaign.id] = (totals.pledged.amount, totals.backers)

    async def add(self, campaign: Campaign) -> None:
        assert campaign.id not in self.store.campaigns
        self.store.campaigns[campaign.id] = replace(campaign, totals=None)
        self.store.totals[campaign.id] = (0, 0)
        self._partner_totals(campaign)

    async def remove(self, campaign_id: UUID) -> bool:
        found = self.store.campaigns.get(campaign_id)
        if found is None or found.tenant_id != self.tenant_id:
            return False
        del self.store.campaigns[campaign_id]
        self.store.totals.pop(campaign_id, None)
        return True

    async def by_external_id(self, external_id: str) -> Campaign | None:
        for found in self.store.campaigns.values():
            if (
                found.tenant_id == self.tenant_id
                and found.origin
                and (found.origin.external_id == external_id)
            ):
                return self._with_totals(found)
        return None

    async def get(self, campaign_id: UUID, *, for_update: bool = False) -> Campaign | None:
        found = self.store.campaigns.get(campaign_id)
        if found is None or found.tenant_id != self.tenant_id:
            return None
        return self._with_totals(found)

    async def update(self, campaign: Campaign, *, expected_version: int) -> bool:
        found = self.store.campaigns.get(campaign.id)
        if found is None or found.tenant_id != self.tenant_id:
            return False
        if found.version != expected_version:
            return False
        self.store.campaigns[campaign.id] = replace(
            campaign, totals=None, first_pledge_at=found.first_pledge_at
        )
        self._partner_totals(campaign)
        return True

    async def open_for_pledge(self, campaign_id: UUID, now: datetime) -> bool:
        found = self.store.campaigns.get(campaign_id)
        if found is None or found.tenant_id != self.tenant_id or not found.takes_pledges(now):
            return False
        if found.first_pledge_at is None:
            found = replace(found, first_pledge_at=now, version=found.version + 1)
            self.store.campaigns[campaign_id] = found
        return True

    async def add_to_totals(self, campaign_id: UUID, amount: int, backers: int) -> None:
        found = self.store.campaigns.get(campaign_id)
        if found is None or found.tenant_id != self.tenant_id:
            return
        pledged, count = self.store.totals[campaign_id]
        self.store.totals[campaign_id] = (pledged + amount, count + backers)

    async def due_for_decision(self, now: datetime, *, limit: int) -> list[Campaign]:
        due = [
            c
            for c in self.store.campaigns.values()
            if c.tenant_id == self.tenant_id
            and c.status is CampaignStatus.LIVE
            and c.terms.ends_at <= now
            and c.origin is None
        ]
        due.sort(key=lambda c: (c.terms.ends_at, c.id))
        return [self._with_totals(c) for c in due[:limit]]


class FakeTiers(_Tenanted):
    def _mine(self, tier_id: UUID) -> RewardTier | None:
        found = self.store.tiers.get(tier_id)
        return found[1] if found and found[0] == self.tenant_id else None

    async def add(self, tier: RewardTier) -> None:
        self.store.tiers[tier.id] = (self.tenant_id, tier)

    async def get(self, tier_id: UUID) -> RewardTier | None:
        return self._mine(tier_id)

    async def of_campaign(self, campaign_id: UUID) -> list[RewardTier]:
        found = [
            t
            for tenant, t in self.store.tiers.values()
            if tenant == self.tenant_id and t.campaign_id == campaign_id
        ]
        return sorted(found, key=lambda t: (t.minimum.amount, t.id))

    async def update(self, tier: RewardTier, *, only_unclaimed: bool = False) -> bool:
        found = self._mine(tier.id)
        if found is None or (only_unclaimed and found.claimed):
            return False
        self.store.tiers[tier.id] = (self.tenant_id, replace(tier, claimed=found.claimed))
        return True

    async def remove(self, tier_id: UUID) -> bool:
        found = self._mine(tier_id)
        if found is None or found.claimed:
            return False
        del self.store.tiers[tier_id]
        return True

    async def claim(self, tier_id: UUID, campaign_id: UUID) -> bool:
        found = self._mine(tier_id)
        if found is None or found.campaign_id != campaign_id:
            return False
        if found.quantity is not None and found.claimed + 1 > found.quantity:
            return False
        self.store.tiers[tier_id] = (self.tenant_id, replace(found, claimed=found.claimed + 1))
        return True

    async def release(self, tier_id: UUID) -> None:
        found = self._mine(tier_id)
        if found is not None and found.claimed > 0:
            self.store.tiers[tier_id] = (self.tenant_id, replace(found, claimed=found.claimed - 1))


def _page(pledges: list[Pledge], limit: int, cursor: str | None) -> tuple[list[Pledge], str | None]:
    ordered = sorted(pledges, key=lambda p: (p.created_at, p.id), reverse=True)
    if cursor is not None:
        at, after = read_instant_id_cursor(cursor)
        ordered = [p for p in ordered if (p.created_at, p.id) < (at, after)]
    items = ordered[:limit]
    more = len(ordered) > limit
    return items, instant_id_cursor(items[-1].created_at, items[-1].id) if more else None


class FakePledges(_Tenanted):
    def _mine(self, pledge_id: UUID) -> Pledge | None:
        found = self.store.pledges.get(pledge_id)
        return found[1] if found and found[0] == self.tenant_id else None

    def _all(self) -> list[Pledge]:
        return [p for tenant, p in self.store.pledges.values() if tenant == self.tenant_id]

    async def add(self, pledge: Pledge) -> None:
        if pledge.payment_reference and any(
            p.provider == pledge.provider and p.payment_reference == pledge.payment_reference
            for _, p in self.store.pledges.values()
        ):
            raise PaymentReferenceTaken()
        self.store.pledges[pledge.id] = (self.tenant_id, pledge)

    async def get(self, pledge_id: UUID) -> Pledge | None:
        return self._mine(pledge_id)

    async def by_reference(self, provider: str, reference: str) -> Pledge | None:
        for p in self._all():
            if (
                p.provider == provider
                and reference
                and reference
                in (
                    p.payment_reference,
                    p.charge_ref,
                )
            ):
                return p
        return None

    async def replace(self, pledge: Pledge, *, expected_version: int) -> bool:
        found = self._mine(pledge.id)
        if found is None or found.version != expected_version:
            return False
        if pledge.payment_reference and any(
            p.id != pledge.id
            and p.provider == pledge.provider
            and p.payment_reference == pledge.payment_reference
            for _, p in self.store.pledges.values()
        ):
            raise PaymentReferenceTaken()
        self.store.pledges[pledge.id] = (self.tenant_id, pledge)
        self.store.leases.pop(pledge.id, None)  # the new state ends the step's lease
        return True

    async def of_campaign(
        self, campaign_id: UUID, *, counted_only: bool, limit: int, cursor: str | None
    ) -> tuple[list[Pledge], str | None]:
        counted = (PledgeStatus.SECURED, PledgeStatus.CAPTURED)
        found = [
            p
            for p in self._all()
            if p.campaign_id == campaign_id and (not counted_only or p.status in counted)
        ]
        return _page(found, limit, cursor)

    async def of_backer(
        self, backer_id: UUID, *, limit: int, cursor: str | None
    ) -> tuple[list[Pledge], str | None]:
        return _page([p for p in self._all() if p.backer_id == backer_id], limit, cursor)

    async def due_for_settlement(self, now: datetime, *, limit: int) -> list[SettlementItem]:
        due = []
        for pledge in self._all():
            lease = self.store.leases.get(pledge.id)
            if lease is not None and lease > now:
                continue
            campaign = self.store.campaigns[pledge.campaign_id]
            keep_it_all = campaign.terms.funding_model is FundingModel.KEEP_IT_ALL
            item = SettlementItem(pledge, campaign.status, keep_it_all)
            if needs_step(item, now):
                due.append(item)
        due.sort(key=lambda item: (item.pledge.created_at, item.pledge.id))
        return due[:limit]

    async def lease(self, pledge_id: UUID, *, version: int, until: datetime, now: datetime) -> bool:
        found = self._mine(pledge_id)
        if found is None or found.version != version:
            return False
        current = self.store.leases.get(pledge_id)
        if current is not None and current > now:
            return False
        self.store.leases[pledge_id] = until
        return True


class FakeRefunds(_Tenanted):
    def _mine(self, refund_id: UUID) -> Refund | None:
        found = self.store.refunds.get(refund_id)
        return found[1] if found and found[0] == self.tenant_id else None

    async def add(self, refund: Refund) -> None:
        self.store.refunds[refund.id] = (self.tenant_id, refund)

    async def get(self, refund_id: UUID) -> Refund | None:
        return self._mine(refund_id)

    async def of_pledge(self, pledge_id: UUID) -> list[Refund]:
        found = [
            r
            for tenant, r in self.store.refunds.values()
            if tenant == self.tenant_id and r.pledge_id == pledge_id
        ]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    async def set_status(
        self,
        refund_id: UUID,
        status: RefundStatus,
        *,
        provider_ref: str = "",
        from_status: RefundStatus = RefundStatus.PENDING,
    ) -> bool:
        found = self._mine(refund_id)
        if found is None or found.status is not from_status:
            return False
        changed = replace(found, status=status, provider_ref=provider_ref or found.provider_ref)
        self.store.refunds[refund_id] = (self.tenant_id, changed)
        return True

    async def in_status(self, status: RefundStatus, *, limit: int) -> list[Refund]:
        found = [
            r
            for tenant, r in self.store.refunds.values()
            if tenant == self.tenant_id and r.status is status
        ]
        return sorted(found, key=lambda r: (r.created_at, r.id))[:limit]

    async def pending(self, older_than: datetime, *, limit: int) -> list[Refund]:
        found = [
            r
            for tenant, r in self.store.refunds.values()
            if tenant == self.tenant_id
            and r.status is RefundStatus.PENDING
            and r.created_at < older_than
        ]
        return sorted(found, key=lambda r: (r.created_at, r.id))[:limit]


class FakeIdempotencyKeys(_Tenanted):
    async def get(self, scope: str, key: str) -> StoredRequest | None:
        return self.store.keys.get((self.tenant_id, scope, key))

    async def add(self, scope: str, key: str, request: StoredRequest, at: datetime) -> None:
        if (self.tenant_id, scope, key) in self.store.keys:
            raise IdempotencyKeyTaken()
        self.store.keys[(self.tenant_id, scope, key)] = request


class FakePaymentEventLog(_Tenanted):
    async def first_time(self, provider: str, event_id: str, at: datetime) -> bool:
        seen = (self.tenant_id, provider, event_id)
        if seen in self.store.payment_events:
            return False
        self.store.payment_events.add(seen)
        return True


class FakeSearch(_Tenanted):
    async def put(self, document: SearchDocument) -> None:
        self.store.search[(self.tenant_id, document.kind, document.item_id)] = document

    async def put_many(self, documents) -> None:  # type: ignore[no-untyped-def]
        for document in documents:
            await self.put(document)

    async def remove(self, kind: str, item_id: UUID) -> None:
        self.store.search.pop((self.tenant_id, kind, item_id), None)


@dataclass
class FakeDirectory:
    """The directory as funding reads it: categories and business teams of one tenant."""

    categories: set[UUID] = field(default_factory=set)
    teams: dict[UUID, dict[UUID, str]] = field(default_factory=dict)  # business -> account -> role
    revoked_keys: set[UUID] = field(default_factory=set)  # every other key is active

    async def partner_key_active(self, key_id: UUID) -> bool:
        return key_id not in self.revoked_keys

    async def category_exists(self, category_id: UUID) -> bool:
        return category_id in self.categories

    async def business_team_role(self, business_id: UUID, account_id: UUID) -> str | None:
        team = self.teams.get(business_id)
        return None if team is None else team.get(account_id, "")

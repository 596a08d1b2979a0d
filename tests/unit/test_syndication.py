"""Syndication's rules without I/O: which ancestors list a campaign (per each mirror policy,
never round a cycle), how listings follow a campaign and the tenant tree, what the listing
tenant's moderators may do, the change feed's access and paging, and partner upserts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.errors import InvalidInput
from domain.funding import pledges
from domain.funding.campaigns import CAMPAIGN
from domain.funding.errors import CampaignNotFound, PledgesElsewhere
from domain.funding.events import CampaignChanged, CampaignCreated, CampaignDeleted
from domain.funding.model import (
    CampaignContent,
    CampaignStatus,
    CampaignTerms,
    FundingModel,
    Totals,
)
from domain.identity.errors import (
    ApiKeyRequired,
    NotAMember,
    RoleRequired,
    ScopeRequired,
    Unauthenticated,
)
from domain.identity.model import Anonymous, PartnerKey, Role, Scope
from domain.languages import LocalizedText
from domain.syndication import feed, listings, partner
from domain.syndication.errors import ListingMoveNotAllowed, ListingNotFound
from domain.syndication.listings import ListingAction, ListingChanged, ListingStatus
from domain.tenancy.model import MirrorPolicy
from tests.contracts.funding_entities import campaign
from tests.factories import campaign_tenant
from tests.fakes import FixedClock, SequentialIds, stored
from tests.fakes_funding import FakeCampaigns, FakeFundingStore, FakeFundingUnitOfWork
from tests.fakes_syndication import (
    FakeChangeReads,
    FakeSyndicationStore,
    FakeSyndicationUnitOfWork,
)
from tests.unit.funding_setup import START, Gateways, bank_gateway, eur, person

CLOCK = FixedClock(START)


def tree(**policies: MirrorPolicy) -> dict:
    """country <- region <- city, each mirroring per `policies` (default auto)."""
    made = {}
    parents = {"country": None, "region": "country", "city": "region"}
    for number, (slug, parent) in enumerate(parents.items(), start=1):
        config = campaign_tenant(
            slug, parent=parent, mirror_policy=policies.get(slug, MirrorPolicy.AUTO)
        )
        made[slug] = stored(config, number=number)
    return made


def a_campaign(home, status=CampaignStatus.LIVE):  # type: ignore[no-untyped-def]
    return campaign(home.id, status=status)


def at_home(*known):  # type: ignore[no-untyped-def]
    """The lookup of campaigns at their homes, over these."""

    async def find(home_tenant_id, campaign_id):  # type: ignore[no-untyped-def]
        return next(
            (c for c in known if c.id == campaign_id and c.tenant_id == home_tenant_id), None
        )

    return find


def units(store: FakeSyndicationStore):  # type: ignore[no-untyped-def]
    return lambda tenant: FakeSyndicationUnitOfWork(store, tenant)


def statuses(store: FakeSyndicationStore, campaign_id) -> dict:  # type: ignore[no-untyped-def]
    return {
        tenant: listing.status
        for (tenant, campaign), listing in store.listings.items()
        if campaign == campaign_id
    }


# The tree ------------------------------------------------------------------------------


def test_each_ancestor_lists_per_the_policy_of_the_tenant_below_it():
    tenants = tree(region=MirrorPolicy.APPROVAL)
    chain = listings.listing_tenants(tenants["city"], tenants)
    assert [(t.slug, p) for t, p in chain] == [
        ("region", MirrorPolicy.AUTO),
        ("country", MirrorPolicy.APPROVAL),
    ]


def test_a_tenant_that_mirrors_nothing_ends_the_chain():
    tenants = tree(region=MirrorPolicy.NONE)
    assert [t.slug for t, _ in listings.listing_tenants(tenants["city"], tenants)] == ["region"]
    tenants = tree(city=MirrorPolicy.NONE)
    assert listings.listing_tenants(tenants["city"], tenants) == []


def test_a_walk_over_a_broken_tree_ends():
    """Tenant files refuse cycles; a tree read mid-change must still not loop."""
    tenants = tree()
    looped = replace(tenants["country"].config, parent="city", mirror_policy=MirrorPolicy.AUTO)
    tenants["country"] = replace(tenants["country"], config=looped)
    assert [t.slug for t, _ in listings.listing_tenants(tenants["city"], tenants)] == [
        "region",
        "country",
    ]
    assert {t.slug for t in listings.descendants(tenants["region"], tenants)} == {
        "city",
        "country",
    }


# Listings follow the campaign and the tree ---------------------------------------------------


async def test_a_live_campaign_is_listed_at_once_or_waits_for_approval():
    tenants = tree(region=MirrorPolicy.APPROVAL)
    store = FakeSyndicationStore()
    made = a_campaign(tenants["city"])
    done = await listings.reconcile(
        made.id, made, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    assert done.listed == 2
    region, country = tenants["region"].id, tenants["country"].id
    assert statuses(store, made.id) == {
        region: ListingStatus.LISTED,
        country: ListingStatus.PENDING,
    }
    assert (region, CAMPAIGN, made.id) in store.search  # found by the region's search
    assert (country, CAMPAIGN, made.id) not in store.search  # not before approval
    assert [(e.tenant_id, e.status) for e in store.outbox] == [
        (region, "listed"),
        (country, "pending"),
    ]
    # Again (the worker retries): nothing new is recorded.
    await listings.reconcile(
        made.id, made, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    assert len(store.outbox) == 2


async def test_drafts_are_not_listed_and_a_campaign_that_leaves_is_unlisted():
    tenants = tree()
    store = FakeSyndicationStore()
    draft = a_campaign(tenants["city"], CampaignStatus.DRAFT)
    await listings.reconcile(
        draft.id, draft, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    assert statuses(store, draft.id) == {} and store.outbox == []
    live = replace(draft, status=CampaignStatus.LIVE)
    await listings.reconcile(
        live.id, live, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    assert len(statuses(store, live.id)) == 2
    cancelled = replace(live, status=CampaignStatus.CANCELLED)
    done = await listings.reconcile(
        live.id, cancelled, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    assert done.removed == 2 and statuses(store, live.id) == {}
    assert not any(key[2] == live.id for key in store.search)
    assert [e.status for e in store.outbox[-2:]] == [None, None]  # tombstones


async def test_a_deleted_campaign_leaves_a_tombstone_in_every_ancestor():
    tenants = tree()
    store = FakeSyndicationStore()
    gone = uuid.uuid4()
    await listings.reconcile(gone, None, tenants["city"], tenants, units=units(store), clock=CLOCK)
    assert {(e.tenant_id, e.status) for e in store.outbox} == {
        (tenants["region"].id, None),
        (tenants["country"].id, None),
    }


async def test_a_changed_tree_moves_the_listings():
    tenants = tree()
    store = FakeSyndicationStore()
    made = a_campaign(tenants["city"])
    await listings.reconcile(
        made.id, made, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    # The city now mirrors into the country directly: the region's listing goes.
    moved = replace(tenants["city"].config, parent="country")
    tenants["city"] = replace(tenants["city"], config=moved)
    await listings.reconcile(
        made.id, made, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    assert statuses(store, made.id) == {tenants["country"].id: ListingStatus.LISTED}
    # The city stops mirroring: every listing goes.
    tenants["city"] = replace(
        tenants["city"], config=replace(moved, mirror_policy=MirrorPolicy.NONE)
    )
    await listings.reconcile(
        made.id, made, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    assert statuses(store, made.id) == {}


async def test_a_hidden_listing_stays_hidden_when_the_campaign_changes():
    tenants = tree()
    store = FakeSyndicationStore()
    made = a_campaign(tenants["city"])
    await listings.reconcile(
        made.id, made, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    moderator = person(Role.MODERATOR, tenant=tenants["region"].id)
    await listings.moderate(
        made.id,
        ListingAction.HIDE,
        moderator,
        campaigns=at_home(made),
        uow=FakeSyndicationUnitOfWork(store, tenants["region"]),
        clock=CLOCK,
    )
    edited = replace(made, version=2)
    await listings.reconcile(
        made.id, edited, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    assert statuses(store, made.id)[tenants["region"].id] is ListingStatus.HIDDEN
    assert (tenants["region"].id, CAMPAIGN, made.id) not in store.search


# The listing tenant's moderators -----------------------------------------------------------


async def test_moderators_approve_hide_and_show_listings_and_nobody_else_does():
    tenants = tree(region=MirrorPolicy.APPROVAL)
    store = FakeSyndicationStore()
    made = a_campaign(tenants["city"])
    await listings.reconcile(
        made.id, made, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    country = tenants["country"]

    async def decide(action, who, campaign_id=made.id):  # type: ignore[no-untyped-def]
        return await listings.moderate(
            campaign_id,
            action,
            who,
            campaigns=at_home(made),
            uow=FakeSyndicationUnitOfWork(store, country),
            clock=CLOCK,
        )

    moderator = person(Role.MODERATOR, tenant=country.id)
    with pytest.raises(RoleRequired):
        await decide(ListingAction.APPROVE, person(Role.MEMBER, tenant=country.id))
    with pytest.raises(NotAMember):
        await decide(ListingAction.APPROVE, person(None, tenant=country.id))
    with pytest.raises(ListingMoveNotAllowed):
        await decide(ListingAction.SHOW, moderator)
    with pytest.raises(ListingNotFound):
        await decide(ListingAction.APPROVE, moderator, uuid.uuid4())
    approved = await decide(ListingAction.APPROVE, moderator)
    assert approved.status is ListingStatus.LISTED and approved.decided_by == moderator.account_id
    assert (country.id, CAMPAIGN, made.id) in store.search
    assert (await decide(ListingAction.HIDE, moderator)).status is ListingStatus.HIDDEN
    assert (country.id, CAMPAIGN, made.id) not in store.search
    assert (await decide(ListingAction.SHOW, moderator)).status is ListingStatus.LISTED
    assert [e.status for e in store.outbox if e.tenant_id == country.id] == [
        "pending",
        "listed",
        "hidden",
        "listed",
    ]
    assert all(isinstance(e, ListingChanged) for e in store.outbox)


# The change feed ------------------------------------------------------------------------


def change(position: int, event_type: str, item: uuid.UUID) -> feed.Change:
    field = feed.SYNDICATED[event_type].id_field
    return feed.Change(7, position, event_type, {field: str(item)}, START)


async def test_the_feed_answers_partner_keys_with_sync_read_and_admins_only():
    reads = FakeChangeReads()
    tenant = uuid.uuid4()
    for who, error in (
        (Anonymous(tenant), Unauthenticated),
        (PartnerKey(tenant, uuid.uuid4(), frozenset({Scope.CAMPAIGNS_WRITE})), ScopeRequired),
        (person(Role.MODERATOR, tenant=tenant), RoleRequired),
    ):
        with pytest.raises(error):
            await feed.read_changes(who, None, limit=10, reads=reads)
    assert reads.asked == []
    key = PartnerKey(tenant, uuid.uuid4(), frozenset({Scope.SYNC_READ}))
    assert (await feed.read_changes(key, None, limit=10, reads=reads)).entries == []
    admin = person(Role.ADMIN, tenant=tenant)
    assert (await feed.read_changes(admin, None, limit=10, reads=reads)).next_cursor is None


async def test_the_feed_pages_by_cursor_and_keeps_the_cursor_while_nothing_changes():
    reads = FakeChangeReads()
    campaign_id, business_id = uuid.uuid4(), uuid.uuid4()
    reads.rows = [
        change(1, "funding.campaign_created", campaign_id),
        change(2, "funding.pledge_made", campaign_id),
        change(3, "directory.business_deleted", business_id),
    ]
    key = PartnerKey(uuid.uuid4(), uuid.uuid4(), frozenset({Scope.SYNC_READ}))
    first = await feed.read_changes(key, None, limit=2, reads=reads)
    assert [(e.kind, e.item_id, e.cursor) for e in first.entries] == [
        ("campaign", campaign_id, "7.1"),
        ("campaign", campaign_id, "7.2"),
    ]
    assert first.has_more and first.next_cursor == "7.2"
    rest = await feed.read_changes(key, first.next_cursor, limit=2, reads=reads)
    assert [(e.kind, e.item_id) for e in rest.entries] == [("business", business_id)]
    assert not rest.has_more
    quiet = await feed.read_changes(key, rest.next_cursor, limit=2, reads=reads)
    assert quiet.entries == [] and quiet.next_cursor == "7.3"
    with pytest.raises(InvalidInput):
        await feed.read_changes(key, "not-a-cursor", limit=2, reads=reads)
    assert set(reads.asked[0][0]) == set(feed.SYNDICATED)  # only syndicated types are read


# Partner upserts ----------------------------------------------------------------------------


PARTNER_TENANT = uuid.UUID(int=0xC)


def partner_key(*scopes: Scope) -> PartnerKey:
    return PartnerKey(PARTNER_TENANT, uuid.UUID(int=0xD), frozenset(scopes))


def partner_campaign(**changes) -> partner.PartnerCampaign:  # type: ignore[no-untyped-def]
    values = {
        "external_id": "startnext:4711",
        "content": CampaignContent(title=LocalizedText.single("de", "Bolzplatz")),
        "terms": CampaignTerms(
            eur(500_000), FundingModel.ALL_OR_NOTHING, START, START + timedelta(days=30)
        ),
        "status": CampaignStatus.LIVE,
        "totals": Totals(eur(0), 0),
        "platform": "Startnext",
        "pledge_url": "https://example.org/4711",
    }
    return partner.PartnerCampaign(**(values | changes))


async def upsert(store, cmd, who=None):  # type: ignore[no-untyped-def]
    return await partner.upsert_partner_campaign(
        cmd,
        who or partner_key(Scope.CAMPAIGNS_WRITE),
        uow=FakeFundingUnitOfWork(store, PARTNER_TENANT),
        clock=CLOCK,
        ids=SequentialIds(),
        currency="EUR",
    )


async def test_a_partner_upsert_creates_then_changes_only_what_changed():
    store = FakeFundingStore()
    created = await upsert(store, partner_campaign())
    assert created.created and created.campaign.origin.pledge_url == "https://example.org/4711"
    assert [type(e) for e in store.outbox] == [CampaignCreated]
    assert (PARTNER_TENANT, CAMPAIGN, created.campaign.id) in store.search
    again = await upsert(store, partner_campaign())
    assert not again.created and not again.changed and len(store.outbox) == 1
    moved = await upsert(store, partner_campaign(totals=Totals(eur(9_900), 3)))
    assert moved.changed and moved.campaign.totals == Totals(eur(9_900), 3)
    assert [type(e) for e in store.outbox] == [CampaignCreated, CampaignChanged]
    ended = await upsert(store, partner_campaign(status=CampaignStatus.SUCCEEDED))
    assert [e.event_type for e in store.outbox[2:]] == [
        "funding.campaign_changed",
        "funding.campaign_status_changed",
    ]
    assert (PARTNER_TENANT, CAMPAIGN, ended.campaign.id) not in store.search


async def test_partner_upserts_take_a_key_with_campaigns_write_and_good_values():
    store = FakeFundingStore()
    with pytest.raises(ApiKeyRequired):
        await upsert(store, partner_campaign(), person(Role.ADMIN, tenant=PARTNER_TENANT))
    with pytest.raises(ScopeRequired):
        await upsert(store, partner_campaign(), partner_key(Scope.SYNC_READ))
    for bad in (
        partner_campaign(status=CampaignStatus.DRAFT),
        partner_campaign(pledge_url="http://example.org/x"),
        partner_campaign(platform=" "),
        partner_campaign(external_id="has space"),
        partner_campaign(totals=Totals(eur(-1), 0)),
    ):
        with pytest.raises(InvalidInput):
            await upsert(store, bad)
    assert store.campaigns == {} and store.outbox == []


async def test_a_partner_campaign_takes_no_pledges_here_and_can_be_withdrawn():
    store = FakeFundingStore()
    made = (await upsert(store, partner_campaign())).campaign
    backer = person(Role.MEMBER, tenant=PARTNER_TENANT)
    with pytest.raises(PledgesElsewhere) as refused:
        await pledges.make_pledge(
            pledges.PledgeInput(made.id, eur(2_500), None, False),
            backer,
            idempotency_key=None,
            uow=FakeFundingUnitOfWork(store, PARTNER_TENANT),
            gateways=Gateways(bank_gateway()),
            clock=CLOCK,
            ids=SequentialIds(),
        )
    assert "https://example.org/4711" in str(refused.value)
    key = partner_key(Scope.CAMPAIGNS_WRITE)
    uow = FakeFundingUnitOfWork(store, PARTNER_TENANT)
    assert await partner.delete_partner_campaign("startnext:4711", key, uow=uow)
    assert not await partner.delete_partner_campaign("startnext:4711", key, uow=uow)
    assert made.id not in store.campaigns
    assert isinstance(store.outbox[-1], CampaignDeleted) and len(store.outbox) == 2


async def test_every_move_of_the_totals_is_told_even_without_a_status_change():
    """A refund reserved keeps the pledge captured: `CampaignTotalsMoved` tells the feed (and
    a remote parent) that the totals moved."""
    from domain.funding.events import CampaignTotalsMoved, PledgeStatusChanged
    from domain.funding.ledger import move_pledge
    from domain.funding.model import PledgeStatus
    from tests.contracts.funding_entities import pledge

    store = FakeFundingStore()
    tenant = uuid.UUID(int=0xE)
    made = replace(campaign(tenant), id=uuid.uuid4())
    paid = pledge(made.id, status=PledgeStatus.CAPTURED, amount=eur(5_000))
    async with FakeFundingUnitOfWork(store, tenant) as uow:
        await uow.campaigns.add(made)
        await uow.pledges.add(paid)
        await uow.campaigns.add_to_totals(made.id, 5_000, 1)
        await uow.commit()
    async with FakeFundingUnitOfWork(store, tenant) as uow:
        assert await move_pledge(uow, paid, paid.refund(eur(2_000)))
        await uow.commit()
    moved = [e for e in store.outbox if isinstance(e, CampaignTotalsMoved)]
    assert [(e.campaign_id, e.amount, e.backers) for e in moved] == [(made.id, -2_000, 0)]
    assert moved[0].subject_id == made.id
    assert store.totals[made.id] == (3_000, 1)
    # A change of status tells it already: no second event.
    store.outbox.clear()
    async with FakeFundingUnitOfWork(store, tenant) as uow:
        released = paid.refund(eur(2_000))  # as stored now
        cancelled = replace(released, status=PledgeStatus.RELEASED, version=released.version)
        assert await move_pledge(uow, released, cancelled)
        await uow.commit()
    assert [type(e) for e in store.outbox] == [PledgeStatusChanged]


@pytest.mark.parametrize("external_id", ["ok\n", "ok\r", " ok", "a" * 201, "", "ä"])
async def test_an_external_id_is_letters_digits_and_a_few_marks_to_its_very_end(external_id):
    with pytest.raises(InvalidInput):
        await upsert(FakeFundingStore(), partner_campaign(external_id=external_id))


@pytest.mark.parametrize("cursor", ["1.2\n", "1.2 ", "-1.2", "1", "1.2.3", "x.y"])
async def test_a_feed_cursor_of_another_shape_is_refused(cursor):
    key = PartnerKey(uuid.uuid4(), uuid.uuid4(), frozenset({Scope.SYNC_READ}))
    with pytest.raises(InvalidInput):
        await feed.read_changes(key, cursor, limit=5, reads=FakeChangeReads())


async def test_a_partner_campaign_is_its_key_s_until_that_key_is_revoked():
    from domain.syndication.errors import PartnerCampaignConflict

    store = FakeFundingStore()
    first = PartnerKey(PARTNER_TENANT, uuid.UUID(int=0x1), frozenset({Scope.CAMPAIGNS_WRITE}))
    other = PartnerKey(PARTNER_TENANT, uuid.UUID(int=0x2), frozenset({Scope.CAMPAIGNS_WRITE}))
    made = (await upsert(store, partner_campaign(), first)).campaign
    hijack = partner_campaign(pledge_url="https://evil.example/pay")
    with pytest.raises(PartnerCampaignConflict):
        await upsert(store, hijack, other)

    def uow(revoked=()):  # type: ignore[no-untyped-def]
        found = FakeFundingUnitOfWork(store, PARTNER_TENANT)
        found.directory.revoked_keys = set(revoked)
        return found

    with pytest.raises(CampaignNotFound):
        await partner.partner_campaign("startnext:4711", other, uow=uow())
    with pytest.raises(PartnerCampaignConflict):
        await partner.delete_partner_campaign("startnext:4711", other, uow=uow())
    assert store.campaigns[made.id].origin.pledge_url == "https://example.org/4711"
    # The first key revoked (the partner rotated it): the campaign passes to the next key.
    taken = await partner.upsert_partner_campaign(
        partner_campaign(),
        other,
        uow=uow({first.key_id}),
        clock=CLOCK,
        ids=SequentialIds(),
        currency="EUR",
    )
    assert taken.campaign.id == made.id and taken.campaign.partner_key_id == other.key_id
    assert await partner.delete_partner_campaign("startnext:4711", other, uow=uow())


async def test_two_first_upserts_of_one_external_id_racing_make_one_campaign():
    """The second's insert breaks the unique key (the fake raises as the database does):
    it becomes an update of the first's campaign."""
    from domain.errors import Conflict

    store = FakeFundingStore()
    racer = FakeFundingUnitOfWork(store, PARTNER_TENANT)
    original_add = FakeCampaigns.add

    async def add_after_the_other(self, campaign):  # type: ignore[no-untyped-def]
        if self.store.campaigns:  # the other upsert committed first
            raise Conflict("the change conflicts with stored data")
        await original_add(self, campaign)

    first = await upsert(store, partner_campaign())
    FakeCampaigns.add = add_after_the_other  # type: ignore[method-assign]
    original_lookup = FakeCampaigns.by_external_id
    calls = []

    async def late_lookup(self, external_id):  # type: ignore[no-untyped-def]
        calls.append(external_id)
        return None if len(calls) == 1 else await original_lookup(self, external_id)

    FakeCampaigns.by_external_id = late_lookup  # type: ignore[method-assign]
    try:
        second = await partner.upsert_partner_campaign(
            partner_campaign(totals=Totals(eur(100), 1)),
            partner_key(Scope.CAMPAIGNS_WRITE),
            uow=racer,
            clock=CLOCK,
            ids=SequentialIds(),
            currency="EUR",
        )
    finally:
        FakeCampaigns.add = original_add  # type: ignore[method-assign]
        FakeCampaigns.by_external_id = original_lookup  # type: ignore[method-assign]
    assert second.campaign.id == first.campaign.id and not second.created
    assert len(store.campaigns) == 1 and store.totals[first.campaign.id] == (100, 1)


async def test_listings_waiting_for_approval_are_listed_when_the_policy_becomes_auto():
    tenants = tree(city=MirrorPolicy.APPROVAL)
    store = FakeSyndicationStore()
    made = a_campaign(tenants["city"])
    await listings.reconcile(
        made.id, made, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    assert statuses(store, made.id)[tenants["region"].id] is ListingStatus.PENDING
    tenants = tree(city=MirrorPolicy.AUTO)
    await listings.reconcile(
        made.id, made, tenants["city"], tenants, units=units(store), clock=CLOCK
    )
    assert statuses(store, made.id)[tenants["region"].id] is ListingStatus.LISTED
    assert (tenants["region"].id, CAMPAIGN, made.id) in store.search


async def test_a_backer_s_pledges_on_several_ledgers_page_as_one_list():
    """A parent's `GET /v1/pledges`: its own ledger and its children's, newest first, every
    pledge once however the pages fall."""
    from tests.contracts.funding_entities import pledge

    store = FakeFundingStore()
    parent, child = uuid.UUID(int=0x50), uuid.UUID(int=0x51)
    backer = person(Role.MEMBER, tenant=parent)
    made = []
    for n, tenant in enumerate((parent, child, child, parent, child, parent, child)):
        at = START + timedelta(minutes=n % 4)  # some at the same instant
        one = replace(
            pledge(uuid.uuid4(), backer_id=backer.account_id), created_at=at, id=uuid.uuid4()
        )
        async with FakeFundingUnitOfWork(store, tenant) as uow:
            await uow.pledges.add(one)
            await uow.commit()
        made.append((tenant, one))
    someone_else = replace(pledge(uuid.uuid4()), created_at=START)
    async with FakeFundingUnitOfWork(store, child) as uow:
        await uow.pledges.add(someone_else)
        await uow.commit()
    ledgers = [(t, FakeFundingUnitOfWork(store, t)) for t in (parent, child)]
    seen, cursor = [], None
    while True:
        page, cursor = await pledges.my_pledges_on(backer, ledgers, limit=2, cursor=cursor)
        seen += page
        if cursor is None:
            break
    newest_first = sorted(made, key=lambda m: (m[1].created_at, m[1].id), reverse=True)
    assert [(t, p.id) for t, p in seen] == [(t, p.id) for t, p in newest_first]

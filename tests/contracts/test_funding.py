"""Funding's repositories: the fakes against SQL. All are built for one tenant; `funding.a`
and `funding.b` are two tenants' repositories. The money path's statements (open a campaign
for a pledge, claim a reward's unit, move the totals, lease a pledge) are held to their
documented conditions on both."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import delete, func, select

from adapters.db.directory import (
    SqlBusinessRepository,
    SqlBusinessRoleRepository,
    SqlCategoryRepository,
)
from adapters.db.funding import (
    CAMPAIGNS,
    EVENTS,
    KEYS,
    PLEDGES,
    REFUNDS,
    TIERS,
    SqlDirectoryLookups,
)
from adapters.db.media import SqlAttachmentTeams
from adapters.db.tenancy import TenantRow
from domain.errors import Conflict
from domain.funding.errors import IdempotencyKeyTaken, PaymentReferenceTaken
from domain.funding.model import (
    CampaignOrigin,
    CampaignStatus,
    FundingModel,
    PledgeStatus,
    RefundStatus,
    RewardKind,
    Totals,
)
from domain.funding.ports import StoredRequest
from domain.geo import GeoPoint
from domain.identity.model import BusinessRole
from domain.languages import LocalizedText
from domain.media.model import AttachedTo
from tests.contracts.entities import AT, business, category, de, later
from tests.contracts.funding_entities import DAY, campaign, eur, pledge, refund, tier

S = CampaignStatus
P = PledgeStatus


async def a_campaign(side, **overrides):  # type: ignore[no-untyped-def]
    made = campaign(side.tenant_id, **overrides)
    await side.campaigns.add(made)
    return made


async def a_pledge(side, campaign_id, **overrides):  # type: ignore[no-untyped-def]
    made = pledge(campaign_id, **overrides)
    await side.pledges.add(made)
    return made


def with_zero_totals(c):  # type: ignore[no-untyped-def]
    return replace(c, totals=Totals(eur(0), 0))


# Campaigns ----------------------------------------------------------------------------


async def test_an_added_campaign_reads_back_equal_with_totals_at_zero(funding):
    a = funding.a
    made = campaign(
        funding.tenant_a,
        await funding.account(),
        title=LocalizedText.of({"de": "Ein Dorfladen", "en": "A village shop"}),
        summary=de("Gemeinsam retten wir den Laden"),
        description=LocalizedText.of({"de": "Lang und breit", "en": "At length"}),
        image_ids=(uuid.uuid4(), uuid.uuid4()),
        category_id=uuid.uuid4(),
        location=GeoPoint(51.3406, 12.3747),
        minimum=eur(250_000),
        funding_model=FundingModel.KEEP_IT_ALL,
        business_id=uuid.uuid4(),
        partner_key_id=uuid.uuid4(),
        status=S.IN_REVIEW,
        updated_at=later(5),
        version=4,
    )
    await a.campaigns.add(made)
    assert await a.campaigns.get(made.id) == with_zero_totals(made)
    assert await a.campaigns.get(made.id, for_update=True) == with_zero_totals(made)


async def test_a_campaign_starts_with_zero_totals_whatever_it_says(funding):
    made = campaign(funding.tenant_a, totals=Totals(eur(9_999), 3))
    await funding.a.campaigns.add(made)
    assert (await funding.a.campaigns.get(made.id)).totals == Totals(eur(0), 0)


async def test_an_unknown_campaign_is_none(funding):
    assert await funding.a.campaigns.get(uuid.uuid4()) is None


async def test_another_tenants_campaign_is_out_of_reach(funding):
    a, b = funding.a, funding.b
    made = await a_campaign(a)
    assert await b.campaigns.get(made.id) is None
    assert await b.campaigns.update(replace(made, version=2), expected_version=1) is False
    assert await b.campaigns.open_for_pledge(made.id, later(1)) is False
    await b.campaigns.add_to_totals(made.id, 5_000, 1)
    assert await b.campaigns.due_for_decision(AT + 60 * DAY, limit=10) == []
    assert await a.campaigns.get(made.id) == with_zero_totals(made)


async def test_an_edit_at_the_version_read_is_stored_and_leaves_the_totals(funding):
    a = funding.a
    made = await a_campaign(a)
    await a.campaigns.add_to_totals(made.id, 7_000, 2)
    edited = replace(
        made,
        content=replace(made.content, title=de("Der neue Titel"), location=GeoPoint(50, 10)),
        terms=replace(made.terms, goal=eur(600_000), ends_at=AT + 40 * DAY),
        business_id=uuid.uuid4(),
        updated_at=later(3),
        version=2,
    )
    assert await a.campaigns.update(edited, expected_version=1) is True
    assert await a.campaigns.get(made.id) == replace(edited, totals=Totals(eur(7_000), 2))


async def test_an_edit_at_a_stale_version_is_refused_and_changes_nothing(funding):
    a = funding.a
    made = await a_campaign(a)
    first = made.moved_to(S.CANCELLED, later(1))
    second = replace(made, content=replace(made.content, title=de("Zweiter")), version=2)
    assert await a.campaigns.update(first, expected_version=1) is True
    assert await a.campaigns.update(second, expected_version=1) is False
    assert await a.campaigns.get(made.id) == with_zero_totals(first)


async def test_a_live_running_campaign_opens_for_a_pledge_and_notes_the_first(funding):
    a = funding.a
    made = await a_campaign(a)
    assert await a.campaigns.open_for_pledge(made.id, later(60)) is True
    after_first = await a.campaigns.get(made.id)
    assert (after_first.first_pledge_at, after_first.version) == (later(60), 2)
    assert await a.campaigns.open_for_pledge(made.id, later(120)) is True
    after_second = await a.campaigns.get(made.id)
    assert (after_second.first_pledge_at, after_second.version) == (later(60), 2)


async def test_an_edit_read_before_the_first_pledge_fails(funding):
    a = funding.a
    made = await a_campaign(a)
    assert await a.campaigns.open_for_pledge(made.id, later(1)) is True
    edited = replace(made, terms=replace(made.terms, goal=eur(1_000)), version=2)
    assert await a.campaigns.update(edited, expected_version=1) is False


@pytest.mark.parametrize(
    ("status", "minutes", "opens"),
    [
        (S.LIVE, 0, True),  # at its start
        (S.LIVE, -1, False),  # before its start
        (S.LIVE, 30 * 24 * 60 - 1, True),  # in its last minute
        (S.LIVE, 30 * 24 * 60, False),  # at its end
        (S.DRAFT, 60, False),
        (S.IN_REVIEW, 60, False),
        (S.SUCCEEDED, 60, False),
        (S.CANCELLED, 60, False),
    ],
)
async def test_only_a_live_campaign_within_its_time_opens_for_a_pledge(
    funding, status, minutes, opens
):
    made = await a_campaign(funding.a, status=status)
    assert await funding.a.campaigns.open_for_pledge(made.id, later(minutes)) is opens
    stored = await funding.a.campaigns.get(made.id)
    assert (stored.first_pledge_at is not None, stored.version) == (opens, 2 if opens else 1)


async def test_totals_move_by_differences_and_never_the_version(funding):
    a = funding.a
    made = await a_campaign(a)
    await a.campaigns.add_to_totals(made.id, 5_000, 1)
    await a.campaigns.add_to_totals(made.id, 2_500, 1)
    await a.campaigns.add_to_totals(made.id, -1_000, 0)
    stored = await a.campaigns.get(made.id)
    assert (stored.totals, stored.version) == (Totals(eur(6_500), 2), 1)


async def test_campaigns_due_for_decision_are_live_past_their_end_longest_ended_first(funding):
    a = funding.a
    ended_late = await a_campaign(a, ends_at=AT + 10 * DAY)
    ended_early = await a_campaign(a, ends_at=AT + 5 * DAY)
    ends_now = await a_campaign(a, ends_at=AT + 20 * DAY)
    await a_campaign(a, ends_at=AT + 21 * DAY)  # still running
    await a_campaign(a, ends_at=AT + 5 * DAY, status=S.SUCCEEDED)  # decided
    await a_campaign(a, ends_at=AT + 5 * DAY, status=S.CANCELLED)
    now = AT + 20 * DAY
    due = await a.campaigns.due_for_decision(now, limit=10)
    assert [c.id for c in due] == [ended_early.id, ended_late.id, ends_now.id]
    assert due[0] == with_zero_totals(ended_early)
    assert [c.id for c in await a.campaigns.due_for_decision(now, limit=2)] == [
        ended_early.id,
        ended_late.id,
    ]


async def test_a_partner_campaign_keeps_its_origin_and_the_partner_s_totals(funding):
    a, b = funding.a, funding.b
    origin = CampaignOrigin("startnext:4711", "Startnext", "https://example.org/4711")
    made = await a_campaign(a, origin=origin, totals=Totals(eur(12_300), 4))
    ours = await a_campaign(a)
    stored = await a.campaigns.by_external_id("startnext:4711")
    assert stored == made and stored.totals == Totals(eur(12_300), 4)
    assert (await a.campaigns.get(ours.id)).origin is None
    assert await b.campaigns.by_external_id("startnext:4711") is None  # another tenant's
    moved = replace(made, totals=Totals(eur(20_000), 6), version=2)
    assert await a.campaigns.update(moved, expected_version=1)
    assert (await a.campaigns.get(made.id)).totals == Totals(eur(20_000), 6)
    # Past its end it is not ours to decide.
    assert made.id not in [c.id for c in await a.campaigns.due_for_decision(AT + 60 * DAY, limit=9)]
    assert not await b.campaigns.remove(made.id)
    assert await a.campaigns.remove(made.id)
    assert await a.campaigns.by_external_id("startnext:4711") is None
    assert not await a.campaigns.remove(made.id)


# Reward tiers -------------------------------------------------------------------------


async def test_an_added_tier_reads_back_equal(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = tier(
        made_for.id,
        title=LocalizedText.of({"de": "Brot für ein Jahr", "en": "Bread for a year"}),
        description=de("Jeden Samstag ein Laib"),
        minimum=eur(20_000),
        kind=RewardKind.ITEM,
        quantity=12,
        claimed=3,
        estimated_delivery=date(2027, 1, 15),
    )
    await a.tiers.add(made)
    assert await a.tiers.get(made.id) == made
    assert await a.tiers.get(uuid.uuid4()) is None
    assert await funding.b.tiers.get(made.id) is None


async def test_a_campaigns_tiers_come_by_minimum_then_id(funding):
    a = funding.a
    made_for, other = await a_campaign(a), await a_campaign(a)
    low, mid_1, mid_2, high = (
        tier(made_for.id, minimum=eur(1_000)),
        *sorted((tier(made_for.id, minimum=eur(2_000)) for _ in range(2)), key=lambda t: t.id),
        tier(made_for.id, minimum=eur(9_000)),
    )
    for each in (high, mid_2, low, mid_1, tier(other.id)):
        await a.tiers.add(each)
    assert await a.tiers.of_campaign(made_for.id) == [low, mid_1, mid_2, high]
    assert await funding.b.tiers.of_campaign(made_for.id) == []


async def test_a_tier_edit_writes_everything_but_what_is_claimed(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = tier(made_for.id, quantity=10)
    await a.tiers.add(made)
    assert await a.tiers.claim(made.id, made_for.id) is True
    edited = replace(made, title=de("Neu"), quantity=20, claimed=0, kind=RewardKind.THANKS)
    assert await a.tiers.update(edited) is True
    assert await a.tiers.get(made.id) == replace(edited, claimed=1)


async def test_a_tier_edit_only_while_unclaimed_is_refused_once_a_unit_is_claimed(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = tier(made_for.id, quantity=10)
    await a.tiers.add(made)
    raised = replace(made, minimum=eur(made.minimum.amount + 100))
    assert await a.tiers.update(raised, only_unclaimed=True) is True
    assert await a.tiers.claim(made.id, made_for.id) is True
    higher = replace(raised, minimum=eur(raised.minimum.amount + 100))
    assert await a.tiers.update(higher, only_unclaimed=True) is False
    assert (await a.tiers.get(made.id)).minimum == raised.minimum


async def test_a_removed_tier_is_gone_and_another_tenant_cannot_remove_one(funding):
    a = funding.a
    made_for = await a_campaign(a)
    kept, removed = tier(made_for.id), tier(made_for.id)
    await a.tiers.add(kept)
    await a.tiers.add(removed)
    assert await a.tiers.remove(removed.id) is True
    assert await funding.b.tiers.remove(kept.id) is False
    assert await a.tiers.of_campaign(made_for.id) == [kept]


async def test_a_claimed_tier_is_not_removed(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = tier(made_for.id, quantity=3)
    await a.tiers.add(made)
    assert await a.tiers.claim(made.id, made_for.id) is True
    assert await a.tiers.remove(made.id) is False
    assert await a.tiers.get(made.id) == replace(made, claimed=1)


async def test_units_are_claimed_until_sold_out(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = tier(made_for.id, quantity=3)
    await a.tiers.add(made)
    claims = [await a.tiers.claim(made.id, made_for.id) for _ in range(4)]
    assert claims == [True, True, True, False]
    assert (await a.tiers.get(made.id)).claimed == 3


async def test_an_unlimited_tier_never_sells_out(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = tier(made_for.id, quantity=None, claimed=999)
    await a.tiers.add(made)
    assert await a.tiers.claim(made.id, made_for.id) is True
    assert (await a.tiers.get(made.id)).claimed == 1_000


async def test_a_unit_is_claimed_only_for_its_own_campaign_and_tenant(funding):
    a = funding.a
    made_for, other = await a_campaign(a), await a_campaign(a)
    made = tier(made_for.id, quantity=5)
    await a.tiers.add(made)
    assert await a.tiers.claim(made.id, other.id) is False
    assert await a.tiers.claim(uuid.uuid4(), made_for.id) is False
    assert await funding.b.tiers.claim(made.id, made_for.id) is False
    assert (await a.tiers.get(made.id)).claimed == 0


async def test_a_released_unit_can_be_claimed_again_and_release_stops_at_zero(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = tier(made_for.id, quantity=1)
    await a.tiers.add(made)
    assert await a.tiers.claim(made.id, made_for.id) is True
    await a.tiers.release(made.id)
    assert await a.tiers.claim(made.id, made_for.id) is True
    await funding.b.tiers.release(made.id)  # another tenant's release changes nothing
    assert (await a.tiers.get(made.id)).claimed == 1
    await a.tiers.release(made.id)
    await a.tiers.release(made.id)
    assert (await a.tiers.get(made.id)).claimed == 0


# Pledges ------------------------------------------------------------------------------


async def test_an_added_pledge_reads_back_equal(funding):
    a = funding.a
    made_for = await a_campaign(a)
    reward = tier(made_for.id)
    await a.tiers.add(reward)
    made = pledge(
        made_for.id,
        tier_id=reward.id,
        anonymous=True,
        status=P.CAPTURED,
        refunded=eur(1_000),
        provider="stripe",
        payment_reference="seti_123",
        client_secret="seti_123_secret_abc",
        customer_ref="cus_1",
        method_ref="pm_1",
        charge_ref="pi_1",
        charge_attempts=2,
        next_charge_at=later(60),
        retry_until=later(600),
        updated_at=later(5),
        version=7,
    )
    await a.pledges.add(made)
    assert await a.pledges.get(made.id) == made
    plain = await a_pledge(a, made_for.id)
    assert await a.pledges.get(plain.id) == plain  # refunded stays None, times None


async def test_another_tenants_pledge_is_out_of_reach(funding):
    a, b = funding.a, funding.b
    made_for = await a_campaign(a)
    made = await a_pledge(a, made_for.id, payment_reference="SK-1")
    assert await b.pledges.get(made.id) is None
    assert await b.pledges.by_reference("bank_transfer", "SK-1") is None
    assert await b.pledges.replace(replace(made, version=2), expected_version=1) is False
    assert await b.pledges.lease(made.id, version=1, until=later(5), now=AT) is False
    assert await b.pledges.of_campaign(made_for.id, counted_only=False, limit=5, cursor=None) == (
        [],
        None,
    )
    assert await b.pledges.of_backer(made.backer_id, limit=5, cursor=None) == ([], None)
    assert await a.pledges.get(made.id) == made


async def test_a_payment_reference_drawn_twice_is_refused_and_the_transaction_goes_on(funding):
    a = funding.a
    made_for = await a_campaign(a)
    await a_pledge(a, made_for.id, payment_reference="SK-7K3P")
    with pytest.raises(PaymentReferenceTaken):
        await a_pledge(a, made_for.id, payment_reference="SK-7K3P")
    redrawn = await a_pledge(a, made_for.id, payment_reference="SK-9QX2")
    assert await a.pledges.get(redrawn.id) == redrawn


async def test_a_payment_reference_is_unique_per_provider_across_tenants(funding):
    a, b = funding.a, funding.b
    in_a, in_b = await a_campaign(a), await a_campaign(b)
    await a_pledge(a, in_a.id, provider="stripe", payment_reference="seti_1")
    await a_pledge(a, in_a.id, provider="bank_transfer", payment_reference="seti_1")
    with pytest.raises(PaymentReferenceTaken):
        await a_pledge(b, in_b.id, provider="stripe", payment_reference="seti_1")


async def test_pledges_before_their_payment_started_share_the_empty_reference(funding):
    a = funding.a
    made_for = await a_campaign(a)
    first = await a_pledge(a, made_for.id)
    second = await a_pledge(a, made_for.id)
    assert {first.payment_reference, second.payment_reference} == {""}
    assert await a.pledges.by_reference("bank_transfer", "") is None


async def test_a_pledge_is_found_by_its_payment_reference_or_its_charge(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = await a_pledge(
        a, made_for.id, provider="stripe", payment_reference="seti_9", charge_ref="pi_9"
    )
    assert await a.pledges.by_reference("stripe", "seti_9") == made
    assert await a.pledges.by_reference("stripe", "pi_9") == made
    assert await a.pledges.by_reference("bank_transfer", "seti_9") is None
    assert await a.pledges.by_reference("stripe", "seti_0") is None


async def test_a_replace_at_the_version_read_writes_every_changing_field(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = await a_pledge(a, made_for.id, provider="stripe")
    started = replace(
        made,
        payment_reference="seti_5",
        client_secret="secret",
        customer_ref="cus_5",
        updated_at=later(1),
        version=2,
    )
    assert await a.pledges.replace(started, expected_version=1) is True
    charged = started.moved_to(
        P.CAPTURED, later(2), method_ref="pm_5", charge_ref="pi_5", charge_attempts=1
    )
    assert await a.pledges.replace(charged, expected_version=2) is True
    refunded = charged.refund(eur(500))
    assert await a.pledges.replace(refunded, expected_version=charged.version) is True
    assert await a.pledges.get(made.id) == refunded


async def test_a_replace_at_a_stale_version_is_refused_and_changes_nothing(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = await a_pledge(a, made_for.id)
    first = made.moved_to(P.SECURED, later(1))
    second = made.moved_to(P.CANCELLED, later(2))
    assert await a.pledges.replace(first, expected_version=1) is True
    assert await a.pledges.replace(second, expected_version=1) is False
    assert await a.pledges.get(made.id) == first


async def test_a_replace_onto_another_pledges_reference_is_refused(funding):
    a = funding.a
    made_for = await a_campaign(a)
    await a_pledge(a, made_for.id, payment_reference="SK-1")
    made = await a_pledge(a, made_for.id)
    with pytest.raises(PaymentReferenceTaken):
        await a.pledges.replace(
            replace(made, payment_reference="SK-1", version=2), expected_version=1
        )
    assert await a.pledges.get(made.id) == made
    assert await a.pledges.replace(
        replace(made, payment_reference="SK-2", version=2), expected_version=1
    )


async def test_a_campaigns_pledges_page_newest_first_without_gaps_or_repeats(funding):
    a = funding.a
    made_for, other = await a_campaign(a), await a_campaign(a)
    made = [
        await a_pledge(a, made_for.id, created_at=later(minutes))
        for minutes in (1, 2, 2, 2, 3, 4, 4)
    ]
    await a_pledge(a, other.id, created_at=later(9))
    expected = sorted(made, key=lambda p: (p.created_at, p.id), reverse=True)
    seen, cursor = [], None
    for _ in range(5):
        page, cursor = await a.pledges.of_campaign(
            made_for.id, counted_only=False, limit=3, cursor=cursor
        )
        seen += page
        if cursor is None:
            break
    assert seen == expected


async def test_the_public_backer_list_counts_secured_and_captured_pledges(funding):
    a = funding.a
    made_for = await a_campaign(a)
    by_status = {
        status: await a_pledge(a, made_for.id, status=status, created_at=later(i))
        for i, status in enumerate(P)
    }
    page, cursor = await a.pledges.of_campaign(
        made_for.id, counted_only=True, limit=10, cursor=None
    )
    assert page == [by_status[P.CAPTURED], by_status[P.SECURED]]
    assert cursor is None


async def test_a_backers_pledges_page_newest_first(funding):
    a = funding.a
    one, two = await a_campaign(a), await a_campaign(a)
    backer = uuid.uuid4()
    older = await a_pledge(a, one.id, backer_id=backer, created_at=later(1))
    newer = await a_pledge(a, two.id, backer_id=backer, created_at=later(2))
    await a_pledge(a, one.id, created_at=later(3))
    first, cursor = await a.pledges.of_backer(backer, limit=1, cursor=None)
    second, end = await a.pledges.of_backer(backer, limit=1, cursor=cursor)
    assert (first, second, end) == ([newer], [older], None)


# Leases -------------------------------------------------------------------------------


async def test_a_lease_is_held_by_one_worker_until_it_runs_out(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = await a_pledge(a, made_for.id, status=P.SECURED)
    assert await a.pledges.lease(made.id, version=1, until=later(5), now=AT) is True
    assert await a.pledges.lease(made.id, version=1, until=later(6), now=later(1)) is False
    assert await a.pledges.lease(made.id, version=1, until=later(10), now=later(5)) is True
    assert await a.pledges.lease(made.id, version=1, until=later(11), now=later(9)) is False


async def test_a_lease_of_a_pledge_changed_since_it_was_read_is_refused(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = await a_pledge(a, made_for.id, status=P.SECURED)
    assert await a.pledges.replace(made.moved_to(P.CAPTURED, later(1)), expected_version=1)
    assert await a.pledges.lease(made.id, version=1, until=later(5), now=later(1)) is False
    assert await a.pledges.lease(uuid.uuid4(), version=1, until=later(5), now=AT) is False


async def test_a_replace_ends_the_lease_of_the_step_it_completes(funding):
    a = funding.a
    made_for = await a_campaign(a, status=S.FAILED)
    made = await a_pledge(a, made_for.id, status=P.PENDING)
    assert await a.pledges.lease(made.id, version=1, until=later(5), now=AT) is True
    assert await a.pledges.due_for_settlement(later(1), limit=10) == []
    moved = replace(made, updated_at=later(1), version=2)
    assert await a.pledges.replace(moved, expected_version=1) is True
    # A new state: its next step (if any) may be taken at once.
    assert [i.pledge for i in await a.pledges.due_for_settlement(later(1), limit=10)] == [moved]
    assert await a.pledges.lease(made.id, version=2, until=later(6), now=later(1)) is True


# Settlement: which pledges are due, one rule a test -----------------------------------


async def due_ids(side, now=None) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
    return [i.pledge.id for i in await side.pledges.due_for_settlement(now or later(60), limit=50)]


async def test_secured_pledges_of_a_live_keep_it_all_campaign_are_due_to_be_charged(funding):
    a = funding.a
    keep_it_all = await a_campaign(a, funding_model=FundingModel.KEEP_IT_ALL)
    made = await a_pledge(a, keep_it_all.id, status=P.SECURED)
    (item,) = await a.pledges.due_for_settlement(later(60), limit=10)
    assert (item.pledge, item.campaign_status, item.keep_it_all) == (made, S.LIVE, True)


async def test_secured_pledges_of_a_live_all_or_nothing_campaign_wait(funding):
    a = funding.a
    made_for = await a_campaign(a)
    await a_pledge(a, made_for.id, status=P.SECURED)
    assert await due_ids(a) == []


@pytest.mark.parametrize("status", [S.SUCCEEDED, S.PAID_OUT])
async def test_secured_pledges_of_a_succeeded_campaign_are_due_to_be_charged(funding, status):
    a = funding.a
    made_for = await a_campaign(a, status=status)
    made = await a_pledge(a, made_for.id, status=P.SECURED)
    (item,) = await a.pledges.due_for_settlement(later(60), limit=10)
    assert (item.pledge, item.campaign_status, item.keep_it_all) == (made, status, False)


async def test_a_failed_charge_is_due_again_when_its_next_attempt_has_come(funding):
    a = funding.a
    succeeded = await a_campaign(a, status=S.SUCCEEDED)
    keep_it_all = await a_campaign(a, funding_model=FundingModel.KEEP_IT_ALL)
    retried = [
        await a_pledge(a, c.id, status=P.SECURED, next_charge_at=later(60), charge_attempts=1)
        for c in (succeeded, keep_it_all)
    ]
    assert await due_ids(a, later(59)) == []
    assert set(await due_ids(a, later(60))) == {p.id for p in retried}


@pytest.mark.parametrize("status", [S.FAILED, S.CANCELLED])
@pytest.mark.parametrize("model", list(FundingModel))
async def test_secured_pledges_of_a_campaign_that_did_not_succeed_are_due_to_be_released(
    funding, status, model
):
    a = funding.a
    made_for = await a_campaign(a, status=status, funding_model=model)
    # the release does not wait for a charge's next attempt
    made = await a_pledge(a, made_for.id, status=P.SECURED, next_charge_at=later(600))
    assert await due_ids(a) == [made.id]


@pytest.mark.parametrize("status", [S.FAILED, S.CANCELLED])
async def test_captured_pledges_with_money_left_of_a_campaign_that_did_not_succeed_are_due(
    funding, status
):
    a = funding.a
    made_for = await a_campaign(a, status=status)
    partly = await a_pledge(a, made_for.id, status=P.CAPTURED, refunded=eur(4_999))
    await a_pledge(a, made_for.id, status=P.CAPTURED, refunded=eur(5_000))  # all given back
    whole = await a_pledge(a, made_for.id, status=P.CAPTURED, created_at=later(1))
    assert await due_ids(a) == [partly.id, whole.id]


@pytest.mark.parametrize("status", [S.LIVE, S.SUCCEEDED, S.PAID_OUT])
async def test_captured_pledges_of_a_live_or_succeeded_campaign_are_not_due(funding, status):
    a = funding.a
    made_for = await a_campaign(a, status=status, funding_model=FundingModel.KEEP_IT_ALL)
    await a_pledge(a, made_for.id, status=P.CAPTURED)
    assert await due_ids(a) == []


@pytest.mark.parametrize("status", [S.SUCCEEDED, S.FAILED, S.CANCELLED, S.PAID_OUT])
async def test_pending_pledges_of_a_campaign_no_longer_live_are_due_to_be_cancelled(
    funding, status
):
    a = funding.a
    made_for = await a_campaign(a, status=status)
    made = await a_pledge(a, made_for.id, status=P.PENDING)
    assert await due_ids(a) == [made.id]


async def test_pending_transfers_of_a_live_campaign_wait_two_weeks_for_their_money(funding):
    a = funding.a
    made_for = await a_campaign(a, funding_model=FundingModel.KEEP_IT_ALL)
    made = await a_pledge(a, made_for.id, status=P.PENDING, payment_reference="SK-1")
    assert await due_ids(a, later(60 * 24 * 14 - 1)) == []
    assert await due_ids(a, later(60 * 24 * 14)) == [made.id]


async def test_a_pending_pledge_whose_payment_never_started_is_due_after_an_hour(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = await a_pledge(a, made_for.id, status=P.PENDING)
    assert await due_ids(a, later(59)) == []
    assert await due_ids(a, later(60)) == [made.id]


async def test_a_card_pledge_never_confirmed_is_due_after_a_day(funding):
    a = funding.a
    made_for = await a_campaign(a)
    made = await a_pledge(
        a, made_for.id, status=P.PENDING, provider="stripe", payment_reference="seti_1"
    )
    assert await due_ids(a, later(60 * 24 - 1)) == []
    assert await due_ids(a, later(60 * 24)) == [made.id]


@pytest.mark.parametrize("status", [P.FAILED, P.RELEASED, P.CANCELLED])
async def test_pledges_at_the_end_of_their_lifecycle_are_never_due(funding, status):
    a = funding.a
    for campaign_status in (S.LIVE, S.SUCCEEDED, S.FAILED, S.CANCELLED):
        made_for = await a_campaign(
            a, status=campaign_status, funding_model=FundingModel.KEEP_IT_ALL
        )
        await a_pledge(a, made_for.id, status=status)
    assert await due_ids(a) == []


async def test_a_leased_pledge_is_not_due_until_its_lease_runs_out(funding):
    a = funding.a
    made_for = await a_campaign(a, status=S.FAILED)
    made = await a_pledge(a, made_for.id, status=P.SECURED)
    assert await a.pledges.lease(made.id, version=1, until=later(30), now=AT) is True
    assert await due_ids(a, later(29)) == []
    assert await due_ids(a, later(30)) == [made.id]


async def test_due_pledges_come_oldest_first_up_to_the_limit_of_the_own_tenant(funding):
    a, b = funding.a, funding.b
    made_for = await a_campaign(a, status=S.FAILED)
    made = [
        await a_pledge(a, made_for.id, status=P.SECURED, created_at=later(m)) for m in (3, 1, 2)
    ]
    elsewhere = await a_campaign(b, status=S.FAILED)
    await a_pledge(b, elsewhere.id, status=P.SECURED, created_at=AT)
    oldest_first = [p.id for p in sorted(made, key=lambda p: p.created_at)]
    assert await due_ids(a) == oldest_first
    due = await a.pledges.due_for_settlement(later(60), limit=2)
    assert [i.pledge.id for i in due] == oldest_first[:2]


# Refunds ------------------------------------------------------------------------------


async def test_an_added_refund_reads_back_equal_and_a_pledges_come_oldest_first(funding):
    a = funding.a
    made_for = await a_campaign(a, status=S.FAILED)
    paid = await a_pledge(a, made_for.id, status=P.CAPTURED)
    admin = await funding.account()
    later_one = refund(paid, created_at=later(20), requested_by=admin, reason="Doppelt bezahlt")
    earlier_one = refund(paid, created_at=later(10), status=RefundStatus.SUCCEEDED)
    for each in (later_one, earlier_one):
        await a.refunds.add(each)
    assert await a.refunds.get(later_one.id) == later_one
    assert await a.refunds.get(uuid.uuid4()) is None
    assert await a.refunds.of_pledge(paid.id) == [earlier_one, later_one]
    assert await funding.b.refunds.get(later_one.id) is None
    assert await funding.b.refunds.of_pledge(paid.id) == []


async def test_a_refund_is_settled_from_pending_only(funding):
    a = funding.a
    made_for = await a_campaign(a, status=S.FAILED)
    paid = await a_pledge(a, made_for.id, status=P.CAPTURED)
    made = refund(paid)
    await a.refunds.add(made)
    assert await funding.b.refunds.set_status(made.id, RefundStatus.FAILED) is False
    assert await a.refunds.set_status(made.id, RefundStatus.SUCCEEDED, provider_ref="re_1")
    assert await a.refunds.set_status(made.id, RefundStatus.FAILED) is False
    assert await a.refunds.get(made.id) == replace(
        made, status=RefundStatus.SUCCEEDED, provider_ref="re_1"
    )


async def test_settling_a_refund_without_a_provider_ref_keeps_the_one_it_has(funding):
    a = funding.a
    made_for = await a_campaign(a, status=S.FAILED)
    paid = await a_pledge(a, made_for.id, status=P.CAPTURED)
    made = refund(paid, provider_ref="re_early")
    await a.refunds.add(made)
    assert await a.refunds.set_status(made.id, RefundStatus.SUCCEEDED) is True
    assert (await a.refunds.get(made.id)).provider_ref == "re_early"


async def test_pending_refunds_older_than_a_time_come_oldest_first(funding):
    a = funding.a
    made_for = await a_campaign(a, status=S.FAILED)
    paid = await a_pledge(a, made_for.id, status=P.CAPTURED)
    old, older, fresh = (refund(paid, created_at=later(m)) for m in (5, 2, 30))
    settled = refund(paid, created_at=later(1), status=RefundStatus.SUCCEEDED)
    for each in (old, older, fresh, settled):
        await a.refunds.add(each)
    assert await a.refunds.pending(later(30), limit=10) == [older, old]
    assert await a.refunds.pending(later(30), limit=1) == [older]
    assert await funding.b.refunds.pending(later(30), limit=10) == []


# Idempotency-Keys and payment events --------------------------------------------------


async def test_an_idempotency_key_is_stored_once_per_tenant_and_scope(funding):
    a, b = funding.a, funding.b
    first, second = StoredRequest("f1", uuid.uuid4()), StoredRequest("f2", uuid.uuid4())
    assert await a.idempotency.get("account:1 POST /pledges", "k-1") is None
    await a.idempotency.add("account:1 POST /pledges", "k-1", first, AT)
    with pytest.raises(IdempotencyKeyTaken):
        await a.idempotency.add("account:1 POST /pledges", "k-1", second, later(1))
    await a.idempotency.add("account:2 POST /pledges", "k-1", second, later(1))
    await b.idempotency.add("account:1 POST /pledges", "k-1", second, later(1))
    assert await a.idempotency.get("account:1 POST /pledges", "k-1") == first
    assert await a.idempotency.get("account:2 POST /pledges", "k-1") == second
    assert await b.idempotency.get("account:1 POST /pledges", "k-1") == second


async def test_a_payment_event_is_noted_the_first_time_only(funding):
    a, b = funding.a, funding.b
    assert await a.payment_events.first_time("stripe", "evt_1", AT) is True
    assert await a.payment_events.first_time("stripe", "evt_1", later(1)) is False
    assert await a.payment_events.first_time("bank_transfer", "evt_1", later(1)) is True
    assert await b.payment_events.first_time("stripe", "evt_1", later(1)) is True


# SQL only: what the fakes leave to the use cases or to other fakes --------------------


async def test_a_tier_edit_below_what_is_claimed_is_refused_by_the_stock_check(sql_funding):
    """The use case refuses it first (tiers.py); the table's check is the last wall."""
    a = sql_funding.a
    made_for = await a_campaign(a)
    made = tier(made_for.id, quantity=2, claimed=2)
    await a.tiers.add(made)
    with pytest.raises(Conflict):
        async with a.session.begin_nested():
            await a.tiers.update(replace(made, quantity=1))
    assert await a.tiers.get(made.id) == made


async def test_funding_asks_the_directory_for_categories_and_business_teams(sql_funding):
    a, b = sql_funding.a, sql_funding.b
    session = a.session
    food = category(a.tenant_id, "food")
    await SqlCategoryRepository(session, a.tenant_id).add(food)
    shop = business(a.tenant_id)
    await SqlBusinessRepository(session, a.tenant_id).add(shop)
    owner, stranger = await sql_funding.account(), await sql_funding.account()
    await SqlBusinessRoleRepository(session, a.tenant_id).set_role(
        shop.id, owner, BusinessRole.OWNER, AT
    )
    lookups = SqlDirectoryLookups(session, a.tenant_id)
    elsewhere = SqlDirectoryLookups(session, b.tenant_id)
    assert await lookups.category_exists(food.id) is True
    assert await lookups.category_exists(uuid.uuid4()) is False
    assert await elsewhere.category_exists(food.id) is False
    assert await lookups.business_team_role(shop.id, owner) == "owner"
    assert await lookups.business_team_role(shop.id, stranger) == ""
    assert await lookups.business_team_role(uuid.uuid4(), owner) is None
    assert await elsewhere.business_team_role(shop.id, owner) is None


async def test_a_campaigns_images_may_be_shown_by_its_owner_alone(sql_funding):
    a, b = sql_funding.a, sql_funding.b
    owner, stranger = await sql_funding.account(), await sql_funding.account()
    made = await a_campaign(a, owner_id=owner)
    target = AttachedTo("campaign", made.id)
    teams = SqlAttachmentTeams(a.session, a.tenant_id)
    assert await teams.is_on_team(target, owner) is True
    assert await teams.is_on_team(target, stranger) is False
    assert await teams.is_on_team(AttachedTo("campaign", uuid.uuid4()), owner) is False
    assert await SqlAttachmentTeams(a.session, b.tenant_id).is_on_team(target, owner) is False
    partners = await a_campaign(a, owner_id=None, partner_key_id=uuid.uuid4())
    assert await teams.is_on_team(AttachedTo("campaign", partners.id), owner) is False


async def test_a_tenant_goes_with_its_campaigns_pledges_and_refunds(sql_funding):
    a = sql_funding.a
    made_for = await a_campaign(a, status=S.FAILED)
    reward = tier(made_for.id)
    await a.tiers.add(reward)
    paid = await a_pledge(a, made_for.id, status=P.CAPTURED, tier_id=reward.id)
    await a.refunds.add(refund(paid))
    await a.idempotency.add("s", "k", StoredRequest("f", paid.id), AT)
    await a.payment_events.first_time("stripe", "evt_1", AT)
    await a.session.execute(delete(TenantRow).where(TenantRow.id == a.tenant_id))
    for table in (CAMPAIGNS, TIERS, PLEDGES, REFUNDS, KEYS, EVENTS):
        left = await a.session.scalar(
            select(func.count()).select_from(table).where(table.c.tenant_id == a.tenant_id)
        )
        assert left == 0, table.name

"""Use cases of campaigns, tiers, pledges (by bank transfer), refunds and the settlement of
bank-transfer pledges, on fakes (no I/O). Card payments: test_funding_payments.py."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.errors import InvalidInput, StaleVersion
from domain.funding import campaigns, pledges, refunds, settlement, tiers
from domain.funding.errors import (
    CampaignClosed,
    CampaignNotFound,
    IdempotencyKeyReused,
    PledgeNotFound,
    RefundTooLarge,
    RewardSoldOut,
    RewardTierNotFound,
    TransitionNotAllowed,
)
from domain.funding.events import CampaignStatusChanged, PledgeMade, PledgeStatusChanged
from domain.funding.model import CampaignStatus, FundingModel, PledgeStatus, RefundStatus
from domain.funding.ports import CampaignFilter
from domain.identity.errors import RoleRequired, ScopeRequired, Unauthenticated
from domain.identity.model import Anonymous, PartnerKey, Role, Scope
from tests.unit.funding_setup import TENANT, World, eur, person

S = CampaignStatus


async def pledge(world: World, campaign, amount: int = 5_000, *, tier=None, key=None, backer=None):  # type: ignore[no-untyped-def]
    return await pledges.make_pledge(
        pledges.PledgeInput(campaign.id, eur(amount), tier.id if tier else None),
        backer or person(),
        idempotency_key=key,
        uow=world.uow(),
        gateways=world.gateways,
        clock=world.clock,
        ids=world.ids,
    )


async def received(world: World, *references: str) -> pledges.TransfersReceived:
    return await pledges.mark_transfers_received(
        list(references), world.admin, uow=world.uow(), clock=world.clock
    )


# Campaigns: who writes them, their lifecycle, who sees them ------------------------------


async def test_a_member_drafts_a_campaign_in_the_tenants_currency():
    world = World()
    made = await world.draft()
    assert made.status is S.DRAFT and made.owner_id == world.author.account_id
    assert (await world.campaign(made.id)).current_totals.pledged == eur(0)


async def test_strangers_and_keys_without_the_scope_draft_nothing():
    world = World()
    with pytest.raises(Unauthenticated):
        await campaigns.create_campaign(
            campaigns.CampaignInput((await world.draft()).content, (await world.draft()).terms),
            Anonymous(TENANT),
            uow=world.uow(),
            clock=world.clock,
            ids=world.ids,
            currency="EUR",
        )
    key = PartnerKey(TENANT, uuid.uuid4(), frozenset({Scope.CAMPAIGNS_READ}))
    draft = await world.draft()
    with pytest.raises(ScopeRequired):
        await campaigns.create_campaign(
            campaigns.CampaignInput(draft.content, draft.terms),
            key,
            uow=world.uow(),
            clock=world.clock,
            ids=world.ids,
            currency="EUR",
        )


async def test_a_goal_in_another_currency_is_refused():
    world = World()
    draft = await world.draft()
    chf = replace(draft.terms, goal=replace(draft.terms.goal, currency="CHF"))
    with pytest.raises(InvalidInput) as refused:
        await campaigns.create_campaign(
            campaigns.CampaignInput(draft.content, chf),
            world.author,
            uow=world.uow(),
            clock=world.clock,
            ids=world.ids,
            currency="EUR",
        )
    assert refused.value.problems[0].field == "goal.currency"


async def test_a_submitted_campaign_waits_for_a_moderator_who_approves_or_sends_it_back():
    world = World()
    made = await world.draft()
    submitted = await campaigns.submit_campaign(
        made.id, world.author, uow=world.uow(), clock=world.clock, auto_approve=False
    )
    assert submitted.status is S.IN_REVIEW
    with pytest.raises(RoleRequired):
        await campaigns.review_campaign(
            made.id, True, world.author, uow=world.uow(), clock=world.clock
        )
    back = await campaigns.review_campaign(
        made.id, False, world.moderator, uow=world.uow(), clock=world.clock
    )
    assert back.status is S.DRAFT
    await campaigns.submit_campaign(
        made.id, world.author, uow=world.uow(), clock=world.clock, auto_approve=False
    )
    live = await campaigns.review_campaign(
        made.id, True, world.moderator, uow=world.uow(), clock=world.clock
    )
    assert live.status is S.LIVE
    assert ("campaign" in {k for _, k, _ in world.store.search}) is True
    moves = [
        (e.old_status, e.new_status)
        for e in world.store.outbox
        if isinstance(e, CampaignStatusChanged)
    ]
    assert moves == [
        ("draft", "in_review"),
        ("in_review", "draft"),
        ("draft", "in_review"),
        ("in_review", "live"),
    ]


async def test_a_tenant_that_approves_itself_puts_a_submitted_campaign_live():
    world = World()
    live = await world.live()
    assert live.status is S.LIVE


async def test_a_draft_cannot_be_approved_nor_a_finished_campaign_cancelled():
    world = World()
    made = await world.draft()
    with pytest.raises(TransitionNotAllowed):
        await campaigns.review_campaign(
            made.id, True, world.moderator, uow=world.uow(), clock=world.clock
        )
    live = await world.live()
    world.clock.advance(days=31)
    await settlement.settle(
        uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    assert world.status_of(live.id) is S.FAILED
    with pytest.raises(TransitionNotAllowed):
        await campaigns.cancel_campaign(live.id, world.author, uow=world.uow(), clock=world.clock)


async def test_after_the_first_pledge_the_goal_is_not_lowered_nor_the_end_brought_forward():
    world = World()
    live = await world.live(goal=100_000)
    await pledge(world, live)
    current = await world.campaign(live.id)
    lower = replace(current.terms, goal=eur(50_000))
    with pytest.raises(InvalidInput) as refused:
        await campaigns.edit_campaign(
            live.id,
            lambda _: campaigns.CampaignInput(current.content, lower),
            world.author,
            uow=world.uow(),
            clock=world.clock,
        )
    assert refused.value.problems[0].field == "goal"
    sooner = replace(current.terms, ends_at=current.terms.ends_at - timedelta(days=1))
    with pytest.raises(InvalidInput):
        await campaigns.edit_campaign(
            live.id,
            lambda _: campaigns.CampaignInput(current.content, sooner),
            world.author,
            uow=world.uow(),
            clock=world.clock,
        )
    higher = replace(current.terms, goal=eur(150_000))
    edited = await campaigns.edit_campaign(
        live.id,
        lambda _: campaigns.CampaignInput(current.content, higher),
        world.author,
        uow=world.uow(),
        clock=world.clock,
    )
    assert edited.terms.goal == eur(150_000)


async def test_an_edit_read_before_the_first_pledge_is_refused_after_it():
    world = World()
    live = await world.live()
    before = await world.campaign(live.id)
    await pledge(world, live)
    lower = replace(before.terms, goal=eur(10_000))
    with pytest.raises(StaleVersion):
        await campaigns.edit_campaign(
            live.id,
            lambda _: campaigns.CampaignInput(before.content, lower),
            world.author,
            uow=world.uow(),
            clock=world.clock,
            expected_version=before.version,
        )


async def test_drafts_are_seen_by_their_author_and_moderators_only():
    world = World()
    made = await world.draft()
    with pytest.raises(CampaignNotFound):
        await campaigns.view_campaign(made.id, person(), uow=world.uow())
    with pytest.raises(CampaignNotFound):
        await campaigns.view_campaign(made.id, Anonymous(TENANT), uow=world.uow())
    assert (await campaigns.view_campaign(made.id, world.author, uow=world.uow())).campaign
    assert (await campaigns.view_campaign(made.id, world.moderator, uow=world.uow())).campaign


def test_lists_show_strangers_the_public_statuses_only():
    stranger = person()
    asked = CampaignFilter(statuses=(S.DRAFT,))
    assert campaigns.visible_filter(asked, stranger) is None
    assert campaigns.visible_filter(CampaignFilter(), stranger).statuses == campaigns.PUBLIC  # type: ignore[union-attr]
    mixed = campaigns.visible_filter(CampaignFilter(statuses=(S.DRAFT, S.LIVE)), stranger)
    assert mixed is not None and mixed.statuses == (S.LIVE,)
    own = CampaignFilter(statuses=(S.DRAFT,), owner_id=stranger.account_id)
    assert campaigns.visible_filter(own, stranger) == own
    assert campaigns.visible_filter(asked, person(Role.MODERATOR)) == asked


async def test_a_campaign_of_another_tenant_is_not_found():
    world = World()
    live = await world.live()
    with pytest.raises(CampaignNotFound):
        await campaigns.view_campaign(live.id, person(), uow=world.uow(uuid.UUID(int=0xB)))


# Tiers and pledges ---------------------------------------------------------------------


async def test_a_pledge_is_at_least_its_rewards_minimum_and_of_its_campaign():
    world = World()
    live, other = await world.live(), await world.live(title="Kino")
    tier = await world.tier(live, minimum=2_500)
    with pytest.raises(InvalidInput):
        await pledge(world, live, 2_000, tier=tier)
    with pytest.raises(RewardTierNotFound):
        await pledge(world, other, 5_000, tier=tier)
    made = await pledge(world, live, 2_500, tier=tier)
    assert made.status is PledgeStatus.PENDING and made.payment_reference.startswith("SK-")


async def test_a_limited_reward_is_never_oversold():
    world = World()
    live = await world.live()
    tier = await world.tier(live, quantity=2)
    await pledge(world, live, tier=tier)
    await pledge(world, live, tier=tier)
    with pytest.raises(RewardSoldOut):
        await pledge(world, live, tier=tier)
    async with world.uow() as uow:
        assert (await uow.tiers.get(tier.id)).claimed == 2  # type: ignore[union-attr]


async def test_no_pledge_before_the_start_on_a_draft_or_after_the_end():
    world = World()
    draft = await world.draft()
    with pytest.raises(CampaignNotFound):  # a stranger does not see a draft at all
        await pledge(world, draft)
    live = await world.live()
    world.clock.advance(days=30)
    with pytest.raises(CampaignClosed):
        await pledge(world, live)


async def test_an_idempotency_key_answers_a_retry_with_the_first_pledge():
    world = World()
    live = await world.live()
    backer = person()
    first = await pledge(world, live, 5_000, key="k-1", backer=backer)
    again = await pledge(world, live, 5_000, key="k-1", backer=backer)
    assert again == first
    assert len(world.store.pledges) == 1
    assert sum(isinstance(e, PledgeMade) for e in world.store.outbox) == 1
    with pytest.raises(IdempotencyKeyReused):
        await pledge(world, live, 6_000, key="k-1", backer=backer)
    other = await pledge(world, live, 5_000, key="k-1", backer=person())  # a key is per backer
    assert other.id != first.id


async def test_a_bad_idempotency_key_is_refused():
    world = World()
    live = await world.live()
    with pytest.raises(InvalidInput):
        await pledge(world, live, key="has space")
    with pytest.raises(InvalidInput):
        await pledge(world, live, key="x" * 256)


async def test_transfers_received_are_captured_once_and_totals_follow():
    world = World()
    live = await world.live()
    a = await pledge(world, live, 5_000)
    b = await pledge(world, live, 7_000)
    assert (await world.campaign(live.id)).current_totals.pledged == eur(0)  # on their way
    report = await received(world, a.payment_reference.lower(), "SK-NOPE", b.payment_reference)
    assert set(report.received) == {a.id, b.id} and report.unknown == ["SK-NOPE"]
    again = await received(world, a.payment_reference)
    assert again.already == [a.payment_reference] and again.received == []
    totals = (await world.campaign(live.id)).current_totals
    assert totals.pledged == eur(12_000) and totals.backers == 2
    with pytest.raises(RoleRequired):
        await pledges.mark_transfers_received(
            [a.payment_reference], world.moderator, uow=world.uow(), clock=world.clock
        )


async def test_a_backer_sees_their_pledges_and_nobody_elses():
    world = World()
    live = await world.live()
    backer = person()
    made = await pledge(world, live, backer=backer)
    assert await pledges.view_pledge(made.id, backer, uow=world.uow()) == made
    with pytest.raises(PledgeNotFound):
        await pledges.view_pledge(made.id, person(), uow=world.uow())
    mine, _ = await pledges.my_pledges_on(backer, [("here", world.uow())], limit=10, cursor=None)
    assert mine == [("here", made)]


async def test_the_public_backer_list_shows_counted_pledges_and_hides_anonymous_backers():
    world = World()
    live = await world.live()
    shy = person()
    anonymous = await pledges.make_pledge(
        pledges.PledgeInput(live.id, eur(3_000), anonymous=True),
        shy,
        idempotency_key=None,
        uow=world.uow(),
        gateways=world.gateways,
        clock=world.clock,
        ids=world.ids,
    )
    waiting = await pledge(world, live)
    await received(world, anonymous.payment_reference)
    shown, _ = await pledges.pledges_of_campaign(
        live.id, Anonymous(TENANT), uow=world.uow(), limit=10, cursor=None
    )
    assert [p.id for p in shown] == [anonymous.id]
    assert pledges.shown_backer(shown[0], Anonymous(TENANT)) is None
    assert pledges.shown_backer(shown[0], shy) == shy.account_id
    everything, _ = await pledges.pledges_of_campaign(
        live.id, world.author, uow=world.uow(), limit=10, cursor=None
    )
    assert {p.id for p in everything} == {anonymous.id, waiting.id}


# Refunds --------------------------------------------------------------------------------


async def refund(world: World, pledge_id, amount: int, key=None, who=None):  # type: ignore[no-untyped-def]
    return await refunds.refund_pledge(
        refunds.RefundInput(pledge_id, amount),
        who or world.admin,
        idempotency_key=key,
        uow=world.uow(),
        gateways=world.gateways,
        clock=world.clock,
        ids=world.ids,
    )


async def test_refunds_in_part_never_exceed_the_capture_and_totals_follow():
    world = World()
    live = await world.live()
    made = await pledge(world, live, 10_000)
    await received(world, made.payment_reference)
    first = await refund(world, made.id, 4_000)
    assert first.status is RefundStatus.TO_PAY_BACK  # a bank transfer: paid back by hand
    async with world.uow() as uow:
        assert await uow.refunds.in_status(RefundStatus.TO_PAY_BACK, limit=5) == [first]
    with pytest.raises(RoleRequired):
        await refunds.mark_refund_paid(first.id, world.moderator, uow=world.uow())
    paid = await refunds.mark_refund_paid(first.id, world.admin, uow=world.uow())
    assert paid.status is RefundStatus.SUCCEEDED
    assert await refunds.mark_refund_paid(first.id, world.admin, uow=world.uow()) == paid
    assert [type(e).__name__ for e in world.store.outbox].count("PledgeRefunded") == 1
    with pytest.raises(RefundTooLarge):
        await refund(world, made.id, 6_001)
    await refund(world, made.id, 6_000)
    with pytest.raises(RefundTooLarge):
        await refund(world, made.id, 1)
    totals = (await world.campaign(live.id)).current_totals
    assert totals.pledged == eur(0) and totals.backers == 0
    with pytest.raises(RoleRequired):
        await refund(world, made.id, 1, who=world.moderator)


async def test_a_refund_retried_with_its_key_is_made_once():
    world = World()
    live = await world.live()
    made = await pledge(world, live, 10_000)
    await received(world, made.payment_reference)
    first = await refund(world, made.id, 3_000, key="r-1")
    again = await refund(world, made.id, 3_000, key="r-1")
    assert again.id == first.id
    assert (await world.campaign(live.id)).current_totals.pledged == eur(7_000)
    with pytest.raises(IdempotencyKeyReused):
        await refund(world, made.id, 2_000, key="r-1")


async def test_a_pending_pledge_cannot_be_refunded():
    world = World()
    live = await world.live()
    made = await pledge(world, live, 10_000)
    with pytest.raises(RefundTooLarge):
        await refund(world, made.id, 1)


# Settlement of bank transfers -----------------------------------------------------------


async def test_a_failed_campaign_refunds_what_arrived_cancels_the_rest_and_frees_rewards():
    world = World()
    live = await world.live(goal=100_000)
    tier = await world.tier(live, quantity=5)
    paid = await pledge(world, live, 10_000, tier=tier)
    waiting = await pledge(world, live, 5_000, tier=tier)
    await received(world, paid.payment_reference)
    world.clock.advance(days=30)
    report = await settlement.settle(
        uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    assert world.status_of(live.id) is S.FAILED
    assert report.decided == 1 and report.refunded == 1 and report.cancelled == 1
    async with world.uow() as uow:
        assert (await uow.pledges.get(paid.id)).refundable == eur(0)  # type: ignore[union-attr]
        assert (await uow.pledges.get(waiting.id)).status is PledgeStatus.CANCELLED  # type: ignore[union-attr]
        assert (await uow.tiers.get(tier.id)).claimed == 1  # type: ignore[union-attr]
        assert [r.status for r in await uow.refunds.of_pledge(paid.id)] == [
            RefundStatus.TO_PAY_BACK
        ]
    assert (await world.campaign(live.id)).current_totals.pledged == eur(0)
    rerun = await settlement.settle(
        uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    assert rerun.total() == 0


async def test_a_campaign_that_reached_its_goal_succeeds_and_keeps_the_money():
    world = World()
    live = await world.live(goal=10_000)
    paid = await pledge(world, live, 10_000)
    await received(world, paid.payment_reference)
    world.clock.advance(days=30)
    await settlement.settle(
        uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    assert world.status_of(live.id) is S.SUCCEEDED
    assert (await world.campaign(live.id)).current_totals.pledged == eur(10_000)
    paid_out = await campaigns.mark_paid_out(
        live.id, world.admin, uow=world.uow(), clock=world.clock
    )
    assert paid_out.status is S.PAID_OUT


async def test_keep_it_all_succeeds_with_any_money_and_the_minimum_level_decides_all_or_nothing():
    world = World()
    kia = await world.live(goal=100_000, model=FundingModel.KEEP_IT_ALL)
    paid = await pledge(world, kia, 1_000)
    await received(world, paid.payment_reference)
    world.clock.advance(days=30)
    await settlement.settle(
        uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    assert world.status_of(kia.id) is S.SUCCEEDED


async def test_a_cancelled_live_campaign_gives_everything_back():
    world = World()
    live = await world.live()
    paid = await pledge(world, live, 8_000)
    await received(world, paid.payment_reference)
    await campaigns.cancel_campaign(live.id, world.moderator, uow=world.uow(), clock=world.clock)
    await settlement.settle(
        uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    async with world.uow() as uow:
        assert (await uow.pledges.get(paid.id)).refundable == eur(0)  # type: ignore[union-attr]
    assert any(
        isinstance(e, PledgeStatusChanged) and e.new_status == "captured"
        for e in world.store.outbox
    )


async def test_a_transfer_that_arrives_late_is_recorded_and_given_back_where_it_failed():
    world = World()
    live = await world.live(goal=100_000)
    made = await pledge(world, live, 5_000)
    world.clock.advance(days=30)
    await settlement.settle(
        uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    async with world.uow() as uow:
        assert (await uow.pledges.get(made.id)).status is PledgeStatus.CANCELLED  # type: ignore[union-attr]
    report = await received(world, made.payment_reference)
    assert report.late == [made.id] and report.received == [] and report.already == []
    await settlement.settle(
        uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    async with world.uow() as uow:
        [back] = await uow.refunds.of_pledge(made.id)
    assert back.amount == eur(5_000) and back.status is RefundStatus.TO_PAY_BACK


async def test_an_unpaid_transfer_lets_its_reward_go_after_two_weeks():
    world = World()
    live = await world.live(days=60)
    tier = await world.tier(live, quantity=1)
    made = await pledge(world, live, tier=tier)
    world.clock.advance(days=13)
    await settlement.settle(
        uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    with pytest.raises(RewardSoldOut):
        await pledge(world, live, tier=tier)
    world.clock.advance(days=2)
    await settlement.settle(
        uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    again = await pledge(world, live, tier=tier)
    assert again.tier_id == tier.id
    async with world.uow() as uow:
        assert (await uow.pledges.get(made.id)).status is PledgeStatus.CANCELLED  # type: ignore[union-attr]


async def test_a_claimed_reward_keeps_its_minimum_and_stays():
    world = World()
    live = await world.live()
    tier = await world.tier(live, minimum=2_500)
    await pledge(world, live, 5_000, tier=tier)
    cmd = tiers.TierInput(tier.title, 3_000, tier.kind)
    with pytest.raises(InvalidInput):
        await tiers.edit_tier(live.id, tier.id, cmd, world.author, uow=world.uow())
    with pytest.raises(TransitionNotAllowed):
        await tiers.remove_tier(live.id, tier.id, world.author, uow=world.uow())

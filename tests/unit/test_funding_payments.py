"""Card payments through the gateway port, on fakes: the all-or-nothing promise (nobody charged
unless the goal is met, cards saved instead of held), keep-it-all at once, the retry window of
a declined charge, crashes between the gateway call and the commit, two workers, webhook
events in any order and twice, and a provider that is down."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.funding import campaigns, pledges, refunds, settlement
from domain.funding.errors import (
    CardNotReplaceable,
    PaymentNotConfirmed,
    PaymentsUnavailable,
    PledgeNotFound,
)
from domain.funding.events import PledgeChargeFailed
from domain.funding.model import CampaignStatus, FundingModel, Pledge, PledgeStatus, RefundStatus
from domain.funding.payment_events import apply_payment_event
from domain.funding.ports import PaymentEvent, PaymentEventKind
from tests.fakes_payments import FakeGateway, FakeRefund, bank_gateway
from tests.unit.funding_setup import World, eur, person


def stripe_world() -> tuple[World, FakeGateway]:
    gateway = FakeGateway()
    return World(gateway), gateway


async def pledge(world: World, campaign, amount: int = 5_000, *, tier=None, key=None):  # type: ignore[no-untyped-def]
    return await pledges.make_pledge(
        pledges.PledgeInput(campaign.id, eur(amount), tier.id if tier else None),
        person(),
        idempotency_key=key,
        uow=world.uow(),
        gateways=world.gateways,
        clock=world.clock,
        ids=world.ids,
    )


async def secured(
    world: World, gateway: FakeGateway, campaign, amount: int = 5_000, tier=None
) -> Pledge:  # type: ignore[no-untyped-def]
    made = await pledge(world, campaign, amount, tier=tier)
    gateway.confirm_setup(made.id)
    return await pledges.confirm_pledge(
        made.id,
        world.moderator,
        uow=world.uow(),
        gateways=world.gateways,
        clock=world.clock,
        ids=world.ids,
    )


async def settle(world: World) -> settlement.SettlementReport:
    return await settlement.settle(
        uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )


async def current(world: World, pledge_id: uuid.UUID) -> Pledge:
    async with world.uow() as uow:
        found = await uow.pledges.get(pledge_id)
    assert found is not None
    return found


async def test_a_card_pledge_is_set_up_not_charged_and_counts_once_the_card_is_saved():
    world, gateway = stripe_world()
    live = await world.live()
    made = await pledge(world, live, 5_000)
    assert made.status is PledgeStatus.PENDING and made.client_secret
    with pytest.raises(PaymentNotConfirmed):
        await pledges.confirm_pledge(
            made.id,
            world.moderator,
            uow=world.uow(),
            gateways=world.gateways,
            clock=world.clock,
            ids=world.ids,
        )
    gateway.confirm_setup(made.id)
    done = await pledges.confirm_pledge(
        made.id,
        world.moderator,
        uow=world.uow(),
        gateways=world.gateways,
        clock=world.clock,
        ids=world.ids,
    )
    assert done.status is PledgeStatus.SECURED and done.method_ref
    assert (await world.campaign(live.id)).current_totals.pledged == eur(5_000)
    assert gateway.charges == []  # all-or-nothing: nothing is taken before the end


async def test_all_or_nothing_charges_everyone_once_when_the_goal_is_met():
    world, gateway = stripe_world()
    live = await world.live(goal=10_000)
    a = await secured(world, gateway, live, 6_000)
    b = await secured(world, gateway, live, 4_000)
    await settle(world)
    assert gateway.charges == []  # still running
    world.clock.advance(days=30)
    report = await settle(world)
    assert world.status_of(live.id) is CampaignStatus.SUCCEEDED
    assert report.charged == 2
    assert sorted(c.amount.amount for c in gateway.charges) == [4_000, 6_000]
    assert {(await current(world, p.id)).status for p in (a, b)} == {PledgeStatus.CAPTURED}
    assert (await world.campaign(live.id)).current_totals.pledged == eur(10_000)
    await settle(world)
    assert len(gateway.charges) == 2  # a second run charges nobody again


async def test_a_failed_all_or_nothing_campaign_charges_nobody_and_lets_the_cards_go():
    world, gateway = stripe_world()
    live = await world.live(goal=100_000)
    tier = await world.tier(live, quantity=3)
    saved = await secured(world, gateway, live, 5_000, tier=tier)
    unconfirmed = await pledge(world, live, 5_000)
    world.clock.advance(days=30)
    await settle(world)
    assert world.status_of(live.id) is CampaignStatus.FAILED
    assert gateway.charges == [] and set(gateway.released) == {saved.id, unconfirmed.id}
    assert (await current(world, saved.id)).status is PledgeStatus.RELEASED
    assert (await current(world, unconfirmed.id)).status is PledgeStatus.CANCELLED
    totals = (await world.campaign(live.id)).current_totals
    assert totals.pledged == eur(0) and totals.backers == 0
    async with world.uow() as uow:
        assert (await uow.tiers.get(tier.id)).claimed == 0  # type: ignore[union-attr]


async def test_the_minimum_level_decides_an_all_or_nothing_campaign():
    world, gateway = stripe_world()
    made = await world.draft(goal=100_000)
    lower = replace(made.terms, minimum=eur(5_000))
    await campaigns.edit_campaign(
        made.id,
        lambda _: campaigns.CampaignInput(made.content, lower),
        world.author,
        uow=world.uow(),
        clock=world.clock,
    )
    await campaigns.submit_campaign(
        made.id, world.author, uow=world.uow(), clock=world.clock, auto_approve=True
    )
    await secured(world, gateway, made, 5_000)
    world.clock.advance(days=30)
    await settle(world)
    assert world.status_of(made.id) is CampaignStatus.SUCCEEDED
    assert [c.amount.amount for c in gateway.charges] == [5_000]


async def test_keep_it_all_takes_the_money_as_soon_as_the_card_is_saved():
    world, gateway = stripe_world()
    live = await world.live(model=FundingModel.KEEP_IT_ALL)
    made = await secured(world, gateway, live, 3_000)
    after = await settlement.settle_now(
        made, uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    assert after.status is PledgeStatus.CAPTURED
    assert [c.amount.amount for c in gateway.charges] == [3_000]


async def test_a_declined_charge_is_retried_in_a_window_with_word_to_the_backer_then_fails():
    world, gateway = stripe_world()
    live = await world.live(goal=5_000)
    tier = await world.tier(live, quantity=5)
    made = await secured(world, gateway, live, 5_000, tier=tier)
    gateway.decline(made.id, "insufficient_funds")
    world.clock.advance(days=30)
    await settle(world)
    first = await current(world, made.id)
    assert first.status is PledgeStatus.SECURED and first.charge_attempts == 1
    assert first.next_charge_at == world.clock.now() + timedelta(days=1)
    told = [e for e in world.store.outbox if isinstance(e, PledgeChargeFailed)]
    assert [(e.attempt, e.reason) for e in told] == [(1, "insufficient_funds")]
    await settle(world)
    assert len(gateway.declined) == 1  # not before its time
    for _ in range(6):
        world.clock.advance(days=3)
        await settle(world)
    keys = [key for _, key in gateway.declined]
    assert len(set(keys)) == len(keys)  # each attempt its own key
    final = await current(world, made.id)
    assert final.status is PledgeStatus.FAILED
    assert final.charge_attempts == len(keys)
    assert world.clock.now() - world.store.campaigns[live.id].terms.ends_at > timedelta(days=7)
    totals = (await world.campaign(live.id)).current_totals
    assert totals.pledged == eur(0) and totals.backers == 0  # the campaign's outcome stays
    assert world.status_of(live.id) is CampaignStatus.SUCCEEDED
    async with world.uow() as uow:
        assert (await uow.tiers.get(tier.id)).claimed == 0  # type: ignore[union-attr]


async def test_a_card_fixed_within_the_window_is_charged_on_the_next_attempt():
    world, gateway = stripe_world()
    live = await world.live(goal=5_000)
    made = await secured(world, gateway, live, 5_000)
    gateway.decline(made.id)
    world.clock.advance(days=30)
    await settle(world)
    gateway.stop_declining(made.id)
    world.clock.advance(days=1)
    await settle(world)
    assert (await current(world, made.id)).status is PledgeStatus.CAPTURED
    assert [c.key for c in gateway.charges] == [f"pledge-{made.id}-charge-2"]


async def test_a_crash_between_the_charge_and_its_commit_never_charges_twice():
    # The commit after the charge fails: the process died between the two.
    world2, gateway2 = stripe_world()
    live2 = await world2.live(goal=5_000)
    made2 = await secured(world2, gateway2, live2, 5_000)
    world2.clock.advance(days=30)
    report = settlement.SettlementReport()
    await settlement.decide_campaigns(uow=world2.uow(), clock=world2.clock, report=report)
    async with world2.uow() as uow:
        [item] = await uow.pledges.due_for_settlement(world2.clock.now(), limit=10)
    crashing = world2.uow()
    commits = {"n": 0}
    real_commit = crashing.commit

    async def commit_then_die() -> None:
        commits["n"] += 1
        if commits["n"] == 2:  # the first commit is the lease; the second the charge's result
            raise RuntimeError("killed between the gateway call and the commit")
        await real_commit()

    crashing.commit = commit_then_die  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await settlement.settle_pledge(
            item,
            uow=crashing,
            gateways=world2.gateways,
            clock=world2.clock,
            ids=world2.ids,
            report=report,
        )
    assert len(gateway2.charges) == 1
    assert (await current(world2, made2.id)).status is PledgeStatus.SECURED
    await settle(world2)
    assert len(gateway2.charges) == 1  # leased: nobody touches it while the lease runs
    world2.clock.advance(minutes=6)
    await settle(world2)
    assert len(gateway2.charges) == 1  # the same key again: the first charge's answer
    done = await current(world2, made2.id)
    assert done.status is PledgeStatus.CAPTURED and done.charge_ref == gateway2.charges[0].ref


async def test_an_answer_lost_after_the_provider_charged_is_recovered_with_the_same_key():
    world, gateway = stripe_world()
    live = await world.live(goal=5_000)
    made = await secured(world, gateway, live, 5_000)
    world.clock.advance(days=30)
    gateway.lose_next_answers(1)
    report = await settle(world)
    assert report.unavailable == 1 and len(gateway.charges) == 1
    world.clock.advance(minutes=6)
    await settle(world)
    assert len(gateway.charges) == 1
    assert (await current(world, made.id)).status is PledgeStatus.CAPTURED


async def test_two_workers_settling_at_once_charge_each_pledge_once():
    world, gateway = stripe_world()
    live = await world.live(goal=5_000)
    for _ in range(5):
        await secured(world, gateway, live, 2_000)
    world.clock.advance(days=30)
    await asyncio.gather(settle(world), settle(world))
    assert len(gateway.charges) == 5
    assert len({c.pledge_id for c in gateway.charges}) == 5


async def test_a_provider_down_at_pledge_time_leaves_a_pledge_the_retry_finishes():
    world, gateway = stripe_world()
    live = await world.live()
    tier = await world.tier(live, quantity=1)
    backer = person()

    async def attempt() -> Pledge:
        return await pledges.make_pledge(
            pledges.PledgeInput(live.id, eur(5_000), tier.id),
            backer,
            idempotency_key="k",
            uow=world.uow(),
            gateways=world.gateways,
            clock=world.clock,
            ids=world.ids,
        )

    gateway.down = True
    with pytest.raises(PaymentsUnavailable):
        await attempt()
    [stored] = [p for _, p in world.store.pledges.values()]
    assert stored.payment_reference == ""
    gateway.down = False
    finished = await attempt()
    assert finished.id == stored.id and finished.client_secret
    assert len(world.store.pledges) == 1
    async with world.uow() as uow:
        assert (await uow.tiers.get(tier.id)).claimed == 1  # type: ignore[union-attr]


async def test_an_unfinished_pledge_is_cancelled_and_its_reward_freed_after_an_hour():
    world, gateway = stripe_world()
    live = await world.live()
    tier = await world.tier(live, quantity=1)
    gateway.down = True
    with pytest.raises(PaymentsUnavailable):
        await pledge(world, live, tier=tier)
    gateway.down = False
    world.clock.advance(minutes=59)
    await settle(world)
    async with world.uow() as uow:
        assert (await uow.tiers.get(tier.id)).claimed == 1  # type: ignore[union-attr]
    world.clock.advance(minutes=2)
    await settle(world)
    async with world.uow() as uow:
        assert (await uow.tiers.get(tier.id)).claimed == 0  # type: ignore[union-attr]
    await pledge(world, live, tier=tier)  # the unit is back


async def test_a_refund_the_provider_did_not_answer_is_retried_with_its_key_once():
    world, gateway = stripe_world()
    live = await world.live(model=FundingModel.KEEP_IT_ALL)
    made = await secured(world, gateway, live, 10_000)
    await settlement.settle_now(
        made, uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    gateway.lose_next_answers(1)
    refund = await refunds.refund_pledge(
        refunds.RefundInput(made.id, 4_000),
        world.admin,
        idempotency_key=None,
        uow=world.uow(),
        gateways=world.gateways,
        clock=world.clock,
        ids=world.ids,
    )
    assert refund.status is RefundStatus.PENDING
    assert (await world.campaign(live.id)).current_totals.pledged == eur(6_000)
    world.clock.advance(minutes=6)
    await settle(world)
    assert [r.amount.amount for r in gateway.refunds] == [4_000]
    async with world.uow() as uow:
        assert (await uow.refunds.get(refund.id)).status is RefundStatus.SUCCEEDED  # type: ignore[union-attr]


# Webhook events -------------------------------------------------------------------------


def _events(pledge_id: uuid.UUID) -> list[PaymentEvent]:
    def event(n: int, kind: PaymentEventKind, **fields: object) -> PaymentEvent:
        return PaymentEvent("stripe", f"evt_{n}", kind, pledge_id=pledge_id, **fields)  # type: ignore[arg-type]

    return [
        event(1, PaymentEventKind.METHOD_SAVED, reference="seti_x", method_ref="pm_x"),
        event(2, PaymentEventKind.CHARGE_FAILED, reference="pi_0"),
        event(3, PaymentEventKind.CHARGE_SUCCEEDED, reference="pi_1"),
        event(4, PaymentEventKind.REFUNDED, reference="pi_1", amount_refunded=1_500),
        event(5, PaymentEventKind.REFUNDED, reference="pi_1", amount_refunded=4_000),
        event(6, PaymentEventKind.CANCELED, reference="seti_x"),
        event(7, PaymentEventKind.OTHER),
    ]


async def _state_after(order: list[PaymentEvent]) -> tuple:
    world, _gateway = stripe_world()
    live = await world.live(model=FundingModel.KEEP_IT_ALL)
    # Ids are sequential per world: the same pledge id in every world.
    made = await pledge(world, live, 10_000)
    for event in order:
        await apply_payment_event(
            PaymentEvent(
                event.provider,
                event.event_id,
                event.kind,
                pledge_id=made.id,
                reference=event.reference,
                method_ref=event.method_ref,
                amount_refunded=event.amount_refunded,
            ),
            uow=world.uow(),
            clock=world.clock,
        )
    final = await current(world, made.id)
    totals = (await world.campaign(live.id)).current_totals
    return final.status, final.refunded, final.method_ref, final.charge_ref, totals


async def test_webhook_events_delivered_twice_in_any_order_end_in_the_same_state():
    events = _events(uuid.uuid4())
    expected = await _state_after(events)
    assert expected[0] is PledgeStatus.CAPTURED and expected[1] == eur(4_000)
    assert expected[4].pledged == eur(6_000) and expected[4].backers == 1
    shuffler = random.Random(20)
    for _ in range(40):
        twice = events * 2
        shuffler.shuffle(twice)
        assert await _state_after(twice) == expected


async def test_a_duplicate_event_is_applied_once():
    world, _gateway = stripe_world()
    live = await world.live(model=FundingModel.KEEP_IT_ALL)
    made = await pledge(world, live, 10_000)
    captured = PaymentEvent(
        "stripe", "evt_a", PaymentEventKind.CHARGE_SUCCEEDED, pledge_id=made.id, reference="pi"
    )
    assert await apply_payment_event(captured, uow=world.uow(), clock=world.clock) is True
    assert await apply_payment_event(captured, uow=world.uow(), clock=world.clock) is False
    assert (await world.campaign(live.id)).current_totals.backers == 1


async def test_events_of_unknown_pledges_are_noted_and_change_nothing():
    world, _gateway = stripe_world()
    ghost = PaymentEvent(
        "stripe", "evt_g", PaymentEventKind.CHARGE_SUCCEEDED, pledge_id=uuid.uuid4()
    )
    assert await apply_payment_event(ghost, uow=world.uow(), clock=world.clock) is False
    assert world.store.pledges == {}


async def test_a_backer_whose_card_was_declined_saves_another_which_is_charged_at_once():
    world, gateway = stripe_world()
    live = await world.live(goal=5_000)
    backer = person()
    made = await pledges.make_pledge(
        pledges.PledgeInput(live.id, eur(5_000)),
        backer,
        idempotency_key=None,
        uow=world.uow(),
        gateways=world.gateways,
        clock=world.clock,
        ids=world.ids,
    )
    gateway.confirm_setup(made.id, "pm_old")
    await pledges.confirm_pledge(
        made.id, backer, uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    with pytest.raises(CardNotReplaceable):  # nothing was declined yet
        await pledges.new_card(
            made.id, backer, uow=world.uow(), gateways=world.gateways, clock=world.clock
        )
    gateway.decline(made.id)
    world.clock.advance(days=30)
    await settle(world)
    with pytest.raises(PledgeNotFound):  # the backer's card only
        await pledges.new_card(
            made.id, world.moderator, uow=world.uow(), gateways=world.gateways, clock=world.clock
        )
    again = await pledges.new_card(
        made.id, backer, uow=world.uow(), gateways=world.gateways, clock=world.clock
    )
    assert again.client_secret and again.client_secret != made.client_secret
    gateway.stop_declining(made.id)
    gateway.confirm_setup(made.id, "pm_new")
    done = await pledges.confirm_pledge(
        made.id, backer, uow=world.uow(), gateways=world.gateways, clock=world.clock, ids=world.ids
    )
    assert done.status is PledgeStatus.CAPTURED and done.method_ref == "pm_new"
    assert [c.amount.amount for c in gateway.charges] == [5_000]


async def test_a_refund_the_provider_refuses_for_good_fails_and_gives_the_amount_back():
    world, gateway = stripe_world()
    live = await world.live(model=FundingModel.KEEP_IT_ALL)
    made = await secured(world, gateway, live, 10_000)
    # Refunded in Stripe's dashboard already: Stripe refuses ours as too large.
    charge = gateway.charges[0]
    gateway.refunds.append(FakeRefund("re_dash", made.id, charge.ref, eur(10_000), "dash"))
    refund = await refunds.refund_pledge(
        refunds.RefundInput(made.id, 4_000),
        world.admin,
        idempotency_key=None,
        uow=world.uow(),
        gateways=world.gateways,
        clock=world.clock,
        ids=world.ids,
    )
    assert refund.status is RefundStatus.FAILED
    assert (await current(world, made.id)).refunded == eur(0)
    assert (await world.campaign(live.id)).current_totals.pledged == eur(10_000)


async def test_one_pledge_whose_provider_is_gone_does_not_stop_the_others():
    world, gateway = stripe_world()
    live = await world.live(goal=1_000)
    stuck = await secured(world, gateway, live, 1_000)
    world.gateways.current_gateway = bank_gateway()  # the tenant switched; Stripe is gone
    fine = await pledge(world, live, 2_000)
    world.clock.advance(days=30)
    report = await settle(world)
    assert world.status_of(live.id) is CampaignStatus.SUCCEEDED
    assert report.errors == 1 and gateway.charges == []
    assert (await current(world, stuck.id)).status is PledgeStatus.SECURED
    assert (await current(world, fine.id)).status is PledgeStatus.CANCELLED  # never paid

"""The rules of the money path, without I/O: money, a campaign's lifecycle and terms, reward
stock and refunds."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import InvalidInput
from domain.funding.errors import RefundTooLarge, RewardSoldOut, TransitionNotAllowed
from domain.funding.model import (
    Campaign,
    CampaignContent,
    CampaignStatus,
    CampaignTerms,
    FundingModel,
    Money,
    Pledge,
    PledgeStatus,
    RewardKind,
    RewardTier,
    Totals,
    pledge_problems,
)
from domain.languages import LocalizedText

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
S = CampaignStatus


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def terms(**changes) -> CampaignTerms:  # type: ignore[no-untyped-def]
    values = {
        "goal": eur(500_000),
        "funding_model": FundingModel.ALL_OR_NOTHING,
        "starts_at": NOW,
        "ends_at": NOW + timedelta(days=30),
    } | changes
    return CampaignTerms(**values)


def campaign(**changes) -> Campaign:  # type: ignore[no-untyped-def]
    values = {
        "id": uuid.uuid4(),
        "tenant_id": uuid.uuid4(),
        "owner_id": uuid.uuid4(),
        "content": CampaignContent(title=LocalizedText.single("de", "Ein Dorfladen")),
        "terms": terms(),
        "created_at": NOW,
        "updated_at": NOW,
    } | changes
    return Campaign(**values)


def test_money_is_whole_minor_units_of_one_currency():
    assert eur(150) + eur(50) == eur(200)
    with pytest.raises(InvalidInput):
        eur(1) + Money(1, "CHF")
    for bad in ((1.5, "EUR"), (True, "EUR"), (1, "eur"), (10**16, "EUR")):
        with pytest.raises(InvalidInput):
            Money(*bad)


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (S.DRAFT, S.IN_REVIEW, True),
        (S.IN_REVIEW, S.LIVE, True),
        (S.IN_REVIEW, S.DRAFT, True),
        (S.LIVE, S.SUCCEEDED, True),
        (S.LIVE, S.FAILED, True),
        (S.SUCCEEDED, S.PAID_OUT, True),
        (S.LIVE, S.CANCELLED, True),
        (S.DRAFT, S.LIVE, False),
        (S.FAILED, S.SUCCEEDED, False),
        (S.SUCCEEDED, S.CANCELLED, False),
        (S.PAID_OUT, S.LIVE, False),
        (S.CANCELLED, S.DRAFT, False),
    ],
)
def test_a_campaign_moves_only_along_its_lifecycle(start, target, allowed):
    before = campaign(status=start)
    if allowed:
        after = before.moved_to(target, NOW)
        assert after.status is target and after.version == before.version + 1
    else:
        with pytest.raises(TransitionNotAllowed):
            before.moved_to(target, NOW)


def test_terms_are_checked_on_construction():
    with pytest.raises(InvalidInput) as refused:
        terms(goal=eur(0), ends_at=NOW, minimum=eur(10))
    assert {p.field for p in refused.value.problems} == {"goal", "ends_at", "minimum"}
    with pytest.raises(InvalidInput):
        terms(minimum=eur(600_000))  # more than the goal


def test_after_the_first_pledge_the_goal_and_end_only_grow():
    live = campaign(status=S.LIVE, first_pledge_at=NOW)
    longer = live.with_terms(terms(goal=eur(600_000), ends_at=NOW + timedelta(days=40)), NOW)
    assert longer.terms.goal == eur(600_000)
    for changes, field in (
        ({"goal": eur(400_000)}, "goal"),
        ({"ends_at": NOW + timedelta(days=20)}, "ends_at"),
        ({"funding_model": FundingModel.KEEP_IT_ALL}, "funding_model"),
        ({"starts_at": NOW - timedelta(days=1)}, "starts_at"),
    ):
        with pytest.raises(InvalidInput) as refused:
            live.with_terms(terms(**changes), NOW)
        assert refused.value.problems[0].field == field
    # Before any pledge a live campaign may still lower its goal.
    unpledged = campaign(status=S.LIVE)
    assert unpledged.with_terms(terms(goal=eur(100_000)), NOW).terms.goal == eur(100_000)
    with pytest.raises(TransitionNotAllowed):
        campaign(status=S.SUCCEEDED).with_terms(terms(), NOW)


def test_an_all_or_nothing_campaign_succeeds_at_its_threshold_and_keep_it_all_with_any_money():
    def ended(model, pledged, minimum=None):  # type: ignore[no-untyped-def]
        return campaign(
            status=S.LIVE,
            terms=terms(funding_model=model, minimum=minimum),
            totals=Totals(eur(pledged), 3),
        ).outcome()

    assert ended(FundingModel.ALL_OR_NOTHING, 499_999) is S.FAILED
    assert ended(FundingModel.ALL_OR_NOTHING, 500_000) is S.SUCCEEDED
    assert ended(FundingModel.ALL_OR_NOTHING, 300_000, minimum=eur(250_000)) is S.SUCCEEDED
    assert ended(FundingModel.KEEP_IT_ALL, 1) is S.SUCCEEDED
    assert ended(FundingModel.KEEP_IT_ALL, 0) is S.FAILED


def test_pledges_are_taken_while_live_and_running_only():
    live = campaign(status=S.LIVE)
    assert live.takes_pledges(NOW + timedelta(days=1))
    assert not live.takes_pledges(NOW - timedelta(seconds=1))
    assert not live.takes_pledges(NOW + timedelta(days=30))
    assert not campaign(status=S.IN_REVIEW).takes_pledges(NOW + timedelta(days=1))
    assert live.days_left(NOW + timedelta(days=29, hours=1)) == 1
    assert live.days_left(NOW + timedelta(days=31)) == 0
    assert Totals(eur(125_000), 4).percent_of(eur(500_000)) == 25


def test_a_limited_reward_is_never_claimed_beyond_its_quantity():
    tier = RewardTier(
        uuid.uuid4(), uuid.uuid4(), LocalizedText.single("de", "Gutschein"), eur(2000),
        RewardKind.VOUCHER, quantity=2,
    )  # fmt: skip
    claimed = tier.claim().claim()
    assert claimed.remaining == 0
    with pytest.raises(RewardSoldOut):
        claimed.claim()
    unlimited = replace(tier, quantity=None)
    assert unlimited.claim().remaining is None
    with pytest.raises(InvalidInput):
        replace(tier, quantity=0)


def test_a_pledge_is_at_least_its_rewards_minimum_in_the_campaigns_currency():
    live = campaign(status=S.LIVE)
    tier = RewardTier(
        uuid.uuid4(), live.id, LocalizedText.single("de", "Dank"), eur(1000), RewardKind.THANKS
    )
    assert pledge_problems(eur(1000), live, tier) == []
    assert pledge_problems(eur(999), live, tier)[0].field == "amount"
    assert pledge_problems(Money(1000, "CHF"), live, tier)[0].field == "amount.currency"
    assert pledge_problems(eur(0), live, None)[0].field == "amount"


def test_refunds_together_never_exceed_what_was_captured():
    pledge = Pledge(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), eur(5000), NOW)
    with pytest.raises(RefundTooLarge):
        pledge.refund(eur(1))  # nothing captured yet
    captured = replace(pledge, status=PledgeStatus.CAPTURED)
    partly = captured.refund(eur(2000)).refund(eur(2500))
    assert partly.refunded == eur(4500) and partly.refundable == eur(500)
    with pytest.raises(RefundTooLarge):
        partly.refund(eur(501))
    with pytest.raises(InvalidInput):
        partly.refund(eur(0))
    assert not pledge.counted and captured.counted


def test_a_campaign_is_decided_only_when_live_and_past_its_end():
    live = campaign(status=S.LIVE, totals=Totals(eur(500_000), 10))
    with pytest.raises(TransitionNotAllowed):
        live.decided(NOW + timedelta(days=29))
    assert live.decided(NOW + timedelta(days=30)).status is S.SUCCEEDED
    assert campaign(status=S.LIVE).decided(NOW + timedelta(days=31)).status is S.FAILED
    with pytest.raises(TransitionNotAllowed):
        campaign(status=S.IN_REVIEW).decided(NOW + timedelta(days=31))


def test_money_of_two_currencies_is_never_compared_or_mixed():
    with pytest.raises(TypeError):
        _ = eur(5) < Money(10, "USD")  # type: ignore[operator]
    for bad_currency in ("EUR\n", "eur", 978):
        with pytest.raises(InvalidInput):
            Money(1, bad_currency)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        Totals(Money(1, "CHF")).percent_of(eur(100))


def test_terms_keep_their_limits_after_the_first_pledge_and_overall():
    with pytest.raises(InvalidInput):
        terms(ends_at=NOW + timedelta(days=120))  # saved cards are not held for months
    live = campaign(status=S.LIVE, first_pledge_at=NOW, terms=terms(minimum=eur(300_000)))
    with pytest.raises(InvalidInput) as refused:
        live.with_terms(terms(minimum=eur(200_000)), NOW)
    assert refused.value.problems[0].field == "minimum"
    with pytest.raises(InvalidInput) as both:
        live.with_terms(terms(goal=Money(100, "CHF"), ends_at=NOW + timedelta(days=10)), NOW)
    assert {p.field for p in both.value.problems} == {"goal.currency", "ends_at"}


def test_a_refunded_pledge_no_longer_counts_and_another_campaigns_reward_is_refused():
    pledge = Pledge(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), eur(5000), NOW)
    captured = replace(pledge, status=PledgeStatus.CAPTURED)
    assert captured.refund(eur(2000)).counted_amount == eur(3000)
    assert not captured.refund(eur(5000)).counted
    assert replace(pledge, status=PledgeStatus.SECURED).counted_amount == eur(5000)
    live = campaign(status=S.LIVE)
    elsewhere = RewardTier(
        uuid.uuid4(), uuid.uuid4(), LocalizedText.single("de", "Dank"), eur(100), RewardKind.THANKS
    )
    assert pledge_problems(eur(500), live, elsewhere)[0].field == "tier_id"


def test_a_pledge_is_one_euro_to_stripes_largest_charge_and_totals_may_sum_beyond():
    live = campaign(status=S.LIVE)
    assert pledge_problems(eur(99), live, None)[0].field == "amount"
    assert pledge_problems(eur(100_000_000), live, None)[0].field == "amount"
    assert pledge_problems(eur(99_999_999), live, None) == []
    many = Totals(eur(10**14), 1_000_000)  # far beyond any goal, and still read back
    assert many.percent_of(eur(100)) == 10**14

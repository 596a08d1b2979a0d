"""Campaigns, their reward tiers and pledges: the rules of the money path, without I/O.

Money is integer minor units in one currency (the tenant's). A campaign runs
draft -> in_review -> live -> succeeded | failed, a succeeded one -> paid_out, and anything
before an outcome may be cancelled. Once a campaign has its first pledge, its goal cannot be
lowered nor its end brought forward: backers pledged on those terms."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from domain.errors import FieldProblem, InvalidInput
from domain.funding.errors import RefundTooLarge, RewardSoldOut, TransitionNotAllowed
from domain.geo import GeoPoint
from domain.languages import EMPTY, LocalizedText

_CURRENCY = re.compile(r"[A-Z]{3}")
MAX_DAYS = 120  # the longest a campaign may run: saved payment methods are not held for years
# Any amount held, totals included: exact as a JSON number (below 2^53) and in a BIGINT.
MAX_AMOUNT = 10**15
MAX_GOAL = 100_000_000_00  # a hundred million in minor units: no city campaign is larger
# One pledge: at least 1.00 (Stripe charges no less than 0.50), at most Stripe's largest
# charge (999,999.99); a bank transfer of more is no crowdfunding pledge either.
MIN_PLEDGE, MAX_PLEDGE = 100, 99_999_999


@dataclass(frozen=True)
class Money:
    """An amount in minor units (cents) of one currency; never a float. Amounts of two
    currencies are never added, subtracted or compared."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.currency, str) or not _CURRENCY.fullmatch(self.currency):
            raise InvalidInput([FieldProblem("currency", "is not an ISO 4217 code like EUR")])
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidInput([FieldProblem("amount", "must be whole minor units")])
        if not -MAX_AMOUNT <= self.amount <= MAX_AMOUNT:
            raise InvalidInput([FieldProblem("amount", "is out of range")])

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInput(
                [FieldProblem("currency", f"must be {self.currency}, not {other.currency}")]
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def at_least(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount


class FundingModel(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"  # nobody is charged unless the goal is reached
    KEEP_IT_ALL = "keep_it_all"  # every pledge is captured when made


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    LIVE = "live"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PAID_OUT = "paid_out"
    CANCELLED = "cancelled"


S = CampaignStatus
TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.CANCELLED}),
    S.IN_REVIEW: frozenset({S.LIVE, S.DRAFT, S.CANCELLED}),  # approved, or sent back
    S.LIVE: frozenset({S.SUCCEEDED, S.FAILED, S.CANCELLED}),
    S.SUCCEEDED: frozenset({S.PAID_OUT}),
    S.FAILED: frozenset(),
    S.PAID_OUT: frozenset(),
    S.CANCELLED: frozenset(),
}


class RewardKind(StrEnum):
    VOUCHER = "voucher"  # a code redeemable at a business
    THANKS = "thanks"
    ITEM = "item"
    EXPERIENCE = "experience"


@dataclass(frozen=True)
class CampaignTerms:
    """What backers pledge on: the goal, the model and the time the campaign runs."""

    goal: Money
    funding_model: FundingModel
    starts_at: datetime
    ends_at: datetime
    # Startnext's "Startlevel": the least an all-or-nothing campaign must reach to succeed
    # (at most its goal); None: the goal itself.
    minimum: Money | None = None

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.goal.amount <= MAX_GOAL:
            problems.append(FieldProblem("goal", f"must be more than zero, at most {MAX_GOAL}"))
        if self.ends_at <= self.starts_at:
            problems.append(FieldProblem("ends_at", "must be after starts_at"))
        elif (self.ends_at - self.starts_at).days >= MAX_DAYS:
            problems.append(FieldProblem("ends_at", f"a campaign runs less than {MAX_DAYS} days"))
        if self.minimum is not None:
            if self.minimum.currency != self.goal.currency:
                problems.append(FieldProblem("minimum", "must be in the goal's currency"))
            elif not 0 < self.minimum.amount <= self.goal.amount:
                problems.append(FieldProblem("minimum", "must be more than zero, at most the goal"))
        if problems:
            raise InvalidInput(problems)

    @property
    def threshold(self) -> Money:
        return self.minimum or self.goal


@dataclass(frozen=True)
class CampaignContent:
    """What a campaign says about itself, in the tenant's languages."""

    title: LocalizedText
    summary: LocalizedText = EMPTY
    description: LocalizedText = EMPTY
    image_ids: tuple[UUID, ...] = ()
    category_id: UUID | None = None
    location: GeoPoint | None = None


@dataclass(frozen=True)
class Totals:
    """Kept by the pledges' own statements, so they always equal the sum of counted pledges."""

    pledged: Money
    backers: int = 0

    def percent_of(self, goal: Money) -> int:
        goal._same(self.pledged)
        return self.pledged.amount * 100 // goal.amount if goal.amount > 0 else 0


@dataclass(frozen=True)
class CampaignOrigin:
    """A campaign a partner platform runs and syncs here by its own id: not on this ledger.
    Backers pledge at `pledge_url`; its totals are the partner's (set by its upserts)."""

    external_id: str
    platform: str  # the partner platform's name, to credit it
    pledge_url: str


@dataclass(frozen=True)
class Campaign:
    id: UUID
    tenant_id: UUID
    owner_id: UUID | None  # the account that runs it; None: a partner platform's (by key)
    content: CampaignContent
    terms: CampaignTerms
    created_at: datetime
    updated_at: datetime
    business_id: UUID | None = None
    partner_key_id: UUID | None = None  # the partner key that synced it, if one did
    status: CampaignStatus = CampaignStatus.DRAFT
    totals: Totals | None = None
    first_pledge_at: datetime | None = None
    version: int = 1
    origin: CampaignOrigin | None = None  # a partner's campaign, on its own ledger

    @property
    def currency(self) -> str:
        return self.terms.goal.currency

    @property
    def current_totals(self) -> Totals:
        return self.totals or Totals(Money.zero(self.currency))

    def moved_to(self, status: CampaignStatus, at: datetime) -> Campaign:
        if status not in TRANSITIONS[self.status]:
            raise TransitionNotAllowed(f"{self.status.value} -> {status.value}")
        return replace(self, status=status, updated_at=at, version=self.version + 1)

    def takes_pledges(self, now: datetime) -> bool:
        return (
            self.status is CampaignStatus.LIVE and self.terms.starts_at <= now < self.terms.ends_at
        )

    def decided(self, now: datetime) -> Campaign:
        """A live campaign past its end, moved to its outcome (see `outcome`)."""
        if self.status is not CampaignStatus.LIVE or now < self.terms.ends_at:
            raise TransitionNotAllowed("only a live campaign past its end is decided")
        return self.moved_to(self.outcome(), now)

    def with_terms(self, terms: CampaignTerms, at: datetime) -> Campaign:
        """New terms, within what backers were promised: after the first pledge the goal
        (and the minimum) cannot be lowered nor the end brought forward; once live the model
        and the start stay; the currency is the tenant's and never changes."""
        old = self.terms
        problems = []
        if terms.goal.currency != old.goal.currency:
            problems.append(FieldProblem("goal.currency", "cannot change"))
        if self.status not in (CampaignStatus.DRAFT, CampaignStatus.IN_REVIEW):
            if self.status is not CampaignStatus.LIVE:
                raise TransitionNotAllowed("a campaign that has ended keeps its terms")
            if terms.funding_model is not old.funding_model:
                problems.append(FieldProblem("funding_model", "cannot change once live"))
            if terms.starts_at != old.starts_at:
                problems.append(FieldProblem("starts_at", "cannot change once live"))
        if self.first_pledge_at is not None:
            if terms.ends_at < old.ends_at:
                problems.append(
                    FieldProblem("ends_at", "cannot be brought forward after the first pledge")
                )
            same_currency = terms.goal.currency == old.goal.currency
            if same_currency and terms.goal.amount < old.goal.amount:
                problems.append(FieldProblem("goal", "cannot be lowered after the first pledge"))
            if same_currency and terms.threshold.amount < old.threshold.amount:
                problems.append(FieldProblem("minimum", "cannot be lowered after the first pledge"))
        if problems:
            raise InvalidInput(problems)
        return replace(self, terms=terms, updated_at=at, version=self.version + 1)

    def outcome(self) -> CampaignStatus:
        """How a campaign past its end is decided: all-or-nothing succeeds at its threshold;
        keep-it-all succeeds with any money pledged."""
        pledged = self.current_totals.pledged
        if self.terms.funding_model is FundingModel.KEEP_IT_ALL:
            return CampaignStatus.SUCCEEDED if pledged.amount > 0 else CampaignStatus.FAILED
        if pledged.at_least(self.terms.threshold):
            return CampaignStatus.SUCCEEDED
        return CampaignStatus.FAILED

    def days_left(self, now: datetime) -> int:
        if now >= self.terms.ends_at:
            return 0
        return math.ceil((self.terms.ends_at - now).total_seconds() / 86_400)


@dataclass(frozen=True)
class RewardTier:
    id: UUID
    campaign_id: UUID
    title: LocalizedText
    minimum: Money  # a pledge for this reward is at least this much
    kind: RewardKind
    description: LocalizedText = EMPTY
    quantity: int | None = None  # None: unlimited
    claimed: int = 0
    estimated_delivery: date | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.minimum.amount <= 0:
            problems.append(FieldProblem("minimum", "must be more than zero"))
        if self.quantity is not None and not 1 <= self.quantity <= 1_000_000:
            problems.append(FieldProblem("quantity", "must be 1 to 1,000,000, or none"))
        if problems:
            raise InvalidInput(problems)

    @property
    def remaining(self) -> int | None:
        return None if self.quantity is None else max(0, self.quantity - self.claimed)

    def claim(self) -> RewardTier:
        """One unit, as the pledge's conditional statement claims it in the database."""
        if self.remaining == 0:
            raise RewardSoldOut()
        return replace(self, claimed=self.claimed + 1)


class PledgeStatus(StrEnum):
    PENDING = "pending"  # waiting for the payment (a bank transfer, a card's confirmation)
    SECURED = "secured"  # a saved payment method, charged when due (keep-it-all: at once)
    CAPTURED = "captured"  # the money is ours
    FAILED = "failed"  # the charge failed for good
    RELEASED = "released"  # the campaign failed: nothing charged, the method let go
    CANCELLED = "cancelled"  # never paid: the campaign ended first, or it expired


P = PledgeStatus
# Where a pledge may go from each status. Payment events are applied only along these, so
# a duplicate, a late or a reordered event changes nothing (see Pledge.moved_to).
PLEDGE_TRANSITIONS: dict[PledgeStatus, frozenset[PledgeStatus]] = {
    P.PENDING: frozenset({P.SECURED, P.CAPTURED, P.FAILED, P.CANCELLED}),
    P.SECURED: frozenset({P.CAPTURED, P.FAILED, P.RELEASED, P.CANCELLED}),
    # A capture the provider reports is the truth, however late: money moved. (The
    # settlement refunds it where the campaign did not succeed.)
    P.FAILED: frozenset({P.CAPTURED}),
    P.RELEASED: frozenset({P.CAPTURED}),
    P.CANCELLED: frozenset({P.CAPTURED}),
    P.CAPTURED: frozenset(),  # refunds change what is refundable, not the status
}
# A pledge in these statuses holds its reward's unit.
HOLDS_REWARD = frozenset({P.PENDING, P.SECURED, P.CAPTURED})


@dataclass(frozen=True)
class Pledge:
    id: UUID
    campaign_id: UUID
    backer_id: UUID
    amount: Money
    created_at: datetime
    tier_id: UUID | None = None
    anonymous: bool = False
    status: PledgeStatus = PledgeStatus.PENDING
    refunded: Money | None = None
    provider: str = "bank_transfer"  # the gateway that takes the money (PaymentGateway.provider)
    # Set by the payment gateway: the transfer reference, or the provider's setup id.
    payment_reference: str = ""
    client_secret: str = ""  # what the backer's app needs to confirm a card (Stripe)
    customer_ref: str = ""  # the provider's customer that holds the saved method
    method_ref: str = ""  # the saved payment method, charged when due
    charge_ref: str = ""  # the provider's payment (intent) that captured the money
    charge_attempts: int = 0  # failed charges so far; the next attempt's key counts on
    # When a failed charge is tried again (or a refund the provider refused).
    next_charge_at: datetime | None = None
    retry_until: datetime | None = None  # the end of the retry window after a failed charge
    updated_at: datetime | None = None
    version: int = 1

    @property
    def counted_amount(self) -> Money:
        """What it adds to the campaign's totals: money promised by a saved payment method or
        captured, less what was refunded; nothing for a transfer still on its way."""
        if self.status is PledgeStatus.SECURED:
            return self.amount
        if self.status is PledgeStatus.CAPTURED:
            return self.refundable
        return Money.zero(self.amount.currency)

    @property
    def counted(self) -> bool:
        """Whether it counts as a backer in the campaign's totals."""
        return self.counted_amount.amount > 0

    @property
    def refundable(self) -> Money:
        if self.status is not PledgeStatus.CAPTURED:
            return Money.zero(self.amount.currency)
        return self.amount - (self.refunded or Money.zero(self.amount.currency))

    def moved_to(self, status: PledgeStatus, at: datetime, **changes: object) -> Pledge | None:
        """The pledge in `status` (with the changes), or None when its lifecycle does not
        lead there from here: a duplicate or out-of-order payment event is then ignored."""
        if status is not self.status and status not in PLEDGE_TRANSITIONS[self.status]:
            return None
        if status is self.status and not changes:
            return None
        return replace(self, status=status, updated_at=at, version=self.version + 1, **changes)

    @property
    def holds_reward(self) -> bool:
        return self.tier_id is not None and self.status in HOLDS_REWARD

    def refund(self, amount: Money) -> Pledge:
        """Wholly or in part; the refunds together never exceed what was captured."""
        if amount.amount <= 0:
            raise InvalidInput([FieldProblem("amount", "must be more than zero")])
        if not self.refundable.at_least(amount):
            raise RefundTooLarge(
                f"{amount.amount} asked, {self.refundable.amount} {amount.currency} refundable"
            )
        already = self.refunded or Money.zero(self.amount.currency)
        return replace(self, refunded=already + amount, version=self.version + 1)


class RefundStatus(StrEnum):
    PENDING = "pending"  # reserved on the pledge, the provider not yet told (or no answer yet)
    # A bank transfer's refund: an admin transfers the money back to the account it came
    # from (on the bank statement) and then marks it paid.
    TO_PAY_BACK = "to_pay_back"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the provider refused: the amount is refundable again


@dataclass(frozen=True)
class Refund:
    """Money given back on a captured pledge. Its amount is taken off the pledge's refundable
    amount (and the totals) before the provider is asked, so refunds racing each other can
    never together exceed the capture."""

    id: UUID
    pledge_id: UUID
    campaign_id: UUID
    amount: Money
    created_at: datetime
    requested_by: UUID | None  # the admin; None: the settlement of a failed campaign
    status: RefundStatus = RefundStatus.PENDING
    provider_ref: str = ""  # the provider's refund id; a bank transfer's is empty
    reason: str = ""


def pledge_problems(
    amount: Money, campaign: Campaign, tier: RewardTier | None
) -> list[FieldProblem]:
    problems = []
    if tier is not None and (
        tier.campaign_id != campaign.id or tier.minimum.currency != campaign.currency
    ):
        problems.append(FieldProblem("tier_id", "is not a reward of this campaign"))
    elif amount.currency != campaign.currency:
        problems.append(FieldProblem("amount.currency", f"must be {campaign.currency}"))
    elif not MIN_PLEDGE <= amount.amount <= MAX_PLEDGE:
        problems.append(FieldProblem("amount", f"must be {MIN_PLEDGE} to {MAX_PLEDGE}"))
    elif tier is not None and amount.amount < tier.minimum.amount:
        problems.append(
            FieldProblem("amount", f"must be at least the reward's {tier.minimum.amount}")
        )
    return problems

"""What funding needs of the outside: its repositories (one unit of work per transaction), the
read side of lists, and the payment gateway that takes and gives back the money.

The money path keeps three rules here:
- every change of a pledge is conditional on the version it was read at (`PledgeRepository.
  replace`), and the campaign's totals change by the pledge's difference in the same
  transaction (`CampaignRepository.add_to_totals`): totals always equal the counted pledges;
- a reward's unit is claimed by one conditional statement (`RewardTierRepository.claim`);
- no call to the gateway happens inside a transaction: a step that pays is reserved first
  (a lease, a pending refund), the gateway is called with an idempotency key derived from our
  own ids, and the result committed after; a crash in between repeats the call with the same
  key, which the provider answers with the first result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from domain.discovery.ports import SearchIndex
from domain.funding.model import (
    Campaign,
    CampaignStatus,
    Money,
    Pledge,
    Refund,
    RefundStatus,
    RewardTier,
)
from domain.geo import BoundingBox, GeoPoint
from domain.media.attachments import AttachableMedia
from domain.ports import UnitOfWork

# Repositories ---------------------------------------------------------------------------


class CampaignRepository(Protocol):
    async def add(self, campaign: Campaign) -> None: ...

    async def get(self, campaign_id: UUID, *, for_update: bool = False) -> Campaign | None:
        """for_update: lock the row (PostgreSQL) until the transaction ends, so totals are
        not moved while the settlement decides the campaign on them."""
        ...

    async def remove(self, campaign_id: UUID) -> bool:
        """With its tiers; only a campaign without pledges (a partner's)."""
        ...

    async def by_external_id(self, external_id: str) -> Campaign | None:
        """A partner's campaign, by the partner's own id for it."""
        ...

    async def update(self, campaign: Campaign, *, expected_version: int) -> bool:
        """Write content, terms, status, owner and business (never the totals, which only
        pledges move; a partner's campaign's origin and totals, which are the partner's) if
        the stored version is still `expected_version`; False otherwise."""
        ...

    async def open_for_pledge(self, campaign_id: UUID, now: datetime) -> bool:
        """In the pledge's transaction: True if the campaign is live and running at `now`,
        and then its first pledge is noted (the version grows with the first only, so an
        edit read before it fails). One conditional statement: it orders pledges against
        the settlement that decides the campaign."""
        ...

    async def add_to_totals(self, campaign_id: UUID, amount: int, backers: int) -> None:
        """Move the pledged amount (minor units) and the backer count by these differences,
        atomically (`SET pledged = pledged + :amount`), never touching the version."""
        ...

    async def due_for_decision(self, now: datetime, *, limit: int) -> list[Campaign]:
        """Live campaigns whose end has passed, the longest ended first."""
        ...


class RewardTierRepository(Protocol):
    async def add(self, tier: RewardTier) -> None: ...

    async def get(self, tier_id: UUID) -> RewardTier | None: ...

    async def of_campaign(self, campaign_id: UUID) -> list[RewardTier]:
        """By minimum amount, then id."""
        ...

    async def update(self, tier: RewardTier, *, only_unclaimed: bool = False) -> bool:
        """Write everything but `claimed`, which only claim/release move; with
        `only_unclaimed`, only while no unit is claimed (one conditional statement, so a
        pledge racing the change either comes first and stops it, or comes after). False
        when nothing was written."""
        ...

    async def remove(self, tier_id: UUID) -> bool:
        """Only while no unit is claimed, by one conditional statement; False otherwise."""
        ...

    async def claim(self, tier_id: UUID, campaign_id: UUID) -> bool:
        """One unit, by one conditional statement (`claimed = claimed + 1 WHERE ... AND
        (quantity IS NULL OR claimed + 1 <= quantity)`): False when sold out or not this
        campaign's. Never oversells, however many pledges race."""
        ...

    async def release(self, tier_id: UUID) -> None:
        """Give one unit back (a pledge that will not be paid)."""
        ...


@dataclass(frozen=True)
class SettlementItem:
    """A pledge with what its settlement step needs of its campaign."""

    pledge: Pledge
    campaign_status: CampaignStatus
    keep_it_all: bool


class PledgeRepository(Protocol):
    async def add(self, pledge: Pledge) -> None:
        """PaymentReferenceTaken when its (provider, payment_reference) is used already."""
        ...

    async def get(self, pledge_id: UUID) -> Pledge | None: ...

    async def by_reference(self, provider: str, reference: str) -> Pledge | None:
        """By the gateway's reference: a transfer reference, a setup or charge id."""
        ...

    async def replace(self, pledge: Pledge, *, expected_version: int) -> bool:
        """Write every changing field if the stored version is still `expected_version`;
        a running lease ends with it (the step it was taken for is done or overtaken)."""
        ...

    async def of_campaign(
        self, campaign_id: UUID, *, counted_only: bool, limit: int, cursor: str | None
    ) -> tuple[list[Pledge], str | None]:
        """Newest first; counted_only: secured and captured ones (the public backer list)."""
        ...

    async def of_backer(
        self, backer_id: UUID, *, limit: int, cursor: str | None
    ) -> tuple[list[Pledge], str | None]: ...

    async def due_for_settlement(self, now: datetime, *, limit: int) -> list[SettlementItem]:
        """Pledges that need a payment step now, oldest first, without a lease running:
        secured ones of keep-it-all campaigns, of succeeded campaigns (when next_charge_at
        has passed), and of campaigns no longer live that did not succeed (to release);
        captured ones with money left of failed or cancelled campaigns (to refund); pending
        ones of campaigns no longer live (to cancel)."""
        ...

    async def lease(self, pledge_id: UUID, *, version: int, until: datetime, now: datetime) -> bool:
        """Reserve the pledge's next payment step for one worker: True if it is still at
        `version` and no other lease runs (a lease that has passed `until` is free again).
        Committed before the gateway is called, so a second worker skips it."""
        ...


class RefundRepository(Protocol):
    async def add(self, refund: Refund) -> None: ...

    async def get(self, refund_id: UUID) -> Refund | None: ...

    async def of_pledge(self, pledge_id: UUID) -> list[Refund]:
        """Oldest first."""
        ...

    async def set_status(
        self,
        refund_id: UUID,
        status: RefundStatus,
        *,
        provider_ref: str = "",
        from_status: RefundStatus = RefundStatus.PENDING,
    ) -> bool:
        """Only from `from_status` (one conditional statement): False when it moved on
        already. An empty provider_ref keeps the one stored."""
        ...

    async def in_status(self, status: RefundStatus, *, limit: int) -> list[Refund]:
        """Oldest first (the bank refunds an admin still has to pay back)."""
        ...

    async def pending(self, older_than: datetime, *, limit: int) -> list[Refund]:
        """Refunds reserved but never settled (a crash after reserving): retried."""
        ...


@dataclass(frozen=True)
class StoredRequest:
    """The first request made with an Idempotency-Key."""

    fingerprint: str  # a hash of what was asked: another body with the same key is refused
    resource_id: UUID  # what it made (the pledge, the refund)


class IdempotencyKeys(Protocol):
    async def get(self, scope: str, key: str) -> StoredRequest | None:
        """`scope` names the caller and the operation (account or key id, route)."""
        ...

    async def add(self, scope: str, key: str, request: StoredRequest, at: datetime) -> None:
        """In the transaction of what it made: IdempotencyKeyTaken when a request racing
        this one stored the key first (the caller then reads that one)."""
        ...


class PaymentEventLog(Protocol):
    async def first_time(self, provider: str, event_id: str, at: datetime) -> bool:
        """Note a provider's event: False when it was noted before (a duplicate delivery).
        In the transaction that applies it, so a rolled-back event is applied again."""
        ...


class DirectoryLookups(Protocol):
    """What funding asks of the directory and of identity, read only, in its own
    transaction."""

    async def category_exists(self, category_id: UUID) -> bool: ...

    async def business_team_role(self, business_id: UUID, account_id: UUID) -> str | None:
        """The account's role on the business ("owner", "staff"), "" when it has none, None
        when the tenant has no such business."""
        ...

    async def partner_key_active(self, key_id: UUID) -> bool:
        """Whether the tenant's partner key exists and is not revoked."""
        ...


class FundingUnitOfWork(UnitOfWork, Protocol):
    tenant_id: UUID
    campaigns: CampaignRepository
    tiers: RewardTierRepository
    pledges: PledgeRepository
    refunds: RefundRepository
    idempotency: IdempotencyKeys
    payment_events: PaymentEventLog
    search: SearchIndex  # live campaigns are found by search, in the same transaction
    media: AttachableMedia  # a campaign's images, attached in its transaction
    directory: DirectoryLookups
    locales: tuple[str, ...]  # the tenant's languages, the first its default


# The read side ---------------------------------------------------------------------------


class CampaignSort(StrEnum):
    NEWEST = "newest"  # by start, latest first
    ENDING_SOON = "ending_soon"  # by end, soonest first
    MOST_FUNDED = "most_funded"  # by pledged amount, most first


@dataclass(frozen=True)
class CampaignFilter:
    statuses: tuple[CampaignStatus, ...] = ()  # () : the publicly visible ones
    category_ids: tuple[UUID, ...] = ()
    text: str = ""  # in a title or summary, any language, case-insensitive
    owner_id: UUID | None = None  # only this account's (their own, in any status)
    business_id: UUID | None = None


@dataclass(frozen=True)
class NearbyCampaign:
    campaign: Campaign
    distance_m: float  # great-circle, rounded to 0.1 m


@dataclass(frozen=True)
class CampaignPage:
    items: list[Campaign] = field(default_factory=list)
    next_cursor: str | None = None


class FundingReads(Protocol):
    """Read models of one tenant, straight from SQL; every relation by a list of ids, so
    GraphQL's DataLoaders read a page's relations in one statement each."""

    async def list_campaigns(
        self, where: CampaignFilter, sort: CampaignSort, *, limit: int, cursor: str | None
    ) -> CampaignPage: ...

    async def campaigns_by_ids(self, ids: Sequence[UUID]) -> dict[UUID, Campaign]: ...

    async def tiers_of(self, campaign_ids: Sequence[UUID]) -> dict[UUID, list[RewardTier]]:
        """Each campaign's tiers by minimum amount, then id."""
        ...

    async def live_in_box(
        self, box: BoundingBox, *, category_ids: Sequence[UUID] = (), limit: int
    ) -> list[Campaign]:
        """Live campaigns with a location inside the box (edges included), lowest ids;
        category_ids: only those in one of these (none: any)."""
        ...

    async def live_near(
        self,
        centre: GeoPoint,
        radius_m: float,
        *,
        category_ids: Sequence[UUID] = (),
        limit: int,
    ) -> list[NearbyCampaign]:
        """Live campaigns with a location within the radius, nearest first (then by id)."""
        ...


class FundingNames(Protocol):
    """Names a campaign shows of who is behind it, for many campaigns at once."""

    async def people(self, account_ids: Sequence[UUID]) -> dict[UUID, str]:
        """Display names of these accounts (members of the tenant)."""
        ...

    async def businesses(self, business_ids: Sequence[UUID]) -> dict[UUID, str]: ...


# Payments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankDetails:
    """Where a backer transfers the money to."""

    account_holder: str
    iban: str
    bic: str | None


@dataclass(frozen=True)
class PaymentStart:
    """What a pledge's payment begins with."""

    reference: str  # unique per provider: a transfer reference, a SetupIntent's id
    client_secret: str = ""  # the card is confirmed by the backer's app with it (Stripe)
    customer_ref: str = ""
    bank: BankDetails | None = None  # a bank transfer: where to send the money


@dataclass(frozen=True)
class ChargeResult:
    succeeded: bool
    charge_ref: str = ""  # the provider's payment id, also when it failed
    reason: str = ""  # why it failed, for the backer's notification (a decline code)


class PaymentGateway(Protocol):
    """One provider of one tenant. Every call that moves money takes an idempotency key
    derived from our ids, so a repeated call (after a crash) has the first call's effect."""

    provider: str  # stored with each pledge: "stripe", "bank_transfer"
    # True when the provider only confirms payments later (a bank transfer, confirmed by an
    # admin); False when the backer's card is saved and charged by us.
    confirmed_by_admin: bool

    async def start(self, pledge: Pledge, *, attempt: int = 0) -> PaymentStart:
        """Begin taking the pledge's money: a transfer reference, or a saved-card setup.
        `attempt` > 0: a new setup for another card (after a declined charge), with a key of
        its own."""
        ...

    async def saved_method(self, pledge: Pledge) -> str | None:
        """The payment method the backer saved for this pledge, once confirmed; None until
        then (and always for bank transfers)."""
        ...

    async def charge(self, pledge: Pledge, *, key: str) -> ChargeResult:
        """Charge the saved method off-session for the whole amount."""
        ...

    async def release(self, pledge: Pledge) -> None:
        """Let the saved method go without charging (a failed campaign): safe to repeat."""
        ...

    async def refund(self, pledge: Pledge, amount: Money, *, key: str) -> str:
        """Give back part or all of the capture; the provider's refund id ("" when a person
        pays it back, as with bank transfers)."""
        ...


class PaymentGateways(Protocol):
    """The gateways of one tenant: its current provider takes new pledges; a pledge is
    always settled by the provider it was made with."""

    def current(self) -> PaymentGateway:
        """PaymentsUnavailable when the tenant's provider is not configured."""
        ...

    def of(self, provider: str) -> PaymentGateway: ...


class PaymentEventKind(StrEnum):
    METHOD_SAVED = "method_saved"  # the backer confirmed the card (setup_intent.succeeded)
    CHARGE_SUCCEEDED = "charge_succeeded"  # payment_intent.succeeded
    CHARGE_FAILED = "charge_failed"  # payment_intent.payment_failed
    REFUNDED = "refunded"  # charge.refunded: the total refunded so far
    CANCELED = "canceled"  # setup_intent.canceled / payment_intent.canceled
    OTHER = "other"  # noted (deduplicated) and ignored


@dataclass(frozen=True)
class PaymentEvent:
    """A provider's webhook event, verified and reduced to what funding applies."""

    provider: str
    event_id: str
    kind: PaymentEventKind
    pledge_id: UUID | None = None  # from the metadata we gave the provider
    reference: str = ""  # the setup or payment intent's id
    method_ref: str = ""
    amount_refunded: int | None = None  # minor units, cumulative (charge.refunded)


class PaymentWebhooks(Protocol):
    def verify(self, payload: bytes, signature: str) -> PaymentEvent:
        """The event if the signature is the tenant's and fresh; WebhookRefused otherwise."""
        ...

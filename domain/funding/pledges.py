"""Use cases of pledges: making one (idempotently), confirming its card, an admin marking bank
transfers received, and reading them.

Making a pledge takes two short transactions around one gateway call, never a call inside a
transaction: the first claims the reward's unit and stores the pledge (pending) with its
Idempotency-Key; then the gateway starts the payment (its own idempotency key is derived from
the pledge's id); the second stores the payment's reference. A crash or a provider outage in
between leaves a pending pledge without a reference: the same request again (same key)
finishes it, and the settlement cancels one that nobody finishes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from domain.cursors import instant_id_cursor
from domain.errors import FieldProblem, InvalidInput, StaleVersion
from domain.funding import settlement
from domain.funding.campaigns import is_runner, load_visible
from domain.funding.errors import (
    CampaignClosed,
    CardNotReplaceable,
    IdempotencyKeyReused,
    IdempotencyKeyTaken,
    PaymentNotConfirmed,
    PaymentReferenceTaken,
    PledgeNotFound,
    PledgesElsewhere,
    RewardSoldOut,
    RewardTierNotFound,
)
from domain.funding.events import PledgeMade
from domain.funding.idempotency import check_idempotency_key
from domain.funding.ledger import move_pledge
from domain.funding.model import Money, Pledge, PledgeStatus, pledge_problems
from domain.funding.ports import FundingUnitOfWork, PaymentGateway, PaymentGateways, StoredRequest
from domain.funding.transfers import normalize_reference
from domain.identity.model import Person, Principal, Role
from domain.identity.policies import is_moderator, require_member, require_person
from domain.ports import Clock, IdGenerator

MAX_PAGE = 100
L = TypeVar("L")  # what names a ledger to the caller of my_pledges_on


@dataclass(frozen=True)
class PledgeInput:
    campaign_id: UUID
    amount: Money
    tier_id: UUID | None = None
    anonymous: bool = False

    def fingerprint(self) -> str:
        """What makes two requests the same request, for its Idempotency-Key."""
        asked = [
            str(self.campaign_id),
            self.amount.amount,
            self.amount.currency,
            str(self.tier_id),
            self.anonymous,
        ]
        return hashlib.sha256(json.dumps(asked).encode()).hexdigest()


async def _replay(uow: FundingUnitOfWork, scope: str, key: str, fingerprint: str) -> Pledge | None:
    stored = await uow.idempotency.get(scope, key)
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    pledge = await uow.pledges.get(stored.resource_id)
    if pledge is None:  # cannot happen while keys live as long as pledges; be plain about it
        raise PledgeNotFound()
    return pledge


async def _store(
    cmd: PledgeInput,
    backer: Person,
    key: str | None,
    *,
    uow: FundingUnitOfWork,
    gateway: PaymentGateway,
    clock: Clock,
    ids: IdGenerator,
) -> Pledge:
    """The first transaction: the pledge, pending, with its unit of the reward and its key."""
    scope = f"pledge:{backer.account_id}"
    fingerprint = cmd.fingerprint()
    now = clock.now()
    async with uow:
        if key is not None and (first := await _replay(uow, scope, key, fingerprint)):
            return first
        campaign = await load_visible(uow, cmd.campaign_id, backer)
        if campaign.origin is not None:
            raise PledgesElsewhere(f"pledge at {campaign.origin.pledge_url}")
        tier = None
        if cmd.tier_id is not None:
            tier = await uow.tiers.get(cmd.tier_id)
            if tier is None or tier.campaign_id != campaign.id:
                raise RewardTierNotFound()
        problems = pledge_problems(cmd.amount, campaign, tier)
        if problems:
            raise InvalidInput(problems)
        if not await uow.campaigns.open_for_pledge(campaign.id, now):
            raise CampaignClosed()
        if tier is not None and not await uow.tiers.claim(tier.id, campaign.id):
            raise RewardSoldOut()
        pledge = Pledge(
            id=ids.new_id(),
            campaign_id=campaign.id,
            backer_id=backer.account_id,
            amount=cmd.amount,
            created_at=now,
            updated_at=now,
            tier_id=cmd.tier_id,
            anonymous=cmd.anonymous,
            provider=gateway.provider,
        )
        await uow.pledges.add(pledge)
        if key is not None:
            try:
                await uow.idempotency.add(scope, key, StoredRequest(fingerprint, pledge.id), now)
            except IdempotencyKeyTaken:
                # A racing twin stored it first: answer with its pledge; leaving without a
                # commit rolls back this one (and its unit of the reward).
                first = await _replay(uow, scope, key, fingerprint)
                if first is None:
                    raise StaleVersion("the request raced itself; send it again") from None
                return first
        uow.record(
            PledgeMade(tenant_id=uow.tenant_id, pledge_id=pledge.id, campaign_id=campaign.id)
        )
        await uow.commit()
    return pledge


async def _start_payment(
    pledge: Pledge, *, uow: FundingUnitOfWork, gateway: PaymentGateway, clock: Clock
) -> Pledge:
    """The gateway's start, stored on the pledge (a transfer reference drawn twice is drawn
    again)."""
    for _ in range(3):
        start = await gateway.start(pledge)
        async with uow:
            current = await uow.pledges.get(pledge.id)
            if current is None:
                raise PledgeNotFound()
            if current.payment_reference or current.status is not PledgeStatus.PENDING:
                return current  # a retry of the same request finished it meanwhile
            started = current.moved_to(
                PledgeStatus.PENDING,
                clock.now(),
                payment_reference=start.reference,
                client_secret=start.client_secret,
                customer_ref=start.customer_ref,
            )
            assert started is not None
            try:
                if not await move_pledge(uow, current, started):
                    continue
            except PaymentReferenceTaken:
                continue
            await uow.commit()
            return started
    raise StaleVersion("the pledge's payment could not be started; send the request again")


async def make_pledge(
    cmd: PledgeInput,
    principal: Principal,
    *,
    idempotency_key: str | None,
    uow: FundingUnitOfWork,
    gateways: PaymentGateways,
    clock: Clock,
    ids: IdGenerator,
) -> Pledge:
    """A member backs a live campaign. With an Idempotency-Key, the same request again
    answers with the first pledge (finishing it if it was cut short); the same key with
    another body is refused."""
    backer = require_member(principal, Role.MEMBER)
    check_idempotency_key(idempotency_key)
    gateway = gateways.current()
    pledge = await _store(
        cmd, backer, idempotency_key, uow=uow, gateway=gateway, clock=clock, ids=ids
    )
    if pledge.payment_reference or pledge.status is not PledgeStatus.PENDING:
        return pledge
    return await _start_payment(pledge, uow=uow, gateway=gateways.of(pledge.provider), clock=clock)


def may_see_pledge(principal: Principal, pledge: Pledge) -> bool:
    return (
        isinstance(principal, Person) and principal.account_id == pledge.backer_id
    ) or is_moderator(principal)


async def view_pledge(pledge_id: UUID, principal: Principal, *, uow: FundingUnitOfWork) -> Pledge:
    """The backer's own, or any for moderators (people only: a key is refused outright)."""
    require_person(principal)
    async with uow:
        pledge = await uow.pledges.get(pledge_id)
    if pledge is None or not may_see_pledge(principal, pledge):
        raise PledgeNotFound()
    return pledge


async def confirm_pledge(
    pledge_id: UUID,
    principal: Principal,
    *,
    uow: FundingUnitOfWork,
    gateways: PaymentGateways,
    clock: Clock,
    ids: IdGenerator,
) -> Pledge:
    """The backer's app confirmed the card: the pledge is secured once the provider says so
    (the provider's webhook does the same; whichever comes first). Keep-it-all takes the
    money at once (the worker would too, a moment later)."""
    secured = await _confirmed(pledge_id, principal, uow=uow, gateways=gateways, clock=clock)
    return await settlement.settle_now(secured, uow=uow, gateways=gateways, clock=clock, ids=ids)


async def _confirmed(
    pledge_id: UUID,
    principal: Principal,
    *,
    uow: FundingUnitOfWork,
    gateways: PaymentGateways,
    clock: Clock,
) -> Pledge:
    pledge = await view_pledge(pledge_id, principal, uow=uow)
    replacing = pledge.status is PledgeStatus.SECURED and pledge.charge_attempts > 0
    if pledge.status is not PledgeStatus.PENDING and not replacing:
        return pledge
    gateway = gateways.of(pledge.provider)
    if gateway.confirmed_by_admin or not pledge.payment_reference:
        raise PaymentNotConfirmed()
    method = await gateway.saved_method(pledge)
    if replacing:
        if method is None or method == pledge.method_ref:
            return pledge  # no other card saved (yet): the retry window goes on as it was
        return await _with_card(pledge.id, method, uow=uow, clock=clock)
    if method is None:
        raise PaymentNotConfirmed("the provider has no confirmed payment method yet")
    return await secure(pledge.id, method, uow=uow, clock=clock)


async def new_card(
    pledge_id: UUID,
    principal: Principal,
    *,
    uow: FundingUnitOfWork,
    gateways: PaymentGateways,
    clock: Clock,
) -> Pledge:
    """After a declined charge, the backer saves another card: a new setup, whose client
    secret the app confirms (Stripe.js), then confirm_pledge charges it at once."""
    pledge = await view_pledge(pledge_id, principal, uow=uow)
    if getattr(principal, "account_id", None) != pledge.backer_id:
        raise PledgeNotFound()  # the backer's own card: nobody else's business
    if pledge.status is not PledgeStatus.SECURED or pledge.charge_attempts == 0:
        raise CardNotReplaceable()
    gateway = gateways.of(pledge.provider)
    if gateway.confirmed_by_admin:
        raise CardNotReplaceable("a bank transfer has no card")
    # One setup per declined attempt: asking again answers with the same one.
    start = await gateway.start(pledge, attempt=pledge.charge_attempts)
    for _ in range(3):
        async with uow:
            current = await uow.pledges.get(pledge.id)
            if current is None or current.status is not PledgeStatus.SECURED:
                raise CardNotReplaceable()
            if current.payment_reference == start.reference:
                return current
            moved = current.moved_to(
                PledgeStatus.SECURED,
                clock.now(),
                payment_reference=start.reference,
                client_secret=start.client_secret,
            )
            assert moved is not None
            if await move_pledge(uow, current, moved):
                await uow.commit()
                return moved
    raise StaleVersion("the pledge changed meanwhile; ask again")


async def _with_card(
    pledge_id: UUID, method: str, *, uow: FundingUnitOfWork, clock: Clock
) -> Pledge:
    """The newly saved card, to be charged at once (the next attempt of the retry window)."""
    for _ in range(3):
        async with uow:
            current = await uow.pledges.get(pledge_id)
            if current is None:
                raise PledgeNotFound()
            now = clock.now()
            moved = current.moved_to(current.status, now, method_ref=method, next_charge_at=now)
            if current.status is not PledgeStatus.SECURED or moved is None:
                return current
            if await move_pledge(uow, current, moved):
                await uow.commit()
                return moved
    raise StaleVersion("the pledge changed meanwhile; confirm it again")


async def secure(pledge_id: UUID, method: str, *, uow: FundingUnitOfWork, clock: Clock) -> Pledge:
    """Pending -> secured with the saved method (again: nothing changes)."""
    for _ in range(3):
        async with uow:
            current = await uow.pledges.get(pledge_id)
            if current is None:
                raise PledgeNotFound()
            secured = current.moved_to(PledgeStatus.SECURED, clock.now(), method_ref=method)
            if current.status is not PledgeStatus.PENDING or secured is None:
                return current
            if await move_pledge(uow, current, secured):
                await uow.commit()
                return secured
    raise StaleVersion("the pledge changed meanwhile; confirm it again")


@dataclass(frozen=True)
class TransfersReceived:
    received: list[UUID]  # pledges now captured
    late: list[UUID]  # captured though let go (unpaid too long, the campaign over): the
    # settlement refunds them where the campaign did not succeed
    already: list[str]  # references received before
    unknown: list[str]  # references no pledge of this tenant has


async def mark_transfers_received(
    references: list[str], principal: Principal, *, uow: FundingUnitOfWork, clock: Clock
) -> TransfersReceived:
    """A tenant admin saw these transfers arrive (typed, or from a bank statement's CSV):
    each pledge is captured once, however late the money came (money that arrived is never
    left unrecorded); the rest is reported, nothing else changes."""
    require_member(principal, Role.ADMIN)
    if not references:
        raise InvalidInput([FieldProblem("references", "name at least one")])
    if len(references) > 10_000:
        raise InvalidInput([FieldProblem("references", "at most 10,000 at once")])
    report = TransfersReceived([], [], [], [])
    seen: set[str] = set()
    async with uow:
        for raw in references:
            reference = normalize_reference(raw)
            if not reference or reference in seen:
                continue
            seen.add(reference)
            pledge = await uow.pledges.by_reference("bank_transfer", reference)
            if pledge is None:
                report.unknown.append(raw)
                continue
            captured = pledge.moved_to(PledgeStatus.CAPTURED, clock.now())
            if captured is None or pledge.status is PledgeStatus.CAPTURED:
                report.already.append(raw)
                continue
            if not await move_pledge(uow, pledge, captured):
                raise StaleVersion("a pledge changed meanwhile; send the references again")
            waited = pledge.status is PledgeStatus.PENDING
            (report.received if waited else report.late).append(pledge.id)
        await uow.commit()
    return report


async def pledges_of_campaign(
    campaign_id: UUID,
    principal: Principal,
    *,
    uow: FundingUnitOfWork,
    limit: int,
    cursor: str | None,
) -> tuple[list[Pledge], str | None]:
    """The backers of a campaign: counted pledges for everyone (anonymous ones without
    their backer, see `shown_backer`); every pledge for its runner and moderators."""
    async with uow:
        campaign = await load_visible(uow, campaign_id, principal)
        everything = is_runner(principal, campaign) or is_moderator(principal)
        return await uow.pledges.of_campaign(
            campaign.id,
            counted_only=not everything,
            limit=max(1, min(limit, MAX_PAGE)),
            cursor=cursor,
        )


def shown_backer(pledge: Pledge, principal: Principal) -> UUID | None:
    """Whom a pledge names: nobody for an anonymous one, except to moderators and the
    backer."""
    if pledge.anonymous and not may_see_pledge(principal, pledge):
        return None
    return pledge.backer_id


async def my_pledges_on(
    principal: Principal,
    ledgers: Sequence[tuple[L, FundingUnitOfWork]],
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[tuple[L, Pledge]], str | None]:
    """The caller's pledges on several ledgers, newest first, with one cursor: a tenant's
    own and those of the tenants whose campaigns it lists (a pledge made through a parent
    lives at its campaign's home). Each ledger's page after the cursor holds its part of the
    merged page, so the merge of their heads is the page. Each pledge with its ledger's tag."""
    person = require_member(principal, Role.MEMBER)
    limit = max(1, min(limit, MAX_PAGE))
    found: list[tuple[L, Pledge]] = []
    more = False
    for tag, uow in ledgers:
        async with uow:
            items, after = await uow.pledges.of_backer(
                person.account_id, limit=limit, cursor=cursor
            )
        found += [(tag, p) for p in items]
        more = more or after is not None
    found.sort(key=lambda tagged: (tagged[1].created_at, tagged[1].id), reverse=True)
    page = found[:limit]
    if not page or not (more or len(found) > limit):
        return page, None
    last = page[-1][1]
    return page, instant_id_cursor(last.created_at, last.id)

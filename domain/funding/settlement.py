"""Settlement: campaigns past their end are decided, and every pledge gets its payment step
exactly once: charged (keep-it-all at once, all-or-nothing when the campaign succeeded),
released or refunded (the campaign failed or was cancelled), or cancelled (never paid).

Each step of a pledge is three moves, never a gateway call inside a transaction:
1. a lease on the pledge, committed: a second worker skips it while the lease runs;
2. the gateway call, with a key derived from the pledge's id and its attempt number;
3. the result, committed on the pledge as it is then (a webhook may have moved it).
A crash between 2 and 3 leaves the pledge as it was; when the lease has run out the step is
repeated with the same key, which the provider answers with the first call's result, so
nobody is charged twice. A declined charge after success is tried again in a window of
RETRY_WINDOW, the backer told each time (PledgeChargeFailed); then the pledge fails."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import StaleVersion
from domain.funding.campaigns import move_campaign
from domain.funding.errors import PaymentsUnavailable
from domain.funding.events import PledgeChargeFailed
from domain.funding.ledger import move_pledge
from domain.funding.model import CampaignStatus, FundingModel, Pledge, PledgeStatus
from domain.funding.ports import FundingUnitOfWork, PaymentGateways, SettlementItem
from domain.funding.refunds import reserve_refund, send_refund
from domain.ports import Clock, IdGenerator

log = logging.getLogger("stadtkern.funding")
LEASE = timedelta(minutes=5)  # longer than any gateway call takes, with its retries
RETRY_WINDOW = timedelta(days=7)
RETRY_AFTER = (timedelta(days=1), timedelta(days=2), timedelta(days=3))  # then every 3 days
STALE_REFUND = timedelta(minutes=5)  # a pending refund this old was cut short: ask again
BATCH = 100
# Pending pledges hold their reward's unit; these are let go (cancelled) while the campaign
# runs: one whose payment never started (a crash, the provider down, no retry came), and a
# card never confirmed. A bank transfer may take days: it waits until the campaign ends.
UNFINISHED = timedelta(hours=1)
UNCONFIRMED_CARD = timedelta(days=1)
# An unpaid transfer lets its reward go after two weeks (the money, should it come later, is
# still taken: see pledges.mark_transfers_received).
UNPAID_TRANSFER = timedelta(days=14)
BANK_TRANSFER = "bank_transfer"


def charge_key(pledge: Pledge) -> str:
    """The same for every try of one attempt: a repeated call charges once."""
    return f"pledge-{pledge.id}-charge-{pledge.charge_attempts + 1}"


@dataclass
class SettlementReport:
    decided: int = 0
    charged: int = 0
    charge_failures: int = 0
    released: int = 0
    refunded: int = 0
    cancelled: int = 0
    skipped: int = 0  # leased by another worker, or changed meanwhile
    unavailable: int = 0  # the provider did not answer: tried again next run
    errors: int = 0  # faults, logged; tried again next run

    def total(self) -> int:
        return self.decided + self.charged + self.released + self.refunded + self.cancelled


async def decide_campaigns(
    *, uow: FundingUnitOfWork, clock: Clock, report: SettlementReport
) -> None:
    """Live campaigns past their end move to their outcome, each in its own transaction."""
    now = clock.now()
    async with uow:
        due = await uow.campaigns.due_for_decision(now, limit=BATCH)
    for candidate in due:
        async with uow:
            campaign = await uow.campaigns.get(candidate.id, for_update=True)
            if campaign is None or campaign.status is not CampaignStatus.LIVE:
                continue
            try:
                await move_campaign(uow, campaign, campaign.outcome(), now)
            except StaleVersion:
                report.skipped += 1  # another worker decided it meanwhile
                continue
            await uow.commit()
            report.decided += 1


def _after_failed_charge(pledge: Pledge, now: datetime, charge_ref: str) -> Pledge:
    attempts = pledge.charge_attempts + 1
    retry_until = pledge.retry_until or now + RETRY_WINDOW
    wait = RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]
    if now + wait > retry_until:
        failed = pledge.moved_to(
            PledgeStatus.FAILED, now, charge_attempts=attempts, charge_ref=charge_ref
        )
        assert failed is not None
        return failed
    again = pledge.moved_to(
        PledgeStatus.SECURED,
        now,
        charge_attempts=attempts,
        next_charge_at=now + wait,
        retry_until=retry_until,
        charge_ref=charge_ref,
    )
    assert again is not None
    return again


async def _commit_result(
    uow: FundingUnitOfWork,
    read: Pledge,
    result: Pledge,
    report: SettlementReport,
    *,
    decline_reason: str = "",
) -> bool:
    """Write the step's result on the pledge as it is now. If a webhook moved it meanwhile
    (to captured, say), the result applies only where the lifecycle allows."""
    async with uow:
        current = await uow.pledges.get(read.id)
        if current is None:
            return False
        if current.version != read.version:
            target = current.moved_to(result.status, result.updated_at or read.created_at)
            if target is None:
                report.skipped += 1
                return False
            result = target
        if not await move_pledge(uow, current, result):
            report.skipped += 1
            return False
        if result.status in (PledgeStatus.SECURED, PledgeStatus.FAILED) and (
            result.charge_attempts > current.charge_attempts
        ):
            uow.record(
                PledgeChargeFailed(
                    tenant_id=uow.tenant_id,
                    pledge_id=result.id,
                    campaign_id=result.campaign_id,
                    backer_id=result.backer_id,
                    attempt=result.charge_attempts,
                    retry_until=result.retry_until or result.updated_at or read.created_at,
                    reason=decline_reason or "declined",
                )
            )
        await uow.commit()
    return True


async def settle_pledge(
    item: SettlementItem,
    *,
    uow: FundingUnitOfWork,
    gateways: PaymentGateways,
    clock: Clock,
    ids: IdGenerator,
    report: SettlementReport,
) -> None:
    pledge = item.pledge
    now = clock.now()
    async with uow:
        leased = await uow.pledges.lease(
            pledge.id, version=pledge.version, until=now + LEASE, now=now
        )
        await uow.commit()
    if not leased:
        report.skipped += 1
        return
    status = item.campaign_status
    charging = status in (CampaignStatus.SUCCEEDED, CampaignStatus.PAID_OUT) or (
        item.keep_it_all and status is CampaignStatus.LIVE
    )
    try:
        gateway = gateways.of(pledge.provider)  # its provider may be unconfigured meanwhile
        if pledge.status is PledgeStatus.SECURED and charging:
            result = await gateway.charge(pledge, key=charge_key(pledge))
            at = clock.now()
            if result.succeeded:
                done = pledge.moved_to(
                    PledgeStatus.CAPTURED, at, charge_ref=result.charge_ref, next_charge_at=None
                )
                assert done is not None
                if await _commit_result(uow, pledge, done, report):
                    report.charged += 1
            else:
                failed = _after_failed_charge(pledge, at, result.charge_ref)
                if await _commit_result(uow, pledge, failed, report, decline_reason=result.reason):
                    report.charge_failures += 1
        elif pledge.status is PledgeStatus.SECURED:
            await gateway.release(pledge)
            released = pledge.moved_to(PledgeStatus.RELEASED, clock.now())
            assert released is not None
            if await _commit_result(uow, pledge, released, report):
                report.released += 1
        elif pledge.status is PledgeStatus.PENDING:
            await gateway.release(pledge)
            cancelled = pledge.moved_to(PledgeStatus.CANCELLED, clock.now())
            assert cancelled is not None
            if await _commit_result(uow, pledge, cancelled, report):
                report.cancelled += 1
        elif pledge.status is PledgeStatus.CAPTURED and pledge.refundable.amount > 0:
            async with uow:
                current = await uow.pledges.get(pledge.id)
                refund = None
                if current is not None and current.refundable.amount > 0:
                    refund = await reserve_refund(
                        uow,
                        current,
                        current.refundable,
                        refund_id=ids.new_id(),
                        requested_by=None,
                        now=now,
                        reason=f"campaign {status.value}",
                    )
                await uow.commit()
            if refund is not None:
                await send_refund(refund, uow=uow, gateways=gateways)
                report.refunded += 1
    except PaymentsUnavailable:
        report.unavailable += 1  # the lease runs out; the next run asks again


async def settle_now(
    pledge: Pledge,
    *,
    uow: FundingUnitOfWork,
    gateways: PaymentGateways,
    clock: Clock,
    ids: IdGenerator,
) -> Pledge:
    """The pledge's payment step, if one is due now (a keep-it-all pledge just secured is
    charged at once), as the worker would take it; the pledge as it is afterwards."""
    async with uow:
        campaign = await uow.campaigns.get(pledge.campaign_id)
        current = await uow.pledges.get(pledge.id)
    if campaign is None or current is None:
        return pledge
    item = SettlementItem(
        current, campaign.status, campaign.terms.funding_model is FundingModel.KEEP_IT_ALL
    )
    if needs_step(item, clock.now()):
        await settle_pledge(
            item, uow=uow, gateways=gateways, clock=clock, ids=ids, report=SettlementReport()
        )
        async with uow:
            current = await uow.pledges.get(pledge.id) or current
    return current


def needs_step(item: SettlementItem, now: datetime) -> bool:
    """Whether a pledge is due for a payment step: the rules `due_for_settlement` selects
    by, for one pledge."""
    pledge, status = item.pledge, item.campaign_status
    live = status is CampaignStatus.LIVE
    if pledge.status is PledgeStatus.SECURED:
        if status in (CampaignStatus.SUCCEEDED, CampaignStatus.PAID_OUT) or (
            item.keep_it_all and live
        ):
            return pledge.next_charge_at is None or pledge.next_charge_at <= now
        return not live
    if pledge.status is PledgeStatus.CAPTURED:
        failed = status in (CampaignStatus.FAILED, CampaignStatus.CANCELLED)
        due = pledge.next_charge_at is None or pledge.next_charge_at <= now  # after a refusal
        return failed and pledge.refundable.amount > 0 and due
    if pledge.status is PledgeStatus.PENDING:
        age = now - pledge.created_at
        unfinished = not pledge.payment_reference and age >= UNFINISHED
        unconfirmed = pledge.provider != BANK_TRANSFER and age >= UNCONFIRMED_CARD
        unpaid = pledge.provider == BANK_TRANSFER and age >= UNPAID_TRANSFER
        return not live or unfinished or unconfirmed or unpaid
    return False


async def retry_refunds(
    *, uow: FundingUnitOfWork, gateways: PaymentGateways, clock: Clock, report: SettlementReport
) -> None:
    async with uow:
        stale = await uow.refunds.pending(clock.now() - STALE_REFUND, limit=BATCH)
    for refund in stale:
        try:
            await send_refund(refund, uow=uow, gateways=gateways)
            report.refunded += 1
        except PaymentsUnavailable:
            report.unavailable += 1


async def settle(
    *,
    uow: FundingUnitOfWork,
    gateways: PaymentGateways,
    clock: Clock,
    ids: IdGenerator,
) -> SettlementReport:
    """One run for one tenant: decide, then every pledge due (in batches), then refunds
    that were cut short. Safe to run in several workers at once."""
    report = SettlementReport()
    await decide_campaigns(uow=uow, clock=clock, report=report)
    seen: set = set()
    while True:
        async with uow:
            due = await uow.pledges.due_for_settlement(clock.now(), limit=BATCH)
        fresh = [item for item in due if item.pledge.id not in seen]
        if not fresh:
            break
        for item in fresh:
            seen.add(item.pledge.id)
            try:
                await settle_pledge(
                    item, uow=uow, gateways=gateways, clock=clock, ids=ids, report=report
                )
            except Exception:
                # One pledge's fault (a bug, a database hiccup) never stops the others; its
                # lease runs out and the next run tries it again.
                log.exception("settling pledge %s failed", item.pledge.id)
                report.errors += 1
    await retry_refunds(uow=uow, gateways=gateways, clock=clock, report=report)
    return report

"""Refunds: money given back on a captured pledge, wholly or in part, by a tenant admin (or
by the settlement of a failed campaign).

A refund is reserved before the provider is asked: the pledge's refunded amount grows (and
the totals shrink) by a conditional write, so refunds racing each other can never together
exceed the capture. The provider is then asked with a key derived from the refund's id; a
crash or an outage in between leaves the refund pending, and the settlement asks again with
the same key."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from domain.errors import StaleVersion
from domain.funding.errors import (
    IdempotencyKeyReused,
    IdempotencyKeyTaken,
    PaymentsUnavailable,
    PledgeNotFound,
    RefundNotFound,
    RefundRefused,
    TransitionNotAllowed,
)
from domain.funding.events import PledgeRefunded
from domain.funding.idempotency import check_idempotency_key
from domain.funding.ledger import move_pledge
from domain.funding.model import Money, Pledge, Refund, RefundStatus
from domain.funding.ports import FundingUnitOfWork, PaymentGateways, StoredRequest
from domain.identity.model import Principal, Role
from domain.identity.policies import require_member
from domain.ports import Clock, IdGenerator

log = logging.getLogger("stadtkern.funding")
# Refunds racing on one pledge each retry after the winner's commit: every round has one, so
# this many rounds let every racer through (or refuse it as too large).
RACING_ROUNDS = 50
# A refund the provider refused for good is not asked again (by the settlement of a failed
# campaign) before this.
REFUSED_AGAIN_AFTER = timedelta(days=1)


def refund_key(refund_id: UUID) -> str:
    return f"refund-{refund_id}"


async def reserve_refund(
    uow: FundingUnitOfWork,
    pledge: Pledge,
    amount: Money,
    *,
    refund_id: UUID,
    requested_by: UUID | None,
    now: datetime,
    reason: str = "",
) -> Refund | None:
    """In the caller's transaction: the amount taken off the pledge and the refund stored,
    pending. None when the pledge changed since it was read. RefundTooLarge beyond what is
    left of the capture."""
    refunded = pledge.refund(amount)
    if not await move_pledge(uow, pledge, refunded):
        return None
    refund = Refund(
        id=refund_id,
        pledge_id=pledge.id,
        campaign_id=pledge.campaign_id,
        amount=amount,
        created_at=now,
        requested_by=requested_by,
        reason=reason,
    )
    await uow.refunds.add(refund)
    return refund


async def send_refund(
    refund: Refund, *, uow: FundingUnitOfWork, gateways: PaymentGateways
) -> Refund:
    """Ask the provider (again, with the same key) and note the answer. PaymentsUnavailable
    leaves it pending for the settlement to retry."""
    async with uow:
        pledge = await uow.pledges.get(refund.pledge_id)
    if pledge is None:
        raise PledgeNotFound()
    try:
        provider_ref = await gateways.of(pledge.provider).refund(
            pledge, refund.amount, key=refund_key(refund.id)
        )
    except RefundRefused as refused:
        return await _give_back(refund, refused.reason, uow=uow)
    # A bank transfer's refund is paid back by a person: it waits for them (mark_paid).
    by_hand = gateways.of(pledge.provider).confirmed_by_admin
    outcome = RefundStatus.TO_PAY_BACK if by_hand else RefundStatus.SUCCEEDED
    async with uow:
        moved = await uow.refunds.set_status(refund.id, outcome, provider_ref=provider_ref)
        if moved and outcome is RefundStatus.SUCCEEDED:
            _record_refunded(uow, refund)
        done = await uow.refunds.get(refund.id)
        await uow.commit()
    assert done is not None
    return done


def _record_refunded(uow: FundingUnitOfWork, refund: Refund) -> None:
    uow.record(
        PledgeRefunded(
            tenant_id=uow.tenant_id,
            pledge_id=refund.pledge_id,
            campaign_id=refund.campaign_id,
            refund_id=refund.id,
            amount=refund.amount.amount,
        )
    )


async def mark_refund_paid(
    refund_id: UUID, principal: Principal, *, uow: FundingUnitOfWork
) -> Refund:
    """A tenant admin transferred a bank refund back: it has succeeded. Again: no change."""
    require_member(principal, Role.ADMIN)
    async with uow:
        refund = await uow.refunds.get(refund_id)
        if refund is None:
            raise RefundNotFound()
        if refund.status is RefundStatus.SUCCEEDED:
            return refund
        moved = await uow.refunds.set_status(
            refund.id, RefundStatus.SUCCEEDED, from_status=RefundStatus.TO_PAY_BACK
        )
        if not moved:
            raise TransitionNotAllowed(f"a {refund.status.value} refund is not paid back by hand")
        _record_refunded(uow, refund)
        await uow.commit()
    return replace(refund, status=RefundStatus.SUCCEEDED)


async def refunds_to_pay_back(
    principal: Principal, *, uow: FundingUnitOfWork, limit: int
) -> list[Refund]:
    """Bank refunds an admin still has to transfer back, oldest first."""
    require_member(principal, Role.ADMIN)
    async with uow:
        return await uow.refunds.in_status(RefundStatus.TO_PAY_BACK, limit=max(1, min(limit, 500)))


async def _give_back(refund: Refund, reason: str, *, uow: FundingUnitOfWork) -> Refund:
    """The provider refused for good: the refund fails, and its amount is refundable (and
    counted in the totals) again."""
    for _ in range(RACING_ROUNDS):
        async with uow:
            if not await uow.refunds.set_status(refund.id, RefundStatus.FAILED):
                failed = await uow.refunds.get(refund.id)
                assert failed is not None
                return failed  # settled by another run meanwhile
            pledge = await uow.pledges.get(refund.pledge_id)
            assert pledge is not None and pledge.refunded is not None
            back = pledge.moved_to(
                pledge.status,
                refund.created_at,
                refunded=pledge.refunded - refund.amount,
                next_charge_at=refund.created_at + REFUSED_AGAIN_AFTER,
            )
            if back is None or not await move_pledge(uow, pledge, back):
                continue
            await uow.commit()
            log.warning("refund %s refused by the provider: %s", refund.id, reason)
            return replace(refund, status=RefundStatus.FAILED)
    raise StaleVersion("the pledge kept changing; the refund is tried again")


@dataclass(frozen=True)
class RefundInput:
    pledge_id: UUID
    amount: int  # minor units of the pledge's currency
    reason: str = ""


async def _reserved(
    cmd: RefundInput,
    admin_id: UUID,
    idempotency_key: str | None,
    scope: str,
    *,
    uow: FundingUnitOfWork,
    ids: IdGenerator,
    now: datetime,
) -> Refund:
    """The refund reserved (committed), or the first one made with this key."""
    fingerprint = f"{cmd.pledge_id}:{cmd.amount}:{cmd.reason}"
    for _ in range(RACING_ROUNDS):
        async with uow:
            if idempotency_key is not None:
                stored = await uow.idempotency.get(scope, idempotency_key)
                if stored is not None:
                    if stored.fingerprint != fingerprint:
                        raise IdempotencyKeyReused()
                    first = await uow.refunds.get(stored.resource_id)
                    if first is None:
                        raise RefundNotFound()
                    return first
            pledge = await uow.pledges.get(cmd.pledge_id)
            if pledge is None:
                raise PledgeNotFound()
            refund = await reserve_refund(
                uow,
                pledge,
                Money(cmd.amount, pledge.amount.currency),
                refund_id=ids.new_id(),
                requested_by=admin_id,
                now=now,
                reason=cmd.reason[:500],
            )
            if refund is None:
                continue  # another refund (or a webhook) moved the pledge: read it again
            if idempotency_key is not None:
                try:
                    await uow.idempotency.add(
                        scope, idempotency_key, StoredRequest(fingerprint, refund.id), now
                    )
                except IdempotencyKeyTaken:
                    continue  # a racing twin reserved it first: this one rolls back
            await uow.commit()
            return refund
    raise StaleVersion("the pledge kept changing; send the refund again")


async def refund_pledge(
    cmd: RefundInput,
    principal: Principal,
    *,
    idempotency_key: str | None,
    uow: FundingUnitOfWork,
    gateways: PaymentGateways,
    clock: Clock,
    ids: IdGenerator,
) -> Refund:
    """A tenant admin gives money back. With an Idempotency-Key, a retry answers with the
    first refund (and asks the provider again if it did not answer then)."""
    admin = require_member(principal, Role.ADMIN)
    check_idempotency_key(idempotency_key)
    scope = f"refund:{admin.account_id}"
    now = clock.now()
    refund = await _reserved(
        cmd, admin.account_id, idempotency_key, scope, uow=uow, ids=ids, now=now
    )
    if refund.status is not RefundStatus.PENDING:
        return refund
    try:
        return await send_refund(refund, uow=uow, gateways=gateways)
    except PaymentsUnavailable:
        return refund  # reserved: the settlement asks the provider again, with the same key


async def refunds_of(
    pledge_id: UUID, principal: Principal, *, uow: FundingUnitOfWork
) -> list[Refund]:
    require_member(principal, Role.ADMIN)
    async with uow:
        if await uow.pledges.get(pledge_id) is None:
            raise PledgeNotFound()
        return await uow.refunds.of_pledge(pledge_id)

"""A payment provider's webhook events, applied to pledges. Each event is noted by its id in
the transaction that applies it (a duplicate delivery changes nothing) and applied only along
the pledge's lifecycle, the refunded amount only ever growing: duplicates, late and
reordered events all end in the same state."""

from __future__ import annotations

from domain.errors import StaleVersion
from domain.funding.ledger import move_pledge
from domain.funding.model import Money, Pledge, PledgeStatus
from domain.funding.ports import FundingUnitOfWork, PaymentEvent, PaymentEventKind
from domain.ports import Clock


def _applied(pledge: Pledge, event: PaymentEvent, clock: Clock) -> Pledge | None:
    """The pledge after the event, or None when the event changes nothing. A status moves
    only along the lifecycle; facts (the saved method, the refunded total) are kept whatever
    the status, so events arriving in any order end alike."""
    now = clock.now()
    kind = event.kind
    if kind is PaymentEventKind.METHOD_SAVED and event.method_ref:
        if pledge.status is PledgeStatus.PENDING:
            return pledge.moved_to(PledgeStatus.SECURED, now, method_ref=event.method_ref)
        if pledge.method_ref:
            return None
        return pledge.moved_to(pledge.status, now, method_ref=event.method_ref)
    if kind is PaymentEventKind.CHARGE_SUCCEEDED:
        if pledge.status is PledgeStatus.CAPTURED:
            return None
        # Money moved: that is the truth, whatever the pledge thought (a late capture of a
        # pledge let go is refunded by the settlement where its campaign did not succeed).
        return pledge.moved_to(
            PledgeStatus.CAPTURED, now, charge_ref=event.reference or pledge.charge_ref
        )
    if kind is PaymentEventKind.REFUNDED and event.amount_refunded is not None:
        total = min(event.amount_refunded, pledge.amount.amount)
        already = pledge.refunded.amount if pledge.refunded else 0
        if total <= already:
            return None  # our own refunds are counted already; an older event says less
        return pledge.moved_to(pledge.status, now, refunded=Money(total, pledge.amount.currency))
    if kind is PaymentEventKind.CANCELED and pledge.status is PledgeStatus.PENDING:
        return pledge.moved_to(PledgeStatus.CANCELLED, now)
    # A failed charge is ours to handle (the settlement's retry window), and the rest is
    # not about pledges.
    return None


async def apply_payment_event(event: PaymentEvent, *, uow: FundingUnitOfWork, clock: Clock) -> bool:
    """True when the event changed a pledge. Unknown pledges are noted and ignored (another
    deployment's test event, a payment made outside Stadtkern)."""
    for _ in range(3):
        async with uow:
            if not await uow.payment_events.first_time(event.provider, event.event_id, clock.now()):
                return False
            pledge = None
            if event.pledge_id is not None:
                pledge = await uow.pledges.get(event.pledge_id)
            if pledge is None and event.reference:
                pledge = await uow.pledges.by_reference(event.provider, event.reference)
            changed = (
                _applied(pledge, event, clock)
                if pledge is not None and pledge.provider == event.provider
                else None
            )
            if (
                changed is not None
                and pledge is not None
                and not await move_pledge(uow, pledge, changed)
            ):
                continue  # moved meanwhile: read it again (the event is not noted)
            await uow.commit()
            return changed is not None
    raise StaleVersion("the pledge kept changing; the provider sends the event again")

"""The fake Stripe gateway keeps Stripe's promises the use-case tests rely on."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.funding.errors import PaymentsUnavailable, RefundRefused
from domain.funding.model import Money, Pledge, PledgeStatus
from domain.funding.ports import PaymentGateway
from tests.fakes_payments import FakeGateway, bank_gateway


def secured(gateway: FakeGateway, amount: int = 2500) -> Pledge:
    pledge = Pledge(
        uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), Money(amount, "EUR"), datetime.now(UTC)
    )
    gateway.confirm_setup(pledge.id, "pm_1")
    return replace(pledge, status=PledgeStatus.SECURED, customer_ref="cus_1", method_ref="pm_1")


async def captured(gateway: FakeGateway) -> Pledge:
    pledge = secured(gateway)
    charge = await gateway.charge(pledge, key="charge-0")
    return replace(pledge, status=PledgeStatus.CAPTURED, charge_ref=charge.charge_ref)


def test_it_is_a_payment_gateway() -> None:
    gateways: list[PaymentGateway] = [FakeGateway(), bank_gateway()]
    assert [g.provider for g in gateways] == ["stripe", "bank_transfer"]


async def test_a_charge_repeated_with_its_key_answers_the_same_and_takes_nothing_more() -> None:
    gateway = FakeGateway()
    pledge = secured(gateway)

    first = await gateway.charge(pledge, key="charge-0")
    again = await gateway.charge(pledge, key="charge-0")

    assert first == again
    assert gateway.taken(pledge.id) == 2500
    assert len(gateway.charges) == 1


async def test_an_answer_lost_after_the_charge_is_found_again_with_the_key() -> None:
    gateway = FakeGateway()
    pledge = secured(gateway)
    gateway.lose_next_answers()

    with pytest.raises(PaymentsUnavailable):
        await gateway.charge(pledge, key="charge-0")
    result = await gateway.charge(pledge, key="charge-0")

    assert result.succeeded
    assert gateway.taken(pledge.id) == 2500


async def test_a_decline_is_replayed_and_a_new_attempt_needs_a_new_key() -> None:
    gateway = FakeGateway()
    pledge = secured(gateway)
    gateway.decline(pledge.id, "insufficient_funds")
    declined = await gateway.charge(pledge, key="charge-0")
    gateway.stop_declining(pledge.id)

    assert await gateway.charge(pledge, key="charge-0") == declined
    assert (declined.succeeded, declined.reason) == (False, "insufficient_funds")
    assert (await gateway.charge(pledge, key="charge-1")).succeeded
    assert gateway.taken(pledge.id) == 2500


async def test_a_key_used_again_for_another_request_is_refused() -> None:
    gateway = FakeGateway()
    pledge = secured(gateway)
    await gateway.charge(pledge, key="k")

    with pytest.raises(PaymentsUnavailable, match="idempotency"):
        await gateway.charge(replace(pledge, amount=Money(100, "EUR")), key="k")


async def test_refunds_never_exceed_the_charge_and_repeat_by_key() -> None:
    gateway = FakeGateway()
    pledge = await captured(gateway)

    first = await gateway.refund(pledge, Money(1000, "EUR"), key="refund-1")
    assert await gateway.refund(pledge, Money(1000, "EUR"), key="refund-1") == first
    with pytest.raises(RefundRefused, match="amount_too_large"):
        await gateway.refund(pledge, Money(1501, "EUR"), key="refund-2")
    await gateway.refund(pledge, Money(1500, "EUR"), key="refund-2")  # refused: no answer kept

    assert gateway.taken(pledge.id) == 0
    assert [r.amount.amount for r in gateway.refunds] == [1000, 1500]


async def test_the_next_charges_decline_and_a_setup_is_saved_when_confirmed() -> None:
    gateway = FakeGateway()
    pledge = secured(gateway)
    gateway.decline_next(1)

    assert not (await gateway.charge(pledge, key="a")).succeeded
    assert (await gateway.charge(pledge, key="b")).succeeded
    assert await gateway.saved_method(pledge) == "pm_1"
    assert gateway.declined == [(pledge.id, "a")]


async def test_a_gateway_that_is_down_refuses_every_call() -> None:
    gateway = FakeGateway()
    pledge = secured(gateway)
    gateway.down = True

    with pytest.raises(PaymentsUnavailable):
        await gateway.start(pledge)
    with pytest.raises(PaymentsUnavailable):
        await gateway.charge(pledge, key="k")
    assert gateway.charges == []


async def test_bank_references_come_in_a_known_order() -> None:
    gateway = bank_gateway("SK-AAAAAAAA", "SK-AAAAAAAA")
    pledge = secured(FakeGateway())

    drawn = [(await gateway.start(pledge)).reference for _ in range(4)]

    assert drawn == ["SK-AAAAAAAA", "SK-AAAAAAAA", "SK-00000001", "SK-00000002"]

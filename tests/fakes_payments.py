"""Fakes of the payment gateway for use-case tests: Stripe as the use cases meet it, in memory.

`FakeGateway` keeps what localstripe does not (see tests/integration/test_stripe_gateway.py):
an idempotency key used again returns the first answer and moves no money, and a refund
beyond what is left of its charge is refused. Each error is PaymentsUnavailable, as the real
adapter raises it. A test steers it: a card confirmed, a charge declined, Stripe down, or an
answer lost after Stripe acted (the case idempotency keys exist for)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast
from uuid import UUID

from adapters.payments.bank_transfer import BankTransferGateway
from domain.funding.errors import PaymentsUnavailable, RefundRefused
from domain.funding.model import Money, Pledge
from domain.funding.ports import BankDetails, ChargeResult, PaymentStart

T = TypeVar("T")


@dataclass(frozen=True)
class FakeCharge:
    ref: str
    pledge_id: UUID
    amount: Money
    key: str


@dataclass(frozen=True)
class FakeRefund:
    ref: str
    pledge_id: UUID
    charge_ref: str
    amount: Money
    key: str


class FakeGateway:
    provider = "stripe"
    confirmed_by_admin = False

    def __init__(self) -> None:
        self.charges: list[FakeCharge] = []  # money taken (declines and replays are not)
        self.refunds: list[FakeRefund] = []  # money given back
        self.declined: list[tuple[UUID, str]] = []  # (pledge id, key) of declined charges
        self.released: list[UUID] = []  # each release call, repeats included
        self.calls: list[tuple[str, UUID, str]] = []  # (operation, pledge id, key) of each call
        self.down = False  # True: every call raises PaymentsUnavailable
        self._methods: dict[UUID, str] = {}
        self._declining: dict[UUID, str] = {}
        self._decline_next: list[str] = []
        self._answers_to_lose = 0
        self._answers: dict[str, tuple[tuple[object, ...], object]] = {}
        self._numbers = itertools.count(1)

    # Steering ----------------------------------------------------------------------------

    def confirm_setup(self, pledge_id: UUID, method: str = "pm_fake_card") -> None:
        """The backer confirmed the card in the app: saved_method now answers `method`."""
        self._methods[pledge_id] = method

    def decline(self, pledge_id: UUID, reason: str = "card_declined") -> None:
        """Every charge of this pledge is declined, until stop_declining."""
        self._declining[pledge_id] = reason

    def stop_declining(self, pledge_id: UUID) -> None:
        self._declining.pop(pledge_id, None)

    def decline_next(self, n: int = 1, reason: str = "card_declined") -> None:
        """The next n charges (of any pledge) are declined."""
        self._decline_next += [reason] * n

    def lose_next_answers(self, n: int = 1) -> None:
        """The next n calls that charge or refund act, but raise PaymentsUnavailable as if
        the answer never arrived; calling again with the key returns what was done."""
        self._answers_to_lose += n

    def taken(self, pledge_id: UUID) -> int:
        """Minor units charged on the pledge less those refunded."""
        charged = sum(c.amount.amount for c in self.charges if c.pledge_id == pledge_id)
        refunded = sum(r.amount.amount for r in self.refunds if r.pledge_id == pledge_id)
        return charged - refunded

    # The port ----------------------------------------------------------------------------

    async def start(self, pledge: Pledge, *, attempt: int = 0) -> PaymentStart:
        key = f"pledge-{pledge.id}-setup" + (f"-{attempt}" if attempt else "")
        self._called("start", pledge, key)

        def setup() -> PaymentStart:
            n = next(self._numbers)
            return PaymentStart(f"seti_fake_{n}", f"seti_fake_{n}_secret", f"cus_fake_{n}")

        return self._once(key, ("start", pledge.id, attempt), setup, may_lose=False)

    async def saved_method(self, pledge: Pledge) -> str | None:
        self._called("saved_method", pledge, "")
        return self._methods.get(pledge.id)

    async def charge(self, pledge: Pledge, *, key: str) -> ChargeResult:
        self._called("charge", pledge, key)
        fingerprint = ("charge", pledge.id, pledge.amount, pledge.method_ref)
        return self._once(key, fingerprint, lambda: self._charge(pledge, key))

    async def release(self, pledge: Pledge) -> None:
        self._called("release", pledge, "")
        self.released.append(pledge.id)

    async def refund(self, pledge: Pledge, amount: Money, *, key: str) -> str:
        self._called("refund", pledge, key)
        fingerprint = ("refund", pledge.charge_ref, amount)
        return self._once(key, fingerprint, lambda: self._refund(pledge, amount, key))

    # Stripe's side -----------------------------------------------------------------------

    def _called(self, operation: str, pledge: Pledge, key: str) -> None:
        self.calls.append((operation, pledge.id, key))
        if self.down:
            raise PaymentsUnavailable("Stripe cannot be reached")

    def _once(
        self,
        key: str,
        fingerprint: tuple[object, ...],
        act: Callable[[], T],
        *,
        may_lose: bool = True,
    ) -> T:
        """As Stripe keeps idempotency keys: the first answer again for the same request, a
        refusal for another request with the same key. A refused request keeps no answer."""
        if key in self._answers:
            first, answer = self._answers[key]
            if first != fingerprint:
                raise PaymentsUnavailable("Stripe refused the request (idempotency_error)")
            return cast(T, answer)
        answer = act()
        self._answers[key] = (fingerprint, answer)
        if may_lose and self._answers_to_lose:
            self._answers_to_lose -= 1
            raise PaymentsUnavailable("Stripe cannot be reached")
        return answer

    def _charge(self, pledge: Pledge, key: str) -> ChargeResult:
        if not pledge.method_ref:
            return ChargeResult(False, "", "no_saved_card")
        ref = f"pi_fake_{next(self._numbers)}"
        reason = self._declining.get(pledge.id)
        if reason is None and self._decline_next:
            reason = self._decline_next.pop(0)
        if reason is not None:
            self.declined.append((pledge.id, key))
            return ChargeResult(False, ref, reason)
        self.charges.append(FakeCharge(ref, pledge.id, pledge.amount, key))
        return ChargeResult(True, ref)

    def _refund(self, pledge: Pledge, amount: Money, key: str) -> str:
        charge = next((c for c in self.charges if c.ref == pledge.charge_ref), None)
        if charge is None:
            raise RefundRefused("resource_missing")
        done = sum(r.amount.amount for r in self.refunds if r.charge_ref == charge.ref)
        if not 0 < amount.amount <= charge.amount.amount - done:
            raise RefundRefused("amount_too_large")
        ref = f"re_fake_{next(self._numbers)}"
        self.refunds.append(FakeRefund(ref, pledge.id, charge.ref, amount, key))
        return ref


BANK_DETAILS = BankDetails("Stadt Teststadt", "DE89370400440532013000", "COBADEFFXXX")


def bank_gateway(*references: str) -> BankTransferGateway:
    """The real bank-transfer gateway with references in a known order: those given (a
    repeat makes a collision), then SK-00000001, SK-00000002, ..."""
    counted = (f"SK-{n:08d}" for n in itertools.count(1))
    return BankTransferGateway(
        BANK_DETAILS, references=itertools.chain(references, counted).__next__
    )

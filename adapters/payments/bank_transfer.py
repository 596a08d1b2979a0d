"""Bank transfer as a PaymentGateway: the backer transfers the money quoting a reference, and
a tenant admin confirms it arrived. Nothing is charged or held by us.

A reference is "SK-" and eight characters of Crockford's base32 (no I, L, O or U), drawn from
`secrets`: short enough to type into a bank form, 40 bits so two pledges practically never
draw the same (the repository refuses a duplicate, and the caller draws again).
`normalize_reference` reads one back as a person typed or a bank statement mangled it.

A refund is paid back by an admin by transfer, outside the system: `refund` records nothing
with a provider and answers an empty refund id."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from domain.funding.model import Money, Pledge
from domain.funding.ports import BankDetails, ChargeResult, PaymentStart
from domain.funding.transfers import ALPHABET, LENGTH, PREFIX


def new_reference() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


class BankTransferGateway:
    provider = "bank_transfer"
    confirmed_by_admin = True

    def __init__(
        self, details: BankDetails, *, references: Callable[[], str] | None = None
    ) -> None:
        self._details = details
        self._references = references or new_reference

    async def start(self, pledge: Pledge, *, attempt: int = 0) -> PaymentStart:
        return PaymentStart(reference=self._references(), bank=self._details)

    async def saved_method(self, pledge: Pledge) -> str | None:
        return None

    async def charge(self, pledge: Pledge, *, key: str) -> ChargeResult:
        raise RuntimeError("bank transfers are not charged")

    async def release(self, pledge: Pledge) -> None:
        return None  # nothing was held

    async def refund(self, pledge: Pledge, amount: Money, *, key: str) -> str:
        return ""  # an admin transfers the money back

"""The bank-transfer gateway: references a backer can type, read back as an admin types them."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from adapters.payments.bank_transfer import BankTransferGateway, new_reference
from domain.funding.model import Money, Pledge
from domain.funding.ports import BankDetails
from domain.funding.transfers import ALPHABET, normalize_reference

DETAILS = BankDetails("Stadt Leipzig", "DE89370400440532013000", "COBADEFFXXX")
REFERENCE = re.compile(r"SK-[0-9A-HJKMNP-TV-Z]{8}")


def a_pledge() -> Pledge:
    return Pledge(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), Money(2500, "EUR"), datetime.now(UTC))


def test_crockfords_alphabet_has_no_letters_that_read_as_digits() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_references_are_short_unambiguous_and_do_not_repeat() -> None:
    drawn = [new_reference() for _ in range(5_000)]  # 40 bits: a repeat is 1 in 100,000

    assert all(REFERENCE.fullmatch(r) for r in drawn)
    assert len(set(drawn)) == len(drawn)
    assert set("".join(r[3:] for r in drawn)) == set(ALPHABET)  # every character is used


async def test_a_pledge_starts_with_a_fresh_reference_and_the_account_to_pay_to() -> None:
    gateway = BankTransferGateway(DETAILS)

    first, second = await gateway.start(a_pledge()), await gateway.start(a_pledge())

    assert REFERENCE.fullmatch(first.reference)
    assert first.reference != second.reference
    assert first.bank == DETAILS
    assert (first.client_secret, first.customer_ref) == ("", "")


async def test_references_may_come_from_elsewhere() -> None:
    gateway = BankTransferGateway(DETAILS, references=iter(["SK-00000001"]).__next__)

    assert (await gateway.start(a_pledge())).reference == "SK-00000001"


async def test_a_transfer_is_confirmed_by_an_admin_never_charged() -> None:
    gateway = BankTransferGateway(DETAILS)
    pledge = a_pledge()

    assert (gateway.provider, gateway.confirmed_by_admin) == ("bank_transfer", True)
    assert await gateway.saved_method(pledge) is None
    with pytest.raises(RuntimeError, match="not charged"):
        await gateway.charge(pledge, key="k")
    await gateway.release(pledge)
    assert await gateway.refund(pledge, Money(100, "EUR"), key="k") == ""  # paid back by hand


@pytest.mark.parametrize(
    ("typed", "reference"),
    [
        ("SK-7GQ2XH4M", "SK-7GQ2XH4M"),
        ("sk-7gq2xh4m", "SK-7GQ2XH4M"),
        ("  SK 7GQ2 XH4M ", "SK-7GQ2XH4M"),
        ("SK-7GQ2-XH4M", "SK-7GQ2XH4M"),
        ("SK7GQ2XH4M", "SK-7GQ2XH4M"),
        ("7gq2xh4m", "SK-7GQ2XH4M"),  # the prefix left out
        ("SK-7GQ2XH4O", "SK-7GQ2XH40"),  # O for 0
        ("SK-1O0OIL1l", "SK-10001111"),  # I, L and l for 1
        ("SK-\t7GQ2\nXH4M", "SK-7GQ2XH4M"),
    ],
)
def test_a_typed_reference_reads_as_the_one_written_form(typed: str, reference: str) -> None:
    assert normalize_reference(typed) == reference


def test_every_drawn_reference_is_already_in_its_written_form() -> None:
    for _ in range(1000):
        reference = new_reference()
        assert normalize_reference(reference) == reference


@pytest.mark.parametrize("text", ["", "Spende", "SK-UUUUUUUU", "SK-7GQ2XH4", "SK-7GQ2XH4MM"])
def test_text_that_is_no_reference_matches_none(text: str) -> None:
    assert not REFERENCE.fullmatch(normalize_reference(text))

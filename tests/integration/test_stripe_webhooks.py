"""Stripe's webhooks as the tenant's endpoint receives them: events signed here by hand, as
Stripe signs them (`t=<time>,v1=<HMAC-SHA256 of "<time>.<body>">` with the endpoint's secret).
No server: localstripe sends no setup_intent.* and no charge.refunded events anyway."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest

from adapters.payments.stripe_webhooks import StripeWebhooks
from domain.funding.errors import WebhookRefused
from domain.funding.ports import PaymentEvent, PaymentEventKind

SECRET = "whsec_stadtkern_test"
PLEDGE = uuid.uuid4()
webhooks = StripeWebhooks(SECRET)


def signature(body: bytes, *, secret: str = SECRET, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256)
    return f"t={at},v1={mac.hexdigest()}"


def event(kind: str, thing: dict[str, Any], event_id: str = "evt_1") -> bytes:
    return json.dumps(
        {"id": event_id, "object": "event", "type": kind, "data": {"object": thing}}
    ).encode()


def received(body: bytes) -> PaymentEvent:
    return webhooks.verify(body, signature(body))


def pledge_meta(pledge_id: object = PLEDGE) -> dict[str, Any]:
    return {"metadata": {"pledge_id": str(pledge_id)}}


def test_a_confirmed_card_setup_saves_the_method() -> None:
    body = event(
        "setup_intent.succeeded",
        {"id": "seti_1", "object": "setup_intent", "payment_method": "pm_1", **pledge_meta()},
    )

    assert received(body) == PaymentEvent(
        "stripe",
        "evt_1",
        PaymentEventKind.METHOD_SAVED,
        pledge_id=PLEDGE,
        reference="seti_1",
        method_ref="pm_1",
    )


def test_an_expanded_payment_method_is_read_by_its_id() -> None:
    body = event(
        "setup_intent.succeeded",
        {"id": "seti_1", "payment_method": {"id": "pm_1", "object": "payment_method"}},
    )

    assert received(body).method_ref == "pm_1"


@pytest.mark.parametrize(
    ("stripe_type", "kind"),
    [
        ("payment_intent.succeeded", PaymentEventKind.CHARGE_SUCCEEDED),
        ("payment_intent.payment_failed", PaymentEventKind.CHARGE_FAILED),
        ("payment_intent.canceled", PaymentEventKind.CANCELED),
        ("setup_intent.canceled", PaymentEventKind.CANCELED),
    ],
)
def test_intent_events_carry_the_intent_and_the_pledge(
    stripe_type: str, kind: PaymentEventKind
) -> None:
    body = event(stripe_type, {"id": "pi_1", "status": "whatever", **pledge_meta()}, "evt_9")

    assert received(body) == PaymentEvent(
        "stripe", "evt_9", kind, pledge_id=PLEDGE, reference="pi_1"
    )


def test_a_refund_reports_the_payment_and_all_refunded_so_far() -> None:
    body = event(
        "charge.refunded",
        {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount_refunded": 1500},
    )

    assert received(body) == PaymentEvent(
        "stripe",
        "evt_1",
        PaymentEventKind.REFUNDED,
        reference="pi_1",
        amount_refunded=1500,
    )


def test_events_funding_does_not_apply_are_other() -> None:
    body = event("customer.created", {"id": "cus_1", **pledge_meta()})

    assert received(body) == PaymentEvent("stripe", "evt_1", PaymentEventKind.OTHER, pledge_id=None)


@pytest.mark.parametrize(
    ("stripe_type", "thing"),
    [
        ("setup_intent.succeeded", {"id": "seti_1"}),  # no payment method
        ("setup_intent.succeeded", {"id": "seti_1", "payment_method": 7}),
        ("payment_intent.succeeded", {"status": "succeeded"}),  # no id
        ("payment_intent.succeeded", {"id": ["pi_1"]}),
        ("charge.refunded", {"id": "ch_1", "payment_intent": "pi_1"}),  # no amount
        ("charge.refunded", {"id": "ch_1", "payment_intent": "pi_1", "amount_refunded": "10"}),
        ("charge.refunded", {"id": "ch_1", "payment_intent": "pi_1", "amount_refunded": True}),
        ("charge.refunded", {"id": "ch_1", "payment_intent": None, "amount_refunded": 10}),
    ],
)
def test_events_of_an_unexpected_shape_are_other(stripe_type: str, thing: dict) -> None:
    assert received(event(stripe_type, thing)).kind is PaymentEventKind.OTHER


@pytest.mark.parametrize("data", [None, {}, {"object": None}, {"object": "pi_1"}, [1, 2], "text"])
def test_an_event_without_an_object_is_other(data: object) -> None:
    body = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": data}).encode()

    assert received(body) == PaymentEvent("stripe", "evt_1", PaymentEventKind.OTHER)


@pytest.mark.parametrize("metadata", [None, {}, {"pledge_id": "not-a-uuid"}, {"pledge_id": 5}, "x"])
def test_a_pledge_id_that_is_not_ours_is_none(metadata: object) -> None:
    body = event("payment_intent.succeeded", {"id": "pi_1", "metadata": metadata})

    assert received(body).pledge_id is None


def test_a_wrong_secret_is_refused() -> None:
    body = event("payment_intent.succeeded", {"id": "pi_1"})

    with pytest.raises(WebhookRefused):
        webhooks.verify(body, signature(body, secret="whsec_someone_else"))


def test_a_changed_body_is_refused() -> None:
    body = event("charge.refunded", {"payment_intent": "pi_1", "amount_refunded": 100})
    signed = signature(body)

    with pytest.raises(WebhookRefused):
        webhooks.verify(body.replace(b"100", b"900"), signed)


def test_a_signature_older_than_the_tolerance_is_refused() -> None:
    body = event("payment_intent.succeeded", {"id": "pi_1"})

    with pytest.raises(WebhookRefused):
        webhooks.verify(body, signature(body, at=int(time.time()) - 301))
    assert webhooks.verify(body, signature(body, at=int(time.time()) - 290)).reference == "pi_1"


def test_the_tolerance_is_the_tenants_to_choose() -> None:
    body = event("payment_intent.succeeded", {"id": "pi_1"})
    strict = StripeWebhooks(SECRET, tolerance=10)

    with pytest.raises(WebhookRefused):
        strict.verify(body, signature(body, at=int(time.time()) - 60))


@pytest.mark.parametrize(
    "header",
    [
        "",
        "t=1",
        "v1=abc",
        "garbage",
        "t=notanumber,v1=abc",
        "t=1700000000,v0=abc",  # another scheme only
        "t=1700000000,v1=\u00e4\u00f6\u00fc",  # non-ASCII, as a header may decode
    ],
)
def test_a_missing_or_malformed_signature_is_refused(header: str) -> None:
    with pytest.raises(WebhookRefused):
        webhooks.verify(event("payment_intent.succeeded", {"id": "pi_1"}), header)


def test_no_secret_configured_refuses_everything() -> None:
    body = event("payment_intent.succeeded", {"id": "pi_1"})

    with pytest.raises(WebhookRefused):
        StripeWebhooks("").verify(body, signature(body, secret=""))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00 not utf-8",
        b"[]",
        b'"evt_1"',
        b"{}",
        b'{"id": "evt_1"}',  # no type
        b'{"id": 5, "type": "payment_intent.succeeded"}',
    ],
)
def test_a_body_that_is_not_an_event_is_refused_even_when_signed(body: bytes) -> None:
    with pytest.raises(WebhookRefused):
        webhooks.verify(body, signature(body))

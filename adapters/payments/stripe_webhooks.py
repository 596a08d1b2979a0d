"""Stripe's webhooks, verified with the tenant's signing secret and reduced to PaymentEvents.

The signature (`Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">`) is checked
by the SDK, with a tolerance for the timestamp so a captured request cannot be replayed later.
The event is then read as plain JSON, field by field: an event of a shape we do not expect
becomes OTHER (noted and ignored), never an error; a body that is not an event at all, or
any doubt about the signature, is WebhookRefused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import stripe

from domain.funding.errors import WebhookRefused
from domain.funding.ports import PaymentEvent, PaymentEventKind

K = PaymentEventKind


class StripeWebhooks:
    def __init__(self, secret: str, *, tolerance: int = 300) -> None:
        self._secret = secret
        self._tolerance = tolerance

    def verify(self, payload: bytes, signature: str) -> PaymentEvent:
        try:
            text = payload.decode("utf-8")
            stripe.WebhookSignature.verify_header(text, signature, self._secret, self._tolerance)
        # A missing header or secret is a SignatureVerificationError too; a body that is not
        # UTF-8 a ValueError; a non-ASCII signature a TypeError (from hmac.compare_digest).
        except (stripe.SignatureVerificationError, ValueError, TypeError) as error:
            raise WebhookRefused("the signature is missing, wrong or too old") from error
        try:
            event = json.loads(text)
        except ValueError as error:
            raise WebhookRefused("the payload is not JSON") from error
        if not isinstance(event, dict) or not _text(event, "id") or not _text(event, "type"):
            raise WebhookRefused("the payload is not a Stripe event")
        return _reduced(event)


def _reduced(event: dict[str, Any]) -> PaymentEvent:
    data = event.get("data")
    thing = data.get("object") if isinstance(data, dict) else None
    other = PaymentEvent("stripe", event["id"], K.OTHER)
    if not isinstance(thing, dict):
        return other
    reduce = _BY_TYPE.get(event["type"])
    fields = reduce(thing) if reduce else None
    if fields is None:
        return other
    kind, changes = fields
    return PaymentEvent("stripe", event["id"], kind, pledge_id=_pledge_id(thing), **changes)


Reduction = tuple[PaymentEventKind, dict[str, Any]] | None


def _intent(kind: PaymentEventKind) -> Callable[[dict[str, Any]], Reduction]:
    def reduce(thing: dict[str, Any]) -> Reduction:
        reference = _text(thing, "id")
        return (kind, {"reference": reference}) if reference else None

    return reduce


def _method_saved(thing: dict[str, Any]) -> Reduction:
    reference, method = _text(thing, "id"), _id_of(thing.get("payment_method"))
    if not (reference and method):
        return None
    return K.METHOD_SAVED, {"reference": reference, "method_ref": method}


def _refunded(thing: dict[str, Any]) -> Reduction:
    payment, refunded = _id_of(thing.get("payment_intent")), thing.get("amount_refunded")
    if not payment or isinstance(refunded, bool) or not isinstance(refunded, int):
        return None
    return K.REFUNDED, {"reference": payment, "amount_refunded": refunded}


_BY_TYPE: dict[str, Callable[[dict[str, Any]], Reduction]] = {
    "setup_intent.succeeded": _method_saved,
    "payment_intent.succeeded": _intent(K.CHARGE_SUCCEEDED),
    "payment_intent.payment_failed": _intent(K.CHARGE_FAILED),
    "charge.refunded": _refunded,
    "setup_intent.canceled": _intent(K.CANCELED),
    "payment_intent.canceled": _intent(K.CANCELED),
}


def _text(thing: dict[str, Any], name: str) -> str:
    value = thing.get(name)
    return value if isinstance(value, str) else ""


def _id_of(value: Any) -> str:
    """An id as Stripe sends it: itself, or inside the expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _pledge_id(thing: dict[str, Any]) -> UUID | None:
    metadata = thing.get("metadata")
    value = metadata.get("pledge_id") if isinstance(metadata, dict) else None
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None

"""Stripe as a PaymentGateway: every pledge saves a card, and the card is charged off-session
when the money is due (keep-it-all: at once; all-or-nothing: when the campaign succeeded).

A pledge starts with a Customer of its own and a SetupIntent for off-session use; the backer's
app confirms the card with the SetupIntent's client secret (Stripe.js). Nothing is held on the
card meanwhile, so nothing expires after seven days. Every call that creates something carries
an idempotency key derived from our ids, so a call repeated after a crash or a lost answer has
the first call's effect; the metadata `pledge_id` lets webhooks find the pledge.

Stripe's errors become PaymentsUnavailable (the caller tries again later), except a card
declined on a charge, which is a charge that failed. The detail never quotes Stripe's message
(it may name ids, or a masked key); the log does."""

from __future__ import annotations

import logging
import re
from typing import Any, NoReturn

import httpx
import stripe

from domain.funding.errors import PaymentsUnavailable, RefundRefused
from domain.funding.model import Money, Pledge
from domain.funding.ports import ChargeResult, PaymentStart

log = logging.getLogger("stadtkern.payments")

# Only cards: a redirect-based method could not be charged off-session, and card charges
# end at once (succeeded or declined), never "processing".
_METHOD_TYPES = ["card"]
_SECRETS = re.compile(r"\b(?:sk|rk|whsec)_\w+")


def stripe_client(secret_key: str, api_base: str | None = None) -> stripe.StripeClient:
    """A client for one tenant's account; `api_base` points it at a local fake (localstripe).
    Network errors are retried by the SDK: safe, as every call that creates carries a key."""
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=2,
        http_client=stripe.HTTPXClient(timeout=httpx.Timeout(30.0, connect=5.0)),
    )


class StripeGateway:
    provider = "stripe"
    confirmed_by_admin = False

    def __init__(self, client: stripe.StripeClient) -> None:
        self._stripe = client.v1

    async def start(self, pledge: Pledge, *, attempt: int = 0) -> PaymentStart:
        metadata = _metadata(pledge)
        # A card saved again (after a declined charge) is a setup of its own, on the same
        # customer.
        setup_key = f"pledge-{pledge.id}-setup" + (f"-{attempt}" if attempt else "")
        try:
            customer = await self._stripe.customers.create_async(
                {"metadata": metadata}, {"idempotency_key": f"pledge-{pledge.id}-customer"}
            )
            setup = await self._stripe.setup_intents.create_async(
                {
                    "customer": customer.id,
                    "usage": "off_session",
                    "payment_method_types": _METHOD_TYPES,
                    "metadata": metadata,
                },
                {"idempotency_key": setup_key},
            )
        except stripe.StripeError as error:
            _unavailable("start a card setup", error)
        return PaymentStart(
            reference=setup.id, client_secret=setup.client_secret or "", customer_ref=customer.id
        )

    async def saved_method(self, pledge: Pledge) -> str | None:
        if not pledge.payment_reference:
            return None
        try:
            setup = await self._stripe.setup_intents.retrieve_async(pledge.payment_reference)
        except stripe.StripeError as error:
            _unavailable("read the card setup", error)
        if setup.status != "succeeded":
            return None
        return _id_of(setup.payment_method) or None

    async def charge(self, pledge: Pledge, *, key: str) -> ChargeResult:
        if not (pledge.customer_ref and pledge.method_ref):
            return ChargeResult(False, "", "no_saved_card")
        try:
            payment = await self._stripe.payment_intents.create_async(
                {
                    "amount": pledge.amount.amount,
                    "currency": pledge.amount.currency.lower(),
                    "customer": pledge.customer_ref,
                    "payment_method": pledge.method_ref,
                    "payment_method_types": _METHOD_TYPES,
                    "off_session": True,
                    "confirm": True,
                    "metadata": _metadata(pledge),
                },
                {"idempotency_key": key},
            )
        except stripe.CardError as declined:
            return _declined(declined)
        except stripe.InvalidRequestError as error:
            # Refused for good (an amount Stripe does not take, a card detached in the
            # dashboard): a failed charge, which the retry window and the backer handle.
            log.warning("stripe refused to charge pledge %s: %s", pledge.id, error.code)
            return ChargeResult(False, "", error.code or "invalid_request")
        except stripe.StripeError as error:
            _unavailable("charge the saved card", error)
        if payment.status == "succeeded":
            return ChargeResult(succeeded=True, charge_ref=payment.id)
        # Off-session, Stripe answers a card that wants the backer (3-D Secure) with a
        # CardError; a fake may answer with the status instead.
        reason = "authentication_required" if payment.status == "requires_action" else ""
        return ChargeResult(False, payment.id, reason or str(payment.status))

    async def release(self, pledge: Pledge) -> None:
        """Cancel a setup the backer never finished and detach the saved card. Each step
        looks first, so a repeated release (or one racing a late confirmation) is harmless;
        what Stripe does not know (any more) needs no release."""
        method = pledge.method_ref
        try:
            setup = await self._found(self._stripe.setup_intents, pledge.payment_reference)
            if setup is not None and setup.status == "succeeded":
                method = method or _id_of(setup.payment_method)
            elif setup is not None and setup.status != "canceled":
                await self._cancel_setup(setup.id)
            card = await self._found(self._stripe.payment_methods, method)
            if card is not None and card.customer is not None:
                await self._stripe.payment_methods.detach_async(card.id)
        except stripe.StripeError as error:
            _unavailable("release the saved card", error)

    async def refund(self, pledge: Pledge, amount: Money, *, key: str) -> str:
        if not pledge.charge_ref:
            raise RefundRefused("no_charge")
        try:
            refund = await self._stripe.refunds.create_async(
                {
                    "payment_intent": pledge.charge_ref,
                    "amount": amount.amount,
                    "metadata": _metadata(pledge),
                },
                {"idempotency_key": key},
            )
        except stripe.InvalidRequestError as error:
            # Refused for good (disputed, refunded in the dashboard already): asking again
            # with the same key would be refused again.
            log.warning("stripe refused to refund pledge %s: %s", pledge.id, error.code)
            raise RefundRefused(error.code or "invalid_request") from None
        except stripe.StripeError as error:
            _unavailable("refund the charge", error)
        return refund.id

    async def _cancel_setup(self, setup_id: str) -> None:
        try:
            await self._stripe.setup_intents.cancel_async(setup_id)
        except stripe.InvalidRequestError as error:
            # It moved on meanwhile (confirmed, or cancelled by another release).
            log.info("setup %s not cancelled: %s", setup_id, error.code)

    @staticmethod
    async def _found(service: Any, object_id: str) -> Any:
        """The object, or None when there is no id or Stripe knows none by it."""
        if not object_id:
            return None
        try:
            return await service.retrieve_async(object_id)
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                return None
            raise


def _metadata(pledge: Pledge) -> dict[str, str]:
    return {"pledge_id": str(pledge.id)}


def _id_of(value: Any) -> str:
    """An id Stripe answers either as itself or as the expanded object."""
    if isinstance(value, str):
        return value
    return str(getattr(value, "id", "") or "")


def _declined(error: stripe.CardError) -> ChargeResult:
    details = error.error
    payment = _id_of(getattr(details, "payment_intent", None)) if details else ""
    reason = (getattr(details, "decline_code", None) if details else None) or error.code
    return ChargeResult(False, payment, reason or "card_declined")


def _unavailable(action: str, error: stripe.StripeError) -> NoReturn:
    """Raise PaymentsUnavailable for any error of Stripe's: the cause in the detail, the
    message (which Stripe masks, scrubbed again here) only in the log."""
    message = _SECRETS.sub("[redacted]", str(error.user_message or ""))
    if isinstance(error, stripe.APIConnectionError):
        detail = "Stripe cannot be reached"
        log.warning("stripe could not %s: %s", action, message)
    elif isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        detail = "Stripe refused the tenant's API key"
        log.error("stripe could not %s: the key was refused: %s", action, message)
    elif isinstance(error, stripe.RateLimitError):
        detail = "Stripe is limiting the rate of requests"
        log.warning("stripe could not %s: rate limited", action)
    elif isinstance(error, stripe.APIError):
        detail = f"Stripe answered with an error ({error.http_status})"
        log.warning("stripe could not %s: %s %s", action, error.http_status, message)
    else:  # an invalid request: a bug of ours or a state we did not expect
        code = error.code or type(error).__name__
        detail = f"Stripe refused to {action} ({code})"
        log.error("stripe refused to %s: %s %s: %s", action, error.http_status, code, message)
    raise PaymentsUnavailable(detail) from error

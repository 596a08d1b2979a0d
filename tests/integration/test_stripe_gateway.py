"""The Stripe gateway through the real SDK against localstripe, a fake Stripe API on loopback
(each xdist worker starts its own, see tests/localstripe_server.py).

What localstripe checks: the requests our SDK calls make (it refuses unknown parameters), the
card flow (a SetupIntent confirmed with a card the way Stripe.js does, an off-session charge,
a declined card), partial refunds, detaching, and a refused key.

What it cannot check, so tests of our own cover it (the use cases with tests/fakes_payments.py,
which behaves as Stripe does here):
- it ignores Idempotency-Key: a repeated call makes a second object. We check below that every
  call carries the key derived from our ids; the fake checks what Stripe does with it;
- it allows refunds beyond what was charged (Stripe refuses them);
- it sends no setup_intent.* and no charge.refunded webhooks (test_stripe_webhooks.py signs
  those events itself);
- it does not attach the card to the customer when a SetupIntent succeeds (Stripe does): the
  release test attaches it as Stripe would;
- a declined charge's error names the charge, not the PaymentIntent (Stripe names both).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import stripe

from adapters.payments.stripe_gateway import StripeGateway, stripe_client
from domain.funding.errors import PaymentsUnavailable, RefundRefused
from domain.funding.model import Money, Pledge, PledgeStatus
from tests.localstripe_server import SECRET_KEY, confirm_setup_as_stripe_js, running_localstripe

# stripe-python's HTTPXClient sends the form with `data=`, which httpx 0.28+ deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

VISA = "4242424242424242"
DECLINES_ON_CHARGE = "4000000000000341"  # attaches fine, every charge is declined


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_localstripe(tmp_path_factory.mktemp("localstripe")) as url:
        yield url


class RecordingHTTPXClient(stripe.HTTPXClient):
    """The SDK's own HTTP client, noting each request's method, path and idempotency key."""

    def __init__(self) -> None:
        super().__init__(timeout=10)
        self.requests: list[tuple[str, str, str | None]] = []

    async def request_async(
        self, method: str, url: str, headers: Any, post_data: Any = None
    ) -> Any:
        path = url.split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
        self.requests.append((method.upper(), "/" + path, headers.get("Idempotency-Key")))
        return await super().request_async(method, url, headers, post_data)

    def keys_of(self, method: str, path_start: str) -> list[str | None]:
        return [k for m, p, k in self.requests if m == method and p.startswith(path_start)]


@pytest.fixture
async def http() -> AsyncIterator[RecordingHTTPXClient]:
    client = RecordingHTTPXClient()
    yield client
    await client.close_async()


@pytest.fixture
def api(localstripe_url: str, http: RecordingHTTPXClient) -> stripe.StripeClient:
    return stripe.StripeClient(
        SECRET_KEY, base_addresses={"api": localstripe_url}, http_client=http
    )


@pytest.fixture
def gateway(api: stripe.StripeClient) -> StripeGateway:
    return StripeGateway(api)


def a_pledge(amount: int = 2500) -> Pledge:
    return Pledge(
        id=uuid.uuid4(),
        campaign_id=uuid.uuid4(),
        backer_id=uuid.uuid4(),
        amount=Money(amount, "EUR"),
        created_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
        provider="stripe",
    )


async def started(gateway: StripeGateway, pledge: Pledge) -> Pledge:
    begun = await gateway.start(pledge)
    return replace(
        pledge,
        payment_reference=begun.reference,
        client_secret=begun.client_secret,
        customer_ref=begun.customer_ref,
    )


async def secured(gateway: StripeGateway, url: str, card: str = VISA) -> Pledge:
    """A pledge whose backer confirmed `card` in the app, as the use case records it."""
    pledge = await started(gateway, a_pledge())
    await confirm_setup_as_stripe_js(url, pledge.payment_reference, pledge.client_secret, card)
    method = await gateway.saved_method(pledge)
    assert method is not None
    return replace(pledge, status=PledgeStatus.SECURED, method_ref=method)


async def test_start_makes_a_customer_and_an_off_session_setup_for_the_pledge(
    gateway: StripeGateway, api: stripe.StripeClient, http: RecordingHTTPXClient
) -> None:
    pledge = a_pledge()

    begun = await gateway.start(pledge)

    setup = await api.v1.setup_intents.retrieve_async(begun.reference)
    customer = await api.v1.customers.retrieve_async(begun.customer_ref)
    assert begun.reference.startswith("seti_")
    assert begun.client_secret == setup.client_secret
    assert setup.customer == customer.id
    assert setup.usage == "off_session"
    assert setup.status == "requires_payment_method"
    assert setup.metadata.to_dict() == {"pledge_id": str(pledge.id)}
    assert customer.metadata.to_dict() == {"pledge_id": str(pledge.id)}
    assert http.keys_of("POST", "/v1/customers") == [f"pledge-{pledge.id}-customer"]
    assert http.keys_of("POST", "/v1/setup_intents") == [f"pledge-{pledge.id}-setup"]


async def test_no_saved_method_until_the_backer_confirms_the_card(
    gateway: StripeGateway, localstripe_url: str
) -> None:
    pledge = await started(gateway, a_pledge())
    assert await gateway.saved_method(pledge) is None

    answer = await confirm_setup_as_stripe_js(
        localstripe_url, pledge.payment_reference, pledge.client_secret, VISA
    )

    assert answer["status"] == "succeeded"
    assert await gateway.saved_method(pledge) == answer["payment_method"]


async def test_a_pledge_without_a_setup_has_no_saved_method(gateway: StripeGateway) -> None:
    assert await gateway.saved_method(a_pledge()) is None


async def test_the_saved_card_is_charged_off_session_with_the_callers_key(
    gateway: StripeGateway,
    api: stripe.StripeClient,
    http: RecordingHTTPXClient,
    localstripe_url: str,
) -> None:
    pledge = await secured(gateway, localstripe_url)

    result = await gateway.charge(pledge, key=f"pledge-{pledge.id}-charge-0")

    assert result.succeeded
    assert result.reason == ""
    payment = await api.v1.payment_intents.retrieve_async(result.charge_ref)
    assert payment.status == "succeeded"
    assert (payment.amount, payment.currency) == (2500, "eur")
    assert (payment.customer, payment.payment_method) == (pledge.customer_ref, pledge.method_ref)
    assert payment.metadata.to_dict() == {"pledge_id": str(pledge.id)}
    assert http.keys_of("POST", "/v1/payment_intents") == [f"pledge-{pledge.id}-charge-0"]


async def test_a_declined_card_is_a_failed_charge_with_the_decline_code(
    gateway: StripeGateway, localstripe_url: str
) -> None:
    pledge = await secured(gateway, localstripe_url, card=DECLINES_ON_CHARGE)

    result = await gateway.charge(pledge, key=f"pledge-{pledge.id}-charge-0")

    assert not result.succeeded
    assert result.reason == "card_declined"


async def test_charging_a_pledge_without_a_saved_card_is_refused_before_stripe(
    gateway: StripeGateway, http: RecordingHTTPXClient
) -> None:
    refused = await gateway.charge(a_pledge(), key="k")
    assert not refused.succeeded and refused.reason == "no_saved_card"
    assert http.requests == []


async def test_a_charge_is_refunded_in_part_then_the_rest(
    gateway: StripeGateway,
    api: stripe.StripeClient,
    http: RecordingHTTPXClient,
    localstripe_url: str,
) -> None:
    pledge = await secured(gateway, localstripe_url)
    charge = await gateway.charge(pledge, key=f"pledge-{pledge.id}-charge-0")
    pledge = replace(pledge, status=PledgeStatus.CAPTURED, charge_ref=charge.charge_ref)

    first = await gateway.refund(pledge, Money(1000, "EUR"), key="refund-1")
    rest = await gateway.refund(pledge, Money(1500, "EUR"), key="refund-2")

    refunds = [await api.v1.refunds.retrieve_async(r) for r in (first, rest)]
    assert [(r.amount, r.status, r.payment_intent) for r in refunds] == [
        (1000, "succeeded", charge.charge_ref),
        (1500, "succeeded", charge.charge_ref),
    ]
    assert refunds[0].metadata.to_dict() == {"pledge_id": str(pledge.id)}
    assert http.keys_of("POST", "/v1/refunds") == ["refund-1", "refund-2"]


async def test_release_detaches_the_saved_card_and_may_be_repeated(
    gateway: StripeGateway, api: stripe.StripeClient, localstripe_url: str
) -> None:
    pledge = await secured(gateway, localstripe_url)
    # Stripe attaches the card to the SetupIntent's customer; localstripe does not.
    await api.v1.payment_methods.attach_async(pledge.method_ref, {"customer": pledge.customer_ref})

    await gateway.release(pledge)
    await gateway.release(pledge)

    method = await api.v1.payment_methods.retrieve_async(pledge.method_ref)
    assert method.customer is None


async def test_release_finds_a_card_confirmed_after_the_pledge_was_last_read(
    gateway: StripeGateway, api: stripe.StripeClient, localstripe_url: str
) -> None:
    pledge = await started(gateway, a_pledge())  # method_ref never recorded
    answer = await confirm_setup_as_stripe_js(
        localstripe_url, pledge.payment_reference, pledge.client_secret, VISA
    )
    await api.v1.payment_methods.attach_async(
        answer["payment_method"], {"customer": pledge.customer_ref}
    )

    await gateway.release(pledge)

    method = await api.v1.payment_methods.retrieve_async(answer["payment_method"])
    assert method.customer is None


async def test_release_cancels_a_setup_the_backer_never_confirmed(
    gateway: StripeGateway, api: stripe.StripeClient
) -> None:
    pledge = await started(gateway, a_pledge())

    await gateway.release(pledge)
    await gateway.release(pledge)

    setup = await api.v1.setup_intents.retrieve_async(pledge.payment_reference)
    assert setup.status == "canceled"
    assert await gateway.saved_method(pledge) is None


async def test_what_stripe_does_not_know_is_released_quietly(gateway: StripeGateway) -> None:
    await gateway.release(
        replace(a_pledge(), payment_reference="seti_never_made", method_ref="pm_never_made")
    )


async def test_a_key_stripe_refuses_makes_payments_unavailable_without_quoting_it(
    localstripe_url: str,
) -> None:
    gateway = StripeGateway(stripe_client("pk_test_published_by_mistake", localstripe_url))

    with pytest.raises(PaymentsUnavailable) as refused:
        await gateway.start(a_pledge())

    assert refused.value.detail == "Stripe refused the tenant's API key"
    assert "pk_test" not in str(refused.value)


async def test_a_stripe_that_does_not_answer_makes_payments_unavailable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = StripeGateway(stripe_client(SECRET_KEY, f"http://127.0.0.1:{port}"))

    with pytest.raises(PaymentsUnavailable) as refused:
        await gateway.saved_method(replace(a_pledge(), payment_reference="seti_1"))

    assert refused.value.detail == "Stripe cannot be reached"


async def test_a_refund_stripe_refuses_for_good_is_refused_with_its_code(
    gateway: StripeGateway,
) -> None:
    captured = replace(a_pledge(), status=PledgeStatus.CAPTURED, charge_ref="pi_never_made")

    with pytest.raises(RefundRefused) as refused:
        await gateway.refund(captured, Money(100, "EUR"), key="refund-1")

    assert refused.value.reason  # Stripe's code (resource_missing): never asked again


async def test_a_charge_stripe_refuses_for_good_is_a_failed_charge(
    gateway: StripeGateway,
) -> None:
    secured = replace(
        a_pledge(), status=PledgeStatus.SECURED, customer_ref="cus_none", method_ref="pm_none"
    )

    result = await gateway.charge(secured, key="pledge-x-charge-1")

    assert not result.succeeded and result.reason

"""Card pledges end to end on a Stripe tenant: the app as the backer's Stripe.js would use it
(against localstripe, started on loopback), the settlement of both funding models, and the
webhook: signatures, duplicates and any order."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.handlers import settle_all_tenants
from domain.tenancy.model import PaymentProvider, PaymentSettings
from tests.conftest import (
    as_user,
    mails_to,
    make_settings,
    seed_tenants,
    set_role,
    sign_up_and_log_in,
)
from tests.factories import campaign_tenant
from tests.localstripe_server import confirm_setup_as_stripe_js, running_localstripe

# stripe-python's HTTPX client still posts forms the way httpx deprecated.
pytestmark = pytest.mark.filterwarnings("ignore:Use .content=:DeprecationWarning")

SLUG = "kartenfonds"
KEY_ENV, WEBHOOK_ENV = "KARTENFONDS_STRIPE_KEY", "KARTENFONDS_STRIPE_WEBHOOK"
SECRET_KEY, WEBHOOK_SECRET = "sk_test_kartenfonds", "whsec_kartenfonds"
GOOD_CARD, DECLINING_CARD = "4242424242424242", "4000000000000341"


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with running_localstripe(tmp_path_factory.mktemp("localstripe-api")) as url:
        yield url


@pytest.fixture
async def settings(migrated_database: str, localstripe_url: str):  # type: ignore[no-untyped-def]
    return make_settings(migrated_database, stripe_api_base=localstripe_url)


@pytest.fixture
async def people(services, client, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(KEY_ENV, SECRET_KEY)
    monkeypatch.setenv(WEBHOOK_ENV, WEBHOOK_SECRET)
    payments = PaymentSettings(
        provider=PaymentProvider.STRIPE,
        stripe_secret_key_env=KEY_ENV,
        stripe_webhook_secret_env=WEBHOOK_ENV,
    )
    await seed_tenants(services, campaign_tenant(SLUG, payments=payments))
    found = {}
    for name in ("author", "moderator", "admin", "alice", "bob"):
        email = f"{name}@example.org"
        session = await sign_up_and_log_in(client, SLUG, email)
        if name in ("moderator", "admin"):
            await set_role(services, SLUG, email, name)
        found[name] = as_user(session, SLUG)
    return found


async def live_campaign(client, people, *, model: str, goal: int, ends_in: timedelta) -> str:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    made = await client.post(
        "/v1/campaigns",
        headers=people["author"],
        json={
            "title": "Kiezküche",
            "goal": {"amount": goal, "currency": "EUR"},
            "funding_model": model,
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + ends_in).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    await client.post(f"/v1/campaigns/{cid}/submit", headers=people["author"])
    approved = await client.post(f"/v1/campaigns/{cid}/approve", headers=people["moderator"])
    assert approved.json()["status"] == "live", approved.text
    return cid


async def card_pledge(client, people, localstripe_url, cid, who, amount, card) -> dict:  # type: ignore[no-untyped-def]
    made = await client.post(
        f"/v1/campaigns/{cid}/pledges",
        headers=people[who],
        json={"amount": {"amount": amount, "currency": "EUR"}},
    )
    assert made.status_code == 201, made.text
    payment = made.json()["payment"]
    assert payment["provider"] == "stripe" and payment["reference"].startswith("seti_")
    await confirm_setup_as_stripe_js(
        localstripe_url, payment["reference"], payment["client_secret"], card
    )
    confirmed = await client.post(f"/v1/pledges/{made.json()['id']}/confirm", headers=people[who])
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()


async def test_keep_it_all_charges_the_card_as_soon_as_it_is_confirmed(
    client, people, localstripe_url
):
    cid = await live_campaign(
        client, people, model="keep_it_all", goal=100_000, ends_in=timedelta(days=10)
    )
    made = await client.post(
        f"/v1/campaigns/{cid}/pledges",
        headers=people["alice"],
        json={"amount": {"amount": 2_500, "currency": "EUR"}},
    )
    early = await client.post(f"/v1/pledges/{made.json()['id']}/confirm", headers=people["alice"])
    assert early.status_code == 409 and early.json()["code"] == "payment-not-confirmed"
    payment = made.json()["payment"]
    await confirm_setup_as_stripe_js(
        localstripe_url, payment["reference"], payment["client_secret"], GOOD_CARD
    )
    confirmed = await client.post(
        f"/v1/pledges/{made.json()['id']}/confirm", headers=people["alice"]
    )
    assert confirmed.json()["status"] == "captured", confirmed.text
    totals = (await client.get(f"/v1/campaigns/{cid}", headers={"X-Tenant": SLUG})).json()["totals"]
    assert totals["pledged"]["amount"] == 2_500 and totals["backers"] == 1
    others = await client.get(f"/v1/pledges/{made.json()['id']}", headers=people["bob"])
    assert others.status_code == 404
    seen = await client.get(f"/v1/pledges/{made.json()['id']}", headers=people["moderator"])
    assert seen.json()["payment"]["client_secret"] is None  # the backer's alone


async def test_all_or_nothing_charges_at_success_and_a_declined_card_gets_a_retry_window(
    client, people, localstripe_url, services
):
    cid = await live_campaign(
        client, people, model="all_or_nothing", goal=5_000, ends_in=timedelta(seconds=4)
    )
    alice = await card_pledge(client, people, localstripe_url, cid, "alice", 3_000, GOOD_CARD)
    bob = await card_pledge(client, people, localstripe_url, cid, "bob", 2_000, DECLINING_CARD)
    assert alice["status"] == bob["status"] == "secured"  # saved, nothing charged
    totals = (await client.get(f"/v1/campaigns/{cid}", headers={"X-Tenant": SLUG})).json()["totals"]
    assert totals["pledged"]["amount"] == 5_000 and totals["percent"] == 100
    await asyncio.sleep(4.5)
    reports = await settle_all_tenants(services)
    assert reports[SLUG].decided == 1 and reports[SLUG].charged == 1
    assert reports[SLUG].charge_failures == 1
    campaign = (await client.get(f"/v1/campaigns/{cid}", headers={"X-Tenant": SLUG})).json()
    assert campaign["status"] == "succeeded"
    assert (await client.get(f"/v1/pledges/{alice['id']}", headers=people["alice"])).json()[
        "status"
    ] == "captured"
    declined = (await client.get(f"/v1/pledges/{bob['id']}", headers=people["bob"])).json()
    assert declined["status"] == "secured"  # tried again within the window
    await services.worker.run_until_idle(within=20)
    told = mails_to("bob@example.org")
    assert any("could not be charged" in m["Subject"] or "abgebucht" in m["Subject"] for m in told)
    again = await settle_all_tenants(services)
    assert again[SLUG].charged == 0 and again[SLUG].charge_failures == 0  # not before its time


async def test_a_failed_all_or_nothing_campaign_charges_no_card(
    client, people, localstripe_url, services
):
    cid = await live_campaign(
        client, people, model="all_or_nothing", goal=500_000, ends_in=timedelta(seconds=3)
    )
    pledge = await card_pledge(client, people, localstripe_url, cid, "alice", 3_000, GOOD_CARD)
    await asyncio.sleep(3.5)
    reports = await settle_all_tenants(services)
    assert reports[SLUG].released == 1 and reports[SLUG].charged == 0
    after = (await client.get(f"/v1/pledges/{pledge['id']}", headers=people["alice"])).json()
    assert after["status"] == "released"


# The webhook ------------------------------------------------------------------------------


def signed(body: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> dict[str, str]:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Stripe-Signature": f"t={at},v1={mac}",
        "Content-Type": "application/json",
        "X-Tenant": SLUG,
    }


def stripe_event(event_id: str, kind: str, thing: dict[str, Any]) -> bytes:
    return json.dumps(
        {"id": event_id, "object": "event", "type": kind, "data": {"object": thing}}
    ).encode()


def events_for(pledge: dict) -> list[bytes]:
    meta = {"metadata": {"pledge_id": pledge["id"]}}
    reference = pledge["payment"]["reference"]
    n = pledge["id"][:8]
    return [
        stripe_event(
            f"evt_{n}_1",
            "setup_intent.succeeded",
            {"id": reference, "payment_method": "pm_x", **meta},
        ),
        stripe_event(f"evt_{n}_2", "payment_intent.succeeded", {"id": f"pi_{n}", **meta}),
        stripe_event(
            f"evt_{n}_3",
            "charge.refunded",
            {"id": f"ch_{n}", "payment_intent": f"pi_{n}", "amount_refunded": 500, **meta},
        ),
        stripe_event(
            f"evt_{n}_4",
            "charge.refunded",
            {"id": f"ch_{n}", "payment_intent": f"pi_{n}", "amount_refunded": 1_000, **meta},
        ),
        stripe_event(f"evt_{n}_5", "customer.created", {"id": "cus_x"}),
    ]


async def test_webhook_events_twice_and_shuffled_end_in_one_state(client, people):
    cid = await live_campaign(
        client, people, model="keep_it_all", goal=100_000, ends_in=timedelta(days=10)
    )
    shuffler = random.Random(7)
    states = []
    for who in ("alice", "bob", "author"):
        made = await client.post(
            f"/v1/campaigns/{cid}/pledges",
            headers=people[who],
            json={"amount": {"amount": 4_000, "currency": "EUR"}},
        )
        pledge = made.json()
        deliveries = events_for(pledge) * 2
        shuffler.shuffle(deliveries)
        for body in deliveries:
            answer = await client.post(
                "/v1/payments/stripe/webhook", content=body, headers=signed(body)
            )
            assert answer.status_code == 200, answer.text
        after = (await client.get(f"/v1/pledges/{pledge['id']}", headers=people[who])).json()
        states.append((after["status"], after["refunded"]["amount"]))
    assert states == [("captured", 1_000)] * 3
    totals = (await client.get(f"/v1/campaigns/{cid}", headers={"X-Tenant": SLUG})).json()["totals"]
    assert totals["pledged"]["amount"] == 3 * 3_000 and totals["backers"] == 3


@pytest.mark.parametrize(
    "headers",
    [
        lambda body: signed(body, secret="whsec_someone_else"),
        lambda body: signed(body, at=int(time.time()) - 400),
        lambda body: {"Stripe-Signature": "t=1,v1=00", "X-Tenant": SLUG},
        lambda body: {"X-Tenant": SLUG},
    ],
    ids=["wrong secret", "stale", "forged", "unsigned"],
)
async def test_a_badly_signed_webhook_is_refused_and_changes_nothing(client, people, headers):
    cid = await live_campaign(
        client, people, model="keep_it_all", goal=100_000, ends_in=timedelta(days=10)
    )
    made = await client.post(
        f"/v1/campaigns/{cid}/pledges",
        headers=people["alice"],
        json={"amount": {"amount": 4_000, "currency": "EUR"}},
    )
    body = events_for(made.json())[1]  # payment_intent.succeeded
    answer = await client.post("/v1/payments/stripe/webhook", content=body, headers=headers(body))
    assert answer.status_code == 400 and answer.json()["code"] == "webhook-refused"
    after = (await client.get(f"/v1/pledges/{made.json()['id']}", headers=people["alice"])).json()
    assert after["status"] == "pending"

"""Funding over REST, on the real app and database: a campaign's way from draft to live with
its tiers, pledges by bank transfer with Idempotency-Key, transfers received (JSON and a bank
statement's CSV), totals, refunds, the limits on edits, and bad input answered with 4xx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.tenancy.model import ModerationSettings
from tests.conftest import as_user, seed_tenants, set_role, sign_up_and_log_in
from tests.factories import campaign_tenant, tenant_config

SLUG = "kiezfonds"
NOW = datetime.now(UTC)


def campaign_body(**changes) -> dict:  # type: ignore[no-untyped-def]
    body = {
        "title": {"de": "Dorfladen", "en": "Village shop"},
        "summary": "Ein Laden für alle",
        "goal": {"amount": 100_000, "currency": "EUR"},
        "starts_at": (NOW - timedelta(hours=1)).isoformat(),
        "ends_at": (NOW + timedelta(days=30)).isoformat(),
    }
    body.update(changes)
    return body


@pytest.fixture
async def people(services, client):  # type: ignore[no-untyped-def]
    """The tenant, and its author, moderator, admin and two backers, signed in."""
    await seed_tenants(services, campaign_tenant(SLUG), tenant_config("ohnefonds"))
    found = {}
    for name in ("author", "moderator", "admin", "backer", "other"):
        email = f"{name}@example.org"
        session = await sign_up_and_log_in(client, SLUG, email)
        if name in ("moderator", "admin"):
            await set_role(services, SLUG, email, name)
        found[name] = as_user(session, SLUG)
    return found


async def live_campaign(client, people, **changes) -> dict:  # type: ignore[no-untyped-def]
    made = await client.post(
        "/v1/campaigns", headers=people["author"], json=campaign_body(**changes)
    )
    assert made.status_code == 201, made.text
    campaign = made.json()
    submitted = await client.post(
        f"/v1/campaigns/{campaign['id']}/submit", headers=people["author"]
    )
    assert submitted.json()["status"] == "in_review", submitted.text
    approved = await client.post(
        f"/v1/campaigns/{campaign['id']}/approve", headers=people["moderator"]
    )
    assert approved.status_code == 200 and approved.json()["status"] == "live", approved.text
    return approved.json()


async def test_a_campaign_goes_from_draft_through_review_to_live(client, people):
    made = await client.post("/v1/campaigns", headers=people["author"], json=campaign_body())
    assert made.status_code == 201, made.text
    body = made.json()
    assert made.headers["Location"] == f"/v1/campaigns/{body['id']}" and made.headers["ETag"]
    assert body["status"] == "draft" and body["totals"]["pledged"] == {
        "amount": 0,
        "currency": "EUR",
    }
    assert body["translations"]["title"] == {"de": "Dorfladen", "en": "Village shop"}
    anonymous = {"X-Tenant": SLUG}
    assert (await client.get(f"/v1/campaigns/{body['id']}", headers=anonymous)).status_code == 404
    refused = await client.post(f"/v1/campaigns/{body['id']}/approve", headers=people["moderator"])
    assert refused.status_code == 409 and refused.json()["code"] == "transition-not-allowed"
    await client.post(f"/v1/campaigns/{body['id']}/submit", headers=people["author"])
    by_author = await client.post(f"/v1/campaigns/{body['id']}/approve", headers=people["author"])
    assert by_author.status_code == 403
    live = await client.post(f"/v1/campaigns/{body['id']}/approve", headers=people["moderator"])
    assert live.json()["status"] == "live"
    seen = await client.get(
        f"/v1/campaigns/{body['id']}", headers={**anonymous, "Accept-Language": "en"}
    )
    assert seen.status_code == 200 and seen.json()["title"] == "Village shop"
    assert seen.json()["totals"]["days_left"] == 30 and seen.json()["owner_name"] == "author"
    listed = await client.get("/v1/campaigns", headers=anonymous)
    assert [c["id"] for c in listed.json()["items"]] == [body["id"]]
    found = await client.get("/v1/search", params={"q": "Dorfladen"}, headers=anonymous)
    assert found.status_code == 200, found.text
    assert [(h["type"], h["id"]) for h in found.json()["items"]] == [("campaign", body["id"])]


async def test_a_tenant_that_approves_itself_puts_a_submitted_campaign_live(services, client):
    config = campaign_tenant(
        "selbstfonds", moderation=ModerationSettings(auto_approve_campaigns=True)
    )
    await seed_tenants(services, config)
    author = as_user(
        await sign_up_and_log_in(client, "selbstfonds", "a@example.org"), "selbstfonds"
    )
    made = await client.post("/v1/campaigns", headers=author, json=campaign_body())
    moved = await client.post(f"/v1/campaigns/{made.json()['id']}/submit", headers=author)
    assert moved.json()["status"] == "live"


async def test_tenants_without_campaigns_answer_feature_off(client, people):
    response = await client.get("/v1/campaigns", headers={"X-Tenant": "ohnefonds"})
    assert response.status_code == 404 and response.json()["code"] == "feature-off"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"goal": {"amount": 100, "currency": "CHF"}}, "goal.currency"),
        ({"goal": {"amount": 0, "currency": "EUR"}}, "goal.amount"),
        ({"goal": {"amount": 1.5, "currency": "EUR"}}, "goal.amount"),
        ({"ends_at": (NOW - timedelta(days=2)).isoformat()}, "ends_at"),
        ({"ends_at": (NOW + timedelta(days=200)).isoformat()}, "ends_at"),
        ({"title": ""}, "title"),
        ({"title": {"fr": "Magasin"}}, "title.fr"),
        ({"minimum": {"amount": 200_000, "currency": "EUR"}}, "minimum"),
        ({"funding_model": "all_or_something"}, "funding_model"),
        ({"category_id": "00000000-0000-0000-0000-00000000abcd"}, "category_id"),
    ],
)
async def test_bad_campaigns_are_refused_and_nothing_is_stored(client, people, changes, field):
    refused = await client.post(
        "/v1/campaigns", headers=people["author"], json=campaign_body(**changes)
    )
    assert refused.status_code == 422, refused.text
    fields = [e["field"].removeprefix("body.") for e in refused.json()["errors"]]
    assert any(f.startswith(field) for f in fields), refused.text
    mine = await client.get("/v1/campaigns", params={"mine": "true"}, headers=people["author"])
    assert mine.json()["items"] == []


async def test_malformed_json_is_a_400(client, people):
    response = await client.post(
        "/v1/campaigns",
        headers={**people["author"], "Content-Type": "application/json"},
        content=b'{"title": ',
    )
    assert response.status_code == 400 and response.json()["code"] == "malformed-json"


async def test_pledges_by_bank_transfer_with_an_idempotency_key(client, people):
    campaign = await live_campaign(client, people)
    cid = campaign["id"]
    tier = await client.post(
        f"/v1/campaigns/{cid}/reward-tiers",
        headers=people["author"],
        json={
            "title": "Gutschein",
            "minimum": {"amount": 2_500, "currency": "EUR"},
            "kind": "voucher",
            "quantity": 2,
        },
    )
    assert tier.status_code == 201, tier.text
    tier_id = tier.json()["id"]
    body = {"amount": {"amount": 5_000, "currency": "EUR"}, "tier_id": tier_id}
    key = {"Idempotency-Key": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}
    first = await client.post(
        f"/v1/campaigns/{cid}/pledges", headers={**people["backer"], **key}, json=body
    )
    assert first.status_code == 201, first.text
    pledge = first.json()
    transfer = pledge["payment"]["bank_transfer"]
    assert transfer["iban"] == "DE89370400440532013000" and transfer["reference"].startswith("SK-")
    assert pledge["status"] == "pending"
    again = await client.post(
        f"/v1/campaigns/{cid}/pledges", headers={**people["backer"], **key}, json=body
    )
    assert again.status_code == 201 and again.json() == pledge
    other = await client.post(
        f"/v1/campaigns/{cid}/pledges",
        headers={**people["backer"], **key},
        json={**body, "amount": {"amount": 6_000, "currency": "EUR"}},
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency-key-reused"
    tiers = await client.get(f"/v1/campaigns/{cid}/reward-tiers", headers={"X-Tenant": SLUG})
    assert tiers.json()[0]["claimed"] == 1 and tiers.json()[0]["remaining"] == 1

    low = await client.post(
        f"/v1/campaigns/{cid}/pledges",
        headers=people["other"],
        json={"amount": {"amount": 1_000, "currency": "EUR"}, "tier_id": tier_id},
    )
    assert low.status_code == 422
    second = await client.post(f"/v1/campaigns/{cid}/pledges", headers=people["other"], json=body)
    sold_out = await client.post(f"/v1/campaigns/{cid}/pledges", headers=people["other"], json=body)
    assert second.status_code == 201 and sold_out.status_code == 409
    assert sold_out.json()["code"] == "reward-sold-out"

    detail = await client.get(f"/v1/campaigns/{cid}", headers={"X-Tenant": SLUG})
    assert detail.json()["totals"]["pledged"]["amount"] == 0  # transfers on their way

    by_backer = await client.post(
        "/v1/payments/bank-transfers/received",
        headers=people["backer"],
        json={"references": [transfer["reference"]]},
    )
    assert by_backer.status_code == 403
    received = await client.post(
        "/v1/payments/bank-transfers/received",
        headers=people["admin"],
        json={"references": [transfer["reference"].lower(), "SK-00000000"]},
    )
    assert received.status_code == 200, received.text
    assert received.json() == {
        "received": [pledge["id"]],
        "late": [],
        "already": [],
        "unknown": ["SK-00000000"],
    }
    statement = (
        "Buchungstag;Betrag;Verwendungszweck\r\n"
        f"01.12.2026;50,00;Spende {second.json()['payment']['reference']} Dorfladen\r\n"
        f"01.12.2026;50,00;{transfer['reference']}\r\n"
    )
    from_csv = await client.post(
        "/v1/payments/bank-transfers/received",
        headers={**people["admin"], "Content-Type": "text/csv"},
        content=statement.encode("latin-1"),
    )
    assert from_csv.status_code == 200, from_csv.text
    assert from_csv.json()["received"] == [second.json()["id"]]
    assert from_csv.json()["already"] == [transfer["reference"]]

    totals = (await client.get(f"/v1/campaigns/{cid}", headers={"X-Tenant": SLUG})).json()["totals"]
    assert (
        totals["pledged"]["amount"] == 10_000 and totals["backers"] == 2 and totals["percent"] == 10
    )
    public = await client.get(f"/v1/campaigns/{cid}/pledges", headers={"X-Tenant": SLUG})
    assert {p["backer_name"] for p in public.json()["items"]} == {"backer", "other"}
    assert all(p["payment"] is None for p in public.json()["items"])
    mine = await client.get("/v1/pledges", headers=people["backer"])
    assert [p["id"] for p in mine.json()["items"]] == [pledge["id"]]
    assert mine.json()["items"][0]["status"] == "captured"
    strangers = await client.get(f"/v1/pledges/{pledge['id']}", headers=people["other"])
    assert strangers.status_code == 404


async def test_refunds_never_exceed_the_capture_and_totals_follow(client, people):
    campaign = await live_campaign(client, people)
    made = await client.post(
        f"/v1/campaigns/{campaign['id']}/pledges",
        headers=people["backer"],
        json={"amount": {"amount": 10_000, "currency": "EUR"}},
    )
    pledge = made.json()
    await client.post(
        "/v1/payments/bank-transfers/received",
        headers=people["admin"],
        json={"references": [pledge["payment"]["reference"]]},
    )
    path = f"/v1/pledges/{pledge['id']}/refunds"
    by_moderator = await client.post(
        path, headers=people["moderator"], json={"amount": {"amount": 100, "currency": "EUR"}}
    )
    assert by_moderator.status_code == 403
    part = await client.post(
        path,
        headers=people["admin"],
        json={"amount": {"amount": 4_000, "currency": "EUR"}, "reason": "Teilstorno"},
    )
    # A bank transfer's refund: to pay back by hand, then marked paid.
    assert part.status_code == 201 and part.json()["status"] == "to_pay_back", part.text
    waiting = await client.get("/v1/refunds/to-pay-back", headers=people["admin"])
    assert [r["id"] for r in waiting.json()] == [part.json()["id"]]
    paid = await client.post(f"/v1/refunds/{part.json()['id']}/paid", headers=people["admin"])
    assert paid.json()["status"] == "succeeded", paid.text
    refused = await client.post(
        f"/v1/refunds/{part.json()['id']}/paid", headers=people["moderator"]
    )
    assert refused.status_code == 403
    too_much = await client.post(
        path, headers=people["admin"], json={"amount": {"amount": 6_001, "currency": "EUR"}}
    )
    assert too_much.status_code == 409 and too_much.json()["code"] == "refund-too-large"
    listed = await client.get(path, headers=people["admin"])
    assert [r["amount"]["amount"] for r in listed.json()] == [4_000]
    totals = (
        await client.get(f"/v1/campaigns/{campaign['id']}", headers={"X-Tenant": SLUG})
    ).json()["totals"]
    assert totals["pledged"]["amount"] == 6_000


async def test_once_pledged_the_goal_is_not_lowered_and_a_stale_edit_is_refused(client, people):
    campaign = await live_campaign(client, people)
    cid = campaign["id"]
    read = await client.get(f"/v1/campaigns/{cid}", headers=people["author"])
    etag = read.headers["ETag"]
    await client.post(
        f"/v1/campaigns/{cid}/pledges",
        headers=people["backer"],
        json={"amount": {"amount": 1_000, "currency": "EUR"}},
    )
    stale = await client.patch(
        f"/v1/campaigns/{cid}",
        headers={**people["author"], "If-Match": etag},
        json={"summary": "Neu"},
    )
    assert stale.status_code == 412
    lower = await client.patch(
        f"/v1/campaigns/{cid}",
        headers=people["author"],
        json={"goal": {"amount": 50_000, "currency": "EUR"}},
    )
    assert lower.status_code == 422 and lower.json()["errors"][0]["field"] == "goal"
    longer = await client.patch(
        f"/v1/campaigns/{cid}",
        headers=people["author"],
        json={"ends_at": (NOW + timedelta(days=40)).isoformat(), "summary": {"en": "A shop"}},
    )
    assert longer.status_code == 200, longer.text
    assert longer.json()["translations"]["summary"] == {"de": "Ein Laden für alle", "en": "A shop"}
    by_other = await client.patch(
        f"/v1/campaigns/{cid}", headers=people["other"], json={"summary": "x"}
    )
    assert by_other.status_code == 403


async def test_lists_filter_sort_and_page(client, people):
    made = []
    for n, goal in enumerate((300_000, 100_000, 200_000)):
        campaign = await live_campaign(
            client,
            people,
            title=f"Projekt {n}",
            goal={"amount": goal, "currency": "EUR"},
            ends_at=(NOW + timedelta(days=10 + n)).isoformat(),
        )
        made.append(campaign["id"])
    draft = await client.post(
        "/v1/campaigns", headers=people["author"], json=campaign_body(title="Entwurf")
    )
    anonymous = {"X-Tenant": SLUG}
    ending = await client.get("/v1/campaigns", params={"sort": "ending_soon"}, headers=anonymous)
    assert [c["id"] for c in ending.json()["items"]] == made
    text = await client.get("/v1/campaigns", params={"q": "projekt 1"}, headers=anonymous)
    assert [c["id"] for c in text.json()["items"]] == [made[1]]
    drafts = await client.get("/v1/campaigns", params={"status": "draft"}, headers=anonymous)
    assert drafts.json()["items"] == []
    own = await client.get(
        "/v1/campaigns", params={"status": "draft", "mine": "true"}, headers=people["author"]
    )
    assert [c["id"] for c in own.json()["items"]] == [draft.json()["id"]]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "sort": "newest"} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/campaigns", params=params, headers=anonymous)).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made) and len(seen) == 3
    bad = await client.get("/v1/campaigns", params={"sort": "loudest"}, headers=anonymous)
    assert bad.status_code == 422


async def test_cancelling_a_live_campaign_gives_received_transfers_back(client, people, services):
    from api.handlers import settle_all_tenants

    campaign = await live_campaign(client, people)
    made = await client.post(
        f"/v1/campaigns/{campaign['id']}/pledges",
        headers=people["backer"],
        json={"amount": {"amount": 2_000, "currency": "EUR"}},
    )
    await client.post(
        "/v1/payments/bank-transfers/received",
        headers=people["admin"],
        json={"references": [made.json()["payment"]["reference"]]},
    )
    cancelled = await client.post(
        f"/v1/campaigns/{campaign['id']}/cancel", headers=people["author"]
    )
    assert cancelled.json()["status"] == "cancelled"
    reports = await settle_all_tenants(services)
    assert reports[SLUG].refunded == 1
    refunds = await client.get(f"/v1/pledges/{made.json()['id']}/refunds", headers=people["admin"])
    assert [r["amount"]["amount"] for r in refunds.json()] == [2_000]

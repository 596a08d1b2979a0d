"""Syndication over REST on the real app and database: a city's campaigns listed in its
region (automatically) and in the country (after the country's moderators approve), with the
home tenant credited; one ledger for pledges made anywhere; listings hidden without touching
the campaign and removed when the campaign leaves; search and the map of the parent; the
change feed (keys with sync:read) with mirrored campaigns and tombstones; partner upserts by
external id, idempotent, off our ledger."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import InvalidInput
from domain.tenancy.model import MirrorPolicy
from tests.api.test_funding_api import campaign_body
from tests.conftest import as_user, seed_tenants, set_role, settle, sign_up_and_log_in
from tests.factories import campaign_tenant

CITY, REGION, COUNTRY = "hafenstadt", "kuestenland", "bundesweit"
NOW = datetime.now(UTC)


@pytest.fixture
async def tree(services, client):  # type: ignore[no-untyped-def]
    """country <- region (its campaigns after approval) <- city (automatically), and each
    tenant's author, moderator, admin and backer, signed in."""
    await seed_tenants(
        services,
        campaign_tenant(COUNTRY),
        campaign_tenant(REGION, parent=COUNTRY, mirror_policy=MirrorPolicy.APPROVAL),
        campaign_tenant(CITY, parent=REGION, mirror_policy=MirrorPolicy.AUTO),
    )
    people: dict[str, dict[str, dict[str, str]]] = {}
    # Sign-ups are limited per address (20 requests a minute): only who the tests need.
    needed = {
        CITY: ("author", "moderator", "admin"),
        REGION: ("moderator", "admin", "backer"),
        COUNTRY: ("moderator", "backer"),
    }
    for slug, names in needed.items():
        people[slug] = {}
        for name in names:
            email = f"{name}@{slug}.example.org"
            session = await sign_up_and_log_in(client, slug, email)
            if name in ("moderator", "admin"):
                await set_role(services, slug, email, name)
            people[slug][name] = as_user(session, slug)
    return people


async def live_in(client, people, slug, by="author", **changes) -> dict:  # type: ignore[no-untyped-def]
    made = await client.post(
        "/v1/campaigns", headers=people[slug][by], json=campaign_body(**changes)
    )
    assert made.status_code == 201, made.text
    campaign_id = made.json()["id"]
    await client.post(f"/v1/campaigns/{campaign_id}/submit", headers=people[slug][by])
    approved = await client.post(
        f"/v1/campaigns/{campaign_id}/approve", headers=people[slug]["moderator"]
    )
    assert approved.json()["status"] == "live", approved.text
    return approved.json()


async def listed_ids(client, slug: str) -> list[str]:  # type: ignore[no-untyped-def]
    page = await client.get("/v1/campaigns", params={"limit": 100}, headers={"X-Tenant": slug})
    assert page.status_code == 200, page.text
    return [c["id"] for c in page.json()["items"]]


async def partner_key(client, admin: dict, *scopes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    made = await client.post(
        "/v1/api-keys", headers=admin, json={"name": "Partner", "scopes": list(scopes)}
    )
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['secret']}", "X-Tenant": admin["X-Tenant"]}


async def all_changes(  # type: ignore[no-untyped-def]
    client, headers, after: str | None = None, until=lambda items: True
) -> tuple[list[dict], str]:
    """Every change after `after`, read again until `until(items)` holds (10 s at most): on
    PostgreSQL the feed shows a change once every transaction older than it has ended,
    and parallel tests keep transactions running in the same cluster."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        items, cursor = await _read_all(client, headers, after)
        if until(items) or asyncio.get_running_loop().time() > deadline:
            return items, cursor
        await asyncio.sleep(0.05)


async def _read_all(client, headers, after: str | None) -> tuple[list[dict], str]:  # type: ignore[no-untyped-def]
    items: list[dict] = []
    while True:
        params = {"limit": 7} | ({"after": after} if after else {})
        page = await client.get("/v1/sync/changes", params=params, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        after = body["next_cursor"]
        if not body["has_more"]:
            return items, after


async def test_a_city_campaign_is_listed_up_the_chain_per_each_mirror_policy(
    services, client, tree
):
    campaign = await live_in(
        client, tree, CITY, title={"de": "Leuchtturm retten"}, location={"lat": 54.1, "lon": 10.9}
    )
    await settle(services)
    assert campaign["id"] in await listed_ids(client, CITY)
    assert campaign["id"] in await listed_ids(client, REGION)  # the city's policy: auto
    assert campaign["id"] not in await listed_ids(client, COUNTRY)  # the region's: approval
    region_page = await client.get("/v1/campaigns", headers={"X-Tenant": REGION})
    shown = next(c for c in region_page.json()["items"] if c["id"] == campaign["id"])
    assert shown["home_tenant"]["slug"] == CITY and shown["home_tenant"]["app_name"]
    assert shown["home_tenant"]["name"] == f"{CITY.title()} Platform"
    own = (await client.get("/v1/campaigns", headers={"X-Tenant": CITY})).json()["items"]
    assert own[0]["home_tenant"] is None

    waiting = await client.get(
        "/v1/listings", params={"status": "pending"}, headers=tree[COUNTRY]["moderator"]
    )
    assert [(w["campaign_id"], w["home_tenant"]) for w in waiting.json()] == [
        (campaign["id"], CITY)
    ]
    by_member = await client.post(
        f"/v1/listings/{campaign['id']}/approve", headers=tree[COUNTRY]["backer"]
    )
    assert by_member.status_code == 403
    approved = await client.post(
        f"/v1/listings/{campaign['id']}/approve", headers=tree[COUNTRY]["moderator"]
    )
    assert approved.status_code == 200 and approved.json()["status"] == "listed"
    assert campaign["id"] in await listed_ids(client, COUNTRY)
    detail = await client.get(f"/v1/campaigns/{campaign['id']}", headers={"X-Tenant": COUNTRY})
    assert detail.status_code == 200 and detail.json()["home_tenant"]["slug"] == CITY

    # Search and the map of the parent find it, by the same paths as its own campaigns.
    found = await client.get("/v1/search", params={"q": "Leuchtturm"}, headers={"X-Tenant": REGION})
    assert [h["id"] for h in found.json()["items"]] == [campaign["id"]], found.text
    pins = await client.get(
        "/v1/map", params={"bbox": "10,54,11,55"}, headers={"X-Tenant": COUNTRY}
    )
    assert f"campaign:{campaign['id']}" in [f["id"] for f in pins.json()["features"]]


async def test_a_pledge_through_the_parent_lands_on_the_one_ledger(services, client, tree):
    campaign = await live_in(client, tree, CITY)
    await settle(services)
    made = await client.post(
        f"/v1/campaigns/{campaign['id']}/pledges",
        headers=tree[REGION]["backer"] | {"Idempotency-Key": "p-1"},
        json={"amount": {"amount": 2_500, "currency": "EUR"}},
    )
    assert made.status_code == 201, made.text
    # The city's bank account: the home runs the ledger.
    assert made.json()["payment"]["bank_transfer"]["account_holder"] == "Kiezfonds e.V."
    # Its backer finds it through the parent too; the parent's moderators do not.
    where = made.headers["Location"]
    mine = await client.get(where, headers=tree[REGION]["backer"])
    assert mine.status_code == 200 and mine.json()["id"] == made.json()["id"]
    assert mine.json()["payment"]["bank_transfer"]["account_holder"] == "Kiezfonds e.V."
    assert (await client.get(where, headers=tree[REGION]["moderator"])).status_code == 404
    mine = await client.get("/v1/pledges", headers=tree[REGION]["backer"])
    assert [p["id"] for p in mine.json()["items"]] == [made.json()["id"]]
    assert mine.json()["items"][0]["payment"]["bank_transfer"]["account_holder"] == (
        "Kiezfonds e.V."
    )
    again = await client.post(
        f"/v1/campaigns/{campaign['id']}/pledges",
        headers=tree[REGION]["backer"] | {"Idempotency-Key": "p-1"},
        json={"amount": {"amount": 2_500, "currency": "EUR"}},
    )
    assert again.json()["id"] == made.json()["id"]
    at_home = await client.get(
        f"/v1/campaigns/{campaign['id']}/pledges", headers=tree[CITY]["moderator"]
    )
    assert [p["id"] for p in at_home.json()["items"]] == [made.json()["id"]]
    received = await client.post(
        "/v1/payments/bank-transfers/received",
        headers=tree[CITY]["admin"],
        json={"references": [made.json()["payment"]["bank_transfer"]["reference"]]},
    )
    assert received.status_code == 200, received.text
    city = await client.get(f"/v1/campaigns/{campaign['id']}", headers={"X-Tenant": CITY})
    region = await client.get(f"/v1/campaigns/{campaign['id']}", headers={"X-Tenant": REGION})
    assert city.json()["totals"]["pledged"]["amount"] == 2_500
    assert region.json()["totals"] == city.json()["totals"]


async def test_the_parent_hides_a_listing_and_the_campaign_stays_as_it_is(services, client, tree):
    campaign = await live_in(client, tree, CITY)
    await settle(services)
    hidden = await client.post(
        f"/v1/listings/{campaign['id']}/hide", headers=tree[REGION]["moderator"]
    )
    assert hidden.status_code == 200 and hidden.json()["status"] == "hidden"
    assert campaign["id"] not in await listed_ids(client, REGION)
    gone = await client.get(f"/v1/campaigns/{campaign['id']}", headers={"X-Tenant": REGION})
    assert gone.status_code == 404
    at_home = await client.get(f"/v1/campaigns/{campaign['id']}", headers={"X-Tenant": CITY})
    assert at_home.json()["status"] == "live"
    assert at_home.json()["updated_at"] == campaign["updated_at"]
    twice = await client.post(
        f"/v1/listings/{campaign['id']}/hide", headers=tree[REGION]["moderator"]
    )
    assert twice.status_code == 409 and twice.json()["code"] == "listing-move-not-allowed"
    shown = await client.post(
        f"/v1/listings/{campaign['id']}/show", headers=tree[REGION]["moderator"]
    )
    assert shown.json()["status"] == "listed"
    assert campaign["id"] in await listed_ids(client, REGION)
    await settle(services)  # a hidden-and-shown listing is not touched by the worker
    assert campaign["id"] in await listed_ids(client, REGION)


async def test_a_campaign_that_leaves_is_removed_from_the_parent(services, client, tree):
    campaign = await live_in(client, tree, CITY)
    await settle(services)
    cancelled = await client.post(
        f"/v1/campaigns/{campaign['id']}/cancel", headers=tree[CITY]["moderator"]
    )
    assert cancelled.status_code == 200, cancelled.text
    await settle(services)
    assert campaign["id"] not in await listed_ids(client, REGION)
    waiting = await client.get("/v1/listings", headers=tree[REGION]["moderator"])
    assert waiting.json() == []


async def test_the_change_feed_needs_a_key_and_tells_every_change_in_order(services, client, tree):
    anonymous = await client.get("/v1/sync/changes", headers={"X-Tenant": REGION})
    assert anonymous.status_code == 401
    writer = await partner_key(client, tree[REGION]["admin"], "campaigns:write")
    refused = await client.get("/v1/sync/changes", headers=writer)
    assert refused.status_code == 403 and refused.json()["code"] == "scope-required"
    member = await client.get("/v1/sync/changes", headers=tree[REGION]["backer"])
    assert member.status_code == 403
    reader = await partner_key(client, tree[REGION]["admin"], "sync:read")
    bad = await client.get("/v1/sync/changes", params={"after": "x"}, headers=reader)
    assert bad.status_code == 422

    own = await live_in(client, tree, REGION, title={"de": "Eigenes Projekt"}, by="admin")
    mirrored = await live_in(client, tree, CITY, title={"de": "Aus der Stadt"})
    await settle(services)
    items, cursor = await all_changes(
        client, reader, until=lambda items: {own["id"], mirrored["id"]} <= {i["id"] for i in items}
    )
    assert [i["cursor"] for i in items] == sorted(
        (i["cursor"] for i in items), key=lambda c: tuple(map(int, c.split(".")))
    )
    assert len({i["cursor"] for i in items}) == len(items)
    latest = {i["id"]: i for i in items}
    assert latest[own["id"]]["action"] == "upsert"
    assert latest[own["id"]]["data"]["title"] == "Eigenes Projekt"
    assert latest[mirrored["id"]]["data"]["home_tenant"]["slug"] == CITY
    assert latest[mirrored["id"]]["data"]["reward_tiers"] == []

    # Nothing new: the same cursor back, nothing repeated.
    quiet, same = await all_changes(client, reader, cursor)
    assert quiet == [] and same == cursor
    # The city cancels: the region's feed shows the tombstone.
    await client.post(f"/v1/campaigns/{mirrored['id']}/cancel", headers=tree[CITY]["moderator"])
    await settle(services)
    later, _ = await all_changes(
        client, reader, cursor, until=lambda items: any(i["action"] == "delete" for i in items)
    )
    assert [(i["id"], i["action"]) for i in later][-1] == (mirrored["id"], "delete")
    assert later[-1]["data"] is None
    # The city's own feed tells its changes too, the region's own campaign not.
    city_reader = await partner_key(client, tree[CITY]["admin"], "sync:read")
    city_items, _ = await all_changes(client, city_reader, until=bool)
    assert {i["id"] for i in city_items} == {mirrored["id"]}


PARTNER_BODY = {
    "title": {"de": "Bolzplatz", "en": "Football pitch"},
    "summary": "Ein neuer Platz",
    "goal": {"amount": 500_000, "currency": "EUR"},
    "starts_at": (NOW - timedelta(days=3)).isoformat(),
    "ends_at": (NOW + timedelta(days=27)).isoformat(),
    "status": "live",
    "totals": {"pledged": {"amount": 0, "currency": "EUR"}, "backers": 0},
    "origin": {"platform": "Startnext", "pledge_url": "https://example.org/bolzplatz"},
}


async def test_partners_upsert_their_campaigns_by_their_own_ids(services, client, tree):
    writer = await partner_key(client, tree[REGION]["admin"], "campaigns:write")
    reader = await partner_key(client, tree[REGION]["admin"], "sync:read")
    url = "/v1/partner/campaigns/startnext:4711"
    created = await client.put(url, headers=writer, json=PARTNER_BODY)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["origin"] == {
        "external_id": "startnext:4711",
        "platform": "Startnext",
        "pledge_url": "https://example.org/bolzplatz",
    }
    assert body["status"] == "live" and body["id"] in await listed_ids(client, REGION)
    _, cursor = await all_changes(client, reader, until=bool)

    same = await client.put(url, headers=writer, json=PARTNER_BODY)
    assert same.status_code == 200 and same.json()["id"] == body["id"]
    assert same.json()["updated_at"] == body["updated_at"]
    assert same.headers["ETag"] == created.headers["ETag"]

    totals = {"pledged": {"amount": 12_300, "currency": "EUR"}, "backers": 4}
    moved = await client.put(url, headers=writer, json=PARTNER_BODY | {"totals": totals})
    assert moved.status_code == 200 and moved.json()["totals"]["backers"] == 4
    changes, cursor = await all_changes(client, reader, cursor, until=bool)
    # One change since: the same state sent again recorded none.
    assert [(c["id"], c["action"]) for c in changes] == [(body["id"], "upsert")]
    assert changes[0]["data"]["totals"]["pledged"]["amount"] == 12_300

    pledge = await client.post(
        f"/v1/campaigns/{body['id']}/pledges",
        headers=tree[REGION]["backer"],
        json={"amount": {"amount": 2_500, "currency": "EUR"}},
    )
    assert pledge.status_code == 409 and pledge.json()["code"] == "pledges-elsewhere"
    assert "https://example.org/bolzplatz" in pledge.json()["detail"]

    by_person = await client.put(url, headers=tree[REGION]["admin"], json=PARTNER_BODY)
    assert by_person.status_code == 403 and by_person.json()["code"] == "api-key-required"
    unscoped = await client.put(url, headers=reader, json=PARTNER_BODY)
    assert unscoped.status_code == 403 and unscoped.json()["code"] == "scope-required"
    for broken in (
        PARTNER_BODY | {"status": "draft"},
        PARTNER_BODY | {"origin": {"platform": "X", "pledge_url": "javascript:alert(1)"}},
        PARTNER_BODY | {"totals": {"pledged": {"amount": -1, "currency": "EUR"}, "backers": 0}},
        PARTNER_BODY | {"goal": {"amount": 100, "currency": "USD"}},
    ):
        refused = await client.put(url, headers=writer, json=broken)
        assert refused.status_code == 422, refused.text
    bad_id = await client.put("/v1/partner/campaigns/%20x", headers=writer, json=PARTNER_BODY)
    assert bad_id.status_code == 422
    assert (await client.get(url, headers=writer)).json()["totals"]["backers"] == 4

    # Another partner's key (campaigns:write too) may not touch it.
    rival = await partner_key(client, tree[REGION]["admin"], "campaigns:write")
    evil = PARTNER_BODY | {"origin": {"platform": "X", "pledge_url": "https://evil.example/p"}}
    taken = await client.put(url, headers=rival, json=evil)
    assert taken.status_code == 409 and taken.json()["code"] == "partner-campaign-conflict"
    assert (await client.get(url, headers=rival)).status_code == 404
    assert (await client.delete(url, headers=rival)).status_code == 409
    assert (await client.get(url, headers=writer)).json()["origin"]["platform"] == "Startnext"

    assert (await client.delete(url, headers=writer)).status_code == 204
    assert (await client.delete(url, headers=writer)).status_code == 204
    assert (await client.get(url, headers=writer)).status_code == 404
    gone, _ = await all_changes(client, reader, cursor, until=bool)
    assert [(c["id"], c["action"]) for c in gone] == [(body["id"], "delete")]
    assert body["id"] not in await listed_ids(client, REGION)


async def test_applying_a_changed_tree_moves_the_listings(services, client, tree, tmp_path):
    """`tenants apply`: the city stops mirroring, then mirrors into the country directly."""
    from dataclasses import replace

    from adapters.tenant_files import render_tenant_toml
    from api.cli.runtime import apply_tenant_paths

    campaign = await live_in(client, tree, CITY)
    await settle(services)
    assert campaign["id"] in await listed_ids(client, REGION)
    city = (await services.tenant_directory.by_slug(CITY)).config

    async def apply(config) -> None:  # type: ignore[no-untyped-def]
        path = tmp_path / f"{CITY}.toml"
        path.write_text(render_tenant_toml(config))
        await apply_tenant_paths(services, [path], dry_run=False)
        await settle(services)

    await apply(replace(city, mirror_policy=MirrorPolicy.NONE))
    assert campaign["id"] not in await listed_ids(client, REGION)
    await apply(replace(city, parent=COUNTRY, mirror_policy=MirrorPolicy.AUTO))
    assert campaign["id"] in await listed_ids(client, COUNTRY)
    assert campaign["id"] not in await listed_ids(client, REGION)
    cycle = replace((await services.tenant_directory.by_slug(COUNTRY)).config, parent=CITY)
    path = tmp_path / f"{COUNTRY}.toml"
    path.write_text(render_tenant_toml(cycle))
    with pytest.raises(InvalidInput) as refused:
        await apply_tenant_paths(services, [path], dry_run=False)
    assert "leads back to this tenant" in str(refused.value)


async def test_the_feed_tells_businesses_and_offers_with_tombstones(services, client, tree):
    """The directory syndicates too: a business and its offer, then the business hidden by a
    moderator and the offer withdrawn."""
    from dataclasses import replace

    from domain.tenancy.model import Feature

    region = (await services.tenant_directory.by_slug(REGION)).config
    both = replace(region, features=frozenset({Feature.CAMPAIGNS, Feature.BUSINESSES}))
    await seed_tenants(services, both)
    admin = tree[REGION]["admin"]
    reader = await partner_key(client, admin, "sync:read")
    business = await client.post(
        "/v1/businesses", headers=admin, json={"name": "Hafencafé", "kind": "gastronomy"}
    )
    assert business.status_code == 201, business.text
    business_id = business.json()["id"]
    offer = await client.post(
        "/v1/offers",
        headers=admin,
        json={
            "business_id": business_id,
            "title": "Zwei Kaffee, einer zahlt",
            "valid_from": NOW.isoformat(),
            "valid_until": (NOW + timedelta(days=7)).isoformat(),
        },
    )
    assert offer.status_code == 201, offer.text
    offer_id = offer.json()["id"]
    items, cursor = await all_changes(
        client, reader, until=lambda items: offer_id in {i["id"] for i in items}
    )
    latest = {(i["kind"], i["id"]): i for i in items}
    assert latest[("business", business_id)]["data"]["name"] == "Hafencafé"
    assert latest[("offer", offer_id)]["data"]["title"] == "Zwei Kaffee, einer zahlt"

    hidden = await client.put(
        f"/v1/businesses/{business_id}/moderation",
        headers=tree[REGION]["moderator"],
        json={"verified": False, "hidden": True, "reason": "Test"},
    )
    assert hidden.status_code == 200, hidden.text
    assert (await client.delete(f"/v1/offers/{offer_id}", headers=admin)).status_code == 204
    later, _ = await all_changes(client, reader, cursor, until=lambda items: len(items) >= 2)
    assert [(i["kind"], i["action"], i["data"]) for i in later] == [
        ("business", "delete", None),
        ("offer", "delete", None),
    ]


async def test_a_cancelled_campaign_leaves_the_parent_before_the_worker_unlists_it(
    services, client, tree
):
    """Between the cancellation and the worker's run the listing is still there: the parent
    shows nothing of the campaign all the same, to anyone, its moderators included."""
    campaign = await live_in(client, tree, CITY)
    await settle(services)
    cancelled = await client.post(
        f"/v1/campaigns/{campaign['id']}/cancel", headers=tree[CITY]["moderator"]
    )
    assert cancelled.status_code == 200
    async with services.syndication_uow(
        await services.tenant_directory.by_slug(REGION)
    ) as uow:  # not yet removed: the worker has not run
        assert (await uow.listings.get(uuid.UUID(campaign["id"]))) is not None
    moderator = tree[REGION]["moderator"]
    for status in ("cancelled", "live"):
        page = await client.get("/v1/campaigns", params={"status": status}, headers=moderator)
        assert campaign["id"] not in [c["id"] for c in page.json()["items"]]
    detail = await client.get(f"/v1/campaigns/{campaign['id']}", headers=moderator)
    assert detail.status_code == 404
    tiers = await client.get(f"/v1/campaigns/{campaign['id']}/reward-tiers", headers=moderator)
    assert tiers.status_code == 404

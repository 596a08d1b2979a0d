"""Syndication over GraphQL: the same use cases as REST. A child's campaign in the parent's
`campaigns` with its home tenant, read and pledged through the parent; the listing hidden
by `decideListing`; the change feed for keys with sync:read; partner upserts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.test_funding_graphql import answer, gql
from tests.api.test_media_api import png_bytes
from tests.api.test_syndication_api import (
    CITY,
    REGION,
    live_in,
    partner_key,
    tree,  # noqa: F401 (a fixture)
)
from tests.conftest import settle

NOW = datetime.now(UTC)
LISTED = """{ campaigns(first: 50) { edges { node { id title homeTenant { slug appName }
  origin { platform } } } } }"""
ONE = """query($id: UUID!) { campaign(id: $id) { id homeTenant { slug } rewardTiers { title }
  images { alt } } }"""
PLEDGE = """mutation($input: PledgeInput!) { pledge(input: $input) { pledge { id
  bankTransfer { accountHolder } } errors { code } } }"""
DECIDE = """mutation($c: UUID!, $a: ListingAction!) { decideListing(campaignId: $c, action: $a)
  { listing { status homeTenant } errors { code } } }"""
CHANGES = """query($after: String) { changes(after: $after, first: 50) { items { cursor kind id
  deleted data } nextCursor hasMore } }"""
PUT = """mutation($id: String!, $input: PartnerCampaignInput!) { putPartnerCampaign(
  externalId: $id, input: $input) { created campaign { id origin { externalId pledgeUrl }
  totals { backers } } errors { code field } } }"""
DELETE = """mutation($id: String!) { deletePartnerCampaign(externalId: $id) { deleted
  errors { code } } }"""


async def changes_until_some(client, headers, after=None) -> dict:  # type: ignore[no-untyped-def]
    """The feed shows a change once older transactions in the cluster ended: ask again."""
    for _ in range(200):
        page = (await gql(client, headers, CHANGES, after=after))["changes"]
        if page["items"]:
            return page
        await asyncio.sleep(0.05)
    return page


@pytest.fixture
def region_anyone() -> dict[str, str]:
    return {"X-Tenant": REGION}


async def test_a_mirrored_campaign_is_read_and_pledged_through_the_parent(
    services,
    client,
    tree,  # noqa: F811
    region_anyone,
):
    uploaded = await client.post(
        "/v1/media",
        headers=tree[CITY]["author"],
        data={"alt": "Die Fähre", "alt.en": "The ferry"},
        files={"file": ("f.png", png_bytes(), "image/png")},
    )
    assert uploaded.status_code == 201, uploaded.text
    campaign = await live_in(
        client, tree, CITY, title={"de": "Fähre"}, image_ids=[uploaded.json()["id"]]
    )
    await settle(services)
    nodes = [e["node"] for e in (await gql(client, region_anyone, LISTED))["campaigns"]["edges"]]
    assert nodes == [
        {
            "id": campaign["id"],
            "title": "Fähre",
            "homeTenant": {"slug": CITY, "appName": "Test City"},
            "origin": None,
        }
    ]
    own = await gql(client, {"X-Tenant": CITY}, LISTED)
    assert own["campaigns"]["edges"][0]["node"]["homeTenant"] is None
    detail = await gql(client, region_anyone, ONE, id=campaign["id"])
    assert detail["campaign"]["homeTenant"] == {"slug": CITY}
    assert detail["campaign"]["images"] == [{"alt": "Die Fähre"}]  # read at its home
    made = await gql(
        client,
        tree[REGION]["backer"],
        PLEDGE,
        input={"campaignId": campaign["id"], "amount": {"amount": 1_000, "currency": "EUR"}},
    )
    assert made["pledge"]["errors"] == []
    assert made["pledge"]["pledge"]["bankTransfer"]["accountHolder"] == "Kiezfonds e.V."

    hidden = await gql(client, tree[REGION]["moderator"], DECIDE, c=campaign["id"], a="HIDE")
    assert hidden["decideListing"]["listing"] == {"status": "HIDDEN", "homeTenant": CITY}
    assert (await gql(client, region_anyone, LISTED))["campaigns"]["edges"] == []
    refused = await gql(client, tree[REGION]["backer"], DECIDE, c=campaign["id"], a="SHOW")
    assert refused["decideListing"]["errors"] == [{"code": "role-required"}]


async def test_the_change_feed_and_partner_upserts(services, client, tree):  # noqa: F811
    anonymous = await answer(client, {"X-Tenant": REGION}, CHANGES)
    assert anonymous["errors"][0]["extensions"]["code"] == "unauthenticated"
    reader = await partner_key(client, tree[REGION]["admin"], "sync:read")
    writer = await partner_key(client, tree[REGION]["admin"], "campaigns:write")
    body = {
        "title": "Bolzplatz",
        "goal": {"amount": 500_000, "currency": "EUR"},
        "startsAt": (NOW - timedelta(days=1)).isoformat(),
        "endsAt": (NOW + timedelta(days=20)).isoformat(),
        "status": "LIVE",
        "totals": {"pledged": {"amount": 700, "currency": "EUR"}, "backers": 1},
        "origin": {"platform": "Startnext", "pledgeUrl": "https://example.org/b"},
    }
    put = (await gql(client, writer, PUT, id="sn:1", input=body))["putPartnerCampaign"]
    assert put["created"] and put["errors"] == []
    assert put["campaign"]["origin"] == {"externalId": "sn:1", "pledgeUrl": "https://example.org/b"}
    again = (await gql(client, writer, PUT, id="sn:1", input=body))["putPartnerCampaign"]
    assert not again["created"] and again["campaign"]["id"] == put["campaign"]["id"]
    bad = (
        await gql(
            client,
            writer,
            PUT,
            id="sn:1",
            input=body | {"origin": {"platform": "X", "pledgeUrl": "ftp://x"}},
        )
    )["putPartnerCampaign"]
    assert bad["errors"] and bad["errors"][0]["code"] == "invalid-input"
    by_reader = (await gql(client, reader, PUT, id="sn:2", input=body))["putPartnerCampaign"]
    assert by_reader["errors"] == [{"code": "scope-required", "field": None}]

    page = await changes_until_some(client, reader)
    assert [(i["kind"], i["id"], i["deleted"]) for i in page["items"]] == [
        ("CAMPAIGN", put["campaign"]["id"], False)
    ]
    assert page["items"][0]["data"]["origin"]["platform"] == "Startnext"
    assert (await gql(client, writer, DELETE, id="sn:1"))["deletePartnerCampaign"]["deleted"]
    later = await changes_until_some(client, reader, page["nextCursor"])
    assert [(i["id"], i["deleted"], i["data"]) for i in later["items"]] == [
        (put["campaign"]["id"], True, None)
    ]

"""Funding over GraphQL: campaigns, reward tiers, pledges and refunds through the same use
cases as REST; broken rules as typed errors; a page's relations through DataLoaders (SQL
statements per query independent of the page's length)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from domain.tenancy.model import (
    CategorySeed,
    Feature,
    ModerationSettings,
    PaymentSettings,
)
from tests.api.test_media_api import png_bytes
from tests.conftest import as_user, seed_tenants, set_role, sign_up_and_log_in
from tests.factories import tenant_config

FEATURES = frozenset({Feature.CAMPAIGNS, Feature.BUSINESSES})
BANK = PaymentSettings(bank_account_holder="Stadtkasse Home", bank_iban="DE89370400440532013000")
BIG_GOAL = 5_000_000_000  # 50 million euros in cents: beyond GraphQL's 32-bit Int


async def seed(services, *, auto_approve: bool = False, features=FEATURES) -> None:  # type: ignore[no-untyped-def]
    await seed_tenants(
        services,
        tenant_config(
            "home",
            features=features,
            payments=BANK,
            moderation=ModerationSettings(auto_approve_campaigns=auto_approve),
            categories=(CategorySeed("food", "Essen"),),
        ),
    )


async def person(client, services, name: str, role: str | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    headers = as_user(await sign_up_and_log_in(client, "home", f"{name}@example.org"), "home")
    if role:
        await set_role(services, "home", f"{name}@example.org", role)
    return headers


async def answer(client, headers, query, **variables):  # type: ignore[no-untyped-def]
    response = await client.post(
        "/graphql", headers=headers, json={"query": query, "variables": variables}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def gql(client, headers, query, **variables):  # type: ignore[no-untyped-def]
    body = await answer(client, headers, query, **variables)
    assert "errors" not in body, body
    return body["data"]


def window(**shift: float) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "startsAt": (now - timedelta(hours=1)).isoformat(),
        "endsAt": (now + timedelta(days=30, **shift)).isoformat(),
    }


CAMPAIGN_FIELDS = """id version status title summary titleLanguage
  titleTranslations { locale text } goal { amount currency } fundingModel
  totals { pledged { amount currency } backers percent daysLeft }
  owner { displayName } business { name }
  rewardTiers { title minimum { amount } kind quantity claimed remaining }"""
CREATE = f"""mutation($input: CampaignInput!) {{ createCampaign(input: $input) {{
  campaign {{ {CAMPAIGN_FIELDS} }} errors {{ code field message }} }} }}"""
UPDATE = f"""mutation($id: UUID!, $patch: CampaignPatchInput!, $version: Int) {{
  updateCampaign(id: $id, patch: $patch, expectedVersion: $version) {{
  campaign {{ {CAMPAIGN_FIELDS} }} errors {{ code field }} }} }}"""
MOVE = (
    """mutation($id: UUID!) {{ {name}(id: $id) {{ campaign {{ status }} errors {{ code }} }} }}"""
)
ADD_TIER = """mutation($c: UUID!, $input: RewardTierInput!) { addRewardTier(campaignId: $c,
  input: $input) { rewardTier { id title remaining } errors { code field } } }"""
PLEDGE = """mutation($input: PledgeInput!, $key: String) { pledge(input: $input,
  idempotencyKey: $key) { pledge { id status amount { amount currency } backerId provider
  paymentReference clientSecret bankTransfer { iban reference amount { amount } }
  campaign { title } } errors { code field } } }"""
PAGE = """{ campaigns(first: 50) { edges { node { title totals { pledged { amount } backers
  percent daysLeft } rewardTiers { title remaining } owner { displayName }
  business { name } images { alt } } } pageInfo { hasNextPage endCursor } } }"""


def drafted(title: str = "Neuer Spielplatz", **extra: object) -> dict[str, object]:
    return {
        "title": title,
        "summary": "Schaukeln für den Stadtpark",
        "goal": {"amount": BIG_GOAL, "currency": "EUR"},
        **window(),
        **extra,
    }


async def move(client, headers, name: str, campaign_id: str) -> dict:  # type: ignore[no-untyped-def]
    return (await gql(client, headers, MOVE.format(name=name), id=campaign_id))[name]


async def a_business(client, headers) -> str:  # type: ignore[no-untyped-def]
    made = await client.post(
        "/v1/businesses", headers=headers, json={"name": "Bäckerei Licht", "kind": "gastronomy"}
    )
    assert made.status_code == 201, made.text
    return made.json()["id"]


async def test_a_campaign_is_drafted_reviewed_backed_and_refunded_over_graphql(services, client):
    await seed(services)
    owner = await person(client, services, "owner")
    moderator = await person(client, services, "mod", "moderator")
    admin = await person(client, services, "admin", "admin")
    backer = await person(client, services, "backer")
    business = await a_business(client, owner)

    made = (await gql(client, owner, CREATE, input=drafted(businessId=business)))["createCampaign"]
    assert made["errors"] == []
    campaign = made["campaign"]
    assert campaign["status"] == "DRAFT" and campaign["goal"] == {
        "amount": BIG_GOAL,
        "currency": "EUR",
    }
    assert campaign["owner"] == {"displayName": "owner"}
    assert campaign["business"] == {"name": "Bäckerei Licht"}
    assert campaign["titleTranslations"] == [{"locale": "de", "text": "Neuer Spielplatz"}]
    cid = campaign["id"]

    limited = {"title": "Name auf der Tafel", "minimum": {"amount": 2500, "currency": "EUR"}}
    tier = (
        await gql(client, owner, ADD_TIER, c=cid, input=limited | {"kind": "THANKS", "quantity": 1})
    )["addRewardTier"]
    assert tier["errors"] == [] and tier["rewardTier"]["remaining"] == 1
    await gql(
        client,
        owner,
        ADD_TIER,
        c=cid,
        input={"title": "Danke", "kind": "THANKS", "minimum": {"amount": 500, "currency": "EUR"}},
    )

    assert (await move(client, owner, "submitCampaign", cid))["campaign"]["status"] == "IN_REVIEW"
    hidden = await answer(client, backer, "query($id: UUID!) { campaign(id: $id) { id } }", id=cid)
    assert hidden["errors"][0]["extensions"]["code"] == "campaign-not-found"
    refused = await move(client, owner, "approveCampaign", cid)
    assert refused == {"campaign": None, "errors": [{"code": "role-required"}]}
    assert (await move(client, moderator, "approveCampaign", cid))["campaign"]["status"] == "LIVE"

    asked = {
        "campaignId": cid,
        "amount": {"amount": 3000, "currency": "EUR"},
        "tierId": tier["rewardTier"]["id"],
        "anonymous": True,
    }
    pledged = (await gql(client, backer, PLEDGE, input=asked, key="pledge-1"))["pledge"]
    assert pledged["errors"] == []
    pledge = pledged["pledge"]
    assert pledge["status"] == "PENDING" and pledge["provider"] == "bank_transfer"
    assert pledge["clientSecret"] is None and pledge["backerId"] is not None
    assert pledge["bankTransfer"]["iban"] == "DE89370400440532013000"
    assert pledge["bankTransfer"]["reference"] == pledge["paymentReference"]
    assert pledge["campaign"] == {"title": "Neuer Spielplatz"}
    again = (await gql(client, backer, PLEDGE, input=asked, key="pledge-1"))["pledge"]
    assert again["pledge"]["id"] == pledge["id"]
    reused = await gql(client, backer, PLEDGE, input=asked | {"anonymous": False}, key="pledge-1")
    assert reused["pledge"]["errors"] == [{"code": "idempotency-key-reused", "field": None}]
    second = await person(client, services, "late")
    sold_out = (await gql(client, second, PLEDGE, input=asked))["pledge"]
    assert sold_out == {"pledge": None, "errors": [{"code": "reward-sold-out", "field": None}]}

    received = """mutation($refs: [String!]!) { markTransfersReceived(references: $refs) {
      received unknown errors { code } } }"""
    refs = [pledge["paymentReference"].lower(), "SK-NOTHING1"]
    by_backer = (await gql(client, backer, received, refs=refs))["markTransfersReceived"]
    assert by_backer["errors"] == [{"code": "role-required"}]
    done = (await gql(client, admin, received, refs=refs))["markTransfersReceived"]
    assert done == {"received": [pledge["id"]], "unknown": ["SK-NOTHING1"], "errors": []}

    listed = (await gql(client, {"X-Tenant": "home"}, PAGE))["campaigns"]
    node = listed["edges"][0]["node"]
    assert node["totals"] == {
        "pledged": {"amount": 3000},
        "backers": 1,
        "percent": 0,
        "daysLeft": 30,
    }
    assert node["rewardTiers"] == [
        {"title": "Danke", "remaining": None},
        {"title": "Name auf der Tafel", "remaining": 0},
    ]
    assert node["owner"] == {"displayName": "owner"}
    assert node["business"] == {"name": "Bäckerei Licht"}
    assert listed["pageInfo"] == {"hasNextPage": False, "endCursor": None}
    rest = (await client.get(f"/v1/campaigns/{cid}", headers={"X-Tenant": "home"})).json()
    assert rest["totals"]["pledged"]["amount"] == 3000 and rest["totals"]["backers"] == 1

    backers = """query($c: UUID!) { campaignPledges(campaignId: $c) { edges { node {
      backerId anonymous paymentReference bankTransfer { iban } status } } } }"""
    public = (await gql(client, {"X-Tenant": "home"}, backers, c=cid))["campaignPledges"]
    assert public["edges"] == [
        {
            "node": {
                "backerId": None,
                "anonymous": True,
                "paymentReference": None,
                "bankTransfer": None,
                "status": "CAPTURED",
            }
        }
    ]

    refund = """mutation($p: UUID!, $amount: MoneyInput!) { refundPledge(pledgeId: $p,
      amount: $amount, reason: "Doppelt überwiesen", idempotencyKey: "r-1") {
      refund { amount { amount } status reason providerRef } errors { code field } } }"""
    too_much = (
        await gql(client, admin, refund, p=pledge["id"], amount={"amount": 9000, "currency": "EUR"})
    )["refundPledge"]
    assert too_much["errors"] == [{"code": "refund-too-large", "field": None}]
    wrong = (
        await gql(client, admin, refund, p=pledge["id"], amount={"amount": 100, "currency": "CHF"})
    )["refundPledge"]
    assert wrong["errors"] == [{"code": "invalid-input", "field": "amount.currency"}]
    given = (
        await gql(client, admin, refund, p=pledge["id"], amount={"amount": 1000, "currency": "EUR"})
    )["refundPledge"]
    assert given["refund"] == {
        "amount": {"amount": 1000},
        "status": "TO_PAY_BACK",  # a bank transfer's: an admin transfers it back by hand
        "reason": "Doppelt überwiesen",
        "providerRef": "",
    }
    waiting = "{ refundsToPayBack { id amount { amount } } }"
    [to_pay] = (await gql(client, admin, waiting))["refundsToPayBack"]
    paid = "mutation($id: UUID!) { markRefundPaid(id: $id) { refund { status } errors { code } } }"
    done = (await gql(client, admin, paid, id=to_pay["id"]))["markRefundPaid"]
    assert done == {"refund": {"status": "SUCCEEDED"}, "errors": []}
    refunds = "query($p: UUID!) { pledgeRefunds(pledgeId: $p) { amount { amount } status } }"
    assert (await gql(client, admin, refunds, p=pledge["id"]))["pledgeRefunds"] == [
        {"amount": {"amount": 1000}, "status": "SUCCEEDED"}
    ]
    not_for_backers = await answer(client, backer, refunds, p=pledge["id"])
    assert not_for_backers["errors"][0]["extensions"]["code"] == "role-required"

    mine = """{ myPledges { edges { node { id status refunded { amount } campaign {
      totals { pledged { amount } } } } } } }"""
    edges = (await gql(client, backer, mine))["myPledges"]["edges"]
    assert edges == [
        {
            "node": {
                "id": pledge["id"],
                "status": "CAPTURED",
                "refunded": {"amount": 1000},
                "campaign": {"totals": {"pledged": {"amount": 2000}}},
            }
        }
    ]
    one = "query($p: UUID!) { pledge(id: $p) { id backerId } }"
    assert (await gql(client, backer, one, p=pledge["id"]))["pledge"]["id"] == pledge["id"]
    other = await answer(client, second, one, p=pledge["id"])
    assert other["errors"][0]["extensions"]["code"] == "pledge-not-found"


async def test_campaign_input_is_checked_like_rest(services, client):
    await seed(services)
    owner = await person(client, services, "owner")
    bad = drafted(goal={"amount": 1000, "currency": "CHF"})
    refused = (await gql(client, owner, CREATE, input=bad))["createCampaign"]
    assert refused["campaign"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("invalid-input", "goal.currency")
    ]
    naive = drafted() | {"startsAt": "2026-12-01T10:00:00"}
    refused = (await gql(client, owner, CREATE, input=naive))["createCampaign"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("invalid-input", "startsAt")]
    backwards = drafted()
    backwards["endsAt"] = backwards["startsAt"]
    refused = (await gql(client, owner, CREATE, input=backwards))["createCampaign"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("invalid-input", "endsAt")]
    both = drafted() | {"titleTranslations": [{"locale": "en", "text": "Playground"}]}
    refused = (await gql(client, owner, CREATE, input=both))["createCampaign"]
    assert refused["errors"][0]["field"] == "titleTranslations"
    fraction = await answer(
        client, owner, CREATE, input=drafted(goal={"amount": 10.5, "currency": "EUR"})
    )
    assert fraction["errors"][0]["extensions"]["code"] == "invalid-input"
    anonymous = await gql(client, {"X-Tenant": "home"}, CREATE, input=drafted())
    assert anonymous["createCampaign"]["errors"][0]["code"] == "unauthenticated"
    bad_page = await answer(client, owner, "{ campaigns(first: 0) { pageInfo { hasNextPage } } }")
    assert bad_page["errors"][0]["extensions"]["code"] == "invalid-input"
    bad_cursor = await answer(
        client, owner, '{ campaigns(after: "nonsense") { pageInfo { hasNextPage } } }'
    )
    assert bad_cursor["errors"][0]["extensions"]["code"] == "invalid-input"
    mine_pledges = await answer(
        client, owner, '{ myPledges(after: "nonsense") { pageInfo { hasNextPage } } }'
    )
    assert mine_pledges["errors"][0]["extensions"]["code"] == "invalid-input"
    mine = "{ campaigns(mine: true) { edges { node { id } } } }"
    assert (await gql(client, owner, mine))["campaigns"]["edges"] == []
    nobody = await gql(client, {"X-Tenant": "home"}, mine)
    assert nobody["campaigns"]["edges"] == []


async def test_a_campaign_and_its_rewards_are_patched_with_expected_versions(services, client):
    await seed(services)
    owner = await person(client, services, "owner")
    stranger = await person(client, services, "stranger")
    made = (await gql(client, owner, CREATE, input=drafted()))["createCampaign"]["campaign"]
    cid, first = made["id"], made["version"]

    translated = {"summaryTranslations": [{"locale": "en", "text": "Swings for the park"}]}
    edited = (await gql(client, owner, UPDATE, id=cid, patch=translated, version=first))[
        "updateCampaign"
    ]
    assert edited["errors"] == []
    assert edited["campaign"]["title"] == "Neuer Spielplatz"  # untouched
    assert edited["campaign"]["summary"] == "Schaukeln für den Stadtpark"  # de kept
    assert edited["campaign"]["version"] == first + 1
    english = await gql(
        client,
        owner | {"Accept-Language": "en"},
        "query($id: UUID!) { campaign(id: $id) { summary summaryLanguage } }",
        id=cid,
    )
    assert english["campaign"] == {"summary": "Swings for the park", "summaryLanguage": "en"}
    stale = (await gql(client, owner, UPDATE, id=cid, patch={"title": "Alt"}, version=first))[
        "updateCampaign"
    ]
    assert stale["errors"] == [{"code": "precondition-failed", "field": None}]
    goal = {"goal": {"amount": 100_000, "currency": "EUR"}}
    grown = (await gql(client, owner, UPDATE, id=cid, patch=goal))["updateCampaign"]
    assert grown["campaign"]["goal"] == {"amount": 100_000, "currency": "EUR"}
    theirs = (await gql(client, stranger, UPDATE, id=cid, patch={"title": "Meins"}))[
        "updateCampaign"
    ]
    assert theirs["errors"] == [{"code": "campaign-not-found", "field": None}]

    tier_input = {
        "title": "Tasse",
        "kind": "ITEM",
        "quantity": 10,
        "minimum": {"amount": 1500, "currency": "EUR"},
    }
    tier = (await gql(client, owner, ADD_TIER, c=cid, input=tier_input))["addRewardTier"]
    tier_id = tier["rewardTier"]["id"]
    patch_tier = """mutation($c: UUID!, $t: UUID!, $patch: RewardTierPatchInput!) {
      updateRewardTier(campaignId: $c, id: $t, patch: $patch) {
      rewardTier { title quantity remaining minimum { amount } } errors { code field } } }"""
    unlimited = (await gql(client, owner, patch_tier, c=cid, t=tier_id, patch={"quantity": None}))[
        "updateRewardTier"
    ]
    assert unlimited["rewardTier"] == {
        "title": "Tasse",
        "quantity": None,
        "remaining": None,
        "minimum": {"amount": 1500},
    }
    remove = """mutation($c: UUID!, $t: UUID!) { removeRewardTier(campaignId: $c, id: $t) {
      ok errors { code } } }"""
    assert (await gql(client, stranger, remove, c=cid, t=tier_id))["removeRewardTier"] == {
        "ok": False,
        "errors": [{"code": "campaign-not-found"}],
    }
    assert (await gql(client, owner, remove, c=cid, t=tier_id))["removeRewardTier"]["ok"] is True
    cancelled = await move(client, owner, "cancelCampaign", cid)
    assert cancelled["campaign"]["status"] == "CANCELLED"
    again = await move(client, owner, "submitCampaign", cid)
    assert again["errors"] == [{"code": "transition-not-allowed"}]


async def test_funding_answers_feature_off_where_the_tenant_runs_no_campaigns(services, client):
    await seed(services, features=frozenset({Feature.BUSINESSES}))
    owner = await person(client, services, "owner")
    listed = await answer(client, owner, "{ campaigns { edges { node { id } } } }")
    assert listed["data"] is None
    assert listed["errors"][0]["extensions"]["code"] == "feature-off"
    made = (await gql(client, owner, CREATE, input=drafted()))["createCampaign"]
    assert [(e["code"], e["field"]) for e in made["errors"]] == [("feature-off", None)]


def count_statements(services):  # type: ignore[no-untyped-def]
    """The request's statements; not the in-process worker's, which polls its jobs beside."""
    seen = []

    def count(conn, cursor, statement, *rest):  # type: ignore[no-untyped-def]
        if not re.search(r"\bjobs\b", statement):
            seen.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    return seen


async def add_live_campaigns(client, owner, business, n, image_ids=()):  # type: ignore[no-untyped-def]
    for i in range(n):
        images = [image_ids[i]] if i < len(image_ids) else []
        made = (
            await gql(
                client,
                owner,
                CREATE,
                input=drafted(f"Kampagne {i:02d}-{n}", businessId=business, imageIds=images),
            )
        )["createCampaign"]
        assert made["errors"] == [], made
        cid = made["campaign"]["id"]
        tier = {"title": "Danke", "kind": "THANKS", "minimum": {"amount": 500, "currency": "EUR"}}
        assert (await gql(client, owner, ADD_TIER, c=cid, input=tier))["addRewardTier"][
            "errors"
        ] == []
        assert (await move(client, owner, "submitCampaign", cid))["campaign"]["status"] == "LIVE"


async def test_a_page_of_campaigns_costs_the_same_statements_for_any_length(services, client):
    await seed(services, auto_approve=True)
    owner = await person(client, services, "owner")
    business = await a_business(client, owner)
    image = await client.post(
        "/v1/media",
        headers=owner,
        data={"alt": "Ein Spielplatz", "alt.en": "A playground"},
        files={"file": ("park.png", png_bytes(), "image/png")},
    )
    assert image.status_code == 201, image.text
    await add_live_campaigns(client, owner, business, 3, [image.json()["id"]])
    seen = count_statements(services)
    small = await gql(client, owner, PAGE)
    few = list(seen)
    await add_live_campaigns(client, owner, business, 27)
    seen.clear()
    large = await gql(client, owner, PAGE)
    assert len(seen) == len(few), (few, seen)
    assert len(small["campaigns"]["edges"]) == 3
    edges = large["campaigns"]["edges"]
    assert len(edges) == 30
    assert all(e["node"]["rewardTiers"] == [{"title": "Danke", "remaining": None}] for e in edges)
    assert all(e["node"]["owner"] == {"displayName": "owner"} for e in edges)
    assert all(e["node"]["business"] == {"name": "Bäckerei Licht"} for e in edges)
    assert sum(len(e["node"]["images"]) for e in edges) == 1

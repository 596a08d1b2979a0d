"""The directory over GraphQL: the same data and rules as REST, nested fields through
DataLoaders (SQL statements per query independent of the page's length)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from domain.tenancy.model import CategorySeed, Feature
from tests.conftest import as_user, seed_tenants, set_role, sign_up_and_log_in
from tests.factories import tenant_config

PAGE = (
    "{ businesses(first: 50) { edges { node { name openNow categories { key } offers { title } }"
    " } pageInfo { hasNextPage } } }"
)


async def setup(services, client):  # type: ignore[no-untyped-def]
    await seed_tenants(
        services,
        tenant_config(
            "home",
            features=frozenset({Feature.BUSINESSES}),
            categories=(CategorySeed("food", "Essen"),),
        ),
    )
    owner = as_user(await sign_up_and_log_in(client, "home", "owner@example.org"), "home")
    tree = (await client.get("/v1/categories", headers=owner)).json()
    return owner, tree[0]["id"]


async def add(client, owner, category, n):  # type: ignore[no-untyped-def]
    for i in range(n):
        made = await client.post(
            "/v1/businesses",
            headers=owner,
            json={"name": f"Laden {i:02d}-{n}", "kind": "retail", "category_ids": [category]},
        )
        assert made.status_code == 201


def count_statements(services):  # type: ignore[no-untyped-def]
    """The request's statements; not the in-process worker's, which polls its jobs beside."""
    seen = []

    def count(conn, cursor, statement, *rest):  # type: ignore[no-untyped-def]
        if not re.search(r"\bjobs\b", statement):
            seen.append(1)

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    return seen


async def test_nested_fields_cost_the_same_statements_for_any_page_length(services, client):
    owner, food = await setup(services, client)
    await add(client, owner, food, 2)
    seen = count_statements(services)
    small = await client.post("/graphql", headers=owner, json={"query": PAGE})
    few = len(seen)
    await add(client, owner, food, 8)
    seen.clear()
    large = await client.post("/graphql", headers=owner, json={"query": PAGE})
    assert len(seen) == few
    edges = large.json()["data"]["businesses"]["edges"]
    assert len(edges) == 10 and len(small.json()["data"]["businesses"]["edges"]) == 2
    assert all(e["node"]["categories"] == [{"key": "food"}] for e in edges)


async def test_graphql_search_and_map_answer_like_rest(services, client):
    owner, _ = await setup(services, client)
    await client.post(
        "/v1/businesses",
        headers=owner,
        json={
            "name": "Bäckerei Licht",
            "kind": "gastronomy",
            "location": {"lat": 51.34, "lon": 12.37},
        },
    )
    body = (
        await client.post(
            "/graphql",
            headers=owner,
            json={
                "query": (
                    '{ search(q: "Bäcker") { title snippet } '
                    'mapPins(bbox: "12.2,51.25,12.55,51.45") { truncated pins { type name lon lat '
                    "verified openNow categoryIds } } }"
                )
            },
        )
    ).json()
    assert body["data"]["search"][0]["title"] == "Bäckerei Licht"
    rest = (await client.get("/v1/map?bbox=12.2,51.25,12.55,51.45", headers=owner)).json()
    assert body["data"]["mapPins"] == {
        "truncated": rest["truncated"],
        "pins": [
            {
                "type": "business",
                "name": "Bäckerei Licht",
                "lon": 12.37,
                "lat": 51.34,
                "verified": rest["features"][0]["properties"]["verified"],
                "openNow": rest["features"][0]["properties"].get("open_now"),
                "categoryIds": rest["features"][0]["properties"]["category_ids"],
            }
        ],
    }
    bad = (
        await client.post(
            "/graphql",
            headers=owner,
            json={"query": '{ mapPins(bbox: "999,0,0,0") { truncated } }'},
        )
    ).json()
    assert bad["errors"][0]["extensions"]["code"] == "invalid-input"


async def test_graphql_mutations_follow_the_same_policies(services, client):
    owner, _ = await setup(services, client)
    made = (
        await client.post("/v1/businesses", headers=owner, json={"name": "Laden", "kind": "retail"})
    ).json()
    query = (
        f'mutation {{ moderateBusiness(id: "{made["id"]}", verified: true, hidden: false) '
        "{ ok errors { code } } }"
    )
    refused = (await client.post("/graphql", headers=owner, json={"query": query})).json()
    assert refused["data"]["moderateBusiness"]["errors"][0]["code"] == "role-required"
    moderator = as_user(await sign_up_and_log_in(client, "home", "mod@example.org"), "home")
    await set_role(services, "home", "mod@example.org", "moderator")
    done = (await client.post("/graphql", headers=moderator, json={"query": query})).json()
    assert done["data"]["moderateBusiness"]["ok"] is True
    shown = (await client.get(f"/v1/businesses/{made['id']}", headers=owner)).json()
    assert shown["verified"] is True


async def gql(client, headers, query, **variables):  # type: ignore[no-untyped-def]
    response = await client.post(
        "/graphql", headers=headers, json={"query": query, "variables": variables}
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


REGISTER = """mutation($input: BusinessInput!) { registerBusiness(input: $input) {
  business { id version name websiteUrl yourRole openingHours { weekly { day ranges } } }
  errors { code field message } } }"""
UPDATE = """mutation($id: UUID!, $patch: BusinessPatchInput!, $version: Int) {
  updateBusiness(id: $id, patch: $patch, expectedVersion: $version) {
  business { version name description lat } errors { code field } } }"""


async def test_businesses_are_registered_read_and_edited_over_graphql(services, client):
    owner, food = await setup(services, client)
    bakery = {
        "name": "Bäckerei Licht",
        "kind": "GASTRONOMY",
        "categoryIds": [food],
        "websiteUrl": "https://licht.example",
        "location": {"lat": 51.34, "lon": 12.37},
        "openingHours": {"weekly": [{"day": "mo", "ranges": ["06:00-18:00"]}]},
    }
    made = (await gql(client, owner, REGISTER, input=bakery))["registerBusiness"]
    business = made["business"]
    assert made["errors"] == [] and business["yourRole"] == "OWNER"
    assert business["openingHours"]["weekly"] == [{"day": "mo", "ranges": ["06:00-18:00"]}]
    detail = await gql(
        client,
        {"X-Tenant": "home"},
        "query($id: UUID!) { business(id: $id) { name kind lat categories { key } openNow } }",
        id=business["id"],
    )
    assert detail["business"]["categories"] == [{"key": "food"}]
    assert detail["business"]["kind"] == "GASTRONOMY" and detail["business"]["lat"] == 51.34

    first = version = business["version"]
    edited = await gql(
        client, owner, UPDATE, id=business["id"], patch={"description": "Neu"}, version=version
    )
    assert edited["updateBusiness"]["business"]["description"] == "Neu"
    assert edited["updateBusiness"]["business"]["name"] == "Bäckerei Licht"  # untouched
    assert edited["updateBusiness"]["business"]["version"] == first + 1
    stale = await gql(
        client, owner, UPDATE, id=business["id"], patch={"name": "Alt"}, version=first
    )
    assert stale["updateBusiness"]["errors"] == [{"code": "precondition-failed", "field": None}]
    cleared = await gql(client, owner, UPDATE, id=business["id"], patch={"location": None})
    assert cleared["updateBusiness"]["business"]["lat"] is None
    rest = (await client.get(f"/v1/businesses/{business['id']}", headers=owner)).json()
    assert rest["name"] == "Bäckerei Licht" and rest["description"] == "Neu"


async def test_graphql_business_input_is_checked_like_rest(services, client):
    owner, _ = await setup(services, client)
    bad = {"name": "Laden", "kind": "RETAIL", "websiteUrl": "ftp://laden.example"}
    refused = (await gql(client, owner, REGISTER, input=bad))["registerBusiness"]
    assert refused["business"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("invalid-input", "websiteUrl")]
    hours = {"name": "Laden", "kind": "RETAIL"} | {
        "openingHours": {"weekly": [{"day": "xx", "ranges": ["09:00-18:00"]}]}
    }
    refused = (await gql(client, owner, REGISTER, input=hours))["registerBusiness"]
    assert refused["errors"][0]["field"].startswith("openingHours.weekly")
    anonymous = (
        await gql(client, {"X-Tenant": "home"}, REGISTER, input={"name": "Laden", "kind": "RETAIL"})
    )["registerBusiness"]
    assert anonymous["errors"][0]["code"] == "unauthenticated"
    listed = (await client.get("/v1/businesses", headers=owner)).json()["items"]
    assert listed == []


async def test_graphql_patch_null_and_naive_offer_times_are_typed_errors(services, client):
    owner, _ = await setup(services, client)
    business = (
        await client.post("/v1/businesses", headers=owner, json={"name": "Laden", "kind": "retail"})
    ).json()["id"]
    named = (await gql(client, owner, UPDATE, id=business, patch={"name": None}))["updateBusiness"]
    assert named["errors"] == [{"code": "invalid-input", "field": "name"}]
    publish = """mutation($id: UUID!, $from: DateTime!, $until: DateTime!) {
      publishOffer(businessId: $id, title: "Rabatt", validFrom: $from, validUntil: $until) {
      ok errors { code field message } } }"""
    for start in ("2026-12-01T10:00:00", "9999-12-31T20:00:00-14:00"):
        refused = (
            await gql(
                client, owner, publish, id=business, until="2030-01-01T00:00:00Z", **{"from": start}
            )
        )["publishOffer"]
        assert refused["ok"] is not True
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [
            ("invalid-input", "validFrom")
        ]


async def test_team_offers_and_categories_over_graphql(services, client):
    owner, food = await setup(services, client)
    business = (
        await client.post("/v1/businesses", headers=owner, json={"name": "Laden", "kind": "retail"})
    ).json()["id"]
    helper = as_user(await sign_up_and_log_in(client, "home", "helper@example.org"), "home")
    helper_id = (await client.get("/v1/me", headers=helper)).json()["id"]
    team_role = """mutation($b: UUID!, $a: UUID!, $role: BusinessRole) {
      setBusinessTeamRole(businessId: $b, accountId: $a, role: $role) { ok errors { code } } }"""
    refused = await gql(client, helper, team_role, b=business, a=helper_id, role="OWNER")
    assert refused["setBusinessTeamRole"]["errors"][0]["code"] == "business-role-required"
    added = await gql(client, owner, team_role, b=business, a=helper_id, role="STAFF")
    assert added["setBusinessTeamRole"]["ok"] is True
    team = await gql(
        client, owner, "query($b: UUID!) { businessTeam(id: $b) { displayName role } }", b=business
    )
    assert sorted(m["role"] for m in team["businessTeam"]) == ["OWNER", "STAFF"]

    window = {
        "start": datetime.now(UTC).isoformat(),
        "end": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    }
    publish = """mutation($b: UUID!, $start: DateTime!, $end: DateTime!) {
      publishOffer(businessId: $b, title: "Brot -20%", validFrom: $start, validUntil: $end)
      { ok id errors { code message } } }"""
    published = (await gql(client, helper, publish, b=business, **window))["publishOffer"]
    assert published["errors"] == [], published
    offer = published["id"]
    change = """mutation($o: UUID!, $start: DateTime!, $end: DateTime!) {
      changeOffer(id: $o, title: "Brot -30%", validFrom: $start, validUntil: $end) { ok } }"""
    assert (await gql(client, helper, change, o=offer, **window))["changeOffer"]["ok"] is True
    offers = (await client.get("/v1/offers", headers=owner)).json()["items"]
    assert [o["title"] for o in offers] == ["Brot -30%"]
    withdraw = "mutation($o: UUID!) { withdrawOffer(id: $o) { ok errors { code } } }"
    stranger = as_user(await sign_up_and_log_in(client, "home", "nosy@example.org"), "home")
    assert (await gql(client, stranger, withdraw, o=offer))["withdrawOffer"]["ok"] is False
    assert (await gql(client, helper, withdraw, o=offer))["withdrawOffer"]["ok"] is True
    assert (await client.get("/v1/offers", headers=owner)).json()["items"] == []

    rename = """mutation($c: UUID!) {
      updateCategory(id: $c, key: "food", name: "Essen & Trinken") { ok errors { code } } }"""
    assert (await gql(client, owner, rename, c=food))["updateCategory"]["errors"][0][
        "code"
    ] == "role-required"
    admin = as_user(await sign_up_and_log_in(client, "home", "admin@example.org"), "home")
    await set_role(services, "home", "admin@example.org", "admin")
    assert (await gql(client, admin, rename, c=food))["updateCategory"]["ok"] is True
    remove = "mutation($c: UUID!) { removeCategory(id: $c) { ok } }"
    assert (await gql(client, admin, remove, c=food))["removeCategory"]["ok"] is True
    assert (await gql(client, admin, "{ categories { key } }"))["categories"] == []


async def test_around_me_and_claims_over_graphql(services, client):
    owner, _ = await setup(services, client)
    for name, lat in (("Nah", 51.3401), ("Fern", 51.3500)):
        await client.post(
            "/v1/businesses",
            headers=owner,
            json={"name": name, "kind": "retail", "location": {"lat": lat, "lon": 12.37}},
        )
    near = await gql(
        client,
        {"X-Tenant": "home"},
        "{ businessesNear(lon: 12.37, lat: 51.34, radius: 2000) { name distanceM } }",
    )
    assert [p["name"] for p in near["businessesNear"]] == ["Nah", "Fern"]
    assert near["businessesNear"][0]["distanceM"] < 20
    listed = (
        await client.post(
            "/v1/businesses", headers=owner, json={"name": "Eckladen", "kind": "retail"}
        )
    ).json()["id"]
    claimant = as_user(await sign_up_and_log_in(client, "home", "real@example.org"), "home")
    claim = 'mutation($b: UUID!) { claimBusiness(id: $b, message: "Mein Laden") { ok id } }'
    claimed = (await gql(client, claimant, claim, b=listed))["claimBusiness"]
    assert claimed["ok"] is True
    moderator = as_user(await sign_up_and_log_in(client, "home", "mod@example.org"), "home")
    await set_role(services, "home", "mod@example.org", "moderator")
    claims = await gql(client, moderator, "{ businessClaims { id message status } }")
    assert claims["businessClaims"] == [
        {"id": claimed["id"], "message": "Mein Laden", "status": "PENDING"}
    ]
    refused = await client.post(
        "/graphql", headers=claimant, json={"query": "{ businessClaims { id } }"}
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "role-required"

"""The directory over GraphQL: the same data and rules as REST, nested fields through
DataLoaders (SQL statements per query independent of the page's length)."""

from __future__ import annotations

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
    seen = []
    event.listen(
        services.engine.sync_engine, "before_cursor_execute", lambda *a, **k: seen.append(1)
    )
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
                    'mapPins(bbox: "12.2,51.25,12.55,51.45") { name lon lat } }'
                )
            },
        )
    ).json()
    assert body["data"]["search"][0]["title"] == "Bäckerei Licht"
    assert body["data"]["mapPins"] == [{"name": "Bäckerei Licht", "lon": 12.37, "lat": 51.34}]
    bad = (
        await client.post(
            "/graphql", headers=owner, json={"query": '{ mapPins(bbox: "999,0,0,0") { name } }'}
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

"""GraphQL: the tenant query, limits, masking, and HTTP-level refusals."""

import pytest
import strawberry

from api.app import create_app
from api.graphql.context import GraphQLContext
from api.graphql.schema import MAX_ALIASES, MAX_DEPTH, QUERY_PARTS, build_schema
from tests.conftest import client_for, make_settings, seed_tenants
from tests.factories import tenant_config

PROFILE_QUERY = """{ tenant { slug name hostnames parent locales defaultLocale timezone currency
  features branding { appName logoUrl fontFamily
    colors { primary onPrimary background text accent }
    legal { imprintUrl privacyUrl termsUrl accessibilityUrl } } } }"""


@pytest.fixture
async def seeded(services):
    await seed_tenants(services, tenant_config("leipzig", hostnames=("leipzig.example",)))
    return services


def snake(data):  # type: ignore[no-untyped-def]
    """camelCase keys to snake_case, to compare GraphQL with REST."""
    import re

    if isinstance(data, dict):
        return {re.sub(r"([A-Z])", r"_\1", k).lower(): snake(v) for k, v in data.items()}
    return data


async def gql(client, query, slug="leipzig"):  # type: ignore[no-untyped-def]
    return await client.post("/graphql", json={"query": query}, headers={"X-Tenant": slug})


async def test_graphql_tenant_equals_the_rest_profile(seeded, client):
    rest = (await client.get("/v1/tenant", headers={"X-Tenant": "leipzig"})).json()
    graph = (await gql(client, PROFILE_QUERY)).json()["data"]["tenant"]
    assert snake(graph) == rest


async def test_too_many_aliases_are_refused(seeded, client):
    fields = " ".join(f"a{i}: tenant {{ slug }}" for i in range(MAX_ALIASES + 1))
    body = (await gql(client, "{ " + fields + " }")).json()
    assert body["data"] is None and "aliases" in body["errors"][0]["message"]


@strawberry.type
class Node:
    name: str = "n"

    @strawberry.field
    def child(self) -> "Node":
        return Node()


@strawberry.type
class NodeQuery:
    @strawberry.field
    def node(self) -> Node:
        return Node()


async def test_depth_limit_counts_nested_selections():
    # The product schema is shallow today; a deeper test type shows the limit at work.
    schema = build_schema(mask_errors=False, query_parts=(*QUERY_PARTS, NodeQuery))
    shallow = "{ node { " + "child { " * 3 + "name" + " }" * 3 + " } }"
    deep = "{ node { " + "child { " * (MAX_DEPTH + 1) + "name" + " }" * (MAX_DEPTH + 1) + " } }"
    assert (await schema.execute(shallow)).errors is None
    result = await schema.execute(deep)
    assert result.errors and "exceeds maximum operation depth" in result.errors[0].message


async def test_too_many_tokens_are_refused(seeded, client):
    query = "{ tenant { " + "slug " * 2100 + "} }"
    body = (await gql(client, query)).json()
    assert body["data"] is None and "token" in body["errors"][0]["message"].lower()


@strawberry.type
class FailingQuery:
    @strawberry.field
    def boom(self) -> str:
        raise RuntimeError("connection string postgres://admin:secret@db")


@pytest.mark.parametrize(("mask", "leaks"), [(True, False), (False, True)])
async def test_unexpected_errors_are_masked_in_production(mask, leaks):
    schema = build_schema(mask_errors=mask, query_parts=(*QUERY_PARTS, FailingQuery))
    result = await schema.execute("{ boom }", context_value=GraphQLContext.__new__(GraphQLContext))
    assert ("secret" in result.errors[0].message) is leaks
    assert result.errors[0].extensions["code"] == "internal-error"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ tenant { slug ", "graphql-syntax-error"),
        ("{ tenant { nope } }", "graphql-invalid-document"),
        ('{ business(id: "not-a-uuid") { id } }', "invalid-input"),
        (
            "{ " + " ".join(f"a{i}: tenant {{ slug }}" for i in range(MAX_ALIASES + 1)) + " }",
            "graphql-limit-exceeded",
        ),
        ("{ tenant { " + "slug " * 2100 + "} }", "graphql-limit-exceeded"),
        ('{ business(id: "00000000-0000-0000-0000-000000000001") { id } }', "feature-off"),
    ],
    ids=["syntax", "unknown-field", "bad-value", "aliases", "tokens", "domain-error"],
)
async def test_every_graphql_error_carries_a_code_and_a_sentence(seeded, client, query, code):
    errors = (await gql(client, query)).json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == [code]
    assert len(errors[0]["message"].split()) >= 3  # words for people, not a bare code


async def test_a_bad_variable_is_invalid_input(seeded, client):
    body = await client.post(
        "/graphql",
        json={"query": "query($id: UUID!) { business(id: $id) { id } }", "variables": {"id": 5}},
        headers={"X-Tenant": "leipzig"},
    )
    assert body.json()["errors"][0]["extensions"]["code"] == "invalid-input"


async def test_json_nested_thousands_deep_is_a_400_malformed_json_problem(seeded, client):
    response = await client.post(
        "/graphql",
        content=b"[" * 5000 + b"]" * 5000,
        headers={"X-Tenant": "leipzig", "content-type": "application/json"},
    )
    assert response.status_code == 400 and response.json()["code"] == "malformed-json"


async def test_client_mistakes_stay_readable_when_masking(seeded):
    app = create_app(
        make_settings(
            seeded.settings.database_url, environment="production", allow_tenant_header=True
        )
    )
    async for client in client_for(app):
        body = (await gql(client, "{ tenant { nope } }")).json()
        assert "nope" in body["errors"][0]["message"]


async def test_get_is_refused_with_a_problem(seeded, client):
    response = await client.get(
        "/graphql", params={"query": "{ tenant { slug } }"}, headers={"X-Tenant": "leipzig"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_malformed_json_is_a_400_malformed_json_problem(seeded, client):
    response = await client.post(
        "/graphql",
        content=b"{not json",
        headers={"X-Tenant": "leipzig", "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed-json"


async def test_introspection_can_be_turned_off(seeded):
    query = "{ __schema { queryType { name } } }"
    for allowed in (True, False):
        app = create_app(make_settings(seeded.settings.database_url, graphql_introspection=allowed))
        async for client in client_for(app):
            body = (await gql(client, query)).json()
        if allowed:
            assert body["data"]["__schema"]["queryType"]["name"] == "Query"
        else:
            assert body["errors"][0]["extensions"]["code"] == "graphql-invalid-document"
            assert "introspection" in body["errors"][0]["message"]

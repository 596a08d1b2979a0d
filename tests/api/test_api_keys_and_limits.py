"""Partner API keys on REST and GraphQL, and rate limits in Redis across processes."""

import fakeredis
import pytest
import redis.asyncio as redis

from api.app import create_app
from api.services import build_services
from domain.tenancy.model import RateLimits
from tests.conftest import (
    TEST_REDIS_URL,
    as_user,
    client_for,
    make_settings,
    seed_tenants,
    set_role,
    sign_up_and_log_in,
)
from tests.factories import tenant_config


@pytest.fixture
async def admin(services, client):
    await seed_tenants(services, tenant_config("leipzig"), tenant_config("dresden"))
    session = await sign_up_and_log_in(client, "leipzig", "admin@example.org")
    await set_role(services, "leipzig", "admin@example.org", "admin")
    return as_user(session, "leipzig")


async def create_key(client, admin, scopes=("sync:read",)):  # type: ignore[no-untyped-def]
    response = await client.post(
        "/v1/api-keys", headers=admin, json={"name": "Partner", "scopes": list(scopes)}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_secret_is_shown_once_and_never_listed(admin, client):
    created = await create_key(client, admin)
    assert created["secret"].startswith(f"sk_{created['prefix']}_")
    listed = (await client.get("/v1/api-keys", headers=admin)).json()
    assert [k["id"] for k in listed] == [created["id"]]
    assert created["secret"] not in str(listed) and "secret" not in listed[0]


async def test_a_key_authenticates_on_rest_and_graphql_and_records_last_use(admin, client):
    created = await create_key(client, admin, ("sync:read", "campaigns:read"))
    key = {"Authorization": f"Bearer {created['secret']}", "X-Tenant": "leipzig"}
    itself = await client.get("/v1/auth/key", headers=key)
    assert itself.status_code == 200
    assert set(itself.json()["scopes"]) == {"sync:read", "campaigns:read"}
    assert itself.json()["last_used_at"] is not None
    graph = await client.post(
        "/graphql", headers=key, json={"query": "{ me { id } tenant { slug } }"}
    )
    assert graph.json() == {"data": {"me": None, "tenant": {"slug": "leipzig"}}}
    me = await client.get("/v1/me", headers=key)
    assert me.status_code == 403 and me.json()["code"] == "account-required"


async def test_revoked_and_foreign_keys_are_401(admin, client):
    created = await create_key(client, admin)
    on_dresden = {"Authorization": f"Bearer {created['secret']}", "X-Tenant": "dresden"}
    assert (await client.get("/v1/auth/key", headers=on_dresden)).status_code == 401
    assert (await client.delete(f"/v1/api-keys/{created['id']}", headers=admin)).status_code == 204
    key = {"Authorization": f"Bearer {created['secret']}", "X-Tenant": "leipzig"}
    assert (await client.get("/v1/auth/key", headers=key)).status_code == 401


async def test_graphql_mutations_return_typed_errors(admin, client, services):
    member = await sign_up_and_log_in(client, "leipzig", "member@example.org")
    mutation = (
        'mutation { createApiKey(name: "K", scopes: [SYNC_READ]) { secret errors { code } } }'
    )
    refused = await client.post(
        "/graphql", headers=as_user(member, "leipzig"), json={"query": mutation}
    )
    assert refused.json()["data"]["createApiKey"] == {
        "secret": None,
        "errors": [{"code": "role-required"}],
    }
    made = await client.post("/graphql", headers=admin, json={"query": mutation})
    assert made.json()["data"]["createApiKey"]["secret"].startswith("sk_")
    keys = await client.post(
        "/graphql", headers=as_user(member, "leipzig"), json={"query": "{ apiKeys { id } }"}
    )
    assert keys.json()["errors"][0]["extensions"]["code"] == "role-required"


async def limited_tenant(services, **limits):  # type: ignore[no-untyped-def]
    await seed_tenants(services, tenant_config("tight", rate_limits=RateLimits(**limits)))


async def test_login_attempts_per_address_get_429_with_retry_after_and_ratelimit(services, client):
    await limited_tenant(services, auth_attempts_per_ip_per_minute=3)
    body = {"email": "x@example.org", "password": "whatever it is"}
    answers = [
        await client.post("/v1/auth/login", headers={"X-Tenant": "tight"}, json=body)
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    limited = answers[-1]
    assert limited.json()["code"] == "rate-limited"
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["ratelimit"].startswith('"auth";r=0;t=')
    assert limited.headers["ratelimit-policy"] == '"auth";q=3;w=60'


async def test_the_tenant_wide_limit_applies_to_every_route(services, client):
    await limited_tenant(services, requests_per_minute=2)
    codes = [
        (await client.get("/v1/tenant", headers={"X-Tenant": "tight"})).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]


async def test_partner_keys_have_their_own_limit(services, client):
    await limited_tenant(services, partner_key_requests_per_minute=2)
    session = await sign_up_and_log_in(client, "tight", "admin@example.org")
    await set_role(services, "tight", "admin@example.org", "admin")
    created = await create_key(client, as_user(session, "tight"))
    key = {"Authorization": f"Bearer {created['secret']}", "X-Tenant": "tight"}
    codes = [(await client.get("/v1/auth/key", headers=key)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


async def test_limits_hold_across_two_api_processes_sharing_redis(settings, services):
    """Two app instances (own engines, caches and Redis clients) count against one limit."""
    await limited_tenant(services, requests_per_minute=3)
    if TEST_REDIS_URL:
        clients = [redis.Redis.from_url(TEST_REDIS_URL), redis.Redis.from_url(TEST_REDIS_URL)]
    else:
        server = fakeredis.FakeServer()
        clients = [fakeredis.FakeAsyncRedis(server=server) for _ in range(2)]
    apps = [create_app(settings, build_services(settings, redis_client=c)) for c in clients]
    codes = []
    async for first in client_for(apps[0]):
        async for second in client_for(apps[1]):
            for http in (first, second, first, second):
                codes.append(
                    (await http.get("/v1/tenant", headers={"X-Tenant": "tight"})).status_code
                )
    assert codes == [200, 200, 200, 429]


async def test_when_redis_is_down_requests_still_pass(settings, services):
    await limited_tenant(services, requests_per_minute=1)
    app = create_app(make_settings(settings.database_url, redis_url="redis://127.0.0.1:1/0"))
    async for http in client_for(app):
        codes = [
            (await http.get("/v1/tenant", headers={"X-Tenant": "tight"})).status_code
            for _ in range(3)
        ]
    assert codes == [200, 200, 200]


async def test_one_address_gets_its_auth_attempts_once_across_all_tenants(services, settings):
    """Five tenants do not give one address five times the attempts."""
    slugs = [f"city-{n}" for n in range(5)]
    await seed_tenants(
        services,
        *(
            tenant_config(s, rate_limits=RateLimits(auth_attempts_per_ip_per_minute=4))
            for s in slugs
        ),
    )
    body = {"email": "owner@example.org", "password": "not the password"}
    async for http in client_for(create_app(settings, services)):
        codes = [
            (await http.post("/v1/auth/login", headers={"X-Tenant": s}, json=body)).status_code
            for s in slugs
        ]
    assert codes == [401, 401, 401, 401, 429]


async def test_a_tenant_with_a_loose_auth_limit_is_no_door_past_the_deployments(services, settings):
    """Attempts through the loosest tenant still count against the deployment's limit."""
    await seed_tenants(
        services,
        tenant_config("loose", rate_limits=RateLimits(auth_attempts_per_ip_per_minute=10_000)),
    )
    services.settings = settings.model_copy(update={"auth_attempts_per_address_per_minute": 3})
    body = {"email": "owner@example.org", "password": "not the password"}
    async for http in client_for(create_app(services.settings, services)):
        codes = [
            (
                await http.post("/v1/auth/login", headers={"X-Tenant": "loose"}, json=body)
            ).status_code
            for _ in range(4)
        ]
    assert codes == [401, 401, 401, 429]

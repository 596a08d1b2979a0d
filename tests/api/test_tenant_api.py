"""GET /v1/tenant and theme.css: resolution by Host and header, caching, closed tenants."""

import re

import httpx
import pytest

from api.app import create_app
from domain.tenancy.model import TenantStatus
from tests.conftest import client_for, make_settings, seed_tenants
from tests.factories import branding, tenant_config


@pytest.fixture
async def seeded(services):
    await seed_tenants(
        services,
        tenant_config(
            "leipzig", hostnames=("kultur-leipzig.example",), branding=branding(primary="#6b1f7a")
        ),
        tenant_config("dresden", parent="leipzig"),
        tenant_config("paused", status=TenantStatus.SUSPENDED),
        tenant_config("closed", status=TenantStatus.ARCHIVED),
    )
    return services


async def test_profile_by_x_tenant_header(seeded, client):
    response = await client.get("/v1/tenant", headers={"X-Tenant": "leipzig"})
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "leipzig"
    assert body["branding"]["colors"]["primary"] == "#6b1f7a"
    assert "payments" not in body and "moderation" not in body


async def test_profile_by_subdomain_of_the_base_domain(seeded, client):
    response = await client.get("/v1/tenant", headers={"Host": "dresden.stadtkern.test"})
    assert response.json()["slug"] == "dresden"
    assert response.json()["parent"] == "leipzig"


async def test_profile_by_the_tenants_own_hostname(seeded, client):
    response = await client.get("/v1/tenant", headers={"Host": "kultur-leipzig.example"})
    assert response.json()["slug"] == "leipzig"


async def test_unknown_host_is_a_404_unknown_tenant_problem(seeded, client):
    response = await client.get("/v1/tenant", headers={"Host": "nowhere.example"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "unknown-tenant"


@pytest.mark.parametrize(
    ("slug", "status", "code"),
    [("paused", 403, "tenant-suspended"), ("closed", 410, "tenant-archived")],
)
async def test_closed_tenants_answer_the_same_on_rest_and_graphql(
    seeded, client, slug, status, code
):
    for response in (
        await client.get("/v1/tenant", headers={"X-Tenant": slug}),
        await client.get("/v1/tenant/theme.css", headers={"X-Tenant": slug}),
        await client.post(
            "/graphql", json={"query": "{ tenant { slug } }"}, headers={"X-Tenant": slug}
        ),
    ):
        assert response.status_code == status
        assert response.json()["code"] == code


async def test_etag_and_cache_headers_and_304_on_if_none_match(seeded, client):
    first = await client.get("/v1/tenant", headers={"X-Tenant": "leipzig"})
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    assert "X-Tenant" in first.headers["vary"] and "Host" in first.headers["vary"]
    again = await client.get("/v1/tenant", headers={"X-Tenant": "leipzig", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = await client.get("/v1/tenant", headers={"X-Tenant": "dresden", "If-None-Match": etag})
    assert other.status_code == 200


async def test_etag_changes_when_the_tenant_file_changes(seeded, client):
    before = (await client.get("/v1/tenant", headers={"X-Tenant": "leipzig"})).headers["etag"]
    await seed_tenants(
        seeded,
        tenant_config(
            "leipzig", hostnames=("kultur-leipzig.example",), branding=branding(primary="#123456")
        ),
    )
    after = await client.get("/v1/tenant", headers={"X-Tenant": "leipzig", "If-None-Match": before})
    assert after.status_code == 200
    assert after.json()["branding"]["colors"]["primary"] == "#123456"


async def test_theme_css_holds_the_brand_as_custom_properties(seeded, client):
    response = await client.get("/v1/tenant/theme.css", headers={"X-Tenant": "leipzig"})
    assert response.headers["content-type"].startswith("text/css")
    assert "--sk-color-primary: #6b1f7a;" in response.text
    assert response.headers["etag"]


async def test_x_tenant_header_is_ignored_in_production(seeded):
    app = create_app(make_settings(seeded.settings.database_url, environment="production"))
    async for client in client_for(app):
        by_header = await client.get("/v1/tenant", headers={"X-Tenant": "leipzig"})
        assert by_header.status_code == 404
        by_host = await client.get("/v1/tenant", headers={"Host": "leipzig.stadtkern.test"})
        assert by_host.json()["slug"] == "leipzig"


async def test_forwarded_host_counts_only_from_a_trusted_proxy(seeded):
    headers = {"Host": "internal.lan", "X-Forwarded-Host": "dresden.stadtkern.test"}
    trusted = create_app(make_settings(seeded.settings.database_url, trusted_proxies="127.0.0.0/8"))
    untrusted = create_app(
        make_settings(seeded.settings.database_url, trusted_proxies="10.0.0.0/8")
    )
    for app, expected in ((trusted, 200), (untrusted, 404)):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            response = await client.get("/v1/tenant", headers=headers)
            assert response.status_code == expected


async def test_a_spoofed_forwarded_host_before_the_proxys_own_value_is_ignored(seeded):
    app = create_app(make_settings(seeded.settings.database_url, trusted_proxies="127.0.0.1"))
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        response = await client.get(
            "/v1/tenant",
            headers={"X-Forwarded-Host": "leipzig.stadtkern.test, dresden.stadtkern.test"},
        )
    assert response.json()["slug"] == "dresden"


async def test_every_v1_operation_is_for_the_tenant_its_request_names(seeded, client):
    """The contract gives every /v1 operation the X-Tenant header: each one resolves the
    tenant, so a request naming none that exists is 404 unknown-tenant, whatever else it is."""
    import json

    from api.contracts import openapi_document
    from api.settings import Settings

    document = json.loads(openapi_document(Settings()))
    for path, operations in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        url = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000001", path)
        for method in operations:
            answer = await client.request(method.upper(), url, headers={"X-Tenant": "nobody"})
            assert (answer.status_code, answer.json()["code"]) == (404, "unknown-tenant"), (
                method,
                path,
            )

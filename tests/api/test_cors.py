"""CORS per tenant: preflights, allowed and refused origins, exposed headers, problem answers."""

from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from api.services import build_services
from domain.tenancy.model import CorsSettings, RateLimits, TenantStatus
from tests.conftest import client_for, make_settings, seed_tenants
from tests.factories import tenant_config

LEIPZIG = {"Host": "leipzig.stadtkern.test"}
LEIPZIG_APP = "https://app.kultur-leipzig.example"
EVIL = "https://evil.example"


def preflight(origin: str, method: str = "GET", headers: str = "") -> dict[str, str]:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        asked["Access-Control-Request-Headers"] = headers
    return asked


def granted(response: httpx.Response) -> str | None:
    return response.headers.get("access-control-allow-origin")


def varies_by_origin(response: httpx.Response) -> bool:
    return "origin" in [v.strip().lower() for v in response.headers.get("vary", "").split(",")]


@pytest.fixture
async def seeded(services):
    await seed_tenants(
        services,
        tenant_config(
            "leipzig", hostnames=("kultur-leipzig.example",), app_url=LEIPZIG_APP + "/start"
        ),
        tenant_config(
            "dresden",
            cors=CorsSettings(("https://dresden-app.example", "https://partner.example:8443")),
        ),
        tenant_config("widgets", cors=CorsSettings(("*",))),
        tenant_config("paused", status=TenantStatus.SUSPENDED),
        tenant_config("tiny", rate_limits=RateLimits(requests_per_minute=1)),
    )
    return services


@pytest.fixture
async def production(seeded) -> AsyncIterator[httpx.AsyncClient]:
    """The same tenants served in production: no loopback rule, no X-Tenant."""
    built = build_services(make_settings(seeded.settings.database_url, environment="production"))
    async for client in client_for(create_app(built.settings, built)):
        yield client
    await built.close()


async def test_a_preflight_from_an_allowed_origin_is_answered_with_all_a_browser_needs(
    seeded, client
):
    response = await client.options(
        "/v1/me",
        headers={**LEIPZIG, **preflight(LEIPZIG_APP, "PATCH", "authorization, if-match")},
    )
    assert response.status_code == 204
    assert granted(response) == LEIPZIG_APP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "PATCH" in response.headers["access-control-allow-methods"]
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert {
        "authorization",
        "content-type",
        "if-match",
        "if-none-match",
        "idempotency-key",
        "x-tenant",
        "x-request-id",
    } <= allowed
    assert response.headers["access-control-max-age"] == "600"
    assert varies_by_origin(response)


async def test_a_preflight_from_a_disallowed_origin_is_a_403_problem_without_allow_headers(
    seeded, client
):
    response = await client.options("/v1/tenant", headers={**LEIPZIG, **preflight(EVIL)})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "origin-not-allowed"
    assert granted(response) is None
    assert "access-control-allow-methods" not in response.headers
    assert varies_by_origin(response)


async def test_preflights_are_neither_counted_by_rate_limits_nor_need_auth(seeded, client):
    tiny = {"Host": "tiny.stadtkern.test"}
    for _ in range(3):
        answer = await client.options(
            "/v1/me", headers={**tiny, **preflight("https://tiny.stadtkern.test")}
        )
        assert answer.status_code == 204
        assert "ratelimit" not in answer.headers
    # The tenant allows one request a minute: it is still unused.
    assert (await client.get("/v1/tenant", headers=tiny)).status_code == 200
    assert (await client.get("/v1/tenant", headers=tiny)).status_code == 429


async def test_a_get_from_an_allowed_origin_can_read_the_answer_and_its_headers(seeded, client):
    response = await client.get("/v1/tenant", headers={**LEIPZIG, "Origin": LEIPZIG_APP})
    assert response.status_code == 200
    assert granted(response) == LEIPZIG_APP
    assert response.headers["access-control-allow-credentials"] == "true"
    exposed = {h.strip() for h in response.headers["access-control-expose-headers"].split(",")}
    assert exposed == {
        "ETag",
        "RateLimit",
        "RateLimit-Policy",
        "Retry-After",
        "X-Request-ID",
        "Link",
        "Location",
        "Content-Language",
    }
    assert response.headers["etag"] and response.headers["ratelimit"]


async def test_vary_origin_is_merged_into_the_routes_own_vary_also_without_an_origin(
    seeded, client
):
    for headers in (LEIPZIG, {**LEIPZIG, "Origin": LEIPZIG_APP}):
        response = await client.get("/v1/tenant", headers=headers)
        vary = [v.strip() for v in response.headers["vary"].split(",")]
        assert {"Host", "X-Tenant", "Origin"} <= set(vary)
        assert len(vary) == len(set(vary))
    plain = await client.get("/v1/tenant", headers=LEIPZIG)
    assert granted(plain) is None and "access-control-expose-headers" not in plain.headers


async def test_a_disallowed_origin_gets_an_answer_the_browser_will_not_show(seeded, client):
    response = await client.get("/v1/tenant", headers={**LEIPZIG, "Origin": EVIL})
    assert response.status_code == 200  # CORS hides answers from pages; it is no access control
    assert granted(response) is None
    assert "access-control-allow-credentials" not in response.headers
    assert varies_by_origin(response)


async def test_without_a_cors_setting_the_tenants_own_addresses_are_allowed(production):
    expected = {
        LEIPZIG_APP: True,  # the app_url's origin, without its path
        "https://kultur-leipzig.example": True,  # its own hostname
        "https://leipzig.stadtkern.test": True,  # slug under the base domain
        "http://kultur-leipzig.example": False,  # https only
        "https://kultur-leipzig.example:8443": False,
        "https://dresden.stadtkern.test": False,  # another tenant's address
        "http://localhost:3000": False,  # loopback only in development
        "null": False,
    }
    found = {}
    for origin in expected:
        response = await production.get("/v1/tenant", headers={**LEIPZIG, "Origin": origin})
        found[origin] = granted(response) == origin
    assert found == expected


async def test_the_tenant_files_origins_replace_the_default(production):
    dresden = {"Host": "dresden.stadtkern.test"}
    for origin, allowed in (
        ("https://dresden-app.example", True),
        ("https://partner.example:8443", True),
        ("https://dresden.stadtkern.test", False),
    ):
        response = await production.get("/v1/tenant", headers={**dresden, "Origin": origin})
        assert granted(response) == (origin if allowed else None)


async def test_a_wildcard_tenant_answers_any_origin_with_star_and_without_credentials(production):
    widgets = {"Host": "widgets.stadtkern.test"}
    response = await production.get("/v1/tenant", headers={**widgets, "Origin": EVIL})
    assert granted(response) == "*"
    assert "access-control-allow-credentials" not in response.headers
    answer = await production.options("/v1/tenant", headers={**widgets, **preflight(EVIL)})
    assert answer.status_code == 204 and granted(answer) == "*"
    assert "access-control-allow-credentials" not in answer.headers


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:3000",
        "http://127.0.0.1:8080",
        "http://[::1]:5173",
        "http://dresden.localhost:5173",
        "http://localhost",
    ],
)
async def test_development_allows_any_loopback_origin_and_production_none(
    seeded, client, production, origin
):
    dresden = {"Host": "dresden.stadtkern.test"}
    in_development = await client.get("/v1/tenant", headers={**dresden, "Origin": origin})
    assert granted(in_development) == origin
    in_production = await production.get("/v1/tenant", headers={**dresden, "Origin": origin})
    assert granted(in_production) is None


async def test_a_lookalike_of_localhost_is_no_loopback_origin(seeded, client):
    for origin, allowed in (
        ("http://localhost:8080", True),
        ("http://localhost.evil.example", False),
        ("http://127.0.0.1.evil.example:80", False),
    ):
        response = await client.get("/v1/tenant", headers={"X-Tenant": "dresden", "Origin": origin})
        assert granted(response) == (origin if allowed else None)


async def test_the_acceptance_preflight_with_x_tenant_in_development(seeded, client):
    response = await client.options(
        "/v1/tenant", headers={"X-Tenant": "leipzig", **preflight("http://localhost:3000")}
    )
    assert response.status_code < 400
    assert granted(response) == "http://localhost:3000"
    evil = await client.get("/v1/tenant", headers={"X-Tenant": "leipzig", "Origin": EVIL})
    assert granted(evil) not in (EVIL, "*")


async def test_problem_answers_carry_the_cors_headers(seeded, client):
    with_origin = {**LEIPZIG, "Origin": LEIPZIG_APP}
    for response, code in (
        (await client.get("/v1/me", headers=with_origin), "unauthenticated"),
        (await client.get("/v1/nothing-here", headers=with_origin), "not-found"),
        (await client.delete("/v1/tenant", headers=with_origin), "method-not-allowed"),
        (
            await client.post(
                "/graphql",
                content=b"x" * 1_100_000,
                headers={**with_origin, "content-type": "application/json"},
            ),
            "payload-too-large",
        ),
    ):
        assert response.json()["code"] == code
        assert granted(response) == LEIPZIG_APP
        assert "Retry-After" in response.headers["access-control-expose-headers"]


async def test_a_closed_tenant_still_lets_its_app_read_why(seeded, client):
    origin = "https://paused.stadtkern.test"
    response = await client.get(
        "/v1/tenant", headers={"Host": "paused.stadtkern.test", "Origin": origin}
    )
    assert response.json()["code"] == "tenant-suspended"
    assert granted(response) == origin


async def test_a_server_fault_is_a_500_problem_with_cors_headers(seeded):
    app = create_app(seeded.settings, seeded)

    @app.get("/v1/boom")
    async def boom() -> None:
        raise RuntimeError("internals")

    async for client in client_for(app):
        response = await client.get("/v1/boom", headers={**LEIPZIG, "Origin": LEIPZIG_APP})
        assert response.status_code == 500
        assert response.json()["code"] == "internal-error"
        assert granted(response) == LEIPZIG_APP


async def test_graphql_is_covered_by_the_same_rules(seeded, client):
    answer = await client.options(
        "/graphql", headers={**LEIPZIG, **preflight(LEIPZIG_APP, "POST", "content-type")}
    )
    assert answer.status_code == 204 and granted(answer) == LEIPZIG_APP
    response = await client.post(
        "/graphql",
        json={"query": "{ tenant { slug } }"},
        headers={**LEIPZIG, "Origin": LEIPZIG_APP},
    )
    assert response.json()["data"]["tenant"]["slug"] == "leipzig"
    assert granted(response) == LEIPZIG_APP
    refused = await client.options(
        "/graphql", headers={**LEIPZIG, **preflight(EVIL, "POST", "content-type")}
    )
    assert refused.status_code == 403


async def test_a_preflight_announcing_x_tenant_is_answered_for_origins_some_tenant_allows(seeded):
    """A browser sends no X-Tenant on the preflight: the real request is checked instead."""
    settings = make_settings(
        seeded.settings.database_url, environment="production", allow_tenant_header=True
    )
    built = build_services(settings)
    api_host = {"Host": "api.stadtkern.test"}
    async for client in client_for(create_app(settings, built)):
        announced = preflight("https://dresden-app.example", "GET", "x-tenant")
        answer = await client.options("/v1/tenant", headers={**api_host, **announced})
        assert answer.status_code == 204
        assert granted(answer) == "https://dresden-app.example"
        assert answer.headers["access-control-allow-credentials"] == "true"
        # Only the wildcard tenant allows this origin: "*", without credentials.
        foreign = await client.options(
            "/v1/tenant", headers={**api_host, **preflight(EVIL, "GET", "x-tenant")}
        )
        assert granted(foreign) == "*"
        assert "access-control-allow-credentials" not in foreign.headers
        # The real request names its tenant; only that tenant's origins may read it.
        own = await client.get(
            "/v1/tenant",
            headers={**api_host, "X-Tenant": "dresden", "Origin": "https://dresden-app.example"},
        )
        assert granted(own) == "https://dresden-app.example"
        other = await client.get(
            "/v1/tenant",
            headers={**api_host, "X-Tenant": "leipzig", "Origin": "https://dresden-app.example"},
        )
        assert other.status_code == 200 and granted(other) is None
    await built.close()


async def test_an_options_request_that_is_no_preflight_goes_to_the_routes(seeded, client):
    response = await client.options("/v1/tenant", headers={**LEIPZIG, "Origin": LEIPZIG_APP})
    assert response.status_code == 405
    assert granted(response) == LEIPZIG_APP

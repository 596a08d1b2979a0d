"""Problem documents' titles in German or English, by the request's language; their code,
type and detail stay as they are."""

import importlib
import pkgutil

import httpx
import pytest
from fastapi import FastAPI

import domain
from api.middleware import RequestContextMiddleware
from api.problem_catalog import CATALOG
from api.problem_titles import GERMAN_TITLES
from api.problems import install_problem_handlers
from domain.errors import DomainError
from tests.conftest import as_user, seed_tenants, sign_up_and_log_in
from tests.factories import tenant_config

PROBLEM = "application/problem+json"


def every_domain_error() -> set[type[DomainError]]:
    """Every error class of the product: each module of the domain imported, and the app
    (the API layer's own, such as `rate-limited`); classes tests make are left out."""
    for module in pkgutil.walk_packages(domain.__path__, "domain."):
        importlib.import_module(module.name)
    importlib.import_module("api.app")

    def subclasses(kind):  # type: ignore[no-untyped-def]
        for sub in kind.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {
        kind
        for kind in (DomainError, *subclasses(DomainError))
        if kind.__module__.startswith(("domain.", "api."))
    }


def test_every_domain_error_code_has_a_german_title():
    codes = {kind.code for kind in every_domain_error()}
    assert {"media-not-found", "unsupported-image", "rate-limited"} <= codes  # the walk works
    missing = sorted(codes - GERMAN_TITLES.keys())
    assert not missing, f"add German titles to api/problem_titles.py: {missing}"


def test_every_code_rest_can_answer_has_a_german_title():
    from api.problems import _CODE_BY_STATUS

    rest = {kind.code for kind in CATALOG.values() if kind.status != 200}  # 200: GraphQL's
    missing = sorted((rest | set(_CODE_BY_STATUS.values())) - GERMAN_TITLES.keys())
    assert not missing, f"add German titles to api/problem_titles.py: {missing}"


def test_no_german_title_is_left_over_from_a_code_that_is_gone():
    from api.problems import _CODE_BY_STATUS

    known = (
        {kind.code for kind in every_domain_error()} | set(CATALOG) | set(_CODE_BY_STATUS.values())
    )
    assert not sorted(GERMAN_TITLES.keys() - known)


@pytest.fixture
async def leipzig(services):
    await seed_tenants(services, tenant_config("leipzig", locales=("de", "en")))
    return services


def assert_problem(response: httpx.Response, status: int, code: str, language: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["content-language"] == language
    assert "accept-language" in response.headers["vary"].lower()
    body = response.json()
    assert body["code"] == code and body["type"] == f"urn:stadtkern:problem:{code}"
    return body


GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


async def test_a_domain_404_has_a_german_title_when_german_is_asked(leipzig, client):
    sso = {"id_token": "x.y.z", "nonce": "n-0123456789"}
    headers = {"X-Tenant": "leipzig"}
    german = await client.post("/v1/auth/sso", headers=headers | GERMAN, json=sso)
    body = assert_problem(german, 404, "sso-not-configured", "de")
    assert body["title"] == GERMAN_TITLES["sso-not-configured"]
    english = await client.post("/v1/auth/sso", headers=headers, json=sso)
    assert assert_problem(english, 404, "sso-not-configured", "en")["title"] == (
        "This tenant has no single sign-on provider"
    )


async def test_an_unknown_tenant_is_told_in_german_too(leipzig, client):
    response = await client.get("/v1/tenant", headers={"X-Tenant": "nowhere"} | GERMAN)
    body = assert_problem(response, 404, "unknown-tenant", "de")
    assert body["title"] == "Unter dieser Adresse gibt es keine Stadtplattform"
    assert "nowhere" in body["detail"]  # the detail stays as it was, in English


async def test_a_validation_422_has_a_german_title_and_keeps_its_field_errors(leipzig, client):
    bad = {"email": "not an email", "password": "short", "display_name": "Ada"}
    headers = {"X-Tenant": "leipzig"}
    german = await client.post("/v1/auth/signup", headers=headers | GERMAN, json=bad)
    english = await client.post("/v1/auth/signup", headers=headers, json=bad)
    de_body = assert_problem(german, 422, "invalid-input", "de")
    en_body = assert_problem(english, 422, "invalid-input", "en")
    assert de_body["title"] == "Ungültige Eingabe"
    assert en_body["title"] == "The request has invalid fields"
    assert de_body["errors"] == en_body["errors"]


async def test_a_401_has_a_german_title_and_still_asks_for_a_bearer_token(leipzig, client):
    response = await client.get("/v1/me", headers={"X-Tenant": "leipzig"} | GERMAN)
    body = assert_problem(response, 401, "unauthenticated", "de")
    assert body["title"] == "Anmeldung erforderlich"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Accept-Language": "en-US"}, {"Accept-Language": "fr, it;q=0.8"}],
    ids=["none", "english", "neither"],
)
async def test_without_german_asked_titles_are_english(leipzig, client, headers):
    response = await client.get("/v1/me", headers={"X-Tenant": "leipzig"} | headers)
    body = assert_problem(response, 401, "unauthenticated", "en")
    assert body["title"] == "Authentication is required"


async def test_lang_in_the_query_asks_for_german_and_wins_over_the_header(leipzig, client):
    response = await client.get(
        "/v1/me?lang=de", headers={"X-Tenant": "leipzig", "Accept-Language": "en"}
    )
    assert assert_problem(response, 401, "unauthenticated", "de")["title"] == (
        "Anmeldung erforderlich"
    )
    english = await client.get("/v1/me?lang=en", headers={"X-Tenant": "leipzig"} | GERMAN)
    assert assert_problem(english, 401, "unauthenticated", "en")["title"] == (
        "Authentication is required"
    )


async def test_the_frameworks_own_problems_are_german_too(leipzig, client):
    route = await client.get("/v1/nothing-here", headers=GERMAN)
    assert assert_problem(route, 404, "not-found", "de")["title"] == "Nicht gefunden"
    method = await client.delete("/v1/tenant?lang=de", headers={"X-Tenant": "leipzig"})
    assert (
        assert_problem(method, 405, "method-not-allowed", "de")["title"]
        == (GERMAN_TITLES["method-not-allowed"])
    )
    too_large = await client.post(
        "/graphql?lang=de",
        content=b"x" * 1_100_000,
        headers={"content-type": "application/json"},
    )
    assert assert_problem(too_large, 413, "payload-too-large", "de")["title"] == (
        "Der Inhalt der Anfrage ist zu groß"
    )


async def test_a_real_fault_is_a_german_500_without_internals():
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_middleware(RequestContextMiddleware)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as bare:
        response = await bare.get("/boom", headers=GERMAN)
    body = assert_problem(response, 500, "internal-error", "de")
    assert body["title"] == GERMAN_TITLES["internal-error"] and "secret" not in response.text


async def test_graphql_errors_keep_their_english_messages(leipzig, client):
    session = await sign_up_and_log_in(client, "leipzig", "gql.lang@example.org")
    response = await client.post(
        "/graphql",
        headers=as_user(session, "leipzig") | GERMAN,
        json={"query": "{ apiKeys { id } }"},
    )
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "role-required"
    assert error["message"] == "needs the admin role"  # as without Accept-Language

"""Tenant single sign-on against an OIDC provider the test runs itself on loopback, with real
RSA keys, a discovery document and a JWKS endpoint."""

import asyncio
import socket
import threading
import time
import uuid

import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from adapters.oidc import OidcProviders
from domain.tenancy.model import SsoSettings
from tests.conftest import as_user, seed_tenants, sign_up_and_log_in
from tests.factories import tenant_config

CLIENT_ID = "city-app"


class Provider:
    """A minimal OpenID provider: discovery, JWKS, and ID tokens minted by the test."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.keys = [RSAKey.generate_key(2048, {"kid": "k1"}, private=True)]
        self.jwks_fetches = 0
        app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
            ]
        )
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None)
        )

    async def discovery(self, _request):  # type: ignore[no-untyped-def]
        return JSONResponse(
            {
                "issuer": self.issuer,
                "jwks_uri": f"{self.issuer}/jwks",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def jwks(self, _request):  # type: ignore[no-untyped-def]
        self.jwks_fetches += 1
        return JSONResponse(KeySet(self.keys).as_dict(private=False))

    def rotate(self) -> None:
        self.keys = [RSAKey.generate_key(2048, {"kid": f"k{len(self.keys) + 1}"}, private=True)]

    def id_token(
        self,
        *,
        nonce="n-0123456789",
        sub="user-1",
        email="sso@example.org",
        verified=True,
        aud=CLIENT_ID,
        lifetime=300,
        issuer=None,
        key=None,
    ):  # type: ignore[no-untyped-def]
        now = int(time.time())
        key = key or self.keys[0]
        claims = {
            "iss": issuer or self.issuer,
            "sub": sub,
            "aud": aud,
            "iat": now,
            "exp": now + lifetime,
            "nonce": nonce,
            "email": email,
            "email_verified": verified,
            "name": "Sso User",
        }
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


@pytest.fixture
async def provider():  # type: ignore[no-untyped-def]
    p = Provider()
    thread = threading.Thread(target=p.server.run, daemon=True)
    thread.start()
    for _ in range(250):
        if p.server.started:
            break
        await asyncio.sleep(0.02)
    yield p
    p.server.should_exit = True
    thread.join(timeout=5)


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def sso_tenant(services, provider):  # type: ignore[no-untyped-def]
    provider.monotonic = Monotonic()
    services.oidc = OidcProviders(services.http, monotonic=provider.monotonic)
    await seed_tenants(
        services,
        tenant_config("leipzig", sso=SsoSettings(issuer=provider.issuer, client_id=CLIENT_ID)),
        tenant_config("dresden"),
    )
    return provider


async def sign_in(client, token, nonce="n-0123456789", slug="leipzig"):  # type: ignore[no-untyped-def]
    return await client.post(
        "/v1/auth/sso", headers={"X-Tenant": slug}, json={"id_token": token, "nonce": nonce}
    )


async def test_a_valid_id_token_opens_a_session_for_a_linked_account(sso_tenant, client):
    first = await sign_in(client, sso_tenant.id_token())
    assert first.status_code == 200, first.text
    me = (await client.get("/v1/me", headers=as_user(first.json(), "leipzig"))).json()
    assert me["email"] == "sso@example.org" and me["email_verified"] is True
    again = await sign_in(client, sso_tenant.id_token(email="changed@example.org"))
    again_me = (await client.get("/v1/me", headers=as_user(again.json(), "leipzig"))).json()
    assert again_me["id"] == me["id"]  # the (issuer, subject) link wins over the email


@pytest.mark.parametrize(
    "spoil",
    [
        {"nonce": "another-nonce"},
        {"aud": "someone-else"},
        {"lifetime": -120},
        {"issuer": "http://127.0.0.1:1"},
        {"key": RSAKey.generate_key(2048, {"kid": "k1"}, private=True)},
    ],
    ids=["nonce", "audience", "expired", "issuer", "signature"],
)
async def test_id_tokens_failing_a_check_are_401(sso_tenant, client, spoil):
    token = sso_tenant.id_token(**spoil)
    response = await sign_in(client, token)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid-token"


async def test_keys_rotated_at_the_provider_are_fetched_again(sso_tenant, client):
    assert (await sign_in(client, sso_tenant.id_token())).status_code == 200
    fetched = sso_tenant.jwks_fetches
    assert (
        await sign_in(client, sso_tenant.id_token(sub="user-2", email="two@example.org"))
    ).status_code == 200
    assert sso_tenant.jwks_fetches == fetched  # cached
    sso_tenant.rotate()
    stale = await sign_in(client, sso_tenant.id_token(sub="user-3", email="three@example.org"))
    assert stale.status_code == 401  # unknown keys are looked up at most once a minute
    sso_tenant.monotonic.now += 61
    response = await sign_in(client, sso_tenant.id_token(sub="user-3", email="three@example.org"))
    assert response.status_code == 200 and sso_tenant.jwks_fetches == fetched + 1


async def test_an_unverified_email_does_not_take_over_an_existing_account(sso_tenant, client):
    await sign_up_and_log_in(client, "leipzig", "owner@example.org")
    token = sso_tenant.id_token(sub=str(uuid.uuid4()), email="owner@example.org", verified=False)
    assert (await sign_in(client, token)).status_code == 401


async def test_a_verified_email_links_the_existing_account(sso_tenant, client):
    session = await sign_up_and_log_in(client, "leipzig", "owner@example.org")
    password_me = (await client.get("/v1/me", headers=as_user(session, "leipzig"))).json()
    token = sso_tenant.id_token(sub="owner-sub", email="owner@example.org", verified=True)
    sso_me = (
        await client.get(
            "/v1/me", headers=as_user((await sign_in(client, token)).json(), "leipzig")
        )
    ).json()
    assert sso_me["id"] == password_me["id"]


async def test_a_tenant_without_sso_says_so(sso_tenant, client):
    response = await sign_in(client, sso_tenant.id_token(), slug="dresden")
    assert response.status_code == 404 and response.json()["code"] == "sso-not-configured"


async def test_an_account_made_by_sso_prefers_the_requests_language(sso_tenant, client):
    response = await client.post(
        "/v1/auth/sso",
        headers={"X-Tenant": "leipzig", "Accept-Language": "en-GB, de;q=0.5"},
        json={
            "id_token": sso_tenant.id_token(sub="lang-sub", email="lang@example.org"),
            "nonce": "n-0123456789",
        },
    )
    assert response.status_code == 200, response.text
    me = (await client.get("/v1/me", headers=as_user(response.json(), "leipzig"))).json()
    assert me["preferred_language"] == "en"

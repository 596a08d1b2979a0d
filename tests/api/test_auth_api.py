"""Accounts, sessions and tokens over HTTP, on the real database and Redis."""

import base64
import json

import pytest

from tests.conftest import (
    PASSWORD,
    as_user,
    log_in,
    mails_to,
    seed_tenants,
    settle,
    sign_up_and_log_in,
    token_in,
)
from tests.factories import tenant_config


@pytest.fixture
async def tenants(services):
    await seed_tenants(services, tenant_config("leipzig"), tenant_config("dresden"))
    return services


def without_request_id(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "request_id"}


async def test_sign_up_log_in_and_read_me(tenants, client):
    session = await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    assert session["token_type"] == "Bearer" and session["expires_in"] == 900
    me = await client.get("/v1/me", headers=as_user(session, "leipzig"))
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == "ada@example.org" and body["role"] == "member"
    assert body["tenant"] == "leipzig" and body["email_verified"] is False
    assert "password" not in json.dumps(body) and "hash" not in json.dumps(body)


async def test_login_answers_the_same_for_unknown_email_and_wrong_password(tenants, client):
    await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    wrong = await client.post(
        "/v1/auth/login",
        headers={"X-Tenant": "leipzig"},
        json={"email": "ada@example.org", "password": "wrong password!"},
    )
    unknown = await client.post(
        "/v1/auth/login",
        headers={"X-Tenant": "leipzig"},
        json={"email": "eve@example.org", "password": "wrong password!"},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert without_request_id(wrong.json()) == without_request_id(unknown.json())
    assert wrong.headers["www-authenticate"].startswith("Bearer")


async def test_sign_up_answers_the_same_for_a_taken_email(tenants, client):
    first = await client.post(
        "/v1/auth/signup",
        headers={"X-Tenant": "leipzig"},
        json={"email": "ada@example.org", "password": PASSWORD, "display_name": "Ada"},
    )
    again = await client.post(
        "/v1/auth/signup",
        headers={"X-Tenant": "leipzig"},
        json={"email": "ada@example.org", "password": PASSWORD, "display_name": "Ada"},
    )
    assert first.status_code == again.status_code == 202 and first.json() == again.json()
    await settle(tenants)
    # In the account's language: the request's, here the tenant's first locale (de).
    assert [m["Subject"] for m in mails_to("ada@example.org")][-1] == "Du hast schon ein Konto"


async def test_a_token_of_one_tenant_is_refused_on_another_until_the_account_joins(tenants, client):
    session = await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    elsewhere = await client.get("/v1/me", headers=as_user(session, "dresden"))
    assert elsewhere.status_code == 403 and elsewhere.json()["code"] == "not-a-member"
    await log_in(client, "dresden", "ada@example.org")  # one account, every tenant
    joined = await client.get("/v1/me", headers=as_user(session, "dresden"))
    assert joined.status_code == 200 and joined.json()["tenant"] == "dresden"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_forged_tokens_are_401(tenants, client):
    session = await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    head, claims, signature = session["access_token"].split(".")
    forged = {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{claims}.",
        "bad signature": f"{head}.{claims}.{signature[::-1]}",
        "changed claims": f"{head}.{_b64({'sub': 'someone', 'tid': 'x'})}.{signature}",
        "HS256 with the public key": f"{_b64({'alg': 'HS256'})}.{claims}.{signature}",
        "garbage": "not-a-token",
    }
    for label, token in forged.items():
        response = await client.get(
            "/v1/me", headers={"Authorization": f"Bearer {token}", "X-Tenant": "leipzig"}
        )
        assert response.status_code == 401, label


async def test_refresh_rotates_and_a_replayed_refresh_token_kills_the_session(tenants, client):
    session = await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    headers = {"X-Tenant": "leipzig"}
    rotated = await client.post(
        "/v1/auth/refresh", headers=headers, json={"refresh_token": session["refresh_token"]}
    )
    assert rotated.status_code == 200
    replay = await client.post(
        "/v1/auth/refresh", headers=headers, json={"refresh_token": session["refresh_token"]}
    )
    assert replay.status_code == 401
    after = await client.post(
        "/v1/auth/refresh", headers=headers, json={"refresh_token": rotated.json()["refresh_token"]}
    )
    assert after.status_code == 401


async def test_logout_ends_the_refresh_token_family(tenants, client):
    session = await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    headers = {"X-Tenant": "leipzig"}
    out = await client.post(
        "/v1/auth/logout", headers=headers, json={"refresh_token": session["refresh_token"]}
    )
    assert out.status_code == 204
    again = await client.post(
        "/v1/auth/refresh", headers=headers, json={"refresh_token": session["refresh_token"]}
    )
    assert again.status_code == 401


async def test_email_verification_link_from_the_mail(tenants, client):
    session = await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    await settle(tenants)
    mail = mails_to("ada@example.org")[-1]
    assert "https://leipzig.stadtkern.test/verify-email?token=" in mail.get_content()
    done = await client.post(
        "/v1/auth/verify-email", headers={"X-Tenant": "leipzig"}, json={"token": token_in(mail)}
    )
    assert done.status_code == 204
    me = await client.get("/v1/me", headers=as_user(session, "leipzig"))
    assert me.json()["email_verified"] is True
    reused = await client.post(
        "/v1/auth/verify-email", headers={"X-Tenant": "leipzig"}, json={"token": token_in(mail)}
    )
    assert reused.status_code == 401


async def test_password_reset_by_mail_then_login_with_the_new_password(tenants, client):
    await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    for email in ("ada@example.org", "ghost@example.org"):
        asked = await client.post(
            "/v1/auth/password-reset", headers={"X-Tenant": "leipzig"}, json={"email": email}
        )
        assert asked.status_code == 202
    await settle(tenants)
    assert mails_to("ghost@example.org") == []
    token = token_in(mails_to("ada@example.org")[-1])
    reset = await client.post(
        "/v1/auth/password-reset/confirm",
        headers={"X-Tenant": "leipzig"},
        json={"token": token, "new_password": "a brand new passphrase"},
    )
    assert reset.status_code == 204
    assert await log_in(client, "leipzig", "ada@example.org", "a brand new passphrase")


async def test_password_change_needs_the_current_password_and_ends_sessions(tenants, client):
    session = await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    headers = as_user(session, "leipzig")
    wrong = await client.post(
        "/v1/auth/password",
        headers=headers,
        json={"current_password": "not it at all", "new_password": "x" * 14},
    )
    assert wrong.status_code == 401
    changed = await client.post(
        "/v1/auth/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "another long passphrase"},
    )
    assert changed.status_code == 204
    old = await client.post(
        "/v1/auth/refresh",
        headers={"X-Tenant": "leipzig"},
        json={"refresh_token": session["refresh_token"]},
    )
    assert old.status_code == 401


async def test_me_has_an_etag_and_updates_refuse_a_stale_if_match(tenants, client):
    session = await sign_up_and_log_in(client, "leipzig", "ada@example.org")
    headers = as_user(session, "leipzig")
    first = await client.get("/v1/me", headers=headers)
    etag = first.headers["etag"]
    assert (
        await client.get("/v1/me", headers=headers | {"If-None-Match": etag})
    ).status_code == 304
    renamed = await client.patch(
        "/v1/me", headers=headers | {"If-Match": etag}, json={"display_name": "Ada L."}
    )
    assert renamed.status_code == 200 and renamed.json()["display_name"] == "Ada L."
    stale = await client.patch(
        "/v1/me", headers=headers | {"If-Match": etag}, json={"display_name": "Ada Again"}
    )
    assert stale.status_code == 412 and stale.json()["code"] == "precondition-failed"
    assert (await client.get("/v1/me", headers=headers)).json()["display_name"] == "Ada L."


async def test_jwks_publishes_the_public_signing_key_only(tenants, client):
    keys = (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert keys and all(k["kty"] == "EC" and "d" not in k for k in keys)


async def test_an_operator_administers_every_tenant(tenants, client):
    from domain.identity.members import set_operator

    session = await sign_up_and_log_in(client, "leipzig", "op@example.org")
    assert (await client.get("/v1/members", headers=as_user(session, "dresden"))).status_code == 403
    await set_operator("op@example.org", True, uow=tenants.identity_uow())
    assert (await client.get("/v1/members", headers=as_user(session, "dresden"))).status_code == 200


async def test_an_invitation_from_the_cli_makes_the_first_admin(tenants, client):
    from domain.identity.members import invite_admin

    async with tenants.tenancy_uow() as uow:
        leipzig = await uow.tenants.get_by_slug("leipzig")
    await invite_admin(
        tenants.tenant_ref(leipzig),
        "boss@example.org",
        uow=tenants.identity_uow(leipzig.id),
        ports=tenants.identity,
    )
    await settle(tenants)
    token = token_in(mails_to("boss@example.org")[-1])
    accepted = await client.post(
        "/v1/auth/accept-invite",
        headers={"X-Tenant": "leipzig"},
        json={"token": token, "display_name": "Boss", "password": "the boss's passphrase"},
    )
    assert accepted.status_code == 204
    session = await log_in(client, "leipzig", "boss@example.org", "the boss's passphrase")
    me = (await client.get("/v1/me", headers=as_user(session, "leipzig"))).json()
    assert me["role"] == "admin" and me["email_verified"] is True
    again = await client.post(
        "/v1/auth/accept-invite", headers={"X-Tenant": "leipzig"}, json={"token": token}
    )
    assert again.status_code == 401

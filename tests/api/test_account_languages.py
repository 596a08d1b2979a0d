"""An account's preferred language: chosen at sign-up from the request, changed on /v1/me
(REST and GraphQL), and the language its mails are written in."""

import pytest

from tests.conftest import PASSWORD, as_user, log_in, mails_to, seed_tenants, settle, token_in
from tests.factories import tenant_config

VERIFY_EN, VERIFY_DE = "Confirm your email address", "Bitte bestätige deine E-Mail-Adresse"


@pytest.fixture
async def tenants(services):
    await seed_tenants(
        services,
        tenant_config("leipzig", locales=("de", "en")),
        tenant_config("dresden", locales=("en", "de")),
        tenant_config("paris", locales=("fr", "de")),
    )
    return services


async def sign_up(client, email, *, slug="leipzig", headers=None, url="/v1/auth/signup", **extra):  # type: ignore[no-untyped-def]
    body = {"email": email, "password": PASSWORD, "display_name": "Ada"} | extra
    return await client.post(url, json=body, headers={"X-Tenant": slug} | (headers or {}))


async def me(client, session, slug="leipzig"):  # type: ignore[no-untyped-def]
    return (await client.get("/v1/me", headers=as_user(session, slug))).json()


async def test_sign_up_in_english_stores_english_and_the_verification_mail_is_english(
    tenants, client
):
    signed = await sign_up(client, "ana.en@example.org", headers={"Accept-Language": "en"})
    assert signed.status_code == 202
    await settle(tenants)
    [mail] = mails_to("ana.en@example.org")
    assert mail["Subject"] == VERIFY_EN and mail["Content-Language"] == "en"
    assert "Please confirm your email address" in mail.get_content()
    session = await log_in(client, "leipzig", "ana.en@example.org")
    assert (await me(client, session))["preferred_language"] == "en"


async def test_a_regional_german_request_gets_german(tenants, client):
    await sign_up(client, "bea@example.org", headers={"Accept-Language": "de-AT,de;q=0.9"})
    await settle(tenants)
    [mail] = mails_to("bea@example.org")
    assert mail["Subject"] == VERIFY_DE and mail["Content-Language"] == "de"
    assert "Wenn du dich nicht registriert hast" in mail.get_content()
    session = await log_in(client, "leipzig", "bea@example.org")
    assert (await me(client, session))["preferred_language"] == "de"


@pytest.mark.parametrize(("slug", "expected"), [("leipzig", "de"), ("dresden", "en")])
async def test_a_language_the_tenant_lacks_gets_the_tenants_first_locale(
    tenants, client, slug, expected
):
    await sign_up(client, f"cleo.{slug}@example.org", slug=slug, headers={"Accept-Language": "fr"})
    await settle(tenants)
    [mail] = mails_to(f"cleo.{slug}@example.org")
    assert mail["Content-Language"] == expected
    session = await log_in(client, slug, f"cleo.{slug}@example.org")
    assert (await me(client, session, slug))["preferred_language"] == expected


async def test_mails_fall_back_to_english_when_the_tenant_speaks_neither_german_nor_english(
    tenants, client
):
    """The account prefers French (the tenant's first locale); no mail text exists in it."""
    await sign_up(client, "dora.fr@example.org", slug="paris", headers={"Accept-Language": "fr"})
    await settle(tenants)
    [mail] = mails_to("dora.fr@example.org")
    assert mail["Subject"] == VERIFY_EN and mail["Content-Language"] == "en"
    session = await log_in(client, "paris", "dora.fr@example.org")
    assert (await me(client, session, "paris"))["preferred_language"] == "fr"


async def test_the_language_in_the_body_wins_over_the_request(tenants, client):
    await sign_up(client, "eva@example.org", headers={"Accept-Language": "de"}, language="en")
    await sign_up(client, "finn@example.org", url="/v1/auth/signup?lang=de", language="EN")
    await settle(tenants)
    assert [m["Subject"] for m in mails_to("eva@example.org")] == [VERIFY_EN]
    assert [m["Subject"] for m in mails_to("finn@example.org")] == [VERIFY_EN]
    session = await log_in(client, "leipzig", "finn@example.org")
    assert (await me(client, session))["preferred_language"] == "en"  # as the tenant spells it


async def test_a_language_in_the_body_the_tenant_lacks_is_422_and_creates_nothing(tenants, client):
    refused = await sign_up(client, "gil@example.org", language="fr")
    assert refused.status_code == 422 and refused.json()["code"] == "invalid-input"
    assert [e["field"] for e in refused.json()["errors"]] == ["language"]
    await settle(tenants)
    assert mails_to("gil@example.org") == []
    login = await client.post(
        "/v1/auth/login",
        headers={"X-Tenant": "leipzig"},
        json={"email": "gil@example.org", "password": PASSWORD},
    )
    assert login.status_code == 401


async def test_after_choosing_english_on_me_the_password_reset_mail_is_english(tenants, client):
    await sign_up(client, "hana@example.org")  # no language asked: the tenant's first, de
    await settle(tenants)
    session = await log_in(client, "leipzig", "hana@example.org")
    changed = await client.patch(
        "/v1/me", headers=as_user(session, "leipzig"), json={"preferred_language": "en"}
    )
    assert changed.status_code == 200 and changed.json()["preferred_language"] == "en"
    assert changed.json()["display_name"] == "Ada"  # what was not sent stays
    await client.post(
        "/v1/auth/password-reset",
        headers={"X-Tenant": "leipzig", "Accept-Language": "de"},
        json={"email": "hana@example.org"},
    )
    await settle(tenants)
    verify, reset = mails_to("hana@example.org")
    assert verify["Subject"] == VERIFY_DE
    assert reset["Subject"] == "Reset your password" and reset["Content-Language"] == "en"


async def test_a_language_not_of_the_tenant_is_422_and_changes_nothing(tenants, client):
    await sign_up(client, "ivo@example.org", headers={"Accept-Language": "en"})
    session = await log_in(client, "leipzig", "ivo@example.org")
    headers = as_user(session, "leipzig")
    before = await client.get("/v1/me", headers=headers)
    for body in (
        {"preferred_language": "fr"},
        {"preferred_language": "fr", "display_name": "Ivo Renamed"},
        {"preferred_language": None},
    ):
        refused = await client.patch("/v1/me", headers=headers, json=body)
        assert refused.status_code == 422, body
        assert refused.json()["code"] == "invalid-input"
        assert "preferred_language" in refused.json()["errors"][0]["field"]
    after = await client.get("/v1/me", headers=headers)
    assert after.json() == before.json() and after.headers["etag"] == before.headers["etag"]


async def test_a_locale_of_another_tenant_is_refused_on_this_one(tenants, client):
    """French is a locale of paris, not of leipzig: the request's tenant decides."""
    await sign_up(client, "jo@example.org")
    session = await log_in(client, "leipzig", "jo@example.org")
    refused = await client.patch(
        "/v1/me", headers=as_user(session, "leipzig"), json={"preferred_language": "fr"}
    )
    assert refused.status_code == 422
    await log_in(client, "paris", "jo@example.org")
    accepted = await client.patch(
        "/v1/me", headers=as_user(session, "paris"), json={"preferred_language": "fr"}
    )
    assert accepted.status_code == 200 and accepted.json()["preferred_language"] == "fr"


async def test_a_mail_is_in_the_language_the_account_has_when_it_is_sent(tenants, client):
    """The event carries no language: a change before the worker sends the mail counts."""
    await sign_up(client, "nils@example.org", headers={"Accept-Language": "de"})
    session = await log_in(client, "leipzig", "nils@example.org")
    await client.patch(
        "/v1/me", headers=as_user(session, "leipzig"), json={"preferred_language": "en"}
    )
    await settle(tenants)
    assert [m["Subject"] for m in mails_to("nils@example.org")] == [VERIFY_EN]


async def test_the_known_email_notice_is_in_the_existing_accounts_language(tenants, client):
    await sign_up(client, "kai@example.org", headers={"Accept-Language": "en"})
    await settle(tenants)
    await sign_up(client, "kai@example.org", headers={"Accept-Language": "de"})
    await settle(tenants)
    notice = mails_to("kai@example.org")[-1]
    assert notice["Subject"] == "You already have an account"
    assert notice["Content-Language"] == "en"


async def test_an_invitation_to_a_new_address_is_in_the_tenants_language_and_accepting_sets_one(
    tenants, client
):
    from domain.identity.members import invite_admin

    dresden = await tenants.tenant_directory.by_slug("dresden")
    await invite_admin(
        tenants.tenant_ref(dresden),
        "lea@example.org",
        uow=tenants.identity_uow(dresden.id),
        ports=tenants.identity,
    )
    await settle(tenants)
    [invitation] = mails_to("lea@example.org")
    assert invitation["Subject"] == "You are invited to administer dresden"
    assert invitation["Content-Language"] == "en"
    accepted = await client.post(
        "/v1/auth/accept-invite",
        headers={"X-Tenant": "dresden", "Accept-Language": "de"},
        json={"token": token_in(invitation), "display_name": "Lea", "password": PASSWORD},
    )
    assert accepted.status_code == 204
    session = await log_in(client, "dresden", "lea@example.org")
    assert (await me(client, session, "dresden"))["preferred_language"] == "de"


ME = "query { me { displayName preferredLanguage } }"
UPDATE_ME = """mutation($language: String) {
  updateMe(preferredLanguage: $language) {
    me { displayName preferredLanguage }
    errors { code field }
  }
}"""


async def graphql(client, session, query, variables=None, slug="leipzig"):  # type: ignore[no-untyped-def]
    response = await client.post(
        "/graphql",
        headers=as_user(session, slug),
        json={"query": query, "variables": variables or {}},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_graphql_shows_and_changes_the_preferred_language_as_rest_does(tenants, client):
    await sign_up(client, "mia@example.org", headers={"Accept-Language": "de"})
    session = await log_in(client, "leipzig", "mia@example.org")
    shown = await graphql(client, session, ME)
    assert shown["data"]["me"] == {"displayName": "Ada", "preferredLanguage": "de"}
    changed = await graphql(client, session, UPDATE_ME, {"language": "en"})
    assert changed["data"]["updateMe"] == {
        "me": {"displayName": "Ada", "preferredLanguage": "en"},
        "errors": [],
    }
    assert (await me(client, session))["preferred_language"] == "en"
    refused = await graphql(client, session, UPDATE_ME, {"language": "fr"})
    assert refused["data"]["updateMe"] == {
        "me": None,
        "errors": [{"code": "invalid-input", "field": "preferredLanguage"}],
    }
    assert (await me(client, session))["preferred_language"] == "en"


async def test_graphql_update_me_needs_a_signed_in_account(tenants, client):
    response = await client.post(
        "/graphql",
        headers={"X-Tenant": "leipzig"},
        json={"query": UPDATE_ME, "variables": {"language": "en"}},
    )
    assert response.json()["data"]["updateMe"]["errors"][0]["code"] == "unauthenticated"

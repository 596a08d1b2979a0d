"""The authorization matrix: every operation so far x every kind of caller, on REST and
GraphQL. Later issues add their operations here. A row states what each caller gets; a
response never shows fields the caller may not see."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from domain.tenancy.model import CategorySeed, Feature
from tests.api.test_media_api import png_bytes
from tests.conftest import as_user, seed_tenants, set_role, sign_up_and_log_in
from tests.factories import campaign_tenant, tenant_config

ROLES = (
    "anonymous",
    "member",
    "moderator",
    "admin",
    "other_admin",
    "key_with_scope",
    "key_without_scope",
)


def expect(anonymous, member, moderator, admin, other_admin, key_with, key_without):  # type: ignore[no-untyped-def]
    return dict(
        zip(
            ROLES,
            (anonymous, member, moderator, admin, other_admin, key_with, key_without),
            strict=True,
        )
    )


@dataclass
class Rest:
    method: str
    path: str
    outcomes: dict[str, int]
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)


PEOPLE = expect(401, 200, 200, 200, 403, 403, 403)
NOW = datetime.now(UTC)
CAMPAIGN = {
    "title": "Matrix",
    "goal": {"amount": 100_000, "currency": "EUR"},
    "starts_at": (NOW - timedelta(hours=1)).isoformat(),
    "ends_at": (NOW + timedelta(days=30)).isoformat(),
}
ADMINS = expect(401, 403, 403, 200, 403, 403, 403)
# A public address as a literal: no lookup, and nothing is sent (no worker runs here).
WEBHOOK = {"url": "https://93.184.215.14/hook", "event_types": ["offer.withdrawn"]}
HOOKS = "/v1/webhook-subscriptions"
PARTNER = "/v1/partner/campaigns/matrix-1"
PARTNER_CAMPAIGN = CAMPAIGN | {
    "status": "live",
    "totals": {"pledged": {"amount": 0, "currency": "EUR"}, "backers": 0},
    "origin": {"platform": "Matrix", "pledge_url": "https://example.org/m"},
}

REST = [
    Rest("GET", "/v1/tenant", expect(*[200] * 7)),
    Rest("GET", "/v1/tenant/theme.css", expect(*[200] * 7)),
    Rest("GET", "/v1/me", PEOPLE),
    Rest("PATCH", "/v1/me", PEOPLE, {"display_name": "Renamed"}),
    Rest("POST", "/v1/auth/verify-email/resend", expect(401, 202, 202, 202, 403, 403, 403)),
    # A wrong current password: people get past authorization and fail authentication.
    Rest(
        "POST",
        "/v1/auth/password",
        expect(401, 401, 401, 401, 403, 403, 403),
        {"current_password": "not the password", "new_password": "a new long passphrase"},
    ),
    Rest("GET", "/v1/auth/key", expect(401, 403, 403, 403, 403, 200, 200)),
    Rest("GET", "/v1/api-keys", ADMINS),
    Rest(
        "POST",
        "/v1/api-keys",
        expect(401, 403, 403, 201, 403, 403, 403),
        {"name": "Matrix", "scopes": ["sync:read"]},
    ),
    Rest("DELETE", "/v1/api-keys/{spare_key}", expect(401, 403, 403, 204, 403, 403, 403)),
    Rest("GET", "/v1/members", ADMINS),
    Rest("PUT", "/v1/members/{member_id}", ADMINS, {"role": "member"}),
    # The directory: reads are public; writes by role, business role or scope.
    Rest("GET", "/v1/businesses", expect(200, 200, 200, 200, 403, 200, 200)),
    Rest("GET", "/v1/businesses/{business_id}", expect(200, 200, 200, 200, 403, 200, 200)),
    Rest(
        "POST",
        "/v1/businesses",
        expect(401, 201, 201, 201, 403, 403, 403),
        {"name": "Matrix", "kind": "retail"},
    ),
    Rest(
        "PATCH",
        "/v1/businesses/{business_id}",
        expect(401, 403, 200, 200, 403, 403, 403),
        {"delivers": True},
    ),
    Rest(
        "PUT",
        "/v1/businesses/{business_id}/moderation",
        expect(401, 403, 200, 200, 403, 403, 403),
        {"verified": True, "hidden": False},
    ),
    Rest("DELETE", "/v1/businesses/{spare_business}", expect(401, 403, 204, 204, 403, 403, 403)),
    Rest("GET", "/v1/businesses/{business_id}/team", expect(401, 403, 200, 200, 403, 403, 403)),
    Rest("GET", "/v1/business-claims", expect(401, 403, 200, 200, 403, 403, 403)),
    Rest("GET", "/v1/categories", expect(*[200] * 7)),
    Rest(
        "POST",
        "/v1/categories",
        expect(401, 403, 403, 201, 403, 403, 403),
        {"key": "matrix", "name": "Matrix"},
    ),
    Rest("GET", "/v1/offers", expect(*[200] * 7)),
    Rest("GET", "/v1/map?bbox=12.2,51.25,12.55,51.45", expect(200, 200, 200, 200, 403, 200, 200)),
    Rest("GET", "/v1/map/near?point=12.37,51.34", expect(200, 200, 200, 200, 403, 200, 200)),
    Rest("GET", "/v1/search?q=Matrix", expect(*[200] * 7)),
    # Media: members see images; their owner (here: member), moderators and admins change and
    # delete them. Uploads (multipart) are in test_media_api.py.
    Rest("GET", "/v1/media", PEOPLE),
    Rest("GET", "/v1/media/{media_id}", PEOPLE),
    Rest(
        "PATCH", "/v1/media/{media_id}", expect(401, 200, 200, 200, 403, 403, 403), {"alt": "Neu"}
    ),
    Rest("DELETE", "/v1/media/{spare_media}", expect(401, 204, 204, 204, 403, 403, 403)),
    # Funding: campaigns are public once live; members draft (keys with campaigns:write for
    # partner platforms), their runner and moderators edit, moderators approve; members
    # pledge; only admins refund and mark transfers received.
    Rest("GET", "/v1/campaigns", expect(200, 200, 200, 200, 403, 200, 200)),
    Rest("GET", "/v1/campaigns/{campaign_id}", expect(200, 200, 200, 200, 403, 200, 200)),
    Rest("POST", "/v1/campaigns", expect(401, 201, 201, 201, 403, 201, 403), CAMPAIGN),
    Rest(
        "PATCH",
        "/v1/campaigns/{campaign_id}",
        expect(401, 200, 200, 200, 403, 403, 403),
        {"summary": "Neu"},
    ),
    Rest(
        "POST",
        "/v1/campaigns/{spare_campaign}/approve",
        expect(401, 403, 200, 200, 403, 403, 403),
    ),
    # A campaign in review is seen by its runner and moderators only: to keys it is not there.
    Rest(
        "POST", "/v1/campaigns/{spare_campaign}/cancel", expect(401, 200, 200, 200, 403, 404, 404)
    ),
    Rest("POST", "/v1/campaigns/{campaign_id}/payout", expect(401, 403, 403, 409, 403, 403, 403)),
    Rest("GET", "/v1/campaigns/{campaign_id}/reward-tiers", expect(*[200] * 4, 403, 200, 200)),
    Rest(
        "POST",
        "/v1/campaigns/{campaign_id}/reward-tiers",
        expect(401, 201, 201, 201, 403, 403, 403),
        {"title": "Dank", "minimum": {"amount": 500, "currency": "EUR"}, "kind": "thanks"},
    ),
    Rest("GET", "/v1/campaigns/{campaign_id}/pledges", expect(*[200] * 4, 403, 200, 200)),
    Rest(
        "POST",
        "/v1/campaigns/{campaign_id}/pledges",
        expect(401, 201, 201, 201, 403, 403, 403),
        {"amount": {"amount": 1_000, "currency": "EUR"}},
    ),
    Rest("GET", "/v1/pledges", PEOPLE),
    Rest("GET", "/v1/pledges/{pledge_id}", expect(401, 200, 200, 200, 403, 403, 403)),
    Rest("GET", "/v1/pledges/{pledge_id}/refunds", ADMINS),
    Rest(
        "POST",
        "/v1/pledges/{pledge_id}/refunds",
        expect(401, 403, 403, 201, 403, 403, 403),
        {"amount": {"amount": 1, "currency": "EUR"}},
    ),
    # Another card only for the backer's own pledge, and only after a declined charge.
    Rest("POST", "/v1/pledges/{pledge_id}/card", expect(401, 409, 404, 404, 403, 403, 403)),
    Rest("GET", "/v1/refunds/to-pay-back", ADMINS),
    Rest(
        "POST",
        "/v1/refunds/00000000-0000-0000-0000-000000000001/paid",
        expect(401, 403, 403, 404, 403, 403, 403),
    ),
    Rest(
        "POST",
        "/v1/payments/bank-transfers/received",
        ADMINS,
        {"references": ["SK-00000000"]},
    ),
    # Webhooks: tenant admins (and keys with webhooks:manage, which neither key here has).
    Rest("GET", "/v1/webhook-event-types", expect(*[200] * 7)),
    Rest("GET", HOOKS, ADMINS),
    Rest("POST", HOOKS, expect(401, 403, 403, 201, 403, 403, 403), WEBHOOK),
    Rest("GET", HOOKS + "/{webhook_subscription}", ADMINS),
    Rest("PATCH", HOOKS + "/{webhook_subscription}", ADMINS, {"description": "Neu"}),
    Rest("POST", HOOKS + "/{webhook_subscription}/rotate-secret", ADMINS),
    Rest("POST", HOOKS + "/{webhook_subscription}/test", expect(401, 403, 403, 202, 403, 403, 403)),
    Rest("GET", HOOKS + "/{webhook_subscription}/deliveries", ADMINS),
    Rest(
        "POST",
        HOOKS + "/{webhook_subscription}/deliveries/00000000-0000-0000-0000-000000000001/replay",
        expect(401, 403, 403, 404, 403, 403, 403),
    ),
    Rest("DELETE", HOOKS + "/{spare_webhook}", expect(401, 403, 403, 204, 403, 403, 403)),
    # Nobody's credentials count here: only the provider's signature (none: refused).
    Rest("POST", "/v1/payments/stripe/webhook", expect(*[400] * 7), {"id": "evt_1"}),
    # Syndication: the change feed (keys with sync:read, admins), listings (moderators),
    # partner upserts (keys with campaigns:write only).
    Rest("GET", "/v1/sync/changes", expect(401, 403, 403, 200, 403, 200, 403)),
    Rest("GET", "/v1/listings", expect(401, 403, 200, 200, 403, 403, 403)),
    Rest(
        "POST",
        "/v1/listings/00000000-0000-0000-0000-000000000001/hide",
        expect(401, 403, 404, 404, 403, 403, 403),
    ),
    Rest("PUT", PARTNER, expect(401, 403, 403, 403, 403, 201, 403), PARTNER_CAMPAIGN),
    Rest("GET", PARTNER, expect(401, 403, 403, 403, 403, 404, 403)),
    Rest("DELETE", PARTNER, expect(401, 403, 403, 403, 403, 204, 403)),
]


@dataclass
class Graph:
    query: str
    outcomes: dict[str, str]  # "data", "null", "error:<code>", "http:<status>"


GRAPH = [
    Graph("{ tenant { slug } }", expect(*["data"] * 7)),
    Graph("{ webhookEventTypes { name } }", expect(*["data"] * 7)),
    Graph(
        "{ webhookSubscriptions { id url } }",
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:scope-required",
            "error:scope-required",
        ),
    ),
    Graph(
        '{ webhookDeliveries(subscriptionId: "{webhook_subscription}") '
        "{ edges { node { webhookId } } } }",
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:scope-required",
            "error:scope-required",
        ),
    ),
    Graph(
        'mutation { createWebhookSubscription(url: "https://93.184.215.14/hook", '
        'eventTypes: ["offer.withdrawn"]) { secret errors { code } } }',
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:scope-required",
            "error:scope-required",
        ),
    ),
    Graph(
        'mutation { rotateWebhookSecret(id: "{webhook_subscription}") { secret errors { code } } }',
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:scope-required",
            "error:scope-required",
        ),
    ),
    Graph(
        "{ me { id email } }",
        expect("null", "data", "data", "data", "error:not-a-member", "null", "null"),
    ),
    Graph(
        "{ apiKeys { id } }",
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        "{ members { accountId } }",
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        'mutation { createApiKey(name: "G", scopes: [SYNC_READ]) { secret errors { code } } }',
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        'mutation { revokeApiKey(id: "{spare_key}") { ok errors { code } } }',
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        'mutation { setMemberRole(accountId: "{member_id}", role: MEMBER) { ok errors { code } } }',
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        "{ businesses { edges { node { name } } } }",
        expect(*["data"] * 4, "error:not-a-member", "data", "data"),
    ),
    Graph(
        '{ business(id: "{business_id}") { name } }',
        expect(*["data"] * 4, "error:not-a-member", "data", "data"),
    ),
    Graph(
        '{ mapPins(bbox: "12.2,51.25,12.55,51.45") { pins { name } } }',
        expect(*["data"] * 4, "error:not-a-member", "data", "data"),
    ),
    Graph(
        "{ businessesNear(lon: 12.37, lat: 51.34) { name } }",
        expect(*["data"] * 4, "error:not-a-member", "data", "data"),
    ),
    Graph(
        "{ mapPinsNear(lon: 12.37, lat: 51.34) { truncated pins { name } } }",
        expect(*["data"] * 4, "error:not-a-member", "data", "data"),
    ),
    Graph('{ search(q: "Listed") { title } }', expect(*["data"] * 7)),
    Graph(
        "{ businessClaims { id } }",
        expect(
            "error:unauthenticated",
            "error:role-required",
            "data",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        '{ businessTeam(id: "{business_id}") { role } }',
        expect(
            "error:unauthenticated",
            "error:business-role-required",
            "data",
            "data",
            "error:not-a-member",
            "error:scope-required",
            "error:scope-required",
        ),
    ),
    Graph(
        'mutation { registerBusiness(input: {name: "M", kind: RETAIL}) '
        "{ business { id } errors { code } } }",
        expect(
            "error:unauthenticated",
            "data",
            "data",
            "data",
            "error:not-a-member",
            "error:scope-required",
            "error:scope-required",
        ),
    ),
    Graph(
        'mutation { updateBusiness(id: "{business_id}", patch: {delivers: true}) '
        "{ business { id } errors { code } } }",
        expect(
            "error:unauthenticated",
            "error:business-role-required",
            "data",
            "data",
            "error:not-a-member",
            "error:scope-required",
            "error:scope-required",
        ),
    ),
    Graph(
        'mutation { setBusinessTeamRole(businessId: "{business_id}", accountId: "{member_id}", '
        "role: STAFF) { ok errors { code } } }",
        expect(
            "error:unauthenticated",
            "error:business-role-required",
            "error:business-role-required",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        'mutation { changeOffer(id: "{offer_id}", title: "Neu", validFrom: "{now}", '
        'validUntil: "{later}") { ok errors { code } } }',
        expect(
            "error:unauthenticated",
            "error:business-role-required",
            "data",
            "data",
            "error:not-a-member",
            "error:scope-required",
            "error:scope-required",
        ),
    ),
    Graph(
        'mutation { updateCategory(id: "{category_id}", key: "seed", name: "Saat") '
        "{ ok errors { code } } }",
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        'mutation { removeCategory(id: "{category_id}") { ok errors { code } } }',
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        '{ media(id: "{media_id}") { id alt } }',
        expect(
            "error:unauthenticated",
            "data",
            "data",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        'mutation { deleteMedia(id: "{spare_media}") { ok errors { code } } }',
        expect(
            "error:unauthenticated",
            "data",
            "data",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        "{ campaigns(first: 5) { edges { node { title totals { backers } } } } }",
        expect(*["data"] * 4, "error:not-a-member", "data", "data"),
    ),
    Graph(
        '{ campaign(id: "{campaign_id}") { title rewardTiers { id } } }',
        expect(*["data"] * 4, "error:not-a-member", "data", "data"),
    ),
    Graph(
        'mutation { pledge(input: {campaignId: "{campaign_id}", amount: {amount: 1000, '
        'currency: "EUR"}}) { pledge { id } errors { code } } }',
        expect(
            "error:unauthenticated",
            "data",
            "data",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        'mutation { approveCampaign(id: "{spare_campaign}") { campaign { status } '
        "errors { code } } }",
        expect(
            "error:unauthenticated",
            "error:role-required",
            "data",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        "{ changes(first: 5) { items { cursor } nextCursor } }",
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "data",
            "error:scope-required",
        ),
    ),
    Graph(
        "{ campaignListings { campaignId } }",
        expect(
            "error:unauthenticated",
            "error:role-required",
            "data",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        'mutation { decideListing(campaignId: "{campaign_id}", action: HIDE) '
        "{ listing { status } errors { code } } }",
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:listing-not-found",
            "error:listing-not-found",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
    Graph(
        'mutation { putPartnerCampaign(externalId: "m-1", input: {title: "M", goal: {amount: '
        '100000, currency: "EUR"}, startsAt: "{now}", endsAt: "{later}", status: LIVE, '
        'totals: {pledged: {amount: 0, currency: "EUR"}, backers: 0}, origin: {platform: "M", '
        'pledgeUrl: "https://example.org/m"}}) { created errors { code } } }',
        expect(
            "error:unauthenticated",
            "error:api-key-required",
            "error:api-key-required",
            "error:api-key-required",
            "error:not-a-member",
            "data",
            "error:scope-required",
        ),
    ),
    Graph(
        'mutation { deletePartnerCampaign(externalId: "m-1") { deleted errors { code } } }',
        expect(
            "error:unauthenticated",
            "error:api-key-required",
            "error:api-key-required",
            "error:api-key-required",
            "error:not-a-member",
            "data",
            "error:scope-required",
        ),
    ),
    Graph(
        'mutation { createCategory(key: "g", name: "G") { ok errors { code } } }',
        expect(
            "error:unauthenticated",
            "error:role-required",
            "error:role-required",
            "data",
            "error:not-a-member",
            "error:account-required",
            "error:account-required",
        ),
    ),
]


@pytest.fixture
async def callers(services, client):  # type: ignore[no-untyped-def]
    directory = frozenset({Feature.BUSINESSES})
    await seed_tenants(
        services,
        campaign_tenant(
            "home",
            features=frozenset({Feature.BUSINESSES, Feature.CAMPAIGNS}),
            categories=(CategorySeed("seed", "Saat"),),
        ),
        tenant_config("away", features=directory),
    )
    sessions = {}
    for role in ("member", "moderator", "admin"):
        sessions[role] = await sign_up_and_log_in(client, "home", f"{role}@example.org")
        await set_role(services, "home", f"{role}@example.org", role)
    other = await sign_up_and_log_in(client, "away", "other@example.org")
    await set_role(services, "away", "other@example.org", "admin")
    headers = {role: as_user(s, "home") for role, s in sessions.items()}
    headers["anonymous"] = {"X-Tenant": "home"}
    headers["other_admin"] = as_user(other, "home")
    for role, scopes in (
        ("key_with_scope", ["sync:read", "campaigns:write"]),
        ("key_without_scope", ["campaigns:read"]),
    ):
        key = (
            await client.post(
                "/v1/api-keys", headers=headers["admin"], json={"name": role, "scopes": scopes}
            )
        ).json()
        headers[role] = {"Authorization": f"Bearer {key['secret']}", "X-Tenant": "home"}
    me = (await client.get("/v1/me", headers=headers["member"])).json()
    business = (
        await client.post(
            "/v1/businesses",
            headers=headers["admin"],
            json={"name": "Listed", "kind": "retail", "location": {"lat": 51.34, "lon": 12.37}},
        )
    ).json()
    now = datetime.now(UTC)
    offer = (
        await client.post(
            "/v1/offers",
            headers=headers["admin"],
            json={
                "business_id": business["id"],
                "title": "Angebot",
                "valid_from": now.isoformat(),
                "valid_until": (now + timedelta(days=7)).isoformat(),
            },
        )
    ).json()
    category = (await client.get("/v1/categories", headers=headers["admin"])).json()[0]
    campaign = await spare_campaign(client, headers, live=True)
    pledge = (
        await client.post(
            f"/v1/campaigns/{campaign}/pledges",
            headers=headers["member"],
            json={"amount": {"amount": 10_000, "currency": "EUR"}},
        )
    ).json()
    received = await client.post(
        "/v1/payments/bank-transfers/received",
        headers=headers["admin"],
        json={"references": [pledge["payment"]["reference"]]},
    )
    assert received.json()["received"] == [pledge["id"]], received.text
    return headers, {
        "campaign_id": campaign,
        "pledge_id": pledge["id"],
        "media_id": await spare_media(client, headers),
        "member_id": me["id"],
        "business_id": business["id"],
        "offer_id": offer["id"],
        "category_id": category["id"],
        "webhook_subscription": await spare_webhook(client, headers),
        "now": now.isoformat(),
        "later": (now + timedelta(days=7)).isoformat(),
    }


async def spare_business(client, headers) -> str:  # type: ignore[no-untyped-def]
    """A fresh listing (the admin's), for an operation that deletes one."""
    response = await client.post(
        "/v1/businesses", headers=headers["admin"], json={"name": "Spare", "kind": "retail"}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def spare_media(client, headers) -> str:  # type: ignore[no-untyped-def]
    """A fresh image of the member, for an operation that deletes one."""
    response = await client.post(
        "/v1/media",
        headers=headers["member"],
        data={"alt": "Ein Bild"},
        files={"file": ("a.png", png_bytes(), "image/png")},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def spare_campaign(client, headers, *, live: bool = False) -> str:  # type: ignore[no-untyped-def]
    """A fresh campaign of the member, submitted for review (or approved: live)."""
    made = await client.post("/v1/campaigns", headers=headers["member"], json=CAMPAIGN)
    assert made.status_code == 201, made.text
    campaign = made.json()["id"]
    await client.post(f"/v1/campaigns/{campaign}/submit", headers=headers["member"])
    if live:
        await client.post(f"/v1/campaigns/{campaign}/approve", headers=headers["moderator"])
    return campaign


async def spare_webhook(client, headers) -> str:  # type: ignore[no-untyped-def]
    response = await client.post(HOOKS, headers=headers["admin"], json=WEBHOOK)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def spare_key(client, headers) -> str:  # type: ignore[no-untyped-def]
    """A fresh key for an operation that revokes one."""
    response = await client.post(
        "/v1/api-keys", headers=headers["admin"], json={"name": "spare", "scopes": ["sync:read"]}
    )
    return response.json()["id"]


@pytest.mark.parametrize("operation", REST, ids=lambda o: f"{o.method} {o.path}")
async def test_rest_matrix(callers, client, operation):
    headers, ids = callers
    for role in ROLES:
        path_ids = dict(ids)
        if "{spare_key}" in operation.path:
            path_ids["spare_key"] = await spare_key(client, headers)
        if "{spare_media}" in operation.path:
            path_ids["spare_media"] = await spare_media(client, headers)
        if "{spare_business}" in operation.path:
            path_ids["spare_business"] = await spare_business(client, headers)
        if "{spare_campaign}" in operation.path:
            path_ids["spare_campaign"] = await spare_campaign(client, headers)
        if "{spare_webhook}" in operation.path:
            path_ids["spare_webhook"] = await spare_webhook(client, headers)
        response = await client.request(
            operation.method,
            operation.path.format(**path_ids),
            headers=headers[role],
            json=operation.body,
        )
        assert response.status_code == operation.outcomes[role], (role, response.text)
        text = response.text
        assert "password_hash" not in text and "secret_hash" not in text
        if role != "admin" and operation.method == "GET" and "members" in operation.path:
            assert "@example.org" not in text


@pytest.mark.parametrize("operation", GRAPH, ids=lambda o: o.query[:40])
async def test_graphql_matrix(callers, client, operation):
    headers, ids = callers
    for role in ROLES:
        query = operation.query
        for name, value in ids.items():
            query = query.replace("{" + name + "}", value)
        if "{spare_key}" in query:
            query = query.replace("{spare_key}", await spare_key(client, headers))
        if "{spare_media}" in query:
            query = query.replace("{spare_media}", await spare_media(client, headers))
        if "{spare_campaign}" in query:
            query = query.replace("{spare_campaign}", await spare_campaign(client, headers))
        response = await client.post("/graphql", headers=headers[role], json={"query": query})
        outcome = operation.outcomes[role]
        if outcome.startswith("http:"):
            assert response.status_code == int(outcome[5:]), role
            continue
        body = response.json()
        payload_codes = [
            e["code"]
            for v in (body.get("data") or {}).values()
            if isinstance(v, dict)
            for e in (v.get("errors") or [])
        ]
        if outcome.startswith("error:"):
            codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
            assert outcome[6:] in codes + payload_codes, (role, body)
        elif outcome == "null":
            assert list(body["data"].values()) == [None], (role, body)
        else:
            assert "errors" not in body and None not in body["data"].values(), (role, body)
            assert not payload_codes, (role, body)


async def test_members_list_shows_no_emails_even_to_admins(callers, client):
    headers, _ = callers
    listed = (await client.get("/v1/members", headers=headers["admin"])).json()
    assert listed and "@" not in json.dumps(listed)

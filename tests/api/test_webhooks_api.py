"""Outbound webhooks over REST and GraphQL, delivered to a real receiver on 127.0.0.1 (the
setting that allows private targets is on here, as it is only in tests)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import pytest

from api.handlers import deliver_webhooks
from domain.tenancy.model import Feature
from tests.conftest import (
    as_user,
    make_settings,
    seed_tenants,
    set_role,
    settle,
    sign_up_and_log_in,
)
from tests.factories import tenant_config
from tests.webhook_receiver import running_receiver, verify

PATH = "/v1/webhook-subscriptions"


@pytest.fixture
async def settings(migrated_database):  # type: ignore[no-untyped-def]
    return make_settings(migrated_database, webhooks_allow_private_targets=True)


@pytest.fixture
async def people(services, client):  # type: ignore[no-untyped-def]
    await seed_tenants(services, tenant_config("home", features=frozenset({Feature.BUSINESSES})))
    found = {}
    for role in ("member", "admin"):
        session = await sign_up_and_log_in(client, "home", f"{role}@example.org")
        await set_role(services, "home", f"{role}@example.org", role)
        found[role] = as_user(session, "home")
    return found


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    with running_receiver() as running:
        yield running


async def subscribe(client, admin, url, event_types=("business.*",)):  # type: ignore[no-untyped-def]
    made = await client.post(PATH, headers=admin, json={"url": url, "event_types": event_types})
    assert made.status_code == 201, made.text
    return made.json()


async def register_business(client, headers, name="Bäckerei"):  # type: ignore[no-untyped-def]
    made = await client.post(
        "/v1/businesses", headers=headers, json={"name": name, "kind": "retail"}
    )
    assert made.status_code == 201, made.text
    return made.json()


async def deliveries(client, admin, subscription_id):  # type: ignore[no-untyped-def]
    page = await client.get(f"{PATH}/{subscription_id}/deliveries", headers=admin)
    assert page.status_code == 200, page.text
    return page.json()["items"]


async def test_an_event_is_delivered_signed_and_logged_and_the_secret_shown_once(
    services, client, people, receiver
):
    admin = people["admin"]
    made = await subscribe(client, admin, receiver.url)
    secret = made["secret"]
    assert secret.startswith("whsec_") and made["active"]
    for read in (
        await client.get(PATH, headers=admin),
        await client.get(f"{PATH}/{made['id']}", headers=admin),
    ):
        assert read.status_code == 200 and secret not in read.text and "secret" not in read.text

    business = await register_business(client, people["member"])
    await settle(services)

    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert verify(secret, got.headers, got.body)
    assert not verify("whsec_" + "QUJD" * 8, got.headers, got.body)
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-timestamp"].isdigit()
    body = json.loads(got.body)
    assert body["type"] == "business.created"
    assert body["data"]["business_id"] == business["id"]
    assert body["timestamp"].endswith("Z")

    (logged,) = await deliveries(client, admin, made["id"])
    assert logged["webhook_id"] == got.headers["webhook-id"]
    assert logged["status"] == "succeeded" and logged["attempts"] == 1
    assert logged["last_status_code"] == 200 and logged["payload"] == body


async def test_a_replay_sends_the_same_webhook_id_and_body_again_as_a_new_log_entry(
    services, client, people, receiver
):
    admin = people["admin"]
    made = await subscribe(client, admin, receiver.url)
    await register_business(client, people["member"])
    await settle(services)
    (first,) = await deliveries(client, admin, made["id"])

    replayed = await client.post(
        f"{PATH}/{made['id']}/deliveries/{first['id']}/replay", headers=admin
    )
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["replay_of"] == first["id"]
    await deliver_webhooks(services)

    assert receiver.ids() == [first["webhook_id"]] * 2
    assert receiver.received[0].body == receiver.received[1].body
    log = await deliveries(client, admin, made["id"])
    assert [d["status"] for d in log] == ["succeeded", "succeeded"]
    missing = await client.post(
        f"{PATH}/{made['id']}/deliveries/00000000-0000-0000-0000-000000000001/replay",
        headers=admin,
    )
    assert missing.status_code == 404 and missing.json()["code"] == "webhook-delivery-not-found"


async def test_a_succeeded_delivery_is_not_sent_again_by_later_runs(
    services, client, people, receiver
):
    admin = people["admin"]
    await subscribe(client, admin, receiver.url)
    await register_business(client, people["member"])
    await settle(services)
    for _ in range(3):
        await deliver_webhooks(services)
    assert len(receiver.received) == 1


async def test_a_url_that_resolves_to_a_private_address_is_refused_and_nothing_is_stored(
    services, client, people
):
    services.webhook_ports = dataclasses.replace(
        services.webhook_ports, allow_private_targets=False
    )
    admin = people["admin"]
    for url in (
        "https://127.0.0.1/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/hook",
    ):
        refused = await client.post(PATH, headers=admin, json={"url": url, "event_types": ["*"]})
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["code"] == "webhook-target-refused", url
        assert refused.json()["errors"][0]["field"] == "url"
    plain = await client.post(
        PATH, headers=admin, json={"url": "http://hooks.example.org/", "event_types": ["*"]}
    )
    assert plain.status_code == 422 and "https" in plain.text
    assert (await client.get(PATH, headers=admin)).json() == []


async def test_unknown_event_types_are_refused(client, people, receiver):
    refused = await client.post(
        PATH,
        headers=people["admin"],
        json={"url": receiver.url, "event_types": ["business.exploded"]},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "invalid-input"
    listed = await client.get("/v1/webhook-event-types", headers={"X-Tenant": "home"})
    names = [e["name"] for e in listed.json()]
    assert "business.created" in names and "pledge.created" in names


async def test_only_admins_and_keys_with_the_webhooks_scope_manage_subscriptions(
    client, people, receiver
):
    member = await client.post(
        PATH, headers=people["member"], json={"url": receiver.url, "event_types": ["*"]}
    )
    assert member.status_code == 403 and member.json()["code"] == "role-required"
    assert (await client.get(PATH, headers={"X-Tenant": "home"})).status_code == 401
    keys = {}
    for scope in ("webhooks:manage", "sync:read"):
        key = await client.post(
            "/v1/api-keys", headers=people["admin"], json={"name": scope, "scopes": [scope]}
        )
        keys[scope] = {"Authorization": f"Bearer {key.json()['secret']}", "X-Tenant": "home"}
    allowed = await client.post(
        PATH, headers=keys["webhooks:manage"], json={"url": receiver.url, "event_types": ["*"]}
    )
    assert allowed.status_code == 201, allowed.text
    scoped_out = await client.get(PATH, headers=keys["sync:read"])
    assert scoped_out.status_code == 403 and scoped_out.json()["code"] == "scope-required"


async def test_410_disables_the_subscription_and_nothing_more_is_sent(
    services, client, people, receiver
):
    admin = people["admin"]
    receiver.answers = [410]
    made = await subscribe(client, admin, receiver.url)
    await register_business(client, people["member"], "Eins")
    await settle(services)
    shown = (await client.get(f"{PATH}/{made['id']}", headers=admin)).json()
    assert not shown["active"] and "410" in shown["disabled_reason"]
    (given_up,) = await deliveries(client, admin, made["id"])
    assert given_up["status"] == "given_up"

    await register_business(client, people["member"], "Zwei")
    await settle(services)
    assert len(receiver.received) == 1
    refused = await client.post(f"{PATH}/{made['id']}/test", headers=admin)
    assert refused.status_code == 409 and refused.json()["code"] == "webhook-subscription-disabled"
    enabled = await client.patch(f"{PATH}/{made['id']}", headers=admin, json={"active": True})
    assert enabled.json()["active"] and enabled.json()["disabled_reason"] is None


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    services, client, people, receiver
):
    admin = people["admin"]
    receiver.answers = [302]
    receiver.extra_headers = {"location": f"http://127.0.0.1:{receiver.port}/elsewhere"}
    made = await subscribe(client, admin, receiver.url)
    await register_business(client, people["member"])
    await settle(services)
    assert [r.path for r in receiver.received] == ["/hook"]
    (failed,) = await deliveries(client, admin, made["id"])
    assert failed["status"] == "failed" and failed["last_status_code"] == 302
    assert "redirects are not followed" in failed["last_error"]
    assert failed["next_attempt_at"] is not None


async def test_429_schedules_the_retry_after_the_receivers_retry_after(
    services, client, people, receiver
):
    admin = people["admin"]
    receiver.answers = [429]
    receiver.extra_headers = {"retry-after": "120"}
    made = await subscribe(client, admin, receiver.url)
    await register_business(client, people["member"])
    await settle(services)
    (failed,) = await deliveries(client, admin, made["id"])
    waited = datetime.fromisoformat(failed["next_attempt_at"]) - datetime.fromisoformat(
        failed["last_attempt_at"]
    )
    assert failed["last_status_code"] == 429 and waited.total_seconds() == pytest.approx(120)


async def test_rotating_shows_a_new_secret_once_and_both_sign_for_a_day(
    services, client, people, receiver
):
    admin = people["admin"]
    made = await subscribe(client, admin, receiver.url)
    rotated = await client.post(f"{PATH}/{made['id']}/rotate-secret", headers=admin)
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != made["secret"]
    assert "secret" not in (await client.get(f"{PATH}/{made['id']}", headers=admin)).text
    ping = await client.post(f"{PATH}/{made['id']}/test", headers=admin)
    assert ping.status_code == 202 and ping.json()["event_type"] == "webhook.ping"
    await deliver_webhooks(services)
    (got,) = receiver.received
    assert verify(new_secret, got.headers, got.body)
    assert verify(made["secret"], got.headers, got.body)


async def test_deleting_a_subscription_removes_it_and_its_log(services, client, people, receiver):
    admin = people["admin"]
    made = await subscribe(client, admin, receiver.url)
    await register_business(client, people["member"])
    await settle(services)
    assert (await client.delete(f"{PATH}/{made['id']}", headers=admin)).status_code == 204
    gone = await client.get(f"{PATH}/{made['id']}/deliveries", headers=admin)
    assert gone.status_code == 404 and gone.json()["code"] == "webhook-subscription-not-found"


async def test_the_delivery_log_pages_with_a_cursor(services, client, people, receiver):
    admin = people["admin"]
    made = await subscribe(client, admin, receiver.url)
    for name in ("A", "B", "C"):
        await register_business(client, people["member"], name)
    await settle(services)
    first = (await client.get(f"{PATH}/{made['id']}/deliveries?limit=2", headers=admin)).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = (
        await client.get(
            f"{PATH}/{made['id']}/deliveries?limit=2&cursor={first['next_cursor']}",
            headers=admin,
        )
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    seen = {d["id"] for d in first["items"] + rest["items"]}
    assert len(seen) == 3


async def test_graphql_subscribes_lists_and_reads_the_log(services, client, people, receiver):
    admin = people["admin"]
    made = (
        await client.post(
            "/graphql",
            headers=admin,
            json={
                "query": "mutation($url: String!) { createWebhookSubscription(url: $url, "
                'eventTypes: ["business.*"]) { secret subscription { id active } '
                "errors { code field } } }",
                "variables": {"url": receiver.url},
            },
        )
    ).json()["data"]["createWebhookSubscription"]
    assert made["errors"] == [] and made["secret"].startswith("whsec_")
    await register_business(client, people["member"])
    await settle(services)
    subscription_id = made["subscription"]["id"]
    query = (
        "{ webhookSubscriptions { id eventTypes } "
        f'webhookDeliveries(subscriptionId: "{subscription_id}") '
        "{ edges { node { webhookId status eventType } } } }"
    )
    data = (await client.post("/graphql", headers=admin, json={"query": query})).json()["data"]
    assert data["webhookSubscriptions"][0]["eventTypes"] == ["business.*"]
    (edge,) = data["webhookDeliveries"]["edges"]
    assert edge["node"]["status"] == "SUCCEEDED"
    assert edge["node"]["webhookId"] == receiver.ids()[0]
    refused = (
        await client.post(
            "/graphql",
            headers=admin,
            json={
                "query": 'mutation { createWebhookSubscription(url: "ftp://x", '
                'eventTypes: ["*"]) { errors { code field } } }'
            },
        )
    ).json()["data"]["createWebhookSubscription"]
    assert refused["errors"][0]["field"] == "url"

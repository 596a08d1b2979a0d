"""Outbound webhooks' rules, without I/O: the Standard Webhooks signature, event patterns,
the retry schedule, what each answer means, and which addresses a webhook may reach."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.domain_events import known_event_types
from domain.errors import InvalidInput
from domain.funding.events import PledgeChargeFailed, PledgeMade
from domain.syndication.webhook_errors import WebhookTargetRefused
from domain.syndication.webhook_events import (
    PUBLIC_EVENTS,
    public_event_names,
    public_event_of,
    source_event_types,
    webhook_payload,
)
from domain.syndication.webhooks import (
    GIVE_UP_AFTER,
    AttemptResult,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
    address_refusal,
    checked_addresses,
    checked_event_types,
    parsed_target_url,
    pattern_matches,
    retry_after_delay,
    retry_delay,
    signature,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def middle() -> float:
    return 0.5


def delivery(**changes) -> WebhookDelivery:  # type: ignore[no-untyped-def]
    values = dict(
        id=uuid4(),
        tenant_id=uuid4(),
        subscription_id=uuid4(),
        message_id="msg_1",
        event_type="pledge.created",
        payload={"type": "pledge.created", "timestamp": "x", "data": {}},
        status=DeliveryStatus.PENDING,
        created_at=T0,
        next_attempt_at=T0,
    )
    values.update(changes)
    return WebhookDelivery(**values)  # type: ignore[arg-type]


# Signature --------------------------------------------------------------------------------


def test_the_signature_matches_the_standard_webhooks_reference_vector():
    # From the spec's reference libraries (standard-webhooks, libraries/python tests).
    signed = signature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_headers_carry_id_integer_timestamp_and_signature_and_the_old_secret_for_a_day():
    sub = WebhookSubscription(
        id=uuid4(),
        tenant_id=uuid4(),
        url="https://example.org/hook",
        event_types=("*",),
        description="",
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        created_at=T0,
        updated_at=T0,
    )
    body = b'{"test": 2432232314}'
    at = datetime.fromtimestamp(1614265330, UTC)
    headers = sub.signing_headers("msg_p5jXN8AQM9LWM0D4loKWxJek", at, body)
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    rotated = sub.with_secret("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", at)
    both = rotated.signing_headers("msg_p5jXN8AQM9LWM0D4loKWxJek", at, body)
    assert both["webhook-signature"].split(" ")[1] == headers["webhook-signature"]
    later = rotated.signing_headers("m", at + timedelta(hours=25), body)
    assert " " not in later["webhook-signature"]


# Event types ------------------------------------------------------------------------------


def test_patterns_match_a_type_a_group_or_everything():
    assert pattern_matches("pledge.created", "pledge.created")
    assert pattern_matches("campaign.*", "campaign.status_changed")
    assert not pattern_matches("campaign.*", "pledge.created")
    assert not pattern_matches("camp*", "campaign.created")
    assert pattern_matches("*", "offer.withdrawn")


def test_unknown_event_types_are_refused_and_known_ones_kept_sorted_once():
    known = public_event_names()
    assert checked_event_types(["pledge.*", "campaign.created", "pledge.*"], known) == (
        "campaign.created",
        "pledge.*",
    )
    for bad in (["pledge.exploded"], ["booking.*"], ["*.created"], [], ["x" * 90]):
        with pytest.raises(InvalidInput):
            checked_event_types(bad, known)


def test_every_public_event_comes_from_a_known_internal_event_and_carries_no_backer():
    assert set(source_event_types()) <= set(known_event_types())
    assert len({e.name for e in PUBLIC_EVENTS}) == len(PUBLIC_EVENTS)
    for public in PUBLIC_EVENTS:
        assert "backer_id" not in public.fields and "email" not in public.fields
    # A mail-only event (it names the backer) is no webhook.
    assert PledgeChargeFailed.event_type not in source_event_types()


def test_the_payload_has_type_timestamp_and_the_events_ids():
    tenant, pledge, campaign = uuid4(), uuid4(), uuid4()
    event = PledgeMade(tenant_id=tenant, pledge_id=pledge, campaign_id=campaign)
    public = public_event_of(event)
    assert public is not None
    assert webhook_payload(public, event, T0) == {
        "type": "pledge.created",
        "timestamp": "2026-12-01T12:00:00Z",
        "data": {
            "tenant_id": str(tenant),
            "pledge_id": str(pledge),
            "campaign_id": str(campaign),
        },
    }


# Answers and retries ----------------------------------------------------------------------


def test_only_2xx_succeeds():
    for code in (200, 201, 204, 299):
        assert delivery().attempted(AttemptResult(code), T0, jitter=middle).delivery.status == (
            DeliveryStatus.SUCCEEDED
        )
    for code in (100, 301, 302, 307, 308, 400, 404, 500, 503):
        done = delivery().attempted(AttemptResult(code), T0, jitter=middle).delivery
        assert done.status is DeliveryStatus.FAILED and done.next_attempt_at is not None


def test_a_redirect_is_a_failure_that_says_it_was_not_followed():
    done = delivery().attempted(AttemptResult(302), T0, jitter=middle).delivery
    assert done.status is DeliveryStatus.FAILED
    assert "redirects are not followed" in (done.last_error or "")


def test_410_gives_up_and_disables_the_subscription():
    outcome = delivery().attempted(AttemptResult(410), T0, jitter=middle)
    assert outcome.delivery.status is DeliveryStatus.GIVEN_UP
    assert outcome.disable_subscription


def test_429_waits_as_long_as_retry_after_says_in_seconds_or_as_a_date_within_bounds():
    done = delivery().attempted(AttemptResult(429, retry_after="120"), T0, jitter=middle)
    assert done.delivery.next_attempt_at == T0 + timedelta(seconds=120)
    date = "Tue, 01 Dec 2026 12:30:00 GMT"
    assert retry_after_delay(date, T0) == timedelta(minutes=30)
    assert retry_after_delay("999999999", T0) == timedelta(hours=6)
    assert retry_after_delay("0", T0) == timedelta(seconds=1)
    assert retry_after_delay("soon", T0) is None
    # Without a readable Retry-After, the usual backoff.
    plain = delivery().attempted(AttemptResult(429), T0, jitter=middle).delivery
    assert plain.next_attempt_at == T0 + retry_delay(1, jitter=middle)


def test_retries_back_off_exponentially_with_jitter():
    assert retry_delay(1, jitter=lambda: 0.0) == timedelta(seconds=5)
    assert retry_delay(1, jitter=lambda: 0.999999) < timedelta(seconds=10)
    assert retry_delay(2, jitter=lambda: 0.0) == timedelta(seconds=10)
    assert retry_delay(4, jitter=lambda: 0.0) == timedelta(seconds=40)
    assert retry_delay(40, jitter=lambda: 0.0) == timedelta(hours=3)


def test_a_receiver_down_for_good_is_given_up_three_days_after_the_first_attempt():
    current, now, attempts = delivery(), T0, 0
    while current.status is not DeliveryStatus.GIVEN_UP:
        current = current.attempted(AttemptResult(503), now, jitter=middle).delivery
        attempts += 1
        if current.next_attempt_at is not None:
            assert current.next_attempt_at > now
            now = current.next_attempt_at
    assert now == T0 + GIVE_UP_AFTER  # the last attempt is made at the deadline
    assert 15 <= attempts <= 40
    assert current.first_attempt_at == T0 and current.attempts == attempts


def test_a_success_after_failures_is_recorded_and_not_scheduled_again():
    failed = delivery().attempted(AttemptResult(error="ConnectError"), T0, jitter=middle)
    assert failed.delivery.last_error == "ConnectError"
    later = failed.delivery.attempted(AttemptResult(200), T0 + timedelta(seconds=9), jitter=middle)
    done = later.delivery
    assert done.status is DeliveryStatus.SUCCEEDED and done.next_attempt_at is None
    assert done.attempts == 2 and done.last_error is None and done.settled


def test_a_replay_keeps_the_webhook_id_and_body():
    original = delivery(status=DeliveryStatus.SUCCEEDED)
    again = original.replayed(uuid4(), T0 + timedelta(days=1))
    assert again.message_id == original.message_id and again.body() == original.body()
    assert again.status is DeliveryStatus.PENDING and again.replay_of == original.id


# Addresses and URLs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:8.8.8.8",  # mapped, even to a public address
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:0808:0808::1",  # 6to4, even of a public address
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8
        "64:ff9b:1::1",  # local-use NAT64
        "::7f00:1",  # IPv4-compatible 127.0.0.1
    ],
)
def test_addresses_webhooks_may_not_reach(address):
    assert address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_are_fine(address):
    assert address_refusal(ipaddress.ip_address(address)) is None


def test_a_transition_address_names_the_ipv4_address_it_embeds():
    reason = address_refusal(ipaddress.ip_address("64:ff9b::a00:1")) or ""
    assert "NAT64" in reason and "10.0.0.1" in reason and "private" in reason
    reason = address_refusal(ipaddress.ip_address("2002:7f00:1::1")) or ""
    assert "6to4" in reason and "127.0.0.1" in reason


def test_one_private_address_among_public_ones_refuses_the_host():
    with pytest.raises(WebhookTargetRefused):
        checked_addresses("mixed.example", ["8.8.8.8", "10.0.0.5"], allow_private=False)
    with pytest.raises(WebhookTargetRefused):
        checked_addresses("nothing.example", [], allow_private=False)
    assert checked_addresses("ok.example", ["8.8.8.8", "8.8.8.8"], allow_private=False) == (
        ipaddress.ip_address("8.8.8.8"),
    )
    assert checked_addresses("local", ["127.0.0.1"], allow_private=True)


def test_urls_must_be_https_without_credentials_unless_private_targets_are_allowed():
    assert parsed_target_url("https://hooks.example.org/x?y=1", allow_private=False) == (
        "https",
        "hooks.example.org",
        443,
    )
    for bad in (
        "http://hooks.example.org/",
        "ftp://hooks.example.org/",
        "https://user:pw@hooks.example.org/",
        "https:///nohost",
        "https://hooks.example.org:99999/",
        "https://hooks.example.org/\x00",
        "not a url",
    ):
        with pytest.raises(InvalidInput):
            parsed_target_url(bad, allow_private=False)
    assert parsed_target_url("http://127.0.0.1:8080/", allow_private=True) == (
        "http",
        "127.0.0.1",
        8080,
    )

"""Outbound webhooks as the Standard Webhooks spec has them (standardwebhooks.com): a tenant
admin subscribes a URL to public event types; every matching event becomes a delivery, sent
with `webhook-id`, `webhook-timestamp` and `webhook-signature` (HMAC-SHA256) and retried with
exponential backoff and jitter for about three days.

The rules live here, without I/O: the subscription and the delivery (entities), which event
types a pattern matches, how a signature is made, what an answer means (only 2xx succeeds, a
redirect is not followed, 410 disables, 429 names its own delay), when to try again, and
which addresses a webhook may reach."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from domain.errors import FieldProblem, InvalidInput
from domain.syndication.webhook_errors import WebhookTargetRefused

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec takes 24 to 64 random bytes
# After a rotation the old secret signs too (a second signature) for this long, so receivers
# can switch without losing a delivery.
OLD_SECRET_SIGNS_FOR = timedelta(hours=24)

GIVE_UP_AFTER = timedelta(days=3)  # after the first attempt
FIRST_RETRY_SECONDS = 10.0
LONGEST_RETRY_SECONDS = 6 * 3600.0
LONGEST_RETRY_AFTER = timedelta(hours=6)  # a 429's Retry-After, bounded
SHORTEST_RETRY_AFTER = timedelta(seconds=1)

MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 200
MAX_EVENT_TYPES = 50
MAX_ERROR_LENGTH = 500

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# Signing -----------------------------------------------------------------------------------


def signing_secret(random_bytes: bytes) -> str:
    """A secret as the spec writes it: `whsec_` and the base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode("ascii")


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of `{message_id}.{timestamp}.{body}`, keyed with the bytes
    the secret encodes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def new_message_id(delivery_id: UUID) -> str:
    """`msg_` and the delivery's id: the `webhook-id` receivers deduplicate by."""
    return f"msg_{delivery_id.hex}"


# Event types -------------------------------------------------------------------------------

_PATTERN = re.compile(r"^(\*|[a-z][a-z_]*\.(\*|[a-z][a-z_]*))$")


def pattern_matches(pattern: str, event_type: str) -> bool:
    """`*` matches every type, `campaign.*` every type of the group, else the name itself."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def checked_event_types(patterns: Iterable[str], known: Iterable[str]) -> tuple[str, ...]:
    """The patterns a subscription asked for, sorted and without repeats; each must name a
    known public type, a group of them (`campaign.*`) or all (`*`)."""
    names = set(known)
    wanted = sorted({p.strip() for p in patterns})
    problems = []
    if not wanted:
        problems.append(FieldProblem("event_types", "at least one event type or pattern"))
    if len(wanted) > MAX_EVENT_TYPES:
        problems.append(FieldProblem("event_types", f"at most {MAX_EVENT_TYPES}"))
    for pattern in wanted:
        if not _PATTERN.fullmatch(pattern) or not any(pattern_matches(pattern, n) for n in names):
            problems.append(
                FieldProblem("event_types", f"{pattern[:60]!r} names no event type there is")
            )
    if problems:
        raise InvalidInput(problems)
    return tuple(wanted)


# The subscription --------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookSubscription:
    id: UUID
    tenant_id: UUID
    url: str
    event_types: tuple[str, ...]  # patterns: "campaign.*", "pledge.created", "*"
    description: str
    secret: str  # whsec_...: kept to sign with, shown only when made
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    previous_secret: str | None = None  # signs beside the new one until the time below
    previous_secret_until: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def wants(self, event_type: str) -> bool:
        return any(pattern_matches(p, event_type) for p in self.event_types)

    def disabled(self, reason: str, at: datetime) -> WebhookSubscription:
        return dataclasses.replace(self, disabled_at=at, disabled_reason=reason, updated_at=at)

    def enabled(self, at: datetime) -> WebhookSubscription:
        return dataclasses.replace(self, disabled_at=None, disabled_reason=None, updated_at=at)

    def with_secret(self, secret: str, at: datetime) -> WebhookSubscription:
        return dataclasses.replace(
            self,
            secret=secret,
            previous_secret=self.secret,
            previous_secret_until=at + OLD_SECRET_SIGNS_FOR,
            updated_at=at,
        )

    def signing_headers(self, message_id: str, at: datetime, body: bytes) -> dict[str, str]:
        """The Standard Webhooks headers of one attempt made at `at`."""
        timestamp = int(at.timestamp())
        signatures = [signature(self.secret, message_id, timestamp, body)]
        if self.previous_secret and self.previous_secret_until and at < self.previous_secret_until:
            signatures.append(signature(self.previous_secret, message_id, timestamp, body))
        return {
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(signatures),
        }


def checked_description(description: str) -> str:
    text = description.strip()
    if len(text) > MAX_DESCRIPTION_LENGTH or "\x00" in text:
        raise InvalidInput(
            [FieldProblem("description", f"at most {MAX_DESCRIPTION_LENGTH} characters")]
        )
    return text


# Deliveries --------------------------------------------------------------------------------


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not tried yet
    FAILED = "failed"  # the last attempt failed; tried again at `next_attempt_at`
    SUCCEEDED = "succeeded"  # the receiver answered 2xx: never sent again unless replayed
    GIVEN_UP = "given_up"  # three days of attempts, a 410, or its subscription disabled


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt got: an HTTP status (and a 429's Retry-After), or an error (no
    connection, a timeout, a refused address) and no status."""

    status_code: int | None = None
    retry_after: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class WebhookDelivery:
    id: UUID
    tenant_id: UUID
    subscription_id: UUID
    message_id: str  # webhook-id: the same for every attempt and every replay
    event_type: str  # public: "campaign.created"
    payload: dict[str, Any]  # {"type", "timestamp", "data"}
    status: DeliveryStatus
    created_at: datetime
    next_attempt_at: datetime | None
    attempts: int = 0
    first_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    succeeded_at: datetime | None = None
    replay_of: UUID | None = None

    @property
    def settled(self) -> bool:
        return self.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.GIVEN_UP)

    def body(self) -> bytes:
        """The JSON sent, the same bytes for every attempt."""
        return canonical_json(self.payload)

    def attempted(
        self, result: AttemptResult, at: datetime, *, jitter: Callable[[], float]
    ) -> AttemptOutcome:
        """This delivery after an attempt made at `at`, and whether its subscription must be
        disabled (a 410: the receiver says the endpoint is gone for good)."""
        first = self.first_attempt_at or at
        tried = dataclasses.replace(
            self,
            attempts=self.attempts + 1,
            first_attempt_at=first,
            last_attempt_at=at,
            last_status_code=result.status_code,
            last_error=_error_of(result),
        )
        code = result.status_code
        if code is not None and 200 <= code < 300:
            done = dataclasses.replace(
                tried,
                status=DeliveryStatus.SUCCEEDED,
                succeeded_at=at,
                next_attempt_at=None,
                last_error=None,
            )
            return AttemptOutcome(done)
        if code == 410:
            return AttemptOutcome(tried.given_up(at), disable_subscription=True)
        deadline = first + GIVE_UP_AFTER
        if at >= deadline:
            return AttemptOutcome(tried.given_up(at))
        if code == 429 and (asked := retry_after_delay(result.retry_after, at)) is not None:
            delay = asked
        else:
            delay = retry_delay(tried.attempts, jitter=jitter)
        # The last attempt is made at the deadline, three days after the first.
        retry_at = min(at + delay, deadline)
        return AttemptOutcome(
            dataclasses.replace(tried, status=DeliveryStatus.FAILED, next_attempt_at=retry_at)
        )

    def given_up(self, at: datetime, reason: str | None = None) -> WebhookDelivery:
        return dataclasses.replace(
            self,
            status=DeliveryStatus.GIVEN_UP,
            next_attempt_at=None,
            last_error=reason or self.last_error,
        )

    def replayed(self, delivery_id: UUID, at: datetime) -> WebhookDelivery:
        """A fresh delivery of the same message (same webhook-id and body): an admin asked."""
        return WebhookDelivery(
            id=delivery_id,
            tenant_id=self.tenant_id,
            subscription_id=self.subscription_id,
            message_id=self.message_id,
            event_type=self.event_type,
            payload=self.payload,
            status=DeliveryStatus.PENDING,
            created_at=at,
            next_attempt_at=at,
            replay_of=self.id,
        )


@dataclass(frozen=True)
class AttemptOutcome:
    delivery: WebhookDelivery
    disable_subscription: bool = False


def _error_of(result: AttemptResult) -> str | None:
    code = result.status_code
    if result.error:
        error = result.error
    elif code is None or 200 <= code < 300:
        error = None
    elif 300 <= code < 400:
        error = f"answered {code}: redirects are not followed"
    elif code == 410:
        error = "answered 410 Gone: the subscription is disabled"
    else:
        error = f"answered {code}"
    return error[:MAX_ERROR_LENGTH] if error else None


def retry_delay(attempts: int, *, jitter: Callable[[], float]) -> timedelta:
    """After `attempts` failed attempts: 10 s, 20 s, 40 s ... doubling up to six hours, each
    between half and the whole of it (`jitter` in [0, 1)), so receivers that were down are
    not hit by every delivery at once when they come back."""
    ceiling = min(LONGEST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=ceiling * (0.5 + 0.5 * jitter()))


def retry_after_delay(value: str | None, now: datetime) -> timedelta | None:
    """A 429's Retry-After (seconds or an HTTP date) as a delay between one second and six
    hours; None when it is missing or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        delay = timedelta(seconds=int(value[:9]))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delay = when - now
    return max(SHORTEST_RETRY_AFTER, min(LONGEST_RETRY_AFTER, delay))


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


# Targets: which URLs and addresses a webhook may reach -------------------------------------


@dataclass(frozen=True)
class WebhookTarget:
    """A URL taken apart, with the addresses its host resolved to and were checked: the
    request goes to one of these, never to a second lookup's answer."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IpAddress, ...]


_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_TEREDO = ipaddress.IPv6Network("2001::/32")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def address_refusal(address: IpAddress) -> str | None:
    """Why a webhook may not go to `address`, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        transition = _transition_kind(address)
        if transition is not None:
            kind, embedded = transition
            reason = f"{address} is an IPv6 transition address ({kind})"
            if embedded is not None:
                inner = address_refusal(embedded)
                reason += f" to {embedded}" + (f"; {inner}" if inner else "")
            return reason
    if address.is_unspecified:
        return f"{address} is the unspecified address"
    if address.is_loopback:
        return f"{address} is a loopback address"
    if address.is_link_local:
        return f"{address} is a link-local address"
    if address.is_multicast:
        return f"{address} is a multicast address"
    if address.is_private:
        return f"{address} is a private address"
    if address.is_reserved:
        return f"{address} is a reserved address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return f"{address} is a site-local address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def _transition_kind(address: ipaddress.IPv6Address) -> tuple[str, IpAddress | None] | None:
    """IPv6 addresses that reach IPv4 hosts: a check of the IPv6 address alone would let a
    private IPv4 address through them."""
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", address.ipv4_mapped
    if address in _SIX_TO_FOUR:
        return "6to4", address.sixtofour
    if address in _TEREDO:
        teredo = address.teredo
        return "Teredo", teredo[1] if teredo else None
    for network in _NAT64:
        if address in network:
            return "NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return "IPv4-compatible", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def parsed_target_url(url: str, *, allow_private: bool) -> tuple[str, str, int]:
    """(scheme, host, port) of a webhook URL: http(s) only, https unless private targets are
    allowed (tests, development), no credentials in it."""

    def refuse(reason: str) -> InvalidInput:
        return InvalidInput([FieldProblem("url", reason)])

    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise refuse(f"an absolute URL of at most {MAX_URL_LENGTH} characters without spaces")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise refuse("not a URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise refuse("must be an https URL")
    if scheme == "http" and not allow_private:
        raise refuse("must be an https URL")
    if parts.username is not None or parts.password is not None:
        raise refuse("may not carry credentials; authenticate by the signature")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise refuse("names no host")
    return scheme, host, port or (443 if scheme == "https" else 80)


def literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def checked_addresses(
    host: str, resolved: Iterable[str], *, allow_private: bool
) -> tuple[IpAddress, ...]:
    """The addresses a host resolved to, all of them allowed; refused (WebhookTargetRefused)
    when there are none or any one is not: a name with one private address among public ones
    could be answered with that one."""
    addresses: list[IpAddress] = []
    for raw in resolved:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise WebhookTargetRefused(f"{host} does not resolve")
    if not allow_private:
        for address in addresses:
            reason = address_refusal(address)
            if reason is not None:
                raise WebhookTargetRefused(f"{host} resolves to {reason}")
    return tuple(addresses)


def error_text(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return text[:MAX_ERROR_LENGTH]

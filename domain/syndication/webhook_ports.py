"""Ports of outbound webhooks: storage per tenant, the delivery queue across tenants, the
resolver, the HTTP sender and the source of randomness."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from domain.ports import UnitOfWork
from domain.syndication.webhooks import (
    AttemptResult,
    IpAddress,
    WebhookDelivery,
    WebhookSubscription,
)


class WebhookSubscriptions(Protocol):
    """A tenant's subscriptions (the repository is built for one tenant)."""

    async def add(self, subscription: WebhookSubscription) -> None: ...

    async def get(self, subscription_id: UUID) -> WebhookSubscription | None: ...

    async def list(self) -> list[WebhookSubscription]: ...

    async def active(self) -> list[WebhookSubscription]: ...

    async def update(self, subscription: WebhookSubscription) -> None: ...

    async def remove(self, subscription_id: UUID) -> None:
        """With its deliveries."""
        ...


class WebhookDeliveries(Protocol):
    """A tenant's deliveries; adding one also queues it for the worker."""

    async def add_for_event(self, deliveries: Sequence[WebhookDelivery], source_key: str) -> int:
        """Add the deliveries of one event, each at most once per subscription and
        `source_key` (a retried fan-out adds none twice); returns how many were new."""
        ...

    async def add(self, delivery: WebhookDelivery) -> None: ...

    async def get(self, delivery_id: UUID) -> WebhookDelivery | None: ...

    async def page(
        self, subscription_id: UUID, *, limit: int, cursor: str | None
    ) -> tuple[list[WebhookDelivery], str | None]:
        """Newest first."""
        ...

    async def settle(self, delivery: WebhookDelivery, worker: str) -> bool:
        """Store the delivery after an attempt, only while `worker` still holds its place in
        the queue (then done with it, or queued again at `next_attempt_at`); False when the
        lease ran out meanwhile and another worker took it over: nothing is stored."""
        ...

    async def give_up_pending(self, subscription_id: UUID, reason: str) -> int:
        """Give up every unsettled delivery of a subscription (it was disabled)."""
        ...


class WebhookUnitOfWork(UnitOfWork, Protocol):
    subscriptions: WebhookSubscriptions
    deliveries: WebhookDeliveries


@dataclass(frozen=True)
class QueuedDelivery:
    tenant_id: UUID
    delivery_id: UUID


class DeliveryQueue(Protocol):
    """Due deliveries across tenants (ids only: each is read in its tenant's transaction)."""

    async def claim(
        self, worker: str, *, limit: int, now: datetime, lease: timedelta
    ) -> list[QueuedDelivery]:
        """Up to `limit` due deliveries, now held by `worker` until the lease ends; two
        workers never hold the same one."""
        ...

    async def hold(
        self, queued: QueuedDelivery, worker: str, *, now: datetime, lease: timedelta
    ) -> bool:
        """Renew the lease just before sending; False when another worker has it now."""
        ...

    async def busy(self, now: datetime) -> bool:
        """Whether any delivery is due or held."""
        ...


class HostResolver(Protocol):
    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address (A and AAAA) the name has now; empty when it has none."""
        ...


class WebhookSender(Protocol):
    async def send(
        self,
        url: str,
        address: IpAddress,
        headers: Mapping[str, str],
        body: bytes,
    ) -> AttemptResult:
        """POST `body` to `url`, connected to `address` (checked before; no second lookup),
        TLS checked against the URL's host; no redirect followed. Network failures come back
        as an AttemptResult with an error, never as an exception."""
        ...


class Randomness(Protocol):
    def token_bytes(self, n: int) -> bytes: ...

    def fraction(self) -> float:
        """Uniform in [0, 1): the jitter of retry delays."""
        ...


@dataclass(frozen=True)
class WebhookPorts:
    resolver: HostResolver
    sender: WebhookSender
    randomness: Randomness
    allow_private_targets: bool = False

"""Use cases of tenant admins (and partner keys with `webhooks:manage`): subscribe a URL to
event types, change, disable, delete, rotate the secret, read the delivery log, replay a
delivery and send a test ping. The secret is in the answers of subscribe and rotate only."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from domain.identity.model import Principal, Role, Scope
from domain.identity.policies import require_scope_or_role
from domain.ports import Clock, IdGenerator
from domain.syndication.webhook_errors import (
    WebhookDeliveryNotFound,
    WebhookSubscriptionDisabled,
    WebhookSubscriptionNotFound,
)
from domain.syndication.webhook_events import PING, public_event_names
from domain.syndication.webhook_ports import WebhookPorts, WebhookUnitOfWork
from domain.syndication.webhooks import (
    SECRET_BYTES,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
    WebhookTarget,
    checked_addresses,
    checked_description,
    checked_event_types,
    literal_address,
    new_message_id,
    parsed_target_url,
    signing_secret,
)

MAX_PAGE = 100


def require_webhook_admin(principal: Principal) -> Principal:
    return require_scope_or_role(principal, Scope.WEBHOOKS_MANAGE, Role.ADMIN)


async def checked_target(url: str, ports: WebhookPorts) -> WebhookTarget:
    """The URL's host resolved now and every address checked (WebhookTargetRefused, or
    InvalidInput for a URL that is no http(s) URL)."""
    allow = ports.allow_private_targets
    scheme, host, port = parsed_target_url(url, allow_private=allow)
    literal = literal_address(host)
    resolved = [str(literal)] if literal else await ports.resolver.resolve(host, port)
    return WebhookTarget(
        url, scheme, host, port, checked_addresses(host, resolved, allow_private=allow)
    )


@dataclass(frozen=True)
class Subscribe:
    url: str
    event_types: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class WithSecret:
    subscription: WebhookSubscription
    secret: str  # shown to the caller this once


async def subscribe(
    cmd: Subscribe,
    principal: Principal,
    *,
    uow: WebhookUnitOfWork,
    ports: WebhookPorts,
    clock: Clock,
    ids: IdGenerator,
) -> WithSecret:
    caller = require_webhook_admin(principal)
    event_types = checked_event_types(cmd.event_types, public_event_names())
    description = checked_description(cmd.description)
    # Resolved before the transaction opens: no lookup while it holds a connection.
    await checked_target(cmd.url, ports)
    now = clock.now()
    secret = signing_secret(ports.randomness.token_bytes(SECRET_BYTES))
    subscription = WebhookSubscription(
        id=ids.new_id(),
        tenant_id=caller.tenant_id,
        url=cmd.url,
        event_types=event_types,
        description=description,
        secret=secret,
        created_at=now,
        updated_at=now,
    )
    async with uow:
        await uow.subscriptions.add(subscription)
        await uow.commit()
    return WithSecret(subscription, secret)


async def list_subscriptions(
    principal: Principal, *, uow: WebhookUnitOfWork
) -> list[WebhookSubscription]:
    require_webhook_admin(principal)
    async with uow:
        return await uow.subscriptions.list()


async def view_subscription(
    subscription_id: UUID, principal: Principal, *, uow: WebhookUnitOfWork
) -> WebhookSubscription:
    require_webhook_admin(principal)
    async with uow:
        return await _subscription(uow, subscription_id)


@dataclass(frozen=True)
class ChangeSubscription:
    """None leaves a field as it is."""

    subscription_id: UUID
    url: str | None = None
    event_types: tuple[str, ...] | None = None
    description: str | None = None
    active: bool | None = None


async def change_subscription(
    cmd: ChangeSubscription,
    principal: Principal,
    *,
    uow: WebhookUnitOfWork,
    ports: WebhookPorts,
    clock: Clock,
) -> WebhookSubscription:
    require_webhook_admin(principal)
    changes: dict[str, object] = {}
    if cmd.event_types is not None:
        changes["event_types"] = checked_event_types(cmd.event_types, public_event_names())
    if cmd.description is not None:
        changes["description"] = checked_description(cmd.description)
    if cmd.url is not None:
        await checked_target(cmd.url, ports)
        changes["url"] = cmd.url
    now = clock.now()
    async with uow:
        subscription = await _subscription(uow, cmd.subscription_id)
        changed = replace(subscription, **changes, updated_at=now)  # type: ignore[arg-type]
        if cmd.active is True and not changed.active:
            changed = changed.enabled(now)
        elif cmd.active is False and changed.active:
            changed = changed.disabled("disabled by an admin", now)
        await uow.subscriptions.update(changed)
        await uow.commit()
    return changed


async def remove_subscription(
    subscription_id: UUID, principal: Principal, *, uow: WebhookUnitOfWork
) -> None:
    """With its delivery log: nothing more is sent to it."""
    require_webhook_admin(principal)
    async with uow:
        await _subscription(uow, subscription_id)
        await uow.subscriptions.remove(subscription_id)
        await uow.commit()


async def rotate_secret(
    subscription_id: UUID,
    principal: Principal,
    *,
    uow: WebhookUnitOfWork,
    ports: WebhookPorts,
    clock: Clock,
) -> WithSecret:
    """A new secret; the old one signs beside it for a day, so receivers can switch."""
    require_webhook_admin(principal)
    secret = signing_secret(ports.randomness.token_bytes(SECRET_BYTES))
    async with uow:
        subscription = await _subscription(uow, subscription_id)
        rotated = subscription.with_secret(secret, clock.now())
        await uow.subscriptions.update(rotated)
        await uow.commit()
    return WithSecret(rotated, secret)


async def list_deliveries(
    subscription_id: UUID,
    principal: Principal,
    *,
    uow: WebhookUnitOfWork,
    limit: int,
    cursor: str | None,
) -> tuple[list[WebhookDelivery], str | None]:
    """The delivery log, newest first."""
    require_webhook_admin(principal)
    async with uow:
        await _subscription(uow, subscription_id)
        return await uow.deliveries.page(
            subscription_id, limit=max(1, min(limit, MAX_PAGE)), cursor=cursor
        )


async def replay_delivery(
    subscription_id: UUID,
    delivery_id: UUID,
    principal: Principal,
    *,
    uow: WebhookUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> WebhookDelivery:
    """Send a delivery again, as a new entry of the log with the same webhook-id and body
    (a receiver that processed it recognises it); even one that succeeded: an admin asked."""
    require_webhook_admin(principal)
    async with uow:
        subscription = await _subscription(uow, subscription_id)
        if not subscription.active:
            raise WebhookSubscriptionDisabled()
        original = await uow.deliveries.get(delivery_id)
        if original is None or original.subscription_id != subscription_id:
            raise WebhookDeliveryNotFound()
        replayed = original.replayed(ids.new_id(), clock.now())
        await uow.deliveries.add(replayed)
        await uow.commit()
    return replayed


async def send_ping(
    subscription_id: UUID,
    principal: Principal,
    *,
    uow: WebhookUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> WebhookDelivery:
    """Queue a `webhook.ping` to the subscription's URL, signed like every delivery."""
    require_webhook_admin(principal)
    now = clock.now()
    async with uow:
        subscription = await _subscription(uow, subscription_id)
        if not subscription.active:
            raise WebhookSubscriptionDisabled()
        delivery_id = ids.new_id()
        ping = WebhookDelivery(
            id=delivery_id,
            tenant_id=subscription.tenant_id,
            subscription_id=subscription.id,
            message_id=new_message_id(delivery_id),
            event_type=PING,
            payload={
                "type": PING,
                "timestamp": now.isoformat().replace("+00:00", "Z"),
                "data": {
                    "tenant_id": str(subscription.tenant_id),
                    "subscription_id": str(subscription.id),
                },
            },
            status=DeliveryStatus.PENDING,
            created_at=now,
            next_attempt_at=now,
        )
        await uow.deliveries.add(ping)
        await uow.commit()
    return ping


async def _subscription(uow: WebhookUnitOfWork, subscription_id: UUID) -> WebhookSubscription:
    found = await uow.subscriptions.get(subscription_id)
    if found is None:
        raise WebhookSubscriptionNotFound()
    return found

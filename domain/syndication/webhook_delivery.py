"""The worker's side of webhooks: an event becomes one delivery per matching subscription
(`fan_out`), and due deliveries are claimed, sent and recorded (`deliver_due`).

Exactly once in effect, however many workers run: a delivery is claimed with a lease, sent
outside any transaction, and its result stored only while the worker still holds the lease.
A worker that stalls past its lease may leave a delivery to be sent again by another, with
the same `webhook-id` (receivers deduplicate by it); one recorded as succeeded is never sent
again, unless an admin replays it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from domain.domain_events import DomainEvent
from domain.errors import InvalidInput
from domain.ports import Clock, IdGenerator
from domain.syndication.webhook_events import public_event_of, webhook_payload
from domain.syndication.webhook_ports import (
    DeliveryQueue,
    QueuedDelivery,
    WebhookPorts,
    WebhookUnitOfWork,
)
from domain.syndication.webhook_subscriptions import checked_target
from domain.syndication.webhooks import (
    AttemptResult,
    DeliveryStatus,
    WebhookDelivery,
    error_text,
    new_message_id,
)

log = logging.getLogger("stadtkern.webhooks")

USER_AGENT = "Stadtkern-Webhooks/1"
SUBSCRIPTION_GONE = "the subscription is disabled"
GONE_REASON = "the endpoint answered 410 Gone"


async def fan_out(
    event: DomainEvent,
    *,
    source_key: str,
    uow: WebhookUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> int:
    """One delivery per active subscription of the event's tenant that wants its public
    type; `source_key` names the event, so running this again adds nothing twice."""
    public = public_event_of(event)
    if public is None:
        return 0
    now = clock.now()
    async with uow:
        wanting = [s for s in await uow.subscriptions.active() if s.wants(public.name)]
        if not wanting:
            return 0
        payload = webhook_payload(public, event, now)
        deliveries = []
        for subscription in wanting:
            delivery_id = ids.new_id()
            deliveries.append(
                WebhookDelivery(
                    id=delivery_id,
                    tenant_id=event.tenant_id,
                    subscription_id=subscription.id,
                    message_id=new_message_id(delivery_id),
                    event_type=public.name,
                    payload=payload,
                    status=DeliveryStatus.PENDING,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
        added = await uow.deliveries.add_for_event(deliveries, source_key)
        await uow.commit()
    return added


async def deliver_due(
    *,
    worker: str,
    queue: DeliveryQueue,
    uow_for: Callable[[UUID], WebhookUnitOfWork],
    ports: WebhookPorts,
    clock: Clock,
    lease: timedelta,
    batch: int = 20,
    within: timedelta = timedelta(seconds=60),
) -> int:
    """Claim and send due deliveries, a batch at a time (each batch's sends side by side),
    until none is due or `within` has passed; the number of attempts made."""
    started = clock.now()
    made = 0
    while clock.now() - started < within:
        claimed = await queue.claim(worker, limit=batch, now=clock.now(), lease=lease)
        if not claimed:
            break
        results = await asyncio.gather(
            *(
                deliver_one(
                    queued,
                    worker=worker,
                    queue=queue,
                    uow=uow_for(queued.tenant_id),
                    ports=ports,
                    clock=clock,
                    lease=lease,
                )
                for queued in claimed
            ),
            return_exceptions=True,
        )
        for queued, result in zip(claimed, results, strict=True):
            if isinstance(result, BaseException):
                # Its lease runs out and it is tried again; the others went on.
                log.error(
                    "webhook delivery failed",
                    extra={"delivery": str(queued.delivery_id)},
                    exc_info=result,
                )
            elif result:
                made += 1
    return made


async def deliver_one(
    queued: QueuedDelivery,
    *,
    worker: str,
    queue: DeliveryQueue,
    uow: WebhookUnitOfWork,
    ports: WebhookPorts,
    clock: Clock,
    lease: timedelta,
) -> bool:
    """One attempt at a claimed delivery; False when none was made (settled already, its
    subscription disabled or gone, or the lease lost)."""
    async with uow:
        delivery = await uow.deliveries.get(queued.delivery_id)
        subscription = await uow.subscriptions.get(delivery.subscription_id) if delivery else None
    if delivery is None:
        return False
    if delivery.settled or subscription is None or not subscription.active:
        settled = (
            delivery if delivery.settled else delivery.given_up(clock.now(), SUBSCRIPTION_GONE)
        )
        await _store(settled, worker, uow)
        return False
    if not await queue.hold(queued, worker, now=clock.now(), lease=lease):
        return False
    at = clock.now()
    result = await attempt(delivery, subscription.url, subscription.signing_headers, at, ports)
    outcome = delivery.attempted(result, at, jitter=ports.randomness.fraction)
    async with uow:
        if not await uow.deliveries.settle(outcome.delivery, worker):
            return True  # another worker has it now; its own attempt counts
        if outcome.disable_subscription:
            current = await uow.subscriptions.get(subscription.id)
            if current is not None and current.active:
                await uow.subscriptions.update(current.disabled(GONE_REASON, at))
                await uow.deliveries.give_up_pending(subscription.id, GONE_REASON)
        await uow.commit()
    return True


async def attempt(
    delivery: WebhookDelivery,
    url: str,
    sign: Callable[[str, datetime, bytes], dict[str, str]],
    at: datetime,
    ports: WebhookPorts,
) -> AttemptResult:
    """Check the URL's addresses again (DNS may have changed since it was subscribed), then
    send to the address checked."""
    try:
        target = await checked_target(url, ports)
    except InvalidInput as refused:
        return AttemptResult(error=f"refused: {refused}")
    except Exception as error:  # a resolver that failed: the attempt failed
        return AttemptResult(error=f"resolving failed: {error_text(error)}")
    body = delivery.body()
    headers = {
        **sign(delivery.message_id, at, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    return await ports.sender.send(url, target.addresses[0], headers, body)


async def _store(delivery: WebhookDelivery, worker: str, uow: WebhookUnitOfWork) -> None:
    async with uow:
        if await uow.deliveries.settle(delivery, worker):
            await uow.commit()

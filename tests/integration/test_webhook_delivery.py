"""Webhook delivery on a real database (PostgreSQL when the test settings name one): events
from the outbox, fanned out and sent by the worker to a receiver on 127.0.0.1.

- two workers (each with its own services, as two `stadtkern worker` processes have) deliver
  every webhook, and no webhook-id is received twice;
- a receiver that is down is retried and gets the delivery when it is back;
- the address a name resolves to is checked again at each delivery (DNS may change after the
  subscription was accepted), and the request goes to the address that was checked."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from adapters.webhook_http import SystemRandomness
from api.handlers import deliver_webhooks
from api.services import Services, build_services
from domain.directory.events import BusinessRegistered
from domain.identity.model import Person, Role
from domain.syndication import webhook_subscriptions as use
from domain.syndication.webhook_ports import WebhookPorts
from domain.syndication.webhooks import AttemptResult, DeliveryStatus, IpAddress
from tests.conftest import make_settings, seed_tenants
from tests.factories import tenant_config
from tests.webhook_receiver import Receiver, running_receiver, verify


@pytest.fixture
async def settings(migrated_database):  # type: ignore[no-untyped-def]
    return make_settings(migrated_database, webhooks_allow_private_targets=True)


@pytest.fixture
async def tenant_id(services) -> UUID:  # type: ignore[no-untyped-def]
    await seed_tenants(services, tenant_config("leipzig"))
    tenant = await services.tenant_directory.by_slug("leipzig")
    assert tenant is not None
    return tenant.id


def admin_of(tenant_id: UUID) -> Person:
    return Person(tenant_id, uuid4(), Role.ADMIN)


async def subscribe(services: Services, tenant_id: UUID, url: str) -> use.WithSecret:
    return await use.subscribe(
        use.Subscribe(url, ("business.*",)),
        admin_of(tenant_id),
        uow=services.webhooks_uow(tenant_id),
        ports=services.webhook_ports,
        clock=services.clock,
        ids=services.ids,
    )


async def record_events(services: Services, tenant_id: UUID, count: int) -> None:
    """Business registrations, written to the outbox as the directory's use case would."""
    async with services.webhooks_uow(tenant_id) as uow:
        for _ in range(count):
            uow.record(
                BusinessRegistered(tenant_id=tenant_id, business_id=uuid4(), external_id=None)
            )
        await uow.commit()


async def log_of(services: Services, tenant_id: UUID, subscription_id: UUID):  # type: ignore[no-untyped-def]
    items, _ = await use.list_deliveries(
        subscription_id,
        admin_of(tenant_id),
        uow=services.webhooks_uow(tenant_id),
        limit=100,
        cursor=None,
    )
    return items


class ShiftedClock:
    """The system's time, moved on by the test (retries become due without waiting)."""

    def __init__(self) -> None:
        self.shift = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift


async def test_two_workers_deliver_every_webhook_and_no_webhook_id_twice(settings, tenant_id):
    one, two = build_services(settings), build_services(settings)
    try:
        with running_receiver(Receiver(delay=0.02)) as receiver:
            secrets = [
                (await subscribe(one, tenant_id, receiver.url)).secret,
                (await subscribe(one, tenant_id, receiver.url + "?second")).secret,
            ]
            await record_events(one, tenant_id, 30)
            await two.jobs.busy(two.clock.now())  # both connected before the race starts
            await asyncio.gather(one.worker.run_until_idle(), two.worker.run_until_idle())
            await asyncio.gather(deliver_webhooks(one), deliver_webhooks(two))
            received = list(receiver.received)
        all_deliveries = []
        for subscription in await use.list_subscriptions(
            admin_of(tenant_id), uow=one.webhooks_uow(tenant_id)
        ):
            all_deliveries += await log_of(one, tenant_id, subscription.id)
    finally:
        await one.close()
        await two.close()
    ids = [r.headers["webhook-id"] for r in received]
    assert len(all_deliveries) == 60
    assert sorted(ids) == sorted(d.message_id for d in all_deliveries), "each received once"
    assert all(d.status is DeliveryStatus.SUCCEEDED and d.attempts == 1 for d in all_deliveries)
    assert all(any(verify(s, r.headers, r.body) for s in secrets) for r in received)


async def test_a_receiver_that_was_down_gets_the_delivery_when_it_is_back(services, tenant_id):
    with socket.socket() as probe:  # a port nothing listens on (yet)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = ShiftedClock()
    services.clock = clock  # type: ignore[assignment]
    made = await subscribe(services, tenant_id, f"http://127.0.0.1:{port}/hook")
    await record_events(services, tenant_id, 1)
    await services.worker.run_until_idle()
    (failed,) = await log_of(services, tenant_id, made.subscription.id)
    assert failed.status is DeliveryStatus.FAILED and "Connect" in (failed.last_error or "")
    assert failed.next_attempt_at is not None

    assert await deliver_webhooks(services) == 0  # not due yet
    with running_receiver(Receiver(port=port)) as receiver:
        clock.shift = failed.next_attempt_at - datetime.now(UTC) + timedelta(seconds=1)
        assert await deliver_webhooks(services) == 1
        assert await deliver_webhooks(services) == 0
    (done,) = await log_of(services, tenant_id, made.subscription.id)
    assert done.status is DeliveryStatus.SUCCEEDED and done.attempts == 2
    assert receiver.ids() == [done.message_id]


class FakeResolver:
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    async def resolve(self, host: str, port: int) -> list[str]:
        return list(self.answers.get(host, []))


@dataclasses.dataclass
class RecordingSender:
    sent: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    async def send(self, url: str, address: IpAddress, headers, body) -> AttemptResult:  # type: ignore[no-untyped-def]
        self.sent.append((url, str(address)))
        return AttemptResult(status_code=200)


async def test_a_name_that_resolves_to_a_private_address_by_delivery_time_is_refused(
    services, tenant_id
):
    resolver = FakeResolver({"hooks.example.org": ["93.184.215.14"]})
    sender = RecordingSender()
    services.webhook_ports = WebhookPorts(
        resolver=resolver, sender=sender, randomness=SystemRandomness()
    )
    made = await subscribe(services, tenant_id, "https://hooks.example.org/hook")
    resolver.answers["hooks.example.org"] = ["93.184.215.14", "10.0.0.7"]  # DNS changed
    await record_events(services, tenant_id, 1)
    await services.worker.run_until_idle()

    (refused,) = await log_of(services, tenant_id, made.subscription.id)
    assert sender.sent == []
    assert refused.status is DeliveryStatus.FAILED and refused.next_attempt_at is not None
    assert "refused" in (refused.last_error or "") and "10.0.0.7" in (refused.last_error or "")


async def test_the_request_goes_to_the_address_that_was_checked_not_to_a_second_lookup(
    services, tenant_id
):
    # The name exists only for the checked resolver: a second lookup by the HTTP client would
    # fail, so a delivery that arrives went to the address that was checked.
    with running_receiver() as receiver:
        host = "rebinding.invalid"
        services.webhook_ports = dataclasses.replace(
            services.webhook_ports, resolver=FakeResolver({host: ["127.0.0.1"]})
        )
        made = await subscribe(services, tenant_id, f"http://{host}:{receiver.port}/hook")
        await record_events(services, tenant_id, 1)
        await services.worker.run_until_idle()
    (done,) = await log_of(services, tenant_id, made.subscription.id)
    assert done.status is DeliveryStatus.SUCCEEDED, done.last_error
    assert receiver.received[0].headers["host"] == f"{host}:{receiver.port}"

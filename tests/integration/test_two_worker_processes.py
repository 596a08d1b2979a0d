"""Workers scale out: two `stadtkern worker` processes on one PostgreSQL share the webhooks and
the pushes to a remote parent. Every webhook reaches its receiver once (no webhook-id twice,
every delivery on its first attempt), and the tenant's pushes never run in both at once and
end with the parent holding exactly the child's public campaigns.

PostgreSQL only: processes share work through it (`FOR UPDATE SKIP LOCKED`, conditional
leases); on the embedded default `serve` runs the one worker in-process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from adapters.db import migrate
from adapters.db.engine import create_engine
from api.services import build_services
from domain.identity.model import Role
from domain.syndication import webhook_subscriptions as webhooks
from domain.syndication.webhooks import DeliveryStatus
from domain.tenancy.model import ModerationSettings, RemoteParentSettings
from tests.conftest import (
    TEST_JWT_KEYS,
    TEST_REDIS_URL,
    create_scratch_database,
    drop_scratch_database,
    make_settings,
    on_postgres,
    seed_tenants,
)
from tests.factories import campaign_tenant
from tests.integration.test_remote_parent import (
    APP_URL,
    back,
    member,
    new_campaign,
    public_campaigns,
    wait_for,
)
from tests.webhook_receiver import Receiver, running_receiver, verify

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="worker processes share their work through PostgreSQL"
)
KEY_ENV = "KIEZ_PARENT_KEY"


@dataclass
class FakeParent:
    """The partner API of a parent platform: the last state of each campaign it was sent, and
    how many calls were in flight at once (a push of one tenant runs in one worker at a time)."""

    port: int = 0
    held: dict[str, dict] = field(default_factory=dict)
    calls: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def running_parent() -> Iterator[FakeParent]:
    state = FakeParent()

    class Handler(BaseHTTPRequestHandler):
        def _enter(self) -> str:
            with state.lock:
                state.calls += 1
                state.in_flight += 1
                state.most_in_flight = max(state.most_in_flight, state.in_flight)
            time.sleep(0.03)  # a slow parent: two pushers at once would overlap here
            return self.path.rsplit("/", 1)[-1]

        def _leave(self, status: int) -> None:
            with state.lock:
                state.in_flight -= 1
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def do_PUT(self) -> None:
            external_id = self._enter()
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            with state.lock:
                created = external_id not in state.held
                state.held[external_id] = body
            self._leave(201 if created else 200)

        def do_DELETE(self) -> None:
            external_id = self._enter()
            with state.lock:
                state.held.pop(external_id, None)
            self._leave(204)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def database() -> AsyncIterator[str]:
    url = await create_scratch_database("workers")
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    yield url
    await drop_scratch_database(url)


async def start_worker(url: str, home: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STADTKERN_")}
    env |= {
        "STADTKERN_DATABASE_URL": url,
        "STADTKERN_REDIS_URL": TEST_REDIS_URL,
        "STADTKERN_REDIS_PREFIX": f"sk-test-{uuid.uuid4().hex[:12]}:",
        "STADTKERN_JWT_PRIVATE_KEYS": TEST_JWT_KEYS,
        "STADTKERN_MAIL_OUTBOX_DIR": str(home / "mail"),
        "STADTKERN_MEDIA_DIR": str(home / "media"),
        "STADTKERN_TENANT_CACHE_SECONDS": "0",
        "STADTKERN_WORKER_POLL_SECONDS": "0.05",
        "STADTKERN_WORKER_RETRY_BASE_SECONDS": "0.2",
        "STADTKERN_REMOTE_PUSH_SECONDS": "0.2",
        "STADTKERN_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
        "STADTKERN_LOG_LEVEL": "INFO",
        KEY_ENV: "sk_not_checked_by_the_fake_parent",
    }
    home.mkdir(parents=True, exist_ok=True)
    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "stadtkern"),
        "worker",
        env=env,
        cwd=home,
        stdout=open(home / "stdout.log", "ab"),  # noqa: ASYNC230
        stderr=open(home / "stderr.log", "ab"),  # noqa: ASYNC230
    )


async def test_two_worker_processes_send_each_webhook_once_and_push_in_turn(database, tmp_path):
    services = build_services(make_settings(database, webhooks_allow_private_targets=True))
    workers: list[asyncio.subprocess.Process] = []
    try:
        with running_receiver(Receiver(delay=0.01)) as receiver, running_parent() as parent:
            await seed_tenants(
                services,
                campaign_tenant(
                    "kiez",
                    name="Kiezfonds",
                    app_url=APP_URL,
                    moderation=ModerationSettings(auto_approve_campaigns=True),
                    remote_parent=RemoteParentSettings(
                        base_url=f"http://127.0.0.1:{parent.port}", key_env=KEY_ENV
                    ),
                ),
            )
            tenant = await services.tenant_directory.by_slug("kiez")
            assert tenant is not None
            admin = await member(services, tenant, "admin", Role.ADMIN)
            author = await member(services, tenant, "author", Role.MEMBER)
            subscribed = await webhooks.subscribe(
                webhooks.Subscribe(receiver.url, ("campaign.*", "pledge.*")),
                admin,
                uow=services.webhooks_uow(tenant.id),
                ports=services.webhook_ports,
                clock=services.clock,
                ids=services.ids,
            )
            workers = [await start_worker(database, tmp_path / f"worker-{n}") for n in (1, 2)]
            # Changes while both run: campaigns going live, pledges received.
            for n in range(6):
                made = await new_campaign(services, tenant, author, f"Projekt {n}")
                await back(services, tenant, made.id, [10 + n, 25], admin)

            async def everything_arrived() -> bool:
                log, _ = await webhooks.list_deliveries(
                    subscribed.subscription.id,
                    admin,
                    uow=services.webhooks_uow(tenant.id),
                    limit=100,
                    cursor=None,
                )
                delivered = all(d.status is DeliveryStatus.SUCCEEDED for d in log)
                shown = {
                    str(c.id): (c.status.value, c.current_totals.pledged.amount)
                    for c in await public_campaigns(services, tenant)
                }
                with parent.lock:
                    pushed = {
                        i: (b["status"], b["totals"]["pledged"]["amount"])
                        for i, b in parent.held.items()
                    }
                return bool(log) and delivered and pushed == shown and len(shown) == 6

            await wait_for(everything_arrived, within=90, what="deliveries and pushes")
            log, _ = await webhooks.list_deliveries(
                subscribed.subscription.id,
                admin,
                uow=services.webhooks_uow(tenant.id),
                limit=100,
                cursor=None,
            )
            received = list(receiver.received)
            most_in_flight = parent.most_in_flight
    finally:
        for process in workers:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in workers:
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
        await services.close()
    ids = [r.headers["webhook-id"] for r in received]
    # 6 campaigns: created, live, 2 pledges made and captured: 36 deliveries at least.
    assert len(log) >= 36
    assert sorted(ids) == sorted(d.message_id for d in log), "each webhook received once"
    assert all(d.attempts == 1 for d in log)
    assert all(verify(subscribed.secret, r.headers, r.body) for r in received)
    assert most_in_flight == 1, "one tenant's pushes ran in two workers at once"
    for n in (1, 2):
        assert (
            "worker started"
            in (tmp_path / f"worker-{n}" / "stderr.log").read_text()
            + (tmp_path / f"worker-{n}" / "stdout.log").read_text()
        )

"""The outbox and the worker on a real database (SQLite, and PostgreSQL in CI): events exist
exactly for committed changes, jobs run once across workers, mails survive SMTP outages and
a worker killed mid-job."""

import asyncio
import email
import os
import re
import signal
import socket
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from adapters.db.jobs import SqlJobQueue
from adapters.db.outbox import JobRow, OutboxRow
from api.app import create_app
from api.services import build_services
from api.worker import Worker
from domain.identity.errors import EmailTaken
from domain.identity.events import AccountSignedUp
from domain.identity.model import Account
from domain.identity.sessions import SignUp, sign_up, verify_email
from domain.jobs import Handler, Job, PeriodicJob
from tests.conftest import (
    TEST_JWT_KEYS,
    TEST_REDIS_URL,
    client_for,
    make_settings,
    on_postgres,
    seed_tenants,
)
from tests.factories import tenant_config

PASSWORD = "correct horse battery staple"


@pytest.fixture
async def leipzig(services):  # type: ignore[no-untyped-def]
    await seed_tenants(services, tenant_config("leipzig"))
    return await services.tenant_directory.by_slug("leipzig")


async def count(services, table) -> int:  # type: ignore[no-untyped-def]
    async with services.sessions() as session:
        return await session.scalar(select(func.count()).select_from(table))


async def outbox_rows(services, tenant) -> list:  # type: ignore[no-untyped-def]
    async with services.identity_uow(tenant.id) as uow:
        columns = (OutboxRow.id, OutboxRow.tenant_id, OutboxRow.event_type, OutboxRow.payload)
        return (await uow.session.execute(select(*columns).order_by(OutboxRow.id))).all()


async def test_a_committed_change_writes_its_events_and_their_jobs(services, leipzig):
    await sign_up(
        SignUp(services.tenant_ref(leipzig), "ada@example.org", PASSWORD, "Ada"),
        uow=services.identity_uow(leipzig.id),
        ports=services.identity,
    )
    signed_up, joined = await outbox_rows(services, leipzig)
    assert signed_up.event_type == "identity.account_signed_up"
    assert signed_up.payload["email"] == "ada@example.org" and signed_up.tenant_id == leipzig.id
    assert joined.event_type == "identity.member_role_changed"
    async with services.sessions() as session:
        [job] = (await session.execute(select(JobRow.handler, JobRow.event_id))).all()
    assert job.handler == "identity.mail" and job.event_id == signed_up.id


async def test_no_event_is_stored_for_a_change_that_is_rolled_back(services, leipzig):
    event = AccountSignedUp(tenant_id=leipzig.id, account_id=uuid.uuid4(), email="x@example.org")
    with pytest.raises(RuntimeError):
        async with services.identity_uow(leipzig.id) as uow:
            uow.record(event)
            raise RuntimeError("the use case failed before its commit")
    async with services.identity_uow() as uow:
        await uow.accounts.add(
            Account(uuid.uuid4(), "taken@example.org", "T", None, leipzig.created_at)
        )
        await uow.commit()
    with pytest.raises(EmailTaken):  # the commit itself fails: the events go with it
        async with services.identity_uow(leipzig.id) as uow:
            uow.record(event)
            await uow.accounts.add(
                Account(uuid.uuid4(), "taken@example.org", "T", None, leipzig.created_at)
            )
            await uow.commit()
    assert await outbox_rows(services, leipzig) == []
    assert await count(services, JobRow) == 0


def counting_worker(services, ran: list, **options) -> Worker:  # type: ignore[no-untyped-def]
    async def run(job: Job) -> None:
        ran.append(job.id)
        await asyncio.sleep(0.02)  # long enough for the other worker to try the same rows

    return Worker(
        SqlJobQueue(services.sessions),
        [Handler("test.count", (), run)],
        options.pop("periodic", []),
        now=services.clock.now,
        lease=timedelta(minutes=5),
        retry_base=0.01,
        retry_cap=0.05,
        batch=3,
        **options,
    )


@pytest.mark.skipif(not on_postgres(), reason="several workers share a queue on PostgreSQL")
async def test_two_workers_run_every_job_exactly_once(services):
    other = build_services(services.settings)
    try:
        for _ in range(60):
            await services.jobs.enqueue("test.count", services.clock.now())
        await other.jobs.busy(other.clock.now())  # both connected before the race starts
        ran_here: list[int] = []
        ran_there: list[int] = []
        await asyncio.gather(
            counting_worker(services, ran_here).run_until_idle(),
            counting_worker(other, ran_there).run_until_idle(),
        )
    finally:
        await other.close()
    assert ran_here and ran_there, "both workers took part"
    assert sorted(ran_here + ran_there) == sorted(set(ran_here + ran_there))
    assert len(ran_here + ran_there) == 60


async def test_a_periodic_job_runs_once_per_period_however_many_workers_ask(services):
    ran: list[int] = []

    async def run(job: Job) -> None:
        ran.append(job.id)

    periodic = [PeriodicJob("test.hourly", timedelta(hours=1), run)]
    for _ in range(3):
        await counting_worker(services, [], periodic=periodic).run_until_idle()
    assert len(ran) == 1
    status = await services.jobs.status(services.clock.now(), periodic)
    [(name, next_run)] = status.periodic
    assert name == "test.hourly" and next_run > services.clock.now()


class SmtpInbox:
    """An SMTP server on loopback that can be stopped and started again on its port, and
    made to hang on the next mail (as a server dies mid-conversation)."""

    def __init__(self) -> None:
        self.messages: list = []
        self.hang_next = False
        self.hanging = threading.Event()
        self.release = threading.Event()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"smtp://127.0.0.1:{self.port}"
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.hang_next:
            self.hang_next = False
            self.hanging.set()
            await asyncio.to_thread(self.release.wait, 60)
            return "451 gave up"
        self.messages.append(envelope.content.decode())
        return "250 OK"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    inbox = SmtpInbox()
    yield inbox
    inbox.release.set()
    inbox.stop()


async def test_mail_waits_out_an_smtp_outage_and_is_sent_once(
    smtp, migrated_database, clean_database
):
    services = build_services(make_settings(migrated_database, smtp_url=smtp.url))
    smtp.start()
    smtp.stop()  # the mail server goes down
    try:
        await seed_tenants(services, tenant_config("leipzig"))
        leipzig = await services.tenant_directory.by_slug("leipzig")
        await sign_up(
            SignUp(services.tenant_ref(leipzig), "ada@example.org", PASSWORD, "Ada"),
            uow=services.identity_uow(leipzig.id),
            ports=services.identity,
        )
        await services.worker.run_until_idle()  # nothing listens: the attempt fails
        status = await services.jobs.status(services.clock.now(), [])
        assert status.pending + status.scheduled == 1 and status.failed == 0  # to be retried
        assert "MailNotSent" in status.recent_failures[0][2]
        async with services.identity_uow() as uow:
            account = await uow.accounts.get_by_email("ada@example.org")
        smtp.start()  # and comes back
        async with asyncio.timeout(20):
            while not smtp.messages:
                await services.worker.run_once()
                await asyncio.sleep(0.05)
        await services.worker.run_until_idle()
        [message] = smtp.messages
        assert "ada@example.org" in message and "verify-email?token=" in message
        assert account is not None and not account.email_verified
        token = email.message_from_string(message).get_payload(decode=True).decode()
        token = re.search(r"token=(\S+)", token)[1]  # type: ignore[index]
        await verify_email(token, uow=services.identity_uow(), ports=services.identity)
        async with services.identity_uow() as uow:  # the link that arrived works
            assert (await uow.accounts.get_by_email("ada@example.org")).email_verified
    finally:
        await services.close()


async def test_two_workers_send_each_mail_once(smtp, migrated_database, clean_database):
    settings = make_settings(migrated_database, smtp_url=smtp.url)
    one, two = build_services(settings), build_services(settings)
    smtp.start()
    try:
        await seed_tenants(one, tenant_config("leipzig"))
        leipzig = await one.tenant_directory.by_slug("leipzig")
        for n in range(12):
            await sign_up(
                SignUp(one.tenant_ref(leipzig), f"user{n}@example.org", PASSWORD, "U"),
                uow=one.identity_uow(leipzig.id),
                ports=one.identity,
            )
        await asyncio.gather(one.worker.run_until_idle(), two.worker.run_until_idle())
    finally:
        await one.close()
        await two.close()
    lines = [line for m in smtp.messages for line in m.splitlines()]
    recipients = sorted(line for line in lines if line.startswith("To:"))
    assert recipients == sorted(f"To: user{n}@example.org" for n in range(12))
    assert len({line for line in lines if line.startswith("Message-ID:")}) == 12


@pytest.mark.skipif(not on_postgres(), reason="a `stadtkern worker` process needs PostgreSQL")
async def test_a_worker_killed_mid_job_loses_nothing(
    smtp, migrated_database, clean_database, tmp_path
):
    settings = make_settings(migrated_database, smtp_url=smtp.url)
    services = build_services(settings)
    smtp.start()
    smtp.hang_next = True
    env = os.environ | {
        "STADTKERN_DATABASE_URL": migrated_database,
        "STADTKERN_REDIS_URL": TEST_REDIS_URL,
        "STADTKERN_SMTP_URL": smtp.url,
        "STADTKERN_JWT_PRIVATE_KEYS": TEST_JWT_KEYS,
        "STADTKERN_WORKER_LEASE_SECONDS": "1",
        "STADTKERN_WORKER_POLL_SECONDS": "0.1",
    }
    process = None
    try:
        await seed_tenants(services, tenant_config("leipzig"))
        leipzig = await services.tenant_directory.by_slug("leipzig")
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "stadtkern"), "worker", env=env, cwd=tmp_path
        )
        await sign_up(
            SignUp(services.tenant_ref(leipzig), "ada@example.org", PASSWORD, "Ada"),
            uow=services.identity_uow(leipzig.id),
            ports=services.identity,
        )
        assert await asyncio.to_thread(smtp.hanging.wait, 30), "the worker never sent"
        process.send_signal(signal.SIGKILL)  # mid-conversation with the SMTP server
        await process.wait()
        await asyncio.sleep(1.2)  # its lease runs out
        await services.worker.run_until_idle()
        [message] = smtp.messages
        assert "To: ada@example.org" in message
        async with services.sessions() as session:
            mail = select(JobRow).where(JobRow.handler == "identity.mail")
            [job] = (await session.execute(mail)).scalars().all()
        assert job.status == "done" and job.attempts == 2
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await services.close()


async def test_a_job_that_keeps_failing_is_given_up_and_can_be_retried(services):
    attempts: list[int] = []

    async def run(job: Job) -> None:
        attempts.append(job.attempt)
        if len(attempts) <= 2:
            raise ConnectionError("the partner is down")

    worker = Worker(
        services.jobs,
        [Handler("test.flaky", (), run, max_attempts=2)],
        [],
        now=services.clock.now,
        lease=timedelta(minutes=5),
        retry_base=0.01,
        retry_cap=0.01,
    )
    await services.jobs.enqueue("test.flaky", services.clock.now(), max_attempts=2)
    async with asyncio.timeout(10):
        while len(attempts) < 2:
            await worker.run_once()
            await asyncio.sleep(0.02)
    status = await services.jobs.status(services.clock.now(), [])
    assert status.failed == 1 and attempts == [1, 2]
    assert await services.jobs.retry_failed(services.clock.now()) == 1
    await worker.run_until_idle()
    assert attempts == [1, 2, 1]
    async with services.sessions() as session:
        assert await session.scalar(select(JobRow.status)) == "done"


async def test_on_the_embedded_default_the_app_sends_mail_by_itself(
    migrated_database, clean_database, tmp_path
):
    settings = make_settings(
        migrated_database, mail_outbox_dir=str(tmp_path), worker_in_process=True
    )
    services = build_services(settings)
    await seed_tenants(services, tenant_config("leipzig"))
    body = {"email": "ada@example.org", "password": PASSWORD, "display_name": "Ada"}
    async for client in client_for(create_app(settings, services)):
        signed = await client.post("/v1/auth/signup", headers={"X-Tenant": "leipzig"}, json=body)
        assert signed.status_code == 202
        async with asyncio.timeout(10):
            while not list(tmp_path.glob("*.eml")):  # noqa: ASYNC110 (a directory, no event)
                await asyncio.sleep(0.02)  # nobody runs the worker here but the app itself
    [eml] = tmp_path.glob("*.eml")
    assert b"To: ada@example.org" in eml.read_bytes()


async def test_an_event_this_version_cannot_read_fails_its_job_and_jams_no_other(services, leipzig):
    await sign_up(
        SignUp(services.tenant_ref(leipzig), "ada@example.org", PASSWORD, "Ada"),
        uow=services.identity_uow(leipzig.id),
        ports=services.identity,
    )
    await sign_up(
        SignUp(services.tenant_ref(leipzig), "bob@example.org", PASSWORD, "Bob"),
        uow=services.identity_uow(leipzig.id),
        ports=services.identity,
    )
    first, *_ = await outbox_rows(services, leipzig)
    async with services.identity_uow(leipzig.id) as uow:  # as if written by a newer version
        await uow.session.execute(
            update(OutboxRow).where(OutboxRow.id == first.id).values(event_type="identity.new")
        )
        await uow.commit()
    await services.worker.run_until_idle()
    status = await services.jobs.status(services.clock.now(), [])
    assert status.failed == 1 and status.running == 0 and status.pending == 0
    assert "unreadable event" in status.recent_failures[0][2]


async def test_a_job_whose_lease_another_worker_took_is_not_run_twice(services):
    ran: list[int] = []

    async def run(job: Job) -> None:
        ran.append(job.id)
        async with services.sessions() as session, session.begin():
            # Meanwhile the second job's lease ran out and another worker took it over.
            await session.execute(
                update(JobRow).where(JobRow.id != job.id).values(locked_by="another worker")
            )

    worker = Worker(
        services.jobs,
        [Handler("test.slow", (), run)],
        [],
        now=services.clock.now,
        lease=timedelta(minutes=5),
        retry_base=60,
        retry_cap=60,
    )
    first = await services.jobs.enqueue("test.slow", services.clock.now())
    await services.jobs.enqueue("test.slow", services.clock.now())
    assert await worker.run_once() == 2  # both claimed in one batch
    assert ran == [first]  # the second was left to the worker that holds it now
    async with services.sessions() as session:
        rows = (await session.execute(select(JobRow.status, JobRow.locked_by))).all()
    assert sorted(rows) == [("done", worker.name), ("running", "another worker")]


async def test_a_sign_up_that_loses_the_race_for_its_email_still_commits_its_notice(
    services, leipzig
):
    async with services.identity_uow(leipzig.id) as uow:
        await uow.accounts.add(
            Account(uuid.uuid4(), "ada@example.org", "Ada", None, leipzig.created_at)
        )
        await uow.commit()

    class LateLookup:
        """The racing sign-up looked before the other one committed: it saw no account."""

        def __init__(self, uow):  # type: ignore[no-untyped-def]
            self._uow = uow

        async def __aenter__(self):  # type: ignore[no-untyped-def]
            await self._uow.__aenter__()
            accounts = self._uow.accounts

            async def nobody(email: str) -> None:
                return None

            accounts.get_by_email = nobody
            return self._uow

        async def __aexit__(self, *exc):  # type: ignore[no-untyped-def]
            await self._uow.__aexit__(*exc)

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(self._uow, name)

    await sign_up(
        SignUp(services.tenant_ref(leipzig), "ada@example.org", PASSWORD, "Ada"),
        uow=LateLookup(services.identity_uow(leipzig.id)),
        ports=services.identity,
    )
    [notice] = await outbox_rows(services, leipzig)
    assert notice.event_type == "identity.sign_up_with_known_email"

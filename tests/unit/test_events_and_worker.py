"""Domain events on the unit of work, and the worker's retries, without I/O."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.worker import Worker
from domain.directory.events import BusinessModerated
from domain.domain_events import event_from, known_event_types
from domain.identity.events import AccountSignedUp, MemberRoleChanged
from domain.identity.model import Role
from domain.identity.sessions import IdentityPorts, SignUp, TenantRef, sign_up
from domain.jobs import Handler, Job, PeriodicJob, QueueStatus, retry_delay
from tests.fakes import (
    CountingSecrets,
    FakeDeviceTokens,
    FakeHasher,
    FakeIdentityStore,
    FakeIdentityUnitOfWork,
    FakeTokens,
    FixedClock,
    RecordingMailer,
    SequentialIds,
)

TENANT = TenantRef(uuid.UUID(int=7), "leipzig", "https://leipzig.example", ("de", "en"))


def test_an_event_survives_its_trip_through_the_outbox_payload():
    event = MemberRoleChanged(
        tenant_id=TENANT.id, account_id=uuid.uuid4(), role=Role.ADMIN, previous_role=None
    )
    payload = event.payload()
    assert payload["role"] == "admin" and "tenant_id" not in payload
    assert event_from(event.event_type, TENANT.id, payload) == event
    moderated = BusinessModerated(
        tenant_id=TENANT.id, business_id=uuid.uuid4(), version=3, verified=True, hidden=False
    )
    assert event_from(moderated.event_type, TENANT.id, moderated.payload()) == moderated
    assert {"identity.account_signed_up", "directory.business_registered"} <= set(
        known_event_types()
    )


def ports() -> IdentityPorts:
    return IdentityPorts(
        FakeHasher(),
        FakeTokens(),
        FakeDeviceTokens(),
        CountingSecrets(),
        RecordingMailer(),
        FixedClock(),
        SequentialIds(),
    )


async def test_sign_up_records_what_happened_and_mails_nothing_itself():
    store, identity = FakeIdentityStore(), ports()
    await sign_up(
        SignUp(TENANT, "ada@example.org", "correct horse battery", "Ada"),
        uow=FakeIdentityUnitOfWork(store, TENANT.id),
        ports=identity,
    )
    signed_up, joined = store.outbox
    assert isinstance(signed_up, AccountSignedUp) and signed_up.email == "ada@example.org"
    assert isinstance(joined, MemberRoleChanged) and joined.role is Role.MEMBER
    assert identity.mailer.sent == []  # the worker mails, after the commit


async def test_events_of_a_transaction_that_is_not_committed_are_dropped():
    store = FakeIdentityStore()
    uow = FakeIdentityUnitOfWork(store, TENANT.id)
    event = AccountSignedUp(tenant_id=TENANT.id, account_id=uuid.uuid4(), email="a@b.example")
    with pytest.raises(RuntimeError):
        async with uow:
            uow.record(event)
            raise RuntimeError("the use case failed")
    async with uow:
        uow.record(event)
        await uow.rollback()
    assert store.outbox == []


def test_retries_back_off_exponentially_with_jitter_up_to_a_cap():
    lowest = [retry_delay(n, base=5, cap=3600, jitter=lambda: 0.0) for n in (1, 2, 3, 12)]
    highest = [retry_delay(n, base=5, cap=3600, jitter=lambda: 1.0) for n in (1, 2, 3, 12)]
    assert [d.total_seconds() for d in lowest] == [2.5, 5, 10, 1800]
    assert [d.total_seconds() for d in highest] == [5, 10, 20, 3600]


class MemoryQueue:
    """The JobQueue port in memory: enough to watch the worker decide."""

    def __init__(self, *jobs: Job) -> None:
        self.due = list(jobs)
        self.finished: list[int] = []
        self.failed: list[tuple[int, str, datetime | None]] = []

    async def claim(self, worker, *, limit, now, lease):  # type: ignore[no-untyped-def]
        claimed, self.due = self.due[:limit], self.due[limit:]
        return claimed

    lost: set[int] = set()  # jobs whose lease another worker took over

    async def hold(self, job, worker, *, now, lease):  # type: ignore[no-untyped-def]
        return job.id not in self.lost

    async def finish(self, job, worker, now):  # type: ignore[no-untyped-def]
        self.finished.append(job.id)

    async def fail(self, job, worker, error, *, now, retry_at):  # type: ignore[no-untyped-def]
        self.failed.append((job.id, error, retry_at))

    async def schedule_periodic(self, jobs, now):  # type: ignore[no-untyped-def]
        return None

    async def status(self, now, periodic):  # type: ignore[no-untyped-def]
        return QueueStatus(0, 0, 0, 0, 0, [], [])

    async def busy(self, now):  # type: ignore[no-untyped-def]
        return bool(self.due)


NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def worker_for(queue: MemoryQueue, run) -> Worker:  # type: ignore[no-untyped-def]
    return Worker(
        queue,
        [Handler("flaky", ("x.happened",), run, max_attempts=3)],
        [PeriodicJob("nightly", timedelta(days=1), run)],
        now=lambda: NOW,
        lease=timedelta(minutes=5),
        retry_base=10,
        retry_cap=60,
    )


async def test_a_failing_job_is_retried_later_and_given_up_after_its_last_attempt():
    async def run(job: Job) -> None:
        raise ConnectionError("smtp down")

    queue = MemoryQueue(Job(1, "flaky", None, 1, 3), Job(2, "flaky", None, 3, 3))
    await worker_for(queue, run).run_once()
    (first, error, retry_at), (last, _, never) = queue.failed
    assert first == 1 and error == "ConnectionError: smtp down"
    assert NOW + timedelta(seconds=5) <= retry_at <= NOW + timedelta(seconds=10)
    assert last == 2 and never is None
    assert queue.finished == []


async def test_a_job_that_runs_is_finished_and_one_without_a_handler_fails_for_good():
    ran: list[int] = []

    async def run(job: Job) -> None:
        ran.append(job.id)

    queue = MemoryQueue(Job(1, "flaky", None, 1, 3), Job(2, "gone", None, 1, 3))
    await worker_for(queue, run).run_once()
    assert ran == [1] and queue.finished == [1]
    [(job_id, error, retry_at)] = queue.failed
    assert job_id == 2 and "no handler" in error and retry_at is None


async def test_a_job_whose_lease_ran_out_before_its_turn_is_left_to_the_other_worker():
    ran: list[int] = []

    async def run(job: Job) -> None:
        ran.append(job.id)

    queue = MemoryQueue(Job(1, "flaky", None, 1, 3), Job(2, "flaky", None, 1, 3))
    queue.lost = {2}
    await worker_for(queue, run).run_once()
    assert ran == [1] and queue.finished == [1] and queue.failed == []

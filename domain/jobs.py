"""Work that runs after a commit or on a schedule: the jobs of `stadtkern worker`.

Each outbox event becomes one job per handler subscribed to its type, written in the same
transaction as the event (so a job exists exactly when its change was committed). A job is
claimed by one worker at a time for a lease; a worker that dies mid-job lets its lease run
out and another worker takes the job over, so nothing is lost, and a handler must be safe to
run again for the same job (`Job.key` is stable across attempts for that)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID

from domain.domain_events import DomainEvent


@dataclass(frozen=True)
class Job:
    id: int
    handler: str
    tenant_id: UUID | None
    attempt: int  # 1 on the first run
    max_attempts: int
    event: DomainEvent | None = None  # None for periodic and one-off jobs
    # Names this job's effect across retries and workers (a mail's Message-ID): for an event's
    # job the event's id and the handler, so unique across deployments too.
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", f"job-{self.id}")


Run = Callable[[Job], Awaitable[None]]


@dataclass(frozen=True)
class Handler:
    """Runs for every event of the named types, `max_attempts` times at most."""

    name: str
    event_types: tuple[str, ...]
    run: Run
    max_attempts: int = 12


@dataclass(frozen=True)
class PeriodicJob:
    """Runs every `every`, on one worker of however many; missed runs are not caught up."""

    name: str
    every: timedelta
    run: Run
    max_attempts: int = 3

    def period_start(self, now: datetime) -> datetime:
        """The start of the period `now` falls in, counted from a fixed epoch: every worker
        computes the same periods."""
        period = self.every.total_seconds()
        elapsed = (now - _PERIODS_FROM).total_seconds()
        return _PERIODS_FROM + timedelta(seconds=(elapsed // period) * period)


_PERIODS_FROM = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Subscription:
    handler: str
    max_attempts: int


Subscriptions = Mapping[str, tuple[Subscription, ...]]


def subscriptions_of(handlers: list[Handler]) -> Subscriptions:
    by_type: dict[str, list[Subscription]] = {}
    for handler in handlers:
        for event_type in handler.event_types:
            by_type.setdefault(event_type, []).append(
                Subscription(handler.name, handler.max_attempts)
            )
    return {event_type: tuple(subs) for event_type, subs in by_type.items()}


def retry_delay(
    attempt: int, *, base: float, cap: float, jitter: Callable[[], float] = random.random
) -> timedelta:
    """Exponential backoff with jitter after failed attempt number `attempt` (1, 2, ...):
    base, 2 x base, 4 x base ... up to `cap` seconds, each between half and the whole of it,
    so retries of many jobs that failed together spread out."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return timedelta(seconds=ceiling * (0.5 + 0.5 * jitter()))


@dataclass(frozen=True)
class QueueStatus:
    pending: int  # due now, waiting for a worker
    running: int
    scheduled: int  # waiting for a later time (retries after a failure among them)
    failed: int  # gave up after their last attempt
    done_last_hour: int
    recent_failures: list[tuple[int, str, str]]  # (job id, handler, last error)
    periodic: list[tuple[str, datetime | None]]  # (name, next run)


class JobQueue(Protocol):
    async def claim(self, worker: str, *, limit: int, now: datetime, lease: timedelta) -> list[Job]:
        """Up to `limit` due jobs, each now held by `worker` until the lease ends (then any
        worker may take it over). Two workers never hold the same job."""
        ...

    async def hold(self, job: Job, worker: str, *, now: datetime, lease: timedelta) -> bool:
        """Renew the worker's lease on the job just before it runs; False when the lease ran
        out meanwhile and another worker took the job (then this one must leave it)."""
        ...

    async def finish(self, job: Job, worker: str, now: datetime) -> None: ...

    async def fail(
        self, job: Job, worker: str, error: str, *, now: datetime, retry_at: datetime | None
    ) -> None:
        """Run it again at `retry_at`, or give up for good (None)."""
        ...

    async def schedule_periodic(self, jobs: list[PeriodicJob], now: datetime) -> None:
        """Enqueue each periodic job whose time has come, once however many workers ask."""
        ...

    async def status(self, now: datetime, periodic: list[PeriodicJob]) -> QueueStatus: ...

    async def busy(self, now: datetime) -> bool:
        """Whether any job is due or running."""
        ...

"""The job queue in SQL: claimed with one UPDATE ... RETURNING (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, so any number of workers share it; on SQLite the statement alone is atomic)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.db.outbox import JobRow, OutboxRow
from adapters.db.unit_of_work import begin_for_tenant
from domain.domain_events import event_from
from domain.jobs import Job, PeriodicJob, QueueStatus


class SqlJobQueue:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(self, worker: str, *, limit: int, now: datetime, lease: timedelta) -> list[Job]:
        due = or_(
            (JobRow.status == "pending") & (JobRow.run_at <= now),
            # A worker that died (or ran past its lease) leaves its job to the others.
            (JobRow.status == "running") & (JobRow.locked_until < now),
        )
        async with self._sessions() as session, session.begin():
            postgres = session.bind.dialect.name == "postgresql"
            pick = select(JobRow.id).where(due).order_by(JobRow.run_at, JobRow.id).limit(limit)
            if postgres:
                pick = pick.with_for_update(skip_locked=True)
            # Materialised, so the pick runs once: as a plain `IN (subquery)` PostgreSQL may run
            # it again per row, each run skipping the rows the last one locked, and claim all.
            chosen = pick.cte("chosen").prefix_with("MATERIALIZED")
            rows = (
                await session.execute(
                    update(JobRow)
                    .where(JobRow.id.in_(select(chosen.c.id)), due)
                    .values(
                        status="running",
                        attempts=JobRow.attempts + 1,
                        locked_until=now + lease,
                        locked_by=worker,
                    )
                    .returning(
                        JobRow.id,
                        JobRow.handler,
                        JobRow.tenant_id,
                        JobRow.event_id,
                        JobRow.attempts,
                        JobRow.max_attempts,
                    )
                )
            ).all()
        stored = await self._events(rows)
        jobs = []
        for row in sorted(rows, key=lambda r: r.id):
            job = Job(
                id=row.id,
                handler=row.handler,
                tenant_id=row.tenant_id,
                attempt=row.attempts,
                max_attempts=row.max_attempts,
            )
            found = stored.get(row.event_id) if row.event_id is not None else None
            if found is not None:  # else no event, or its tenant is gone and the event with it
                try:
                    event = event_from(found.event_type, row.tenant_id, found.payload)
                except Exception as exc:  # an event this version cannot read: that job fails
                    error = f"unreadable event: {type(exc).__name__}: {exc}"[:2000]
                    await self.fail(job, worker, error, now=now, retry_at=None)
                    continue
                # The key, the event's id: the same for every attempt, unique across deployments.
                job = replace(job, event=event, key=f"{found.event_id}.{job.handler}")
            jobs.append(job)
        return jobs

    async def _events(self, rows: Sequence[Any]) -> dict[int, Any]:
        """The claimed jobs' events by outbox id, one query per tenant, each in a transaction
        of that tenant: the outbox's row-level security holds."""
        wanted: dict[UUID, list[int]] = {}
        for row in rows:
            if row.event_id is not None and row.tenant_id is not None:
                wanted.setdefault(row.tenant_id, []).append(row.event_id)
        found: dict[int, Any] = {}
        for tenant_id, outbox_ids in wanted.items():
            async with self._sessions() as session:
                await begin_for_tenant(session, tenant_id)
                columns = (
                    OutboxRow.id,
                    OutboxRow.event_id,
                    OutboxRow.event_type,
                    OutboxRow.payload,
                )
                result = await session.execute(select(*columns).where(OutboxRow.id.in_(outbox_ids)))
                found.update((r.id, r) for r in result)
                await session.rollback()
        return found

    async def hold(self, job: Job, worker: str, *, now: datetime, lease: timedelta) -> bool:
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(JobRow)
                .where(JobRow.id == job.id, JobRow.locked_by == worker, JobRow.status == "running")
                .values(locked_until=now + lease)
            )
        return result.rowcount == 1

    async def finish(self, job: Job, worker: str, now: datetime) -> None:
        await self._set(
            job, worker, status="done", finished_at=now, locked_until=None, last_error=None
        )

    async def fail(
        self, job: Job, worker: str, error: str, *, now: datetime, retry_at: datetime | None
    ) -> None:
        if retry_at is None:
            await self._set(
                job, worker, status="failed", finished_at=now, locked_until=None, last_error=error
            )
        else:
            await self._set(
                job,
                worker,
                status="pending",
                run_at=retry_at,
                locked_until=None,
                locked_by=None,
                last_error=error,
            )

    async def _set(self, job: Job, worker: str, **values: Any) -> None:
        """Only while this worker still holds the job: one whose lease ran out and that
        another worker took over is that worker's to finish."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(JobRow)
                .where(JobRow.id == job.id, JobRow.locked_by == worker, JobRow.status == "running")
                .values(**values)
            )

    async def schedule_periodic(self, jobs: list[PeriodicJob], now: datetime) -> None:
        if not jobs:
            return
        async with self._sessions() as session, session.begin():
            dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
            for job in jobs:
                slot = job.period_start(now)
                statement = dialect.insert(JobRow).values(
                    handler=job.name,
                    status="pending",
                    attempts=0,
                    max_attempts=job.max_attempts,
                    run_at=slot,
                    created_at=now,
                    dedup_key=f"{job.name}@{slot.isoformat()}",
                )
                await session.execute(statement.on_conflict_do_nothing())

    async def status(self, now: datetime, periodic: list[PeriodicJob]) -> QueueStatus:
        async with self._sessions() as session:
            counts = dict(
                (
                    await session.execute(
                        select(JobRow.status, func.count())
                        .where(JobRow.status.in_(("pending", "running", "failed")))
                        .where(JobRow.run_at <= now)
                        .group_by(JobRow.status)
                    )
                ).all()
            )
            scheduled = await session.scalar(
                select(func.count()).where(JobRow.status == "pending", JobRow.run_at > now)
            )
            done = await session.scalar(
                select(func.count()).where(
                    JobRow.status == "done", JobRow.finished_at > now - timedelta(hours=1)
                )
            )
            failures = (
                await session.execute(
                    select(JobRow.id, JobRow.handler, JobRow.last_error)
                    .where(JobRow.last_error.is_not(None), JobRow.status != "done")
                    .order_by(JobRow.id.desc())
                    .limit(10)
                )
            ).all()
        return QueueStatus(
            pending=counts.get("pending", 0),
            running=counts.get("running", 0),
            scheduled=scheduled or 0,
            failed=counts.get("failed", 0),
            done_last_hour=done or 0,
            recent_failures=[(r.id, r.handler, r.last_error or "") for r in failures],
            periodic=[(job.name, job.period_start(now) + job.every) for job in periodic],
        )

    async def busy(self, now: datetime) -> bool:
        async with self._sessions() as session:
            found = await session.scalar(
                select(JobRow.id)
                .where(
                    or_(
                        (JobRow.status == "pending") & (JobRow.run_at <= now),
                        JobRow.status == "running",
                    )
                )
                .limit(1)
            )
        return found is not None

    async def prune(self, before: datetime) -> int:
        """Forget jobs that finished before `before` (the outbox keeps their events)."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                delete(JobRow).where(JobRow.status == "done", JobRow.finished_at < before)
            )
        return result.rowcount or 0

    async def retry_failed(self, now: datetime, *, handler: str | None = None) -> int:
        where = [JobRow.status == "failed"]
        if handler is not None:
            where.append(JobRow.handler == handler)
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(JobRow)
                .where(*where)
                .values(status="pending", attempts=0, run_at=now, finished_at=None)
            )
        return result.rowcount or 0

    async def enqueue(self, handler: str, now: datetime, *, max_attempts: int = 3) -> int:
        """A one-off job without an event (operators, tests)."""
        async with self._sessions() as session, session.begin():
            return (
                await session.execute(
                    insert(JobRow)
                    .values(
                        handler=handler,
                        status="pending",
                        attempts=0,
                        max_attempts=max_attempts,
                        run_at=now,
                        created_at=now,
                    )
                    .returning(JobRow.id)
                )
            ).scalar_one()

"""The worker: claims due jobs, runs their handlers, retries failures with backoff, and
enqueues periodic jobs. `stadtkern worker` runs it alone; on the embedded default `serve`
runs it in-process; a CLI command runs what it enqueued before it exits."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from domain.jobs import Handler, Job, JobQueue, PeriodicJob, Run, retry_delay

log = logging.getLogger("stadtkern.worker")


class Worker:
    def __init__(
        self,
        queue: JobQueue,
        handlers: list[Handler],
        periodic: list[PeriodicJob],
        *,
        now: Callable[[], datetime],
        lease: timedelta,
        retry_base: float,
        retry_cap: float,
        poll_interval: float = 1.0,
        batch: int = 10,
        name: str | None = None,
    ) -> None:
        self.queue = queue
        self.periodic = periodic
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._runs: dict[str, Run] = {h.name: h.run for h in handlers}
        self._runs.update({p.name: p.run for p in periodic})
        self._now = now
        self._lease = lease
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._poll = poll_interval
        self._batch = batch
        self._wake = asyncio.Event()
        self._enqueued: dict[str, datetime] = {}  # the period each periodic job was enqueued for

    def wake(self) -> None:
        """Jobs were written: look now rather than at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Enqueue due periodic jobs, then claim and run one batch; the number run."""
        await self._enqueue_periodic()
        jobs = await self.queue.claim(
            self.name, limit=self._batch, now=self._now(), lease=self._lease
        )
        for job in jobs:
            await self._run(job)
        return len(jobs)

    async def _run(self, job: Job) -> None:
        # The batch was claimed at once; the jobs before this one may have used up its lease.
        if not await self.queue.hold(job, self.name, now=self._now(), lease=self._lease):
            return
        run = self._runs.get(job.handler)
        try:
            if run is None:
                raise LookupError(f"no handler {job.handler!r} in this version")
            # A handler that outlives its lease would run beside the worker that takes over.
            async with asyncio.timeout(self._lease.total_seconds()):
                await run(job)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            retry_at = None
            if job.attempt < job.max_attempts and run is not None:
                delay = retry_delay(job.attempt, base=self._retry_base, cap=self._retry_cap)
                retry_at = self._now() + delay
            log.warning(
                "job failed",
                extra={
                    "job": job.id,
                    "handler": job.handler,
                    "attempt": job.attempt,
                    "error": error,
                    "retry_at": retry_at.isoformat() if retry_at else None,
                },
            )
            await self.queue.fail(job, self.name, error, now=self._now(), retry_at=retry_at)
            return
        await self.queue.finish(job, self.name, self._now())

    async def drain(self) -> None:
        """Run jobs while there are due ones this worker can claim; wait for no other."""
        while await self.run_once():
            pass

    async def _enqueue_periodic(self) -> None:
        """Once per period and worker (the queue keeps it to once across workers): not a
        write on every poll."""
        now = self._now()
        due = [p for p in self.periodic if self._enqueued.get(p.name) != p.period_start(now)]
        if due:
            await self.queue.schedule_periodic(due, now)
            self._enqueued.update((p.name, p.period_start(now)) for p in due)

    async def run_until_idle(self, *, within: float = 30.0) -> None:
        """Run until no job is due or running anywhere (jobs of other workers included)."""
        async with asyncio.timeout(within):
            while True:
                if await self.run_once() == 0:
                    if not await self.queue.busy(self._now()):
                        return
                    await asyncio.sleep(0.02)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; a job that started is finished first."""
        log.info("worker started", extra={"worker": self.name})
        while not stop.is_set():
            self._wake.clear()  # before the claim: jobs written after it wake the wait below
            try:
                ran = await self.run_once()
            except Exception:
                log.exception("worker loop failed; trying again")
                ran = 0
            if ran:
                continue
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=self._poll, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        log.info("worker stopped", extra={"worker": self.name})

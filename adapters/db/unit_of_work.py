"""The shared base of every context's SQL unit of work: one transaction, the tenant set for
row-level security (on PostgreSQL, `set_config(..., true)`, i.e. SET LOCAL), and the
recorded domain events written to the outbox on commit, in the same transaction.

Each bounded context subclasses it next to its own repositories (`SqlIdentityUnitOfWork` in
adapters/db/identity.py, ...) and builds only those: adding a context touches no other."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Self
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.db.constraints import constraint_errors
from adapters.db.outbox import write_events
from domain.domain_events import DomainEvent
from domain.jobs import Subscriptions


async def begin_for_tenant(session: AsyncSession, tenant_id: UUID | None) -> None:
    """Open the transaction; on PostgreSQL name its tenant for row-level security."""
    await session.begin()
    if tenant_id is not None and session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT set_config('app.tenant_id', :tenant, true)"), {"tenant": str(tenant_id)}
        )


class Outbox:
    """What every unit of work needs to hand events on: which handlers want which event
    types, and whom to tell that jobs are waiting (the in-process worker, a CLI command)."""

    def __init__(
        self,
        subscriptions: Subscriptions | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.subscriptions: Subscriptions = subscriptions or {}
        self.now = now
        self._listeners: list[Callable[[], None]] = []

    def on_jobs(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def jobs_written(self) -> None:
        for listener in self._listeners:
            listener()


class SqlUnitOfWork:
    """Subclasses build their repositories in `_open(session)`."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        tenant_id: UUID | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        self._session_factory = session_factory
        self.tenant_id = tenant_id
        self._outbox = outbox or Outbox()
        self._session: AsyncSession | None = None
        self._events: list[DomainEvent] = []

    def _open(self, session: AsyncSession) -> None:
        """Build this context's repositories on the session."""

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self._events = []
        await begin_for_tenant(self._session, self.tenant_id)
        self._open(self._session)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._session is not None
        try:
            if self._session.in_transaction():
                await self._session.rollback()
        finally:
            self._events = []
            await self._session.close()
            self._session = None
        # The connection is back in the pool: let a task waiting for one take it before this
        # one asks again. SQLAlchemy's async pool hands a returned connection to whoever asks
        # first, and a use case that opens its next transaction at once (a pledge's second)
        # would overtake every waiter: under load some waited past the pool's timeout
        # (bench/pledges.py, README "Campaigns").
        await asyncio.sleep(0)

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `async with` block")
        return self._session

    def record(self, event: DomainEvent) -> None:
        if self.tenant_id is None or event.tenant_id != self.tenant_id:
            # The outbox row must pass row-level security for this transaction's tenant.
            raise RuntimeError(f"{event.event_type} recorded outside a transaction of its tenant")
        self._events.append(event)

    async def commit(self) -> None:
        events, self._events = self._events, []
        jobs = 0
        with constraint_errors():
            if events:
                jobs = await write_events(
                    self.session, events, self._outbox.subscriptions, self._outbox.now()
                )
            await self.session.commit()
        if jobs:
            self._outbox.jobs_written()

    async def rollback(self) -> None:
        self._events = []
        await self.session.rollback()

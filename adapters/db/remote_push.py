"""Where each tenant's push to its remote parent stands: one row per tenant, the worker's own
bookkeeping (like the jobs table: no row-level security, no data of the tenant's people).
The feed it follows is read as the tenant (SqlChangeReads), under row-level security.

A push is held by one worker at a time through a conditional UPDATE: on PostgreSQL a second
worker's UPDATE waits for the first one's row lock and then finds the lease taken, on SQLite
writes are serial."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Column, ForeignKey, Integer, String, Text, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from adapters.db.outbox import OutboxRow
from adapters.db.types import UtcDateTime
from adapters.db.unit_of_work import begin_for_tenant
from domain.cursors import feed_cursor
from domain.syndication.remote import PUSHED_EVENT_TYPES, PushState


class RemotePushRow(SQLModel, table=True):
    __tablename__ = "remote_push_state"

    tenant_id: UUID = Field(
        sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    )
    target: str | None = Field(default=None, sa_column=Column(String(2200)))
    cursor: str | None = Field(default=None, sa_column=Column(String(40)))
    failures: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    locked_until: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    locked_by: str | None = Field(default=None, sa_column=Column(String(80)))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    pushed_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    refusals: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    last_refusal: str | None = Field(default=None, sa_column=Column(Text))


STATE = RemotePushRow.__table__
S = STATE.c


def _state(row: Any) -> PushState:
    return PushState(
        tenant_id=row.tenant_id,
        target=row.target,
        cursor=row.cursor,
        failures=row.failures,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        pushed_at=row.pushed_at,
        refusals=row.refusals,
        last_refusal=row.last_refusal,
        locked_until=row.locked_until,
    )


class SqlPushStates:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(
        self, tenant_id: UUID, worker: str, *, now: datetime, lease: timedelta
    ) -> PushState | None:
        async with self._sessions() as session, session.begin():
            dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
            await session.execute(
                dialect.insert(STATE)
                .values(tenant_id=tenant_id, failures=0, refusals=0)
                .on_conflict_do_nothing(index_elements=["tenant_id"])
            )
            row = (
                await session.execute(
                    update(STATE)
                    .where(
                        S.tenant_id == tenant_id,
                        or_(S.locked_until.is_(None), S.locked_until < now),
                        or_(S.next_attempt_at.is_(None), S.next_attempt_at <= now),
                    )
                    .values(locked_until=now + lease, locked_by=worker)
                    .returning(*STATE.c)
                )
            ).first()
        return _state(row) if row is not None else None

    async def advance(
        self,
        tenant_id: UUID,
        worker: str,
        cursor: str,
        *,
        target: str,
        now: datetime,
        lease: timedelta,
        pushed: bool,
        refusal: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {"cursor": cursor, "target": target, "locked_until": now + lease}
        if pushed:
            values["pushed_at"] = now
        if refusal is not None:
            values |= {"refusals": S.refusals + 1, "last_refusal": refusal}
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(STATE)
                .where(S.tenant_id == tenant_id, S.locked_by == worker)
                .values(**values)
            )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def release(
        self,
        tenant_id: UUID,
        worker: str,
        *,
        now: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        values: dict[str, Any] = {"locked_until": None, "locked_by": None}
        if error is None:
            values |= {"failures": 0, "next_attempt_at": None, "last_error": None}
        else:
            values |= {"failures": S.failures + 1, "next_attempt_at": retry_at, "last_error": error}
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(STATE)
                .where(S.tenant_id == tenant_id, S.locked_by == worker)
                .values(**values)
            )

    async def get(self, tenant_id: UUID) -> PushState | None:
        async with self._sessions() as session:
            row = (await session.execute(select(STATE).where(S.tenant_id == tenant_id))).first()
        return _state(row) if row is not None else None

    async def retry_now(self, tenant_id: UUID) -> None:
        """An operator's `stadtkern sync push`: a waiting retry is due at once."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(STATE).where(S.tenant_id == tenant_id).values(next_attempt_at=None)
            )

    async def feed_end(
        self, tenant_id: UUID, event_types: Sequence[str] = PUSHED_EVENT_TYPES
    ) -> str | None:
        """The position of the tenant's last own change of these types (read as the
        tenant): a push whose cursor is there or beyond has sent everything."""
        o = OutboxRow.__table__.c
        async with self._sessions() as session:
            await begin_for_tenant(session, tenant_id)
            row = (
                await session.execute(
                    select(o.xact, o.id)
                    .where(o.tenant_id == tenant_id, o.event_type.in_(list(event_types)))
                    .order_by(o.xact.desc(), o.id.desc())
                    .limit(1)
                )
            ).first()
        return feed_cursor(row.xact, row.id) if row is not None else None

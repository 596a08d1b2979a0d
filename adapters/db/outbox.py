"""The outbox (every domain event, written in the transaction of its change) and the jobs
table (one row per event and subscribed handler, plus periodic jobs) that the worker runs.

The outbox is tenant-owned (row-level security on PostgreSQL); the jobs table is the
worker's, across tenants, and holds only ids: a handler reads its event in a transaction of
the event's tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Text, insert, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from adapters.db.types import JsonDocument, UtcDateTime
from domain.domain_events import DomainEvent
from domain.jobs import Subscriptions

# SQLite numbers rows itself only in an INTEGER PRIMARY KEY.
Serial = BigInteger().with_variant(Integer(), "sqlite")


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_tenant_id", "tenant_id", "id"),
        Index("ix_outbox_feed", "tenant_id", "xact", "id"),
        Index("ix_outbox_subject", "subject_id", "xact", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(Serial, primary_key=True))
    event_id: UUID = Field(unique=True)
    tenant_id: UUID = Field(
        sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    )
    event_type: str = Field(sa_column=Column(String(80), nullable=False))
    payload: dict[str, Any] = Field(sa_column=Column(JsonDocument, nullable=False))
    occurred_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    # The writing transaction (PostgreSQL; 0 on SQLite) and the campaign a public change is
    # about: the change feed's order and reach (migration 0013, adapters/db/change_feed.py).
    xact: int = Field(
        default=0,
        sa_column=Column(BigInteger, nullable=False, server_default=text("0")),
    )
    subject_id: UUID | None = None


class JobRow(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_at"),)

    id: int | None = Field(default=None, sa_column=Column(Serial, primary_key=True))
    handler: str = Field(sa_column=Column(String(80), nullable=False))
    tenant_id: UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"))
    )
    event_id: int | None = Field(
        default=None, sa_column=Column(Serial, ForeignKey("outbox.id", ondelete="CASCADE"))
    )
    status: str = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = Field(sa_column=Column(Integer, nullable=False))
    max_attempts: int = Field(sa_column=Column(Integer, nullable=False))
    run_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    locked_until: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    locked_by: str | None = Field(default=None, sa_column=Column(String(80)))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    # Periodic jobs: "<name>@<slot>", so many workers enqueue one run per slot.
    dedup_key: str | None = Field(default=None, sa_column=Column(String(200), unique=True))


# On the tables, not the ORM classes: an ORM insert takes SQLAlchemy's bulk path, and a
# pledge writes its event while it holds its campaign's row lock (bench/pledges.py).
_ADD_EVENTS = insert(OutboxRow.__table__).returning(
    OutboxRow.__table__.c.id, sort_by_parameter_order=True
)
_ADD_JOBS = insert(JobRow.__table__)


async def write_events(
    session: AsyncSession,
    events: Sequence[DomainEvent],
    subscriptions: Subscriptions,
    now: datetime,
) -> int:
    """Store the events and a job per subscribed handler, in the session's transaction, with
    a statement or two however many events (an import records thousands); returns the number
    of jobs."""
    if not events:
        return 0
    outbox_ids = (
        (
            await session.execute(
                _ADD_EVENTS,
                [
                    {
                        "event_id": uuid4(),
                        "tenant_id": event.tenant_id,
                        "event_type": event.event_type,
                        "payload": event.payload(),
                        "occurred_at": now,
                        "subject_id": event.subject_id,
                    }
                    for event in events
                ],
            )
        )
        .scalars()
        .all()
    )
    jobs = [
        {
            "handler": sub.handler,
            "tenant_id": event.tenant_id,
            "event_id": outbox_id,
            "status": "pending",
            "attempts": 0,
            "max_attempts": sub.max_attempts,
            "run_at": now,
            "created_at": now,
        }
        for outbox_id, event in zip(outbox_ids, events, strict=True)
        for sub in subscriptions.get(event.event_type, ())
    ]
    if jobs:
        await session.execute(_ADD_JOBS, jobs)
    return len(jobs)

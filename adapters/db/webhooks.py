"""Webhook tables, repositories, unit of work and the delivery queue.

Subscriptions and deliveries are tenant-owned (row-level security on PostgreSQL): admins read
them per tenant. `webhook_queue` is the worker's, across tenants, like `jobs`: it holds ids
only (a delivery, its tenant, when it is due, who holds it), so a worker claims due
deliveries of every tenant with one statement and reads each in its tenant's transaction.
A delivery that is settled (succeeded or given up) has no queue row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from adapters.db.types import JsonDocument, UtcDateTime
from adapters.db.unit_of_work import Outbox, SqlUnitOfWork
from domain.cursors import instant_id_cursor, read_instant_id_cursor
from domain.syndication.webhook_ports import QueuedDelivery
from domain.syndication.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription


class WebhookSubscriptionRow(SQLModel, table=True):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "id", name="webhook_subscriptions_pkey"),)

    tenant_id: UUID = Field(
        sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    )
    id: UUID
    url: str = Field(sa_column=Column(String(2000), nullable=False))
    event_types: list[str] = Field(sa_column=Column(JsonDocument, nullable=False))
    description: str = Field(sa_column=Column(String(200), nullable=False))
    # Kept to sign with (the spec's HMAC needs it), never answered after it was made.
    secret: str = Field(sa_column=Column(String(200), nullable=False))
    previous_secret: str | None = Field(default=None, sa_column=Column(String(200)))
    previous_secret_until: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    disabled_reason: str | None = Field(default=None, sa_column=Column(String(500)))


class WebhookDeliveryRow(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="webhook_deliveries_pkey"),
        ForeignKeyConstraint(
            ["tenant_id", "subscription_id"],
            ["webhook_subscriptions.tenant_id", "webhook_subscriptions.id"],
            name="webhook_deliveries_subscription_fkey",
            ondelete="CASCADE",
        ),
        # A retried fan-out adds no delivery twice (replays and pings have no source key).
        UniqueConstraint(
            "tenant_id", "subscription_id", "source_key", name="webhook_deliveries_source_key"
        ),
        Index("ix_webhook_deliveries_log", "tenant_id", "subscription_id", "created_at", "id"),
    )

    tenant_id: UUID = Field(
        sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    )
    id: UUID
    subscription_id: UUID
    source_key: str | None = Field(default=None, sa_column=Column(String(200)))
    message_id: str = Field(sa_column=Column(String(64), nullable=False))
    event_type: str = Field(sa_column=Column(String(80), nullable=False))
    payload: dict[str, Any] = Field(sa_column=Column(JsonDocument, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = Field(sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    first_attempt_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    last_attempt_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    last_status_code: int | None = Field(default=None, sa_column=Column(Integer))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    succeeded_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    replay_of: UUID | None = None


class WebhookQueueRow(SQLModel, table=True):
    __tablename__ = "webhook_queue"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "delivery_id"],
            ["webhook_deliveries.tenant_id", "webhook_deliveries.id"],
            name="webhook_queue_delivery_fkey",
            ondelete="CASCADE",
        ),
        Index("ix_webhook_queue_due", "run_at"),
    )

    delivery_id: UUID = Field(primary_key=True)
    tenant_id: UUID = Field(
        sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    )
    run_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    locked_until: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    locked_by: str | None = Field(default=None, sa_column=Column(String(80)))


SUBSCRIPTIONS = WebhookSubscriptionRow.__table__  # type: ignore[attr-defined]
DELIVERIES = WebhookDeliveryRow.__table__  # type: ignore[attr-defined]
QUEUE = WebhookQueueRow.__table__  # type: ignore[attr-defined]


def _subscription_values(s: WebhookSubscription) -> dict[str, Any]:
    return {
        "url": s.url,
        "event_types": list(s.event_types),
        "description": s.description,
        "secret": s.secret,
        "previous_secret": s.previous_secret,
        "previous_secret_until": s.previous_secret_until,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "disabled_at": s.disabled_at,
        "disabled_reason": s.disabled_reason,
    }


def _subscription(row: Any) -> WebhookSubscription:
    return WebhookSubscription(
        id=row.id,
        tenant_id=row.tenant_id,
        url=row.url,
        event_types=tuple(row.event_types),
        description=row.description,
        secret=row.secret,
        created_at=row.created_at,
        updated_at=row.updated_at,
        disabled_at=row.disabled_at,
        disabled_reason=row.disabled_reason,
        previous_secret=row.previous_secret,
        previous_secret_until=row.previous_secret_until,
    )


def _delivery_state(d: WebhookDelivery) -> dict[str, Any]:
    """What an attempt changes."""
    return {
        "status": d.status.value,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "first_attempt_at": d.first_attempt_at,
        "last_attempt_at": d.last_attempt_at,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "succeeded_at": d.succeeded_at,
    }


def _delivery_values(d: WebhookDelivery, source_key: str | None = None) -> dict[str, Any]:
    return {
        "tenant_id": d.tenant_id,
        "id": d.id,
        "subscription_id": d.subscription_id,
        "source_key": source_key,
        "message_id": d.message_id,
        "event_type": d.event_type,
        "payload": d.payload,
        "created_at": d.created_at,
        "replay_of": d.replay_of,
        **_delivery_state(d),
    }


def _delivery(row: Any) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id,
        tenant_id=row.tenant_id,
        subscription_id=row.subscription_id,
        message_id=row.message_id,
        event_type=row.event_type,
        payload=row.payload,
        status=DeliveryStatus(row.status),
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        attempts=row.attempts,
        first_attempt_at=row.first_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        succeeded_at=row.succeeded_at,
        replay_of=row.replay_of,
    )


class _TenantRepository:
    def __init__(self, session: AsyncSession, tenant_id: UUID) -> None:
        self._session = session
        self._tenant_id = tenant_id


class SqlWebhookSubscriptions(_TenantRepository):
    async def add(self, subscription: WebhookSubscription) -> None:
        await self._session.execute(
            insert(SUBSCRIPTIONS).values(
                tenant_id=self._tenant_id, id=subscription.id, **_subscription_values(subscription)
            )
        )

    async def get(self, subscription_id: UUID) -> WebhookSubscription | None:
        row = (
            await self._session.execute(
                select(SUBSCRIPTIONS).where(
                    SUBSCRIPTIONS.c.tenant_id == self._tenant_id,
                    SUBSCRIPTIONS.c.id == subscription_id,
                )
            )
        ).first()
        return _subscription(row) if row else None

    async def list(self) -> list[WebhookSubscription]:
        rows = await self._session.execute(
            select(SUBSCRIPTIONS)
            .where(SUBSCRIPTIONS.c.tenant_id == self._tenant_id)
            .order_by(SUBSCRIPTIONS.c.created_at, SUBSCRIPTIONS.c.id)
        )
        return [_subscription(r) for r in rows]

    async def active(self) -> list[WebhookSubscription]:
        return [s for s in await self.list() if s.active]

    async def update(self, subscription: WebhookSubscription) -> None:
        await self._session.execute(
            update(SUBSCRIPTIONS)
            .where(
                SUBSCRIPTIONS.c.tenant_id == self._tenant_id,
                SUBSCRIPTIONS.c.id == subscription.id,
            )
            .values(**_subscription_values(subscription))
        )

    async def remove(self, subscription_id: UUID) -> None:
        mine = and_(
            DELIVERIES.c.tenant_id == self._tenant_id,
            DELIVERIES.c.subscription_id == subscription_id,
        )
        await self._session.execute(
            delete(QUEUE).where(
                QUEUE.c.tenant_id == self._tenant_id,
                QUEUE.c.delivery_id.in_(select(DELIVERIES.c.id).where(mine)),
            )
        )
        await self._session.execute(delete(DELIVERIES).where(mine))
        await self._session.execute(
            delete(SUBSCRIPTIONS).where(
                SUBSCRIPTIONS.c.tenant_id == self._tenant_id,
                SUBSCRIPTIONS.c.id == subscription_id,
            )
        )


class SqlWebhookDeliveries(_TenantRepository):
    async def add_for_event(self, deliveries: Any, source_key: str) -> int:
        if not deliveries:
            return 0
        dialect = postgresql if self._session.bind.dialect.name == "postgresql" else sqlite
        added = []
        for delivery in deliveries:
            statement = (
                dialect.insert(DELIVERIES)
                .values(**_delivery_values(delivery, source_key))
                .on_conflict_do_nothing(
                    index_elements=["tenant_id", "subscription_id", "source_key"]
                )
                .returning(DELIVERIES.c.id)
            )
            if (await self._session.execute(statement)).first() is not None:
                added.append(delivery)
        await self._queue(added)
        return len(added)

    async def add(self, delivery: WebhookDelivery) -> None:
        await self._session.execute(insert(DELIVERIES).values(**_delivery_values(delivery)))
        await self._queue([delivery])

    async def _queue(self, deliveries: list[WebhookDelivery]) -> None:
        if deliveries:
            await self._session.execute(
                insert(QUEUE),
                [
                    {
                        "delivery_id": d.id,
                        "tenant_id": d.tenant_id,
                        "run_at": d.next_attempt_at or d.created_at,
                    }
                    for d in deliveries
                ],
            )

    async def get(self, delivery_id: UUID) -> WebhookDelivery | None:
        row = (
            await self._session.execute(
                select(DELIVERIES).where(
                    DELIVERIES.c.tenant_id == self._tenant_id, DELIVERIES.c.id == delivery_id
                )
            )
        ).first()
        return _delivery(row) if row else None

    async def page(
        self, subscription_id: UUID, *, limit: int, cursor: str | None
    ) -> tuple[list[WebhookDelivery], str | None]:
        query = select(DELIVERIES).where(
            DELIVERIES.c.tenant_id == self._tenant_id,
            DELIVERIES.c.subscription_id == subscription_id,
        )
        if cursor:
            at, after_id = read_instant_id_cursor(cursor)
            query = query.where(
                or_(
                    DELIVERIES.c.created_at < at,
                    and_(DELIVERIES.c.created_at == at, DELIVERIES.c.id < after_id),
                )
            )
        rows = (
            await self._session.execute(
                query.order_by(DELIVERIES.c.created_at.desc(), DELIVERIES.c.id.desc()).limit(
                    limit + 1
                )
            )
        ).all()
        items = [_delivery(r) for r in rows[:limit]]
        more = len(rows) > limit
        return items, instant_id_cursor(items[-1].created_at, items[-1].id) if more else None

    async def settle(self, delivery: WebhookDelivery, worker: str) -> bool:
        held = and_(QUEUE.c.delivery_id == delivery.id, QUEUE.c.locked_by == worker)
        if delivery.settled:
            result = await self._session.execute(delete(QUEUE).where(held))
        else:
            result = await self._session.execute(
                update(QUEUE)
                .where(held)
                .values(
                    run_at=delivery.next_attempt_at or delivery.created_at,
                    locked_until=None,
                    locked_by=None,
                )
            )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        await self._session.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.tenant_id == self._tenant_id, DELIVERIES.c.id == delivery.id)
            .values(**_delivery_state(delivery))
        )
        return True

    async def give_up_pending(self, subscription_id: UUID, reason: str) -> int:
        unsettled = and_(
            DELIVERIES.c.tenant_id == self._tenant_id,
            DELIVERIES.c.subscription_id == subscription_id,
            DELIVERIES.c.status.in_((DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value)),
        )
        await self._session.execute(
            delete(QUEUE).where(
                QUEUE.c.tenant_id == self._tenant_id,
                QUEUE.c.delivery_id.in_(select(DELIVERIES.c.id).where(unsettled)),
            )
        )
        result = await self._session.execute(
            update(DELIVERIES)
            .where(unsettled)
            .values(status=DeliveryStatus.GIVEN_UP.value, next_attempt_at=None, last_error=reason)
        )
        return result.rowcount or 0  # type: ignore[attr-defined]


class SqlWebhookUnitOfWork(SqlUnitOfWork):
    tenant_id: UUID

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        tenant_id: UUID,
        outbox: Outbox | None = None,
    ) -> None:
        super().__init__(session_factory, tenant_id=tenant_id, outbox=outbox)

    def _open(self, session: AsyncSession) -> None:
        self.subscriptions = SqlWebhookSubscriptions(session, self.tenant_id)
        self.deliveries = SqlWebhookDeliveries(session, self.tenant_id)


class SqlDeliveryQueue:
    """Claimed like the job queue: one UPDATE ... RETURNING over a materialised pick, with
    `FOR UPDATE SKIP LOCKED` on PostgreSQL (on SQLite the statement alone is atomic)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(
        self, worker: str, *, limit: int, now: datetime, lease: timedelta
    ) -> list[QueuedDelivery]:
        due = and_(
            QUEUE.c.run_at <= now,
            or_(QUEUE.c.locked_until.is_(None), QUEUE.c.locked_until < now),
        )
        async with self._sessions() as session, session.begin():
            pick = (
                select(QUEUE.c.delivery_id)
                .where(due)
                .order_by(QUEUE.c.run_at, QUEUE.c.delivery_id)
                .limit(limit)
            )
            if session.bind.dialect.name == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
            chosen = pick.cte("chosen").prefix_with("MATERIALIZED")
            rows = (
                await session.execute(
                    update(QUEUE)
                    .where(QUEUE.c.delivery_id.in_(select(chosen.c.delivery_id)), due)
                    .values(locked_until=now + lease, locked_by=worker)
                    .returning(QUEUE.c.delivery_id, QUEUE.c.tenant_id)
                )
            ).all()
        return [QueuedDelivery(r.tenant_id, r.delivery_id) for r in rows]

    async def hold(
        self, queued: QueuedDelivery, worker: str, *, now: datetime, lease: timedelta
    ) -> bool:
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(QUEUE)
                .where(QUEUE.c.delivery_id == queued.delivery_id, QUEUE.c.locked_by == worker)
                .values(locked_until=now + lease)
            )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def busy(self, now: datetime) -> bool:
        async with self._sessions() as session:
            found = await session.scalar(
                select(QUEUE.c.delivery_id)
                .where(or_(QUEUE.c.run_at <= now, QUEUE.c.locked_by.is_not(None)))
                .limit(1)
            )
        return found is not None

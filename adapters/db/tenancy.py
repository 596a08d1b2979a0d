"""Tenancy tables, the tenant repository, and the in-process tenant directory used per request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Column, ForeignKey, String, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from adapters.db.constraints import constraint_errors
from adapters.db.types import JsonDocument, UtcDateTime
from adapters.tenant_document import config_to_data, parse_tenant_document
from domain.tenancy.model import Tenant


class TenantRow(SQLModel, table=True):
    __tablename__ = "tenants"

    id: UUID = Field(primary_key=True)
    slug: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(120), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    parent_id: UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    )
    config: dict[str, Any] = Field(sa_column=Column(JsonDocument, nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class TenantHostnameRow(SQLModel, table=True):
    """One row per own hostname; the primary key makes a hostname belong to one tenant only."""

    __tablename__ = "tenant_hostnames"

    hostname: str = Field(sa_column=Column(String(253), primary_key=True))
    tenant_id: UUID = Field(
        sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True)
    )


class TenantRegistryRow(SQLModel, table=True):
    """A single row whose generation moves with every tenant change, so caches know to reload."""

    __tablename__ = "tenant_registry"

    id: int = Field(primary_key=True)
    generation: int = Field(sa_column=Column(BigInteger, nullable=False, default=0))


def _to_entity(row: TenantRow) -> Tenant:
    return Tenant(
        id=row.id,
        config=parse_tenant_document(row.config, source=f"stored tenant {row.slug}"),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlTenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list_all(self) -> list[Tenant]:
        rows = await self._session.scalars(select(TenantRow).order_by(TenantRow.slug))
        return [_to_entity(row) for row in rows]

    async def get_by_slug(self, slug: str) -> Tenant | None:
        row = await self._session.scalar(select(TenantRow).where(TenantRow.slug == slug))
        return _to_entity(row) if row else None

    async def add(self, tenant: Tenant) -> None:
        with constraint_errors():
            columns = await self._columns(tenant)
            self._session.add(TenantRow(id=tenant.id, created_at=tenant.created_at, **columns))
            await self._session.flush()
            await self._write_hostnames(tenant)

    async def update(self, tenant: Tenant) -> None:
        with constraint_errors():
            columns = await self._columns(tenant)
            await self._session.execute(
                update(TenantRow).where(TenantRow.id == tenant.id).values(**columns)
            )
            await self._write_hostnames(tenant)

    async def _columns(self, tenant: Tenant) -> dict[str, Any]:
        parent_id = None
        if tenant.config.parent is not None:
            parent_id = await self._session.scalar(
                select(TenantRow.id).where(TenantRow.slug == tenant.config.parent)
            )
        return {
            "slug": tenant.slug,
            "name": tenant.config.name,
            "status": tenant.status.value,
            "parent_id": parent_id,
            "config": config_to_data(tenant.config),
            "updated_at": tenant.updated_at,
        }

    async def _write_hostnames(self, tenant: Tenant) -> None:
        await self._session.execute(
            delete(TenantHostnameRow).where(TenantHostnameRow.tenant_id == tenant.id)
        )
        if tenant.config.hostnames:
            await self._session.execute(
                insert(TenantHostnameRow),
                [{"hostname": h, "tenant_id": tenant.id} for h in tenant.config.hostnames],
            )
        await self._session.execute(
            update(TenantRegistryRow)
            .where(TenantRegistryRow.id == 1)
            .values(generation=TenantRegistryRow.generation + 1)
        )


@dataclass
class _Snapshot:
    generation: int = -1
    by_slug: dict[str, Tenant] = field(default_factory=dict)
    by_hostname: dict[str, Tenant] = field(default_factory=dict)
    by_id: dict[UUID, Tenant] = field(default_factory=dict)


class TenantDirectory:
    """Every tenant held in process memory for request routing.

    At most once per `check_interval` seconds it reads the registry generation (one tiny
    query) and reloads all tenants when it moved, so a change applied by any process is seen
    within that interval; `invalidate()` makes the next lookup check at once.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        check_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = session_factory
        self._interval = check_interval
        self._monotonic = monotonic
        self._snapshot = _Snapshot()
        self._checked_at = float("-inf")
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._checked_at = float("-inf")

    async def by_slug(self, slug: str) -> Tenant | None:
        return (await self._current()).by_slug.get(slug)

    async def by_hostname(self, hostname: str) -> Tenant | None:
        return (await self._current()).by_hostname.get(hostname)

    async def by_id(self, tenant_id: UUID) -> Tenant | None:
        return (await self._current()).by_id.get(tenant_id)

    async def all(self) -> list[Tenant]:
        return list((await self._current()).by_slug.values())

    async def _current(self) -> _Snapshot:
        if self._monotonic() - self._checked_at < self._interval:
            return self._snapshot
        async with self._lock:
            if self._monotonic() - self._checked_at < self._interval:
                return self._snapshot  # another request refreshed while this one waited
            async with self._sessions() as session:
                generation = await session.scalar(
                    select(TenantRegistryRow.generation).where(TenantRegistryRow.id == 1)
                )
                if generation != self._snapshot.generation:
                    tenants = await SqlTenantRepository(session).list_all()
                    self._snapshot = _Snapshot(
                        generation=generation if generation is not None else -1,
                        by_slug={t.slug: t for t in tenants},
                        by_hostname={h: t for t in tenants for h in t.config.hostnames},
                        by_id={t.id: t for t in tenants},
                    )
            self._checked_at = self._monotonic()
        return self._snapshot

"""The composed adapters one app instance uses, built once from settings."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import redis.asyncio as redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.db.engine import create_engine, create_session_factory
from adapters.db.tenancy import TenantDirectory
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.redis_client import connect_redis
from adapters.system import RandomIds, SystemClock
from api.settings import Settings


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: redis.Redis
    tenant_directory: TenantDirectory
    clock: SystemClock
    ids: RandomIds

    def unit_of_work(self, tenant_id: UUID | None = None) -> SqlUnitOfWork:
        """A fresh unit of work; tenant-owned data needs the tenant's id."""
        return SqlUnitOfWork(self.sessions, tenant_id=tenant_id)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.engine.dispose()


def build_services(settings: Settings) -> Services:
    """Build every adapter; nothing connects until first use."""
    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
    sessions = create_session_factory(engine)
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        redis=connect_redis(settings.redis_url),
        tenant_directory=TenantDirectory(sessions, check_interval=settings.tenant_cache_seconds),
        clock=SystemClock(),
        ids=RandomIds(),
    )

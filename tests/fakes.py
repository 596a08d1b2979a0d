"""In-memory fakes of the ports, for unit tests of use cases (no I/O)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Self

from domain.tenancy.model import Tenant


class FixedClock:
    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class SequentialIds:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=next(self._counter))


class FakeTenantRepository:
    def __init__(self, tenants: list[Tenant] | None = None) -> None:
        self.rows: dict[str, Tenant] = {t.slug: t for t in tenants or []}

    async def list_all(self) -> list[Tenant]:
        return sorted(self.rows.values(), key=lambda t: t.slug)

    async def get_by_slug(self, slug: str) -> Tenant | None:
        return self.rows.get(slug)

    async def add(self, tenant: Tenant) -> None:
        assert tenant.config.parent is None or tenant.config.parent in self.rows, "parent first"
        self.rows[tenant.slug] = tenant

    async def update(self, tenant: Tenant) -> None:
        self.rows[tenant.slug] = tenant


class FakeUnitOfWork:
    """Writes become visible to `committed` only on commit, like a transaction."""

    def __init__(self, tenants: list[Tenant] | None = None) -> None:
        self.committed = FakeTenantRepository(tenants)
        self.tenants = FakeTenantRepository()
        self.commits = 0

    async def __aenter__(self) -> Self:
        self.tenants = FakeTenantRepository(list(self.committed.rows.values()))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.tenants = FakeTenantRepository(list(self.committed.rows.values()))

    async def commit(self) -> None:
        self.committed = FakeTenantRepository(list(self.tenants.rows.values()))
        self.commits += 1

    async def rollback(self) -> None:
        self.tenants = FakeTenantRepository(list(self.committed.rows.values()))


class DictTenantLookup:
    def __init__(self, *tenants: Tenant) -> None:
        self.tenants = list(tenants)

    async def by_slug(self, slug: str) -> Tenant | None:
        return next((t for t in self.tenants if t.slug == slug), None)

    async def by_hostname(self, hostname: str) -> Tenant | None:
        return next((t for t in self.tenants if hostname in t.config.hostnames), None)


def stored(config, *, number: int = 1) -> Tenant:  # type: ignore[no-untyped-def]
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return Tenant(uuid.UUID(int=1000 + number), config, created_at=at, updated_at=at)

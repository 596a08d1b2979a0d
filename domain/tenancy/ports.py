"""Ports of tenancy."""

from __future__ import annotations

from typing import Protocol

from domain.ports import UnitOfWork
from domain.tenancy.model import Tenant


class TenantRepository(Protocol):
    async def list_all(self) -> list[Tenant]: ...

    async def get_by_slug(self, slug: str) -> Tenant | None: ...

    async def add(self, tenant: Tenant) -> None: ...

    async def update(self, tenant: Tenant) -> None: ...


class TenancyUnitOfWork(UnitOfWork, Protocol):
    tenants: TenantRepository


class TenantLookup(Protocol):
    """Finds a tenant for a request; adapters may answer from a cache."""

    async def by_slug(self, slug: str) -> Tenant | None: ...

    async def by_hostname(self, hostname: str) -> Tenant | None: ...

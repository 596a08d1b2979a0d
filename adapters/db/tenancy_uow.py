"""Tenancy's unit of work: the tenant registry, across tenants (no row-level tenant)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.db.tenancy import SqlTenantRepository
from adapters.db.unit_of_work import SqlUnitOfWork


class SqlTenancyUnitOfWork(SqlUnitOfWork):
    def _open(self, session: AsyncSession) -> None:
        self.tenants = SqlTenantRepository(session)

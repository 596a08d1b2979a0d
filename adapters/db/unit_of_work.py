"""The SQL unit of work: one transaction, repositories bound to it, and (on PostgreSQL)
the tenant set for row-level security with `set_config(..., true)`, i.e. SET LOCAL."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.db.constraints import constraint_errors
from adapters.db.directory import (
    SqlBusinessRepository,
    SqlBusinessRoleRepository,
    SqlCategoryRepository,
    SqlClaimRepository,
    SqlOfferRepository,
)
from adapters.db.identity import (
    SqlAccountRepository,
    SqlApiKeyRepository,
    SqlExternalIdentityRepository,
    SqlMembershipRepository,
    SqlOneTimeTokenRepository,
    SqlRefreshTokenRepository,
)
from adapters.db.search import SqlSearchIndex
from adapters.db.tenancy import SqlTenantRepository


async def begin_for_tenant(session: AsyncSession, tenant_id: UUID | None) -> None:
    """Open the transaction; on PostgreSQL name its tenant for row-level security."""
    await session.begin()
    if tenant_id is not None and session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT set_config('app.tenant_id', :tenant, true)"), {"tenant": str(tenant_id)}
        )


class SqlUnitOfWork:
    """Tenant-owned repositories (memberships, API keys, the directory) exist only on a unit
    of work built with a tenant id, so no code path can reach them without naming the tenant."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        tenant_id: UUID | None = None,
        search_language: str = "simple",
    ) -> None:
        self._session_factory = session_factory
        self.tenant_id = tenant_id
        self._search_language = search_language
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        await begin_for_tenant(self._session, self.tenant_id)
        session = self._session
        self.tenants = SqlTenantRepository(session)
        self.accounts = SqlAccountRepository(session)
        self.one_time_tokens = SqlOneTimeTokenRepository(session)
        self.refresh_tokens = SqlRefreshTokenRepository(session)
        self.external_identities = SqlExternalIdentityRepository(session)
        if self.tenant_id is not None:
            self.memberships = SqlMembershipRepository(session, self.tenant_id)
            self.api_keys = SqlApiKeyRepository(session, self.tenant_id)
            self.businesses = SqlBusinessRepository(session, self.tenant_id)
            self.business_roles = SqlBusinessRoleRepository(session, self.tenant_id)
            self.categories = SqlCategoryRepository(session, self.tenant_id)
            self.offers = SqlOfferRepository(session, self.tenant_id)
            self.claims = SqlClaimRepository(session, self.tenant_id)
            self.search_index = SqlSearchIndex(session, self.tenant_id, self._search_language)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._session is not None
        try:
            if self._session.in_transaction():
                await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `async with` block")
        return self._session

    async def commit(self) -> None:
        with constraint_errors():
            await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()

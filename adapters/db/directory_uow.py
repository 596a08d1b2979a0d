"""The directory's unit of work, always for one tenant."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.db.directory import (
    SqlBusinessRepository,
    SqlBusinessRoleRepository,
    SqlCategoryRepository,
    SqlClaimRepository,
    SqlOfferRepository,
)
from adapters.db.identity import SqlMembershipRepository
from adapters.db.media import SqlMediaRepository
from adapters.db.search import SqlSearchIndex
from adapters.db.unit_of_work import Outbox, SqlUnitOfWork


class SqlDirectoryUnitOfWork(SqlUnitOfWork):
    tenant_id: UUID
    locales: tuple[str, ...]

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        tenant_id: UUID,
        outbox: Outbox | None = None,
        locales: tuple[str, ...] = ("de",),
    ) -> None:
        """`locales`: the tenant's languages, the first its default. Texts in others are
        refused; the search index stems each in its own language."""
        super().__init__(session_factory, tenant_id=tenant_id, outbox=outbox)
        self.locales = locales

    def _open(self, session: AsyncSession) -> None:
        tenant_id = self.tenant_id
        self.businesses = SqlBusinessRepository(session, tenant_id)
        self.business_roles = SqlBusinessRoleRepository(session, tenant_id)
        self.categories = SqlCategoryRepository(session, tenant_id)
        self.offers = SqlOfferRepository(session, tenant_id)
        self.claims = SqlClaimRepository(session, tenant_id)
        self.search_index = SqlSearchIndex(session, tenant_id, self.locales)
        # Read only: whether an account is a member, asked of identity's table.
        self.members = SqlMembershipRepository(session, tenant_id)
        # The images businesses show: attached and released in the directory's transaction.
        self.media = SqlMediaRepository(session, tenant_id)

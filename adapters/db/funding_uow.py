"""Funding's unit of work, always for one tenant."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.db.funding import (
    SqlCampaignRepository,
    SqlDirectoryLookups,
    SqlIdempotencyKeys,
    SqlPaymentEventLog,
    SqlPledgeRepository,
    SqlRefundRepository,
    SqlRewardTierRepository,
)
from adapters.db.media import SqlMediaRepository
from adapters.db.search import SqlSearchIndex
from adapters.db.unit_of_work import Outbox, SqlUnitOfWork


class SqlFundingUnitOfWork(SqlUnitOfWork):
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
        """`locales`: the tenant's languages, the first its default (the search index stems
        each text in its own)."""
        super().__init__(session_factory, tenant_id=tenant_id, outbox=outbox)
        self.locales = locales

    def _open(self, session: AsyncSession) -> None:
        tenant_id = self.tenant_id
        self.campaigns = SqlCampaignRepository(session, tenant_id)
        self.tiers = SqlRewardTierRepository(session, tenant_id)
        self.pledges = SqlPledgeRepository(session, tenant_id)
        self.refunds = SqlRefundRepository(session, tenant_id)
        self.idempotency = SqlIdempotencyKeys(session, tenant_id)
        self.payment_events = SqlPaymentEventLog(session, tenant_id)
        self.search = SqlSearchIndex(session, tenant_id, self.locales)
        # A campaign's images: attached and released in funding's transaction.
        self.media = SqlMediaRepository(session, tenant_id)
        # Read only: categories and business teams, asked of the directory's tables.
        self.directory = SqlDirectoryLookups(session, tenant_id)

"""The names campaigns show of the people and businesses behind them, read for a whole page
at once (one statement per kind, whatever the page's length)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.db.directory import BusinessRow
from adapters.db.identity import AccountRow, MembershipRow
from adapters.db.unit_of_work import begin_for_tenant


class SqlFundingNames:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], tenant_id: UUID) -> None:
        self._sessions = sessions
        self._tenant_id = tenant_id

    async def people(self, account_ids: Sequence[UUID]) -> dict[UUID, str]:
        """Display names of these accounts, members of this tenant only."""
        if not account_ids:
            return {}
        async with self._sessions() as session:
            await begin_for_tenant(session, self._tenant_id)
            rows = await session.execute(
                select(AccountRow.id, AccountRow.display_name)
                .join(MembershipRow, MembershipRow.account_id == AccountRow.id)
                .where(
                    MembershipRow.tenant_id == self._tenant_id,
                    AccountRow.id.in_(set(account_ids)),  # type: ignore[attr-defined]
                )
            )
            return {row.id: row.display_name for row in rows}

    async def businesses(self, business_ids: Sequence[UUID]) -> dict[UUID, str]:
        if not business_ids:
            return {}
        async with self._sessions() as session:
            await begin_for_tenant(session, self._tenant_id)
            rows = await session.execute(
                select(BusinessRow.id, BusinessRow.name).where(
                    BusinessRow.tenant_id == self._tenant_id,
                    BusinessRow.id.in_(set(business_ids)),  # type: ignore[attr-defined]
                )
            )
            return {row.id: row.name for row in rows}

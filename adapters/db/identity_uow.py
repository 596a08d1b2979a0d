"""Identity's unit of work. Accounts and their tokens are global (one account works on every
tenant); memberships and API keys are tenant-owned and exist only on a unit of work built
with a tenant id, so no code path reaches them without naming the tenant."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.db.identity import (
    SqlAccountRepository,
    SqlApiKeyRepository,
    SqlExternalIdentityRepository,
    SqlMembershipRepository,
    SqlOneTimeTokenRepository,
    SqlRefreshTokenRepository,
)
from adapters.db.unit_of_work import SqlUnitOfWork


class SqlIdentityUnitOfWork(SqlUnitOfWork):
    def _open(self, session: AsyncSession) -> None:
        self.accounts = SqlAccountRepository(session)
        self.one_time_tokens = SqlOneTimeTokenRepository(session)
        self.refresh_tokens = SqlRefreshTokenRepository(session)
        self.external_identities = SqlExternalIdentityRepository(session)
        if self.tenant_id is not None:
            self.memberships = SqlMembershipRepository(session, self.tenant_id)
            self.api_keys = SqlApiKeyRepository(session, self.tenant_id)

"""Identity tables and repositories. Memberships, business roles and API keys are
tenant-owned: their repositories are built for one tenant, and on PostgreSQL row-level
security holds them to `app.tenant_id` as a second wall."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from adapters.db.constraints import constraint_errors
from adapters.db.types import JsonDocument, UtcDateTime
from domain.identity.model import (
    Account,
    ApiKey,
    ExternalIdentity,
    Member,
    Membership,
    OneTimeToken,
    RefreshToken,
    Role,
    Scope,
    TokenPurpose,
)


class AccountRow(SQLModel, table=True):
    __tablename__ = "accounts"

    id: UUID = Field(primary_key=True)
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True))
    display_name: str = Field(sa_column=Column(String(80), nullable=False))
    password_hash: str | None = Field(default=None, sa_column=Column(String(255)))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    email_verified_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    is_operator: bool = Field(sa_column=Column(Boolean, nullable=False, default=False))
    password_changed_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    preferred_language: str | None = Field(default=None, sa_column=Column(String(16)))


class MembershipRow(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "account_id", name="memberships_pkey"),)

    tenant_id: UUID = Field(sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE")))
    account_id: UUID = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    )
    role: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class BusinessRoleRow(SQLModel, table=True):
    """Owner or staff of a business."""

    __tablename__ = "business_roles"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "business_id", "account_id", name="business_roles_pkey"),
        ForeignKeyConstraint(
            ["tenant_id", "business_id"],
            ["businesses.tenant_id", "businesses.id"],
            ondelete="CASCADE",
            name="business_roles_business_fkey",
        ),
    )

    tenant_id: UUID = Field(sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE")))
    business_id: UUID
    account_id: UUID = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    )
    role: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class ApiKeyRow(SQLModel, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="api_keys_pkey"),
        UniqueConstraint("tenant_id", "prefix", name="api_keys_prefix_key"),
    )

    tenant_id: UUID = Field(sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE")))
    id: UUID
    name: str = Field(sa_column=Column(String(80), nullable=False))
    prefix: str = Field(sa_column=Column(String(16), nullable=False))
    secret_hash: str = Field(sa_column=Column(String(64), nullable=False))
    scopes: list[str] = Field(sa_column=Column(JsonDocument, nullable=False))
    created_by: UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("accounts.id", ondelete="SET NULL"))
    )
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))


class OneTimeTokenRow(SQLModel, table=True):
    __tablename__ = "one_time_tokens"

    id: UUID = Field(primary_key=True)
    purpose: str = Field(sa_column=Column(String(32), nullable=False))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    tenant_id: UUID = Field(
        sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    )
    email: str = Field(sa_column=Column(String(254), nullable=False))
    account_id: UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"))
    )
    expires_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))


class RefreshTokenRow(SQLModel, table=True):
    __tablename__ = "refresh_tokens"

    id: UUID = Field(primary_key=True)
    family_id: UUID = Field(index=True)
    account_id: UUID = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    tenant_id: UUID = Field(
        sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    )
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    expires_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))


class ExternalIdentityRow(SQLModel, table=True):
    __tablename__ = "external_identities"
    __table_args__ = (PrimaryKeyConstraint("issuer", "subject", name="external_identities_pkey"),)

    issuer: str = Field(sa_column=Column(String(255)))
    subject: str = Field(sa_column=Column(String(255)))
    account_id: UUID = Field(
        sa_column=Column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    )
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


def _fields(row: SQLModel, *names: str) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


class SqlAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @staticmethod
    def _entity(row: AccountRow) -> Account:
        return Account(
            **_fields(row, "id", "email", "display_name", "password_hash", "created_at"),
            email_verified_at=row.email_verified_at,
            is_operator=row.is_operator,
            password_changed_at=row.password_changed_at,
            preferred_language=row.preferred_language,
        )

    async def get(self, account_id: UUID) -> Account | None:
        row = await self._session.get(AccountRow, account_id)
        return self._entity(row) if row else None

    async def get_by_email(self, email: str) -> Account | None:
        row = await self._session.scalar(select(AccountRow).where(AccountRow.email == email))
        return self._entity(row) if row else None

    async def add(self, account: Account) -> None:
        # In a savepoint: an email taken meanwhile (a racing sign-up) fails this insert only,
        # and the transaction goes on (sign-up then answers as for a taken email).
        with constraint_errors():
            async with self._session.begin_nested():
                self._session.add(AccountRow(**vars(account)))

    async def update(self, account: Account) -> None:
        values = vars(account).copy()
        values.pop("id")
        with constraint_errors():
            await self._session.execute(
                update(AccountRow).where(AccountRow.id == account.id).values(**values)
            )


class SqlMembershipRepository:
    def __init__(self, session: AsyncSession, tenant_id: UUID) -> None:
        self._session = session
        self._tenant_id = tenant_id

    def _entity(self, row: MembershipRow) -> Membership:
        return Membership(row.tenant_id, row.account_id, Role(row.role), row.created_at)

    def _mine(self):  # type: ignore[no-untyped-def]
        return MembershipRow.tenant_id == self._tenant_id

    async def get(self, account_id: UUID) -> Membership | None:
        row = await self._session.scalar(
            select(MembershipRow).where(self._mine(), MembershipRow.account_id == account_id)
        )
        return self._entity(row) if row else None

    async def list_members(self) -> list[Member]:
        rows = await self._session.execute(
            select(MembershipRow, AccountRow.display_name)
            .join(AccountRow, AccountRow.id == MembershipRow.account_id)
            .where(self._mine())
            .order_by(MembershipRow.created_at, MembershipRow.account_id)
        )
        return [Member(m.account_id, name, Role(m.role), m.created_at) for m, name in rows.all()]

    async def count_admins(self) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(MembershipRow)
            .where(self._mine(), MembershipRow.role == Role.ADMIN.value)
        )
        return int(count or 0)

    async def add(self, membership: Membership) -> None:
        self._require_mine(membership.tenant_id)
        with constraint_errors():
            self._session.add(
                MembershipRow(
                    tenant_id=membership.tenant_id,
                    account_id=membership.account_id,
                    role=membership.role.value,
                    created_at=membership.created_at,
                )
            )
            await self._session.flush()

    async def update(self, membership: Membership) -> None:
        self._require_mine(membership.tenant_id)
        await self._session.execute(
            update(MembershipRow)
            .where(self._mine(), MembershipRow.account_id == membership.account_id)
            .values(role=membership.role.value)
        )

    async def remove(self, account_id: UUID) -> None:
        await self._session.execute(
            delete(MembershipRow).where(self._mine(), MembershipRow.account_id == account_id)
        )

    def _require_mine(self, tenant_id: UUID) -> None:
        if tenant_id != self._tenant_id:
            raise ValueError("a membership of another tenant given to this tenant's repository")


class SqlApiKeyRepository:
    def __init__(self, session: AsyncSession, tenant_id: UUID) -> None:
        self._session = session
        self._tenant_id = tenant_id

    @staticmethod
    def _entity(row: ApiKeyRow) -> ApiKey:
        return ApiKey(
            **_fields(row, "id", "tenant_id", "name", "prefix", "secret_hash", "created_at"),
            scopes=frozenset(Scope(s) for s in row.scopes),
            created_by=row.created_by,  # type: ignore[arg-type]
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )

    async def get(self, key_id: UUID) -> ApiKey | None:
        row = await self._session.scalar(
            select(ApiKeyRow).where(ApiKeyRow.tenant_id == self._tenant_id, ApiKeyRow.id == key_id)
        )
        return self._entity(row) if row else None

    async def get_by_prefix(self, prefix: str) -> ApiKey | None:
        row = await self._session.scalar(
            select(ApiKeyRow).where(
                ApiKeyRow.tenant_id == self._tenant_id, ApiKeyRow.prefix == prefix
            )
        )
        return self._entity(row) if row else None

    async def list(self) -> list[ApiKey]:
        rows = await self._session.scalars(
            select(ApiKeyRow)
            .where(ApiKeyRow.tenant_id == self._tenant_id)
            .order_by(ApiKeyRow.created_at, ApiKeyRow.id)
        )
        return [self._entity(r) for r in rows]

    async def add(self, key: ApiKey) -> None:
        if key.tenant_id != self._tenant_id:
            raise ValueError("an API key of another tenant given to this tenant's repository")
        values = vars(key) | {"scopes": sorted(s.value for s in key.scopes)}
        with constraint_errors():
            self._session.add(ApiKeyRow(**values))
            await self._session.flush()

    async def update(self, key: ApiKey) -> None:
        await self._session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.tenant_id == self._tenant_id, ApiKeyRow.id == key.id)
            .values(
                name=key.name,
                scopes=sorted(s.value for s in key.scopes),
                last_used_at=key.last_used_at,
                revoked_at=key.revoked_at,
            )
        )


class SqlOneTimeTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_by_hash(self, token_hash: str) -> OneTimeToken | None:
        row = await self._session.scalar(
            select(OneTimeTokenRow).where(OneTimeTokenRow.token_hash == token_hash)
        )
        if row is None:
            return None
        return OneTimeToken(
            **_fields(row, "id", "token_hash", "tenant_id", "email", "expires_at"),
            purpose=TokenPurpose(row.purpose),
            account_id=row.account_id,
            used_at=row.used_at,
        )

    async def add(self, token: OneTimeToken) -> None:
        self._session.add(OneTimeTokenRow(**(vars(token) | {"purpose": token.purpose.value})))
        await self._session.flush()

    async def mark_used(self, token_id: UUID, at: datetime) -> bool:
        result = await self._session.execute(
            update(OneTimeTokenRow)
            .where(OneTimeTokenRow.id == token_id, OneTimeTokenRow.used_at.is_(None))
            .values(used_at=at)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


class SqlRefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        row = await self._session.scalar(
            select(RefreshTokenRow).where(RefreshTokenRow.token_hash == token_hash)
        )
        if row is None:
            return None
        return RefreshToken(
            **_fields(
                row, "id", "family_id", "account_id", "tenant_id", "token_hash", "expires_at"
            ),
            used_at=row.used_at,
            revoked_at=row.revoked_at,
        )

    async def add(self, token: RefreshToken) -> None:
        self._session.add(RefreshTokenRow(**vars(token)))
        await self._session.flush()

    async def mark_used(self, token_id: UUID, at: datetime) -> bool:
        result = await self._session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.id == token_id, RefreshTokenRow.used_at.is_(None))
            .values(used_at=at)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        await self._session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def revoke_all_of(self, account_id: UUID, at: datetime) -> None:
        await self._session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.account_id == account_id, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )


class SqlExternalIdentityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, issuer: str, subject: str) -> ExternalIdentity | None:
        row = await self._session.get(ExternalIdentityRow, (issuer, subject))
        if row is None:
            return None
        return ExternalIdentity(row.issuer, row.subject, row.account_id, row.created_at)

    async def add(self, identity: ExternalIdentity) -> None:
        with constraint_errors():
            self._session.add(ExternalIdentityRow(**vars(identity)))
            await self._session.flush()

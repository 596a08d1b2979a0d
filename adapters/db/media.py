"""Media tables and repository: uploaded images with their stored files and alt texts.
Tenant-owned (row-level security on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Column, ForeignKey, Integer, String, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from adapters.db.funding import CampaignRow
from adapters.db.identity import BusinessRoleRow
from adapters.db.types import JsonDocument, UtcDateTime
from adapters.db.unit_of_work import Outbox, SqlUnitOfWork
from domain.languages import LocalizedText
from domain.media.model import AttachedTo, ImageFormat, Media, MediaStatus, StoredFile


class MediaRow(SQLModel, table=True):
    __tablename__ = "media"

    id: UUID = Field(primary_key=True)
    tenant_id: UUID = Field(
        sa_column=Column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    # The uploader. An erased account's uploads stay with what shows them (a cascade would
    # also leave their files behind, as no MediaDeleted would be recorded).
    owner_id: UUID | None = Field(
        default=None,
        sa_column=Column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True),
    )
    format: str = Field(sa_column=Column(String(8), nullable=False))
    width: int = Field(sa_column=Column(Integer, nullable=False))
    height: int = Field(sa_column=Column(Integer, nullable=False))
    alt: dict[str, str] = Field(sa_column=Column(JsonDocument, nullable=False))
    files: list[dict[str, Any]] = Field(sa_column=Column(JsonDocument, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    attached_kind: str | None = Field(default=None, sa_column=Column(String(16)))
    attached_id: UUID | None = Field(default=None, index=True)
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


def media_from_row(row: Any) -> Media:
    attached = (
        AttachedTo(row.attached_kind, row.attached_id)
        if row.attached_kind and row.attached_id
        else None
    )
    return Media(
        id=row.id,
        tenant_id=row.tenant_id,
        owner_id=row.owner_id,
        format=ImageFormat(row.format),
        width=row.width,
        height=row.height,
        alt=LocalizedText.of(row.alt),
        files=tuple(StoredFile(**f) for f in row.files),
        created_at=row.created_at,
        status=MediaStatus(row.status),
        attached_to=attached,
    )


def _files(files: Sequence[StoredFile]) -> list[dict[str, Any]]:
    return [
        {
            "key": f.key,
            "variant": f.variant,
            "content_type": f.content_type,
            "width": f.width,
            "height": f.height,
            "size": f.size,
        }
        for f in files
    ]


def _values(media: Media) -> dict[str, Any]:
    return {
        "owner_id": media.owner_id,
        "format": media.format.value,
        "width": media.width,
        "height": media.height,
        "alt": media.alt.as_dict(),
        "files": _files(media.files),
        "status": media.status.value,
        "attached_kind": media.attached_to.kind if media.attached_to else None,
        "attached_id": media.attached_to.item_id if media.attached_to else None,
        "created_at": media.created_at,
    }


class SqlMediaRepository:
    def __init__(self, session: AsyncSession, tenant_id: UUID) -> None:
        self._session = session
        self._tenant_id = tenant_id

    def _mine(self):  # type: ignore[no-untyped-def]
        return select(MediaRow).where(MediaRow.tenant_id == self._tenant_id)

    async def add(self, media: Media) -> None:
        if media.tenant_id != self._tenant_id:
            raise ValueError("media of another tenant")
        self._session.add(MediaRow(id=media.id, tenant_id=self._tenant_id, **_values(media)))
        await self._session.flush()

    async def get(self, media_id: UUID, *, for_update: bool = False) -> Media | None:
        query = self._mine().where(MediaRow.id == media_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.scalars(query)).one_or_none()
        return media_from_row(row) if row else None

    async def get_many(self, media_ids: Sequence[UUID], *, for_update: bool = False) -> list[Media]:
        if not media_ids:
            return []
        query = self._mine().where(MediaRow.id.in_(list(media_ids)))  # type: ignore[attr-defined]
        if for_update:
            query = query.with_for_update()
        rows = (await self._session.scalars(query)).all()
        return [media_from_row(r) for r in rows]

    async def set_variants(self, media_id: UUID, files: Sequence[StoredFile]) -> bool:
        row = MediaRow.__table__.c
        original = await self._session.scalar(
            select(row.files).where(
                row.tenant_id == self._tenant_id,
                row.id == media_id,
                row.status == MediaStatus.PROCESSING.value,
            )
        )
        if original is None:
            return False
        kept = [f for f in original if f["variant"] == "original"]
        result = await self._session.execute(
            update(MediaRow)
            .where(
                MediaRow.tenant_id == self._tenant_id,  # type: ignore[arg-type]
                MediaRow.id == media_id,  # type: ignore[arg-type]
                MediaRow.status == MediaStatus.PROCESSING.value,  # type: ignore[arg-type]
            )
            .values(files=kept + _files(files), status=MediaStatus.READY.value)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def set_alt(self, media_id: UUID, alt: LocalizedText) -> None:
        await self._session.execute(
            update(MediaRow)
            .where(MediaRow.tenant_id == self._tenant_id, MediaRow.id == media_id)  # type: ignore[arg-type]
            .values(alt=alt.as_dict())
        )

    async def owned_by(
        self, owner_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[Media]:
        query = self._mine().where(MediaRow.owner_id == owner_id)
        if after is not None:
            at, last_id = after
            query = query.where(
                or_(
                    MediaRow.created_at < at,
                    and_(MediaRow.created_at == at, MediaRow.id < last_id),  # type: ignore[arg-type]
                )
            )
        query = query.order_by(MediaRow.created_at.desc(), MediaRow.id.desc()).limit(limit)  # type: ignore[attr-defined]
        return [media_from_row(r) for r in (await self._session.scalars(query)).all()]

    async def attached_to(self, target: AttachedTo) -> list[Media]:
        rows = await self._session.scalars(
            self._mine()
            .where(MediaRow.attached_kind == target.kind, MediaRow.attached_id == target.item_id)
            .order_by(MediaRow.created_at, MediaRow.id)
        )
        return [media_from_row(r) for r in rows.all()]

    async def set_attachment(self, media_ids: Sequence[UUID], target: AttachedTo | None) -> None:
        if not media_ids:
            return
        await self._session.execute(
            update(MediaRow)
            .where(
                MediaRow.tenant_id == self._tenant_id,  # type: ignore[arg-type]
                MediaRow.id.in_(list(media_ids)),  # type: ignore[attr-defined]
            )
            .values(
                attached_kind=target.kind if target else None,
                attached_id=target.item_id if target else None,
            )
        )

    async def remove(self, media_id: UUID) -> None:
        await self._session.execute(
            delete(MediaRow).where(
                MediaRow.tenant_id == self._tenant_id,  # type: ignore[arg-type]
                MediaRow.id == media_id,  # type: ignore[arg-type]
            )
        )


class SqlAttachmentTeams:
    """Whether an account is on the team of what shows an image: businesses' roles (read from
    identity's table, as the directory itself reads them); a campaign's owner."""

    def __init__(self, session: AsyncSession, tenant_id: UUID) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def is_on_team(self, target: AttachedTo, account_id: UUID) -> bool:
        if target.kind == "campaign":
            owner = await self._session.scalar(
                select(CampaignRow.owner_id).where(
                    CampaignRow.tenant_id == self._tenant_id,
                    CampaignRow.id == target.item_id,
                )
            )
            return owner is not None and owner == account_id
        if target.kind != "business":
            return False
        found = await self._session.scalar(
            select(BusinessRoleRow.account_id).where(
                BusinessRoleRow.tenant_id == self._tenant_id,
                BusinessRoleRow.business_id == target.item_id,
                BusinessRoleRow.account_id == account_id,
            )
        )
        return found is not None


class SqlMediaUnitOfWork(SqlUnitOfWork):
    tenant_id: UUID

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        tenant_id: UUID,
        outbox: Outbox | None = None,
    ) -> None:
        super().__init__(session_factory, tenant_id=tenant_id, outbox=outbox)

    def _open(self, session: AsyncSession) -> None:
        self.media = SqlMediaRepository(session, self.tenant_id)
        self.teams = SqlAttachmentTeams(session, self.tenant_id)

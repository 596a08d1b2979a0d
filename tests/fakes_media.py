"""In-memory fakes of media's ports: its unit of work, a store of files, and an image codec
that judges nothing by pixels (unit tests of the use cases; the real codec has its own)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Self
from uuid import UUID

from domain.domain_events import DomainEvent
from domain.languages import LocalizedText
from domain.media.errors import ImageTooLarge, UnsupportedImage
from domain.media.model import AttachedTo, ImageFormat, Media, MediaStatus, StoredFile, VariantSpec
from domain.media.ports import EncodedImage, EncodedVariant, ImageLimits, SafeOriginal


@dataclass
class FakeMediaStore:
    rows: dict[UUID, Media] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)
    teams: set[tuple[AttachedTo, UUID]] = field(default_factory=set)


class FakeMediaUnitOfWork:
    """Writes reach the store on commit only, with their events."""

    def __init__(self, tenant_id: UUID, store: FakeMediaStore | None = None) -> None:
        self.tenant_id = tenant_id
        self.store = store or FakeMediaStore()
        self.fail_commit: Exception | None = None
        self.commits = 0

    async def __aenter__(self) -> Self:
        self.media = FakeMediaRepository(dict(self.store.rows), self.tenant_id)
        self.teams = _Teams(self.store.teams)
        self._events: list[DomainEvent] = []
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._events = []

    def record(self, event: DomainEvent) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        if self.fail_commit is not None:
            raise self.fail_commit
        self.store.rows = self.media.rows
        self.store.events += self._events
        self._events = []
        self.commits += 1

    async def rollback(self) -> None:
        self._events = []


class FakeMediaRepository:
    def __init__(self, rows: dict[UUID, Media], tenant_id: UUID) -> None:
        self.rows = rows
        self._tenant_id = tenant_id

    def _mine(self, media_id: UUID) -> Media | None:
        found = self.rows.get(media_id)
        return found if found and found.tenant_id == self._tenant_id else None

    async def add(self, media: Media) -> None:
        self.rows[media.id] = media

    async def get(self, media_id: UUID, *, for_update: bool = False) -> Media | None:
        return self._mine(media_id)

    async def get_many(self, media_ids: Sequence[UUID], *, for_update: bool = False) -> list[Media]:
        return [m for i in media_ids if (m := self._mine(i)) is not None]

    async def set_variants(self, media_id: UUID, files: Sequence[StoredFile]) -> bool:
        found = self._mine(media_id)
        if found is None or found.status is not MediaStatus.PROCESSING:
            return False
        self.rows[media_id] = found.with_variants(tuple(files))
        return True

    async def set_alt(self, media_id: UUID, alt: LocalizedText) -> None:
        if (found := self._mine(media_id)) is not None:
            self.rows[media_id] = replace(found, alt=alt)

    async def remove(self, media_id: UUID) -> None:
        if self._mine(media_id):
            del self.rows[media_id]

    async def owned_by(self, owner_id, *, after, limit) -> list[Media]:  # type: ignore[no-untyped-def]
        mine = [m for m in self.rows.values() if m.tenant_id == self._tenant_id]
        found = sorted(
            (m for m in mine if m.owner_id == owner_id),
            key=lambda m: (m.created_at, m.id),
            reverse=True,
        )
        if after is not None:
            found = [m for m in found if (m.created_at, m.id) < after]
        return found[:limit]

    async def attached_to(self, target: AttachedTo) -> list[Media]:
        found = [
            m
            for m in self.rows.values()
            if m.tenant_id == self._tenant_id and m.attached_to == target
        ]
        return sorted(found, key=lambda m: (m.created_at, m.id))

    async def set_attachment(self, media_ids: Sequence[UUID], target: AttachedTo | None) -> None:
        for media_id in media_ids:
            if (found := self._mine(media_id)) is not None:
                self.rows[media_id] = replace(found, attached_to=target)


class _Teams:
    def __init__(self, teams: set[tuple[AttachedTo, UUID]]) -> None:
        self._teams = teams

    async def is_on_team(self, target: AttachedTo, account_id: UUID) -> bool:
        return (target, account_id) in self._teams


class FakeStorage:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.fail_puts = False

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        if self.fail_puts:
            raise OSError("store unreachable")
        self.files[key] = data

    async def get(self, key: str) -> bytes | None:
        return self.files.get(key)

    async def delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.files.pop(key, None)

    def url(self, key: str) -> str:
        return f"/media/{key}"


class FakeCodec:
    """Takes bytes starting with b"IMG" as a 1000 x 500 JPEG."""

    async def safe_original(self, data: bytes, limits: ImageLimits) -> SafeOriginal:
        if len(data) > limits.max_bytes:
            raise ImageTooLarge()
        if not data.startswith(b"IMG"):
            raise UnsupportedImage()
        return SafeOriginal(
            ImageFormat.JPEG, EncodedImage(b"SAFE" + data, "image/jpeg", "jpg", 1000, 500)
        )

    async def variants(self, data: bytes, specs: Sequence[VariantSpec]) -> list[EncodedVariant]:
        made = []
        for spec in specs:
            width = min(1000, spec.max_side)
            for content_type, extension in (("image/webp", "webp"), ("image/jpeg", "jpg")):
                image = EncodedImage(data[:8], content_type, extension, width, width // 2)
                made.append(EncodedVariant(spec.name, image))
        return made

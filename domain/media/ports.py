"""What media needs of the outside: a store for files, an image codec, and its repository."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.languages import LocalizedText
from domain.media.model import AttachedTo, ImageFormat, Media, StoredFile, VariantSpec
from domain.ports import UnitOfWork


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int  # the tenant's upload limit
    max_pixels: int  # width x height of the decoded image; more is refused before decoding


@dataclass(frozen=True)
class EncodedImage:
    """Bytes ready to store, without any metadata of the upload."""

    data: bytes
    content_type: str  # image/jpeg, image/png, image/webp
    extension: str  # jpg, png, webp
    width: int
    height: int


@dataclass(frozen=True)
class SafeOriginal:
    """An upload checked and re-encoded: what it was, and the copy that is stored."""

    format: ImageFormat
    image: EncodedImage


@dataclass(frozen=True)
class EncodedVariant:
    variant: str  # the VariantSpec's name
    image: EncodedImage


class ImageCodec(Protocol):
    async def safe_original(self, data: bytes, limits: ImageLimits) -> SafeOriginal:
        """Decide the type by the bytes, refuse anything but a whole JPEG, PNG, WebP or HEIC
        image within the limits (UnsupportedImage, ImageTooLarge), and re-encode it with its
        orientation applied and no metadata (HEIC becomes JPEG)."""
        ...

    async def variants(self, data: bytes, specs: Sequence[VariantSpec]) -> list[EncodedVariant]:
        """Each spec in WebP and in a JPEG fallback, never upscaled, no metadata."""
        ...


class MediaStorage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store (or overwrite) one file."""
        ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, keys: Sequence[str]) -> None:
        """Remove these files; a missing one is no error (deleting twice is safe)."""
        ...

    def url(self, key: str) -> str:
        """Where clients fetch the file: a public base URL or CDN, or the API's own path."""
        ...


class MediaRepository(Protocol):
    async def add(self, media: Media) -> None: ...

    async def get(self, media_id: UUID, *, for_update: bool = False) -> Media | None: ...

    async def get_many(
        self, media_ids: Sequence[UUID], *, for_update: bool = False
    ) -> list[Media]: ...

    async def owned_by(
        self, owner_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[Media]:
        """An account's uploads, newest first, after the position `after` when given."""
        ...

    async def attached_to(self, target: AttachedTo) -> list[Media]:
        """The images `target` shows, oldest first."""
        ...

    async def set_attachment(
        self, media_ids: Sequence[UUID], target: AttachedTo | None
    ) -> None: ...

    async def set_variants(self, media_id: UUID, files: Sequence[StoredFile]) -> bool:
        """Record the variants of an item still processing (the original kept): False when
        it is gone or was ready already. Only these columns are written, so a concurrent
        change of alt text or attachment is never undone."""
        ...

    async def set_alt(self, media_id: UUID, alt: LocalizedText) -> None: ...

    async def remove(self, media_id: UUID) -> None: ...


class AttachmentTeams(Protocol):
    """Whether an account is on the team of what shows an image (a business's owners and
    staff): asked of the capability that owns it, read only."""

    async def is_on_team(self, target: AttachedTo, account_id: UUID) -> bool: ...


class MediaUnitOfWork(UnitOfWork, Protocol):
    tenant_id: UUID
    media: MediaRepository
    teams: AttachmentTeams

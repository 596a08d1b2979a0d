"""An uploaded image: who owns it, its alt text in the tenant's languages, and the files
stored for it (a safe re-encoding of the upload at once, resized variants made by the
worker). No stored file carries the upload's metadata (EXIF, GPS, XMP, comments)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.languages import LocalizedText

MAX_ALT_LENGTH = 500


class ImageFormat(StrEnum):
    """What the upload's bytes are, whatever its name or Content-Type said."""

    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    HEIC = "heic"


class MediaStatus(StrEnum):
    PROCESSING = "processing"  # only the safe re-encoding of the upload exists
    READY = "ready"  # every variant exists


@dataclass(frozen=True)
class VariantSpec:
    """A size the worker makes of every image: it fits inside `max_side` x `max_side`."""

    name: str
    max_side: int


# Never larger than the upload: a small image's variants keep its size.
VARIANTS = (
    VariantSpec("thumbnail", 320),
    VariantSpec("card", 800),
    VariantSpec("full", 1600),
)


@dataclass(frozen=True)
class StoredFile:
    """One file in the storage: the re-encoded original, or a variant in one format."""

    key: str  # the storage key, unique per media item, variant and format
    variant: str  # "original", or a VariantSpec's name
    content_type: str  # image/webp, image/jpeg, image/png
    width: int
    height: int
    size: int  # bytes


@dataclass(frozen=True)
class AttachedTo:
    """What shows the image (a business now; later a campaign, an event, a post)."""

    kind: str
    item_id: UUID


@dataclass(frozen=True)
class Media:
    id: UUID
    tenant_id: UUID
    owner_id: UUID | None  # the account that uploaded it (None: erased since)
    format: ImageFormat  # of the upload
    width: int  # of the upload, after its orientation was applied
    height: int
    alt: LocalizedText
    files: tuple[StoredFile, ...]
    created_at: datetime
    status: MediaStatus = MediaStatus.PROCESSING
    attached_to: AttachedTo | None = None

    @property
    def original(self) -> StoredFile:
        return next(f for f in self.files if f.variant == "original")

    @property
    def variants(self) -> tuple[StoredFile, ...]:
        """What an answer lists: the variants once made, until then the safe original."""
        made = tuple(f for f in self.files if f.variant != "original")
        return made or (self.original,)

    @property
    def best_file(self) -> StoredFile:
        """The one file to show when a client picks none: the largest WebP variant, or the
        original while there is none."""
        webp = [f for f in self.variants if f.content_type == "image/webp"]
        return max(webp, key=lambda f: f.width) if webp else self.original

    def with_variants(self, variants: tuple[StoredFile, ...]) -> Media:
        return replace(self, files=(self.original, *variants), status=MediaStatus.READY)


def storage_key(tenant_id: UUID, media_id: UUID, variant: str, extension: str) -> str:
    """Keys are fixed by the item and variant: making a variant again overwrites, never adds."""
    return f"{tenant_id.hex}/{media_id.hex}/{variant}.{extension}"


ORIGINAL_EXTENSIONS = ("jpg", "png", "webp")
VARIANT_EXTENSIONS = ("webp", "jpg")


def every_key(tenant_id: UUID, media_id: UUID) -> tuple[str, ...]:
    """Every key an item's files can have. A deletion removes all of them, not only those its
    row listed: a variants job may store files its row never records (a failed commit, a
    deletion racing it)."""
    return tuple(
        [storage_key(tenant_id, media_id, "original", e) for e in ORIGINAL_EXTENSIONS]
        + [
            storage_key(tenant_id, media_id, spec.name, e)
            for spec in VARIANTS
            for e in VARIANT_EXTENSIONS
        ]
    )

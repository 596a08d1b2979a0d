"""Request and response models of /v1/media."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.languages import Language, shown_texts
from domain.media.model import MAX_ALT_LENGTH, ImageFormat, Media, MediaStatus, StoredFile
from domain.media.ports import MediaStorage

AltText = Annotated[str, StringConstraints(max_length=MAX_ALT_LENGTH)]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(?:-[A-Z]{2})?$")]


class MediaFileOut(BaseModel):
    variant: str = Field(
        description="`original` (the upload re-encoded), `thumbnail`, `card`, `full`"
    )
    content_type: str
    width: int
    height: int
    url: str = Field(description="Absolute (a store's public URL or CDN) or a path on this API")


class AttachedToOut(BaseModel):
    kind: str = Field(
        description="What shows the image: `business` (later campaigns, events, posts)"
    )
    id: UUID


class MediaOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "An uploaded image. Until the worker has made its variants "
            "(`status: processing`), `variants` lists the upload's safe re-encoding; no file "
            "carries the upload's metadata (EXIF, GPS)."
        }
    )

    id: UUID
    status: MediaStatus
    format: ImageFormat = Field(description="What the upload was, judged by its bytes")
    width: int
    height: int
    alt: str = Field(
        description="In the answer's language (Content-Language), else the "
        "tenant's first that has one; `languages.alt` names it"
    )
    languages: dict[str, str] = Field(description="Field -> the language its text is in")
    translations: dict[str, dict[str, str]] = Field(
        description="Field -> every language's text, for editors"
    )
    url: str = Field(
        description="The best single file to show: the largest WebP variant, or "
        "the original until the variants exist"
    )
    variants: list[MediaFileOut]
    attached_to: AttachedToOut | None = None
    created_at: datetime


class MediaPageOut(BaseModel):
    items: list[MediaOut]
    next_cursor: str | None = Field(description="Give it back as `cursor` for the next page")


class AltChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alt: AltText | dict[Locale, AltText | None] = Field(
        description="A text in the request's language, or locale -> text (null removes one)"
    )


def _file(f: StoredFile, storage: MediaStorage) -> MediaFileOut:
    return MediaFileOut(
        variant=f.variant,
        content_type=f.content_type,
        width=f.width,
        height=f.height,
        url=storage.url(f.key),
    )


def media_out(media: Media, language: Language, storage: MediaStorage) -> MediaOut:
    shown = shown_texts(media, ("alt",), language)
    attached = media.attached_to
    return MediaOut(
        id=media.id,
        status=media.status,
        format=media.format,
        width=media.width,
        height=media.height,
        **shown.texts,
        languages=shown.languages,
        translations=shown.translations,
        url=storage.url(media.best_file.key),
        variants=[_file(f, storage) for f in media.variants],
        attached_to=AttachedToOut(kind=attached.kind, id=attached.item_id) if attached else None,
        created_at=media.created_at,
    )

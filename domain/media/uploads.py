"""Use cases of media: upload an image, make its variants, change its alt text, delete it.

Files and rows are kept in step: an upload stores its file before the row commits (and
removes it if the commit fails), a deletion removes the row and leaves the files to the
worker (MediaDeleted), so no row points at a missing file, and no file outlives its row for
longer than the worker takes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from domain.cursors import instant_id_cursor, read_instant_id_cursor
from domain.errors import FieldProblem, InvalidInput
from domain.identity.model import Person, Principal
from domain.identity.policies import is_moderator, require_member, require_person
from domain.languages import LocalizedText
from domain.media.errors import MediaNotFound, MediaOwnerRequired
from domain.media.events import MediaDeleted, MediaUploaded
from domain.media.model import (
    MAX_ALT_LENGTH,
    VARIANTS,
    Media,
    MediaStatus,
    StoredFile,
    every_key,
    storage_key,
)
from domain.media.ports import ImageCodec, ImageLimits, MediaStorage, MediaUnitOfWork
from domain.ports import Clock, IdGenerator


@dataclass(frozen=True)
class UploadImage:
    data: bytes
    alt: LocalizedText


def alt_problems(alt: LocalizedText, locales: Sequence[str]):  # type: ignore[no-untyped-def]
    return alt.problems("alt", locales=locales, min_len=1, max_len=MAX_ALT_LENGTH)


async def upload_image(
    cmd: UploadImage,
    principal: Principal,
    *,
    uow: MediaUnitOfWork,
    codec: ImageCodec,
    storage: MediaStorage,
    limits: ImageLimits,
    locales: Sequence[str],
    clock: Clock,
    ids: IdGenerator,
) -> Media:
    """Members upload; the stored copy is the upload re-encoded without its metadata."""
    person = require_member(principal)
    problems = alt_problems(cmd.alt, locales)
    if problems:
        raise InvalidInput(problems)
    safe = await codec.safe_original(cmd.data, limits)
    media_id = ids.new_id()
    image = safe.image
    original = StoredFile(
        key=storage_key(uow.tenant_id, media_id, "original", image.extension),
        variant="original",
        content_type=image.content_type,
        width=image.width,
        height=image.height,
        size=len(image.data),
    )
    media = Media(
        id=media_id,
        tenant_id=uow.tenant_id,
        owner_id=person.account_id,
        format=safe.format,
        width=image.width,
        height=image.height,
        alt=cmd.alt,
        files=(original,),
        created_at=clock.now(),
    )
    await storage.put(original.key, image.data, image.content_type)
    committed = False
    try:
        async with uow:
            await uow.media.add(media)
            uow.record(MediaUploaded(tenant_id=uow.tenant_id, media_id=media_id))
            await uow.commit()
            committed = True
    finally:
        if not committed:
            await storage.delete([original.key])
    return media


async def view_media(media_id: UUID, principal: Principal, *, uow: MediaUnitOfWork) -> Media:
    """Members of the tenant see an item (its files are public by URL anyway)."""
    require_member(principal)
    async with uow:
        media = await uow.media.get(media_id)
    if media is None:
        raise MediaNotFound()
    return media


MAX_PAGE = 100


@dataclass(frozen=True)
class MediaPage:
    items: list[Media]
    next_cursor: str | None = None


async def list_my_media(
    principal: Principal, *, uow: MediaUnitOfWork, limit: int, cursor: str | None
) -> MediaPage:
    """A member's own uploads, newest first: the images to pick from when showing one."""
    person = require_member(principal)
    after = read_instant_id_cursor(cursor) if cursor else None
    async with uow:
        found = await uow.media.owned_by(person.account_id, after=after, limit=limit + 1)
    items = found[:limit]
    more = len(found) > limit
    return MediaPage(items, instant_id_cursor(items[-1].created_at, items[-1].id) if more else None)


async def make_variants(
    media_id: UUID, *, uow: MediaUnitOfWork, codec: ImageCodec, storage: MediaStorage
) -> None:
    """The worker's job for MediaUploaded. Safe to run again: keys are fixed per variant."""
    async with uow:
        media = await uow.media.get(media_id)
    if media is None or media.status is MediaStatus.READY:
        return
    original = await storage.get(media.original.key)
    if original is None:
        return  # deleted meanwhile: its MediaDeleted job removes what is left
    encoded = await codec.variants(original, VARIANTS)
    files = tuple(
        StoredFile(
            key=storage_key(media.tenant_id, media.id, f"{v.variant}", v.image.extension),
            variant=v.variant,
            content_type=v.image.content_type,
            width=v.image.width,
            height=v.image.height,
            size=len(v.image.data),
        )
        for v in encoded
    )
    for file, v in zip(files, encoded, strict=True):
        await storage.put(file.key, v.image.data, v.image.content_type)
    async with uow:
        recorded = await uow.media.set_variants(media_id, files)
        await uow.commit()
    if not recorded and await _gone(media_id, uow):
        # Deleted meanwhile. Its MediaDeleted job removes every possible key, but it may have
        # run before these files were stored.
        await storage.delete([f.key for f in files])


async def change_alt_text(
    media_id: UUID,
    alt: dict[str, str | None],
    principal: Principal,
    *,
    uow: MediaUnitOfWork,
    locales: Sequence[str],
) -> Media:
    """Languages named are set (null removes one); at least one must remain."""
    async with uow:
        media = await uow.media.get(media_id, for_update=True)
        if media is None:
            raise MediaNotFound()
        await _require_manager(media, principal, uow)
        changed = media.alt.merged(alt)
        problems = alt_problems(changed, locales)
        if media.attached_to is not None:
            # Shown publicly: readable in every language of the tenant, as when attached.
            problems += [
                FieldProblem(f"alt.{locale}", "is required while the image is shown")
                for locale in changed.missing(locales)
            ]
        if problems:
            raise InvalidInput(problems)
        media = replace(media, alt=changed)
        await uow.media.set_alt(media_id, changed)
        await uow.commit()
    return media


async def delete_media(media_id: UUID, principal: Principal, *, uow: MediaUnitOfWork) -> None:
    async with uow:
        media = await uow.media.get(media_id, for_update=True)
        if media is None:
            raise MediaNotFound()
        await _require_manager(media, principal, uow)
        await _remove(media, uow)
        await uow.commit()


async def remove_files(keys: Sequence[str], *, storage: MediaStorage) -> None:
    await storage.delete(keys)


async def _gone(media_id: UUID, uow: MediaUnitOfWork) -> bool:
    async with uow:
        return await uow.media.get(media_id) is None


async def _remove(media: Media, uow: MediaUnitOfWork) -> None:
    await uow.media.remove(media.id)
    uow.record(
        MediaDeleted(
            tenant_id=uow.tenant_id,
            media_id=media.id,
            keys=every_key(media.tenant_id, media.id),
        )
    )


async def _require_manager(media: Media, principal: Principal, uow: MediaUnitOfWork) -> Person:
    """The owner; the team of what shows it; the tenant's moderators."""
    person = require_person(principal)
    if person.account_id == media.owner_id or is_moderator(person):
        return person
    if media.attached_to is not None and await uow.teams.is_on_team(
        media.attached_to, person.account_id
    ):
        return person
    raise MediaOwnerRequired()

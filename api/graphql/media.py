"""GraphQL media: an image by id, and uploads following the GraphQL multipart request spec
(a `multipart/form-data` POST with `operations`, `map` and the file part), the same use cases
as REST's /v1/media."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from api.graphql.context import Info
from api.graphql.errors import UserError, or_graphql_error, user_errors
from api.graphql.languages import LocalizedTextInput, Translation
from domain.errors import DomainError, FieldProblem, InvalidInput
from domain.languages import LocalizedText
from domain.media import uploads
from domain.media.errors import ImageTooLarge, MediaNotFound
from domain.media.model import Media as MediaItem
from domain.media.model import StoredFile


@strawberry.type
class MediaFile:
    variant: str
    content_type: str
    width: int
    height: int
    url: str


@strawberry.type(description="What shows an image: a business (later campaigns, events, posts)")
class AttachedTo:
    kind: str
    id: UUID


@strawberry.type(description="An uploaded image; no stored file carries its metadata")
class Media:
    id: UUID
    status: str
    format: str
    width: int
    height: int
    alt: str = strawberry.field(description="In the request's language, else the tenant's first")
    alt_language: str
    alt_translations: list[Translation]
    url: str
    variants: list[MediaFile]
    attached_to: AttachedTo | None = strawberry.field(description="What shows it, if anything")
    created_at: datetime


@strawberry.type
class MediaPayload:
    media: Media | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeletePayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


def media_from(media: MediaItem, info: Info) -> Media:
    storage = info.context.services.media_storage
    alt = info.context.language.pick(media.alt)

    def file(f: StoredFile) -> MediaFile:
        return MediaFile(
            variant=f.variant,
            content_type=f.content_type,
            width=f.width,
            height=f.height,
            url=storage.url(f.key),
        )

    return Media(
        id=media.id,
        status=media.status.value,
        format=media.format.value,
        width=media.width,
        height=media.height,
        alt=alt.text,
        alt_language=alt.locale,
        alt_translations=[Translation(locale=k, text=v) for k, v in media.alt.values],
        url=storage.url(media.best_file.key),
        variants=[file(f) for f in media.variants],
        attached_to=AttachedTo(kind=media.attached_to.kind, id=media.attached_to.item_id)
        if media.attached_to
        else None,
        created_at=media.created_at,
    )


def _alt(alt: str | None, translations: list[LocalizedTextInput] | None, info: Info) -> dict:
    texts = {t.locale: t.text for t in translations or [] if t.text}
    if alt:
        texts[info.context.language.writing] = alt
    return texts


@strawberry.type
class MediaPage:
    items: list[Media]
    next_cursor: str | None


@strawberry.type
class MediaQuery:
    @strawberry.field(description="Your own uploads, newest first (members)")
    async def my_media(self, info: Info, limit: int = 20, cursor: str | None = None) -> MediaPage:
        c = info.context

        async def mine() -> uploads.MediaPage:
            if not 1 <= limit <= uploads.MAX_PAGE:
                raise InvalidInput([FieldProblem("limit", f"must be 1 to {uploads.MAX_PAGE}")])
            return await uploads.list_my_media(
                await c.principal(), uow=c.services.media_uow(c.tenant), limit=limit, cursor=cursor
            )

        page = await or_graphql_error(mine())
        return MediaPage(
            items=[media_from(m, info) for m in page.items], next_cursor=page.next_cursor
        )

    @strawberry.field(description="An uploaded image (signed-in members); null if none")
    async def media(self, info: Info, id: UUID) -> Media | None:
        c = info.context

        async def view() -> MediaItem | None:
            try:
                return await uploads.view_media(
                    id, await c.principal(), uow=c.services.media_uow(c.tenant)
                )
            except MediaNotFound:
                return None

        found = await or_graphql_error(view())
        return media_from(found, info) if found else None


@strawberry.type
class MediaMutation:
    @strawberry.mutation(
        description="Upload an image (members), as the GraphQL multipart request spec sends "
        "files. `alt` is in the request's language; `altTranslations` adds others."
    )
    async def upload_media(
        self,
        info: Info,
        file: Upload,
        alt: str | None = None,
        alt_translations: list[LocalizedTextInput] | None = None,
    ) -> MediaPayload:
        c = info.context
        services, tenant = c.services, c.tenant
        limits = services.image_limits(tenant)
        try:
            if not isinstance(file, UploadFile):
                raise InvalidInput([FieldProblem("file", "must be a file part of the request")])
            data = await file.read(limits.max_bytes + 1)
            if len(data) > limits.max_bytes:
                raise ImageTooLarge(f"an upload is limited to {limits.max_bytes} bytes here")
            media = await uploads.upload_image(
                uploads.UploadImage(
                    data=data, alt=LocalizedText.of(_alt(alt, alt_translations, info))
                ),
                await c.principal(),
                uow=services.media_uow(tenant),
                codec=services.image_codec,
                storage=services.media_storage,
                limits=limits,
                locales=tenant.config.locales,
                clock=services.clock,
                ids=services.ids,
            )
        except DomainError as error:
            return MediaPayload(errors=user_errors(error))
        return MediaPayload(media=media_from(media, info))

    @strawberry.mutation(description="Change an image's alt text; an empty text removes a language")
    async def change_media_alt(
        self, info: Info, id: UUID, alt_translations: list[LocalizedTextInput]
    ) -> MediaPayload:
        c = info.context
        try:
            if not alt_translations:
                raise InvalidInput([FieldProblem("altTranslations", "name a language")])
            media = await uploads.change_alt_text(
                id,
                {t.locale: t.text or None for t in alt_translations},
                await c.principal(),
                uow=c.services.media_uow(c.tenant),
                locales=c.tenant.config.locales,
            )
        except DomainError as error:
            return MediaPayload(errors=user_errors(error))
        return MediaPayload(media=media_from(media, info))

    @strawberry.mutation(description="Delete an image and its files")
    async def delete_media(self, info: Info, id: UUID) -> DeletePayload:
        c = info.context
        try:
            await uploads.delete_media(id, await c.principal(), uow=c.services.media_uow(c.tenant))
        except DomainError as error:
            return DeletePayload(errors=user_errors(error))
        return DeletePayload(ok=True)

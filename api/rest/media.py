"""/v1/media: image uploads (multipart/form-data), their variants and alt texts; and /media,
where the API serves the files itself when they are stored on the local filesystem."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser

from api.auth import SignedInPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.languages import Language, RequestLanguage
from api.problem_catalog import NOT_FOUND, UNSUPPORTED_MEDIA_TYPE, problems
from api.rest.schemas.media import AltChangeIn, MediaOut, MediaPageOut, media_out
from api.rest.schemas.paging import CURSOR_TEXT
from domain.cursors import INSTANT_ID_PATTERN, MAX_CURSOR_LENGTH
from domain.errors import FieldProblem, InvalidInput
from domain.identity.errors import AccountRequired, NotAMember, RoleRequired
from domain.languages import LocalizedText
from domain.media import uploads
from domain.media.errors import (
    ImageTooLarge,
    MediaNotFound,
    MediaOwnerRequired,
    UnsupportedImage,
)

router = APIRouter(prefix="/v1/media", tags=["media"])
files_router = APIRouter(tags=["media"])

# Room for the form's boundaries and its text fields around the file itself.
FORM_OVERHEAD = 64 * 1024

_UPLOAD_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "alt"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A JPEG, PNG, WebP or HEIC image, judged by its "
                            "bytes; at most the tenant's limit (10 MB unless its file says).",
                        },
                        "alt": {
                            "type": "string",
                            "maxLength": 500,
                            "description": "Alt text in the request's language (`?lang=` or "
                            "Content-Language, else Accept-Language). Images shown publicly "
                            "need it in every tenant language: add `alt.<locale>` fields.",
                        },
                    },
                    "additionalProperties": {
                        "type": "string",
                        "description": "`alt.<locale>`: the alt text in another language.",
                    },
                }
            }
        },
    }
}


async def _capped(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise ImageTooLarge(f"an upload is limited to {limit - FORM_OVERHEAD} bytes here")
        yield chunk


async def _read_form(request: Request, max_bytes: int) -> tuple[bytes, dict[str, str]]:
    """The uploaded file and the text fields, read with the tenant's limit counted while the
    body streams in (a body that never ends is cut off, not buffered)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(415, "Send the image as multipart/form-data, in the field `file`")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD:
        raise ImageTooLarge(f"an upload is limited to {max_bytes} bytes here")
    parser = MultiPartParser(
        request.headers,
        _capped(request, max_bytes + FORM_OVERHEAD),
        max_files=1,
        max_fields=20,
        max_part_size=4096,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise HTTPException(400, f"The form cannot be read: {exc.message}") from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput([FieldProblem("file", "is required: the image, as a file part")])
        data = await upload.read()
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    finally:
        await form.close()
    if len(data) > max_bytes:
        raise ImageTooLarge(f"an upload is limited to {max_bytes} bytes here")
    return data, fields


def _alt_from_form(fields: dict[str, str], language: Language) -> LocalizedText:
    texts = {k.removeprefix("alt."): v for k, v in fields.items() if k.startswith("alt.")}
    if fields.get("alt"):
        texts[language.writing] = fields["alt"]
    return LocalizedText.of(texts)


MEMBER_REFUSALS = (AccountRequired, NotAMember, RoleRequired)


@router.post(
    "",
    status_code=201,
    response_model=MediaOut,
    responses=problems(*MEMBER_REFUSALS, UnsupportedImage, ImageTooLarge, UNSUPPORTED_MEDIA_TYPE),
    openapi_extra=_UPLOAD_FORM,
    summary="Upload an image (members); variants follow, made by the worker",
)
async def upload_media(
    request: Request,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    language: RequestLanguage,
    services: ServicesDep,
    response: Response,
) -> MediaOut:
    limits = services.image_limits(tenant)
    data, fields = await _read_form(request, limits.max_bytes)
    media = await uploads.upload_image(
        uploads.UploadImage(data=data, alt=_alt_from_form(fields, language)),
        principal,
        uow=services.media_uow(tenant),
        codec=services.image_codec,
        storage=services.media_storage,
        limits=limits,
        locales=tenant.config.locales,
        clock=services.clock,
        ids=services.ids,
    )
    response.headers["Location"] = f"/v1/media/{media.id}"
    return media_out(media, language, services.media_storage)


@router.get(
    "",
    response_model=MediaPageOut,
    responses=problems(*MEMBER_REFUSALS),
    summary="Your own uploads, newest first (the images to pick from)",
)
async def list_my_media(
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    language: RequestLanguage,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=uploads.MAX_PAGE)] = 20,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_LENGTH, pattern=INSTANT_ID_PATTERN, description=CURSOR_TEXT),
    ] = None,
) -> MediaPageOut:
    page = await uploads.list_my_media(
        principal, uow=services.media_uow(tenant), limit=limit, cursor=cursor
    )
    return MediaPageOut(
        items=[media_out(m, language, services.media_storage) for m in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/{media_id}",
    response_model=MediaOut,
    responses=problems(AccountRequired, MediaNotFound),
    summary="An uploaded image: its variants (width, height, URL) and alt text",
)
async def get_media(
    media_id: UUID,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    language: RequestLanguage,
    services: ServicesDep,
) -> MediaOut:
    media = await uploads.view_media(media_id, principal, uow=services.media_uow(tenant))
    return media_out(media, language, services.media_storage)


@router.patch(
    "/{media_id}",
    response_model=MediaOut,
    responses=problems(AccountRequired, MediaNotFound, MediaOwnerRequired, InvalidInput),
    summary="Change an image's alt text (its owner, the team of what shows it, moderators)",
)
async def change_media(
    media_id: UUID,
    body: Annotated[AltChangeIn, Body()],
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    language: RequestLanguage,
    services: ServicesDep,
) -> MediaOut:
    alt = body.alt if isinstance(body.alt, dict) else {language.writing: body.alt}
    media = await uploads.change_alt_text(
        media_id, alt, principal, uow=services.media_uow(tenant), locales=tenant.config.locales
    )
    return media_out(media, language, services.media_storage)


@router.delete(
    "/{media_id}",
    status_code=204,
    response_class=Response,
    responses=problems(AccountRequired, MediaNotFound, MediaOwnerRequired),
    summary="Delete an image and its files (its owner, the team of what shows it, moderators)",
)
async def delete_media(
    media_id: UUID, principal: SignedInPrincipal, tenant: CurrentTenant, services: ServicesDep
) -> Response:
    await uploads.delete_media(media_id, principal, uow=services.media_uow(tenant))
    return Response(status_code=204)


_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@files_router.get(
    "/media/{key:path}",
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in _CONTENT_TYPES.values()}}, **problems(NOT_FOUND)},
    summary="A stored image file (local storage only; S3 stores serve their own URLs)",
    include_in_schema=True,
)
async def media_file(key: str, services: ServicesDep) -> FileResponse:
    path = await services.local_media_file(key)
    if path is None:
        raise HTTPException(404)
    # Keys name one item and variant and are never reused: a file never changes.
    return FileResponse(
        path,
        media_type=_CONTENT_TYPES[path.suffix.removeprefix(".")],
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


# HEAD answers as GET does, without the body (FastAPI routes GET only); not documented twice.
files_router.add_api_route(
    "/media/{key:path}", media_file, methods=["HEAD"], include_in_schema=False
)

"""The media table's writes touch only their own columns: the worker recording variants never
undoes an alt text or an attachment written meanwhile (SQLite has no row locks to order them)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from domain.languages import LocalizedText
from domain.media.model import AttachedTo, ImageFormat, Media, MediaStatus, StoredFile
from tests.conftest import seed_tenants, sign_up_and_log_in
from tests.factories import tenant_config


def a_file(variant: str, key: str) -> StoredFile:
    return StoredFile(key, variant, "image/webp", 10, 10, 100)


async def test_recording_variants_keeps_alt_text_and_attachment_written_since(
    services, client
) -> None:
    await seed_tenants(services, tenant_config("leipzig"))
    tenant = await services.tenant_directory.by_slug("leipzig")
    await sign_up_and_log_in(client, "leipzig", "owner@example.org")
    async with services.identity_uow() as uow:
        owner = await uow.accounts.get_by_email("owner@example.org")
    media = Media(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        owner_id=owner.id,
        format=ImageFormat.JPEG,
        width=10,
        height=10,
        alt=LocalizedText.single("de", "Alt"),
        files=(a_file("original", "o.jpg"),),
        created_at=datetime.now(UTC),
    )
    async with services.media_uow(tenant) as uow:
        await uow.media.add(media)
        await uow.commit()
    shown = AttachedTo("business", uuid.uuid4())
    async with services.media_uow(tenant) as worker:
        # The worker has read the item; meanwhile its owner and a business change it.
        assert (await worker.media.get(media.id)).alt == media.alt  # type: ignore[union-attr]
        async with services.media_uow(tenant) as uow:
            await uow.media.set_alt(media.id, LocalizedText.of({"de": "Neu", "en": "New"}))
            await uow.media.set_attachment([media.id], shown)
            await uow.commit()
        assert await worker.media.set_variants(media.id, [a_file("card", "c.webp")])
        await worker.commit()
    async with services.media_uow(tenant) as uow:
        stored = await uow.media.get(media.id)
        again = await uow.media.set_variants(media.id, [a_file("card", "x.webp")])
    assert stored is not None and stored.status is MediaStatus.READY
    assert [f.key for f in stored.files] == ["o.jpg", "c.webp"]
    assert stored.alt.as_dict() == {"de": "Neu", "en": "New"}
    assert stored.attached_to == shown
    assert again is False  # ready already: a second run records nothing
    async with services.media_uow(tenant) as uow:
        await uow.media.remove(media.id)
        await uow.commit()
    async with services.media_uow(tenant) as uow:
        assert await uow.media.set_variants(media.id, [a_file("card", "y.webp")]) is False

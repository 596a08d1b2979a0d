"""Media's use cases with fakes: files and rows stay in step through failures and races, and
who may change or delete an image."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from domain.errors import InvalidInput
from domain.identity.errors import AccountRequired, NotAMember
from domain.identity.model import PartnerKey, Person, Role
from domain.languages import LocalizedText
from domain.media import uploads
from domain.media.errors import MediaNotFound, MediaOwnerRequired, UnsupportedImage
from domain.media.events import MediaDeleted, MediaUploaded
from domain.media.model import AttachedTo, MediaStatus
from domain.media.ports import ImageLimits
from tests.fakes import FixedClock, SequentialIds
from tests.fakes_media import FakeCodec, FakeMediaStore, FakeMediaUnitOfWork, FakeStorage

TENANT = uuid.uuid4()
OWNER = Person(TENANT, uuid.uuid4(), Role.MEMBER)
LIMITS = ImageLimits(max_bytes=1000, max_pixels=10_000_000)
LOCALES = ("de", "en")


class World:
    def __init__(self) -> None:
        self.store = FakeMediaStore()
        self.storage = FakeStorage()
        self.codec = FakeCodec()
        self.ids = SequentialIds()

    def uow(self) -> FakeMediaUnitOfWork:
        return FakeMediaUnitOfWork(TENANT, self.store)

    async def upload(self, principal=OWNER, data: bytes = b"IMG photo", uow=None):  # type: ignore[no-untyped-def]
        return await uploads.upload_image(
            uploads.UploadImage(data=data, alt=LocalizedText.single("de", "Ein Foto")),
            principal,
            uow=uow or self.uow(),
            codec=self.codec,
            storage=self.storage,
            limits=LIMITS,
            locales=LOCALES,
            clock=FixedClock(),
            ids=self.ids,
        )

    async def make_variants(self, media_id: uuid.UUID) -> None:
        await uploads.make_variants(
            media_id, uow=self.uow(), codec=self.codec, storage=self.storage
        )


@pytest.fixture
def world() -> World:
    return World()


async def test_an_upload_stores_only_the_safe_copy_and_records_the_event(world: World) -> None:
    media = await world.upload()
    assert list(world.storage.files.values()) == [b"SAFE" + b"IMG photo"]
    assert media.owner_id == OWNER.account_id and media.status is MediaStatus.PROCESSING
    assert world.store.events == [MediaUploaded(tenant_id=TENANT, media_id=media.id)]


async def test_a_commit_that_fails_leaves_no_file_behind(world: World) -> None:
    uow = world.uow()
    uow.fail_commit = RuntimeError("database gone")
    with pytest.raises(RuntimeError):
        await world.upload(uow=uow)
    assert world.storage.files == {} and world.store.rows == {}


async def test_a_refused_image_stores_nothing(world: World) -> None:
    with pytest.raises(UnsupportedImage):
        await world.upload(data=b"%PDF-1.4")
    assert world.storage.files == {} and world.store.rows == {}


async def test_partner_keys_and_strangers_upload_nothing(world: World) -> None:
    with pytest.raises(AccountRequired):
        await world.upload(principal=PartnerKey(TENANT, uuid.uuid4()))
    with pytest.raises(NotAMember):
        await world.upload(principal=Person(TENANT, uuid.uuid4(), None))


async def test_alt_text_must_be_there_and_in_the_tenants_languages(world: World) -> None:
    for alt, field in ((LocalizedText(), "alt"), (LocalizedText.single("fr", "Photo"), "alt.fr")):
        with pytest.raises(InvalidInput) as refused:
            await uploads.upload_image(
                uploads.UploadImage(data=b"IMG", alt=alt),
                OWNER,
                uow=world.uow(),
                codec=world.codec,
                storage=world.storage,
                limits=LIMITS,
                locales=LOCALES,
                clock=FixedClock(),
                ids=world.ids,
            )
        assert refused.value.problems[0].field == field


async def test_variants_are_made_once_and_listed_in_place_of_the_original(world: World) -> None:
    media = await world.upload()
    await world.make_variants(media.id)
    ready = world.store.rows[media.id]
    assert ready.status is MediaStatus.READY
    assert len(ready.variants) == 6 and all(f.variant != "original" for f in ready.variants)
    assert len(world.storage.files) == 7
    await world.make_variants(media.id)  # a retried job changes nothing
    assert len(world.storage.files) == 7 and world.store.rows[media.id] == ready


async def test_variants_made_while_the_image_was_deleted_are_removed(world: World) -> None:
    media = await world.upload()

    class DeletedMeanwhile(FakeStorage):
        """The image is deleted while its variants are being stored."""

        async def put(self, key: str, data: bytes, content_type: str) -> None:
            await super().put(key, data, content_type)
            world.store.rows.pop(media.id, None)

    storage = DeletedMeanwhile()
    storage.files = world.storage.files
    await uploads.make_variants(media.id, uow=world.uow(), codec=world.codec, storage=storage)
    assert set(storage.files) == {media.original.key}  # the original goes with MediaDeleted


async def test_deleting_records_every_file_for_the_worker_to_remove(world: World) -> None:
    media = await world.upload()
    await world.make_variants(media.id)
    await uploads.delete_media(media.id, OWNER, uow=world.uow())
    assert media.id not in world.store.rows
    deleted = world.store.events[-1]
    assert isinstance(deleted, MediaDeleted) and deleted.media_id == media.id
    await uploads.remove_files(deleted.keys, storage=world.storage)
    assert world.storage.files == {}


async def test_variants_stored_by_a_job_whose_commit_failed_go_with_a_later_deletion(
    world: World,
) -> None:
    media = await world.upload()
    failing = world.uow()
    failing.fail_commit = RuntimeError("database gone")
    with pytest.raises(RuntimeError):
        await uploads.make_variants(media.id, uow=failing, codec=world.codec, storage=world.storage)
    assert len(world.storage.files) == 7  # stored, but the row lists only the original
    await uploads.delete_media(media.id, OWNER, uow=world.uow())
    await uploads.remove_files(world.store.events[-1].keys, storage=world.storage)
    assert world.storage.files == {}
    await world.make_variants(media.id)  # the job's retry: the row is gone
    assert world.storage.files == {}


async def test_the_alt_text_of_a_shown_image_stays_in_every_language(world: World) -> None:
    media = await world.upload()
    await uploads.change_alt_text(
        media.id, {"en": "A photo"}, OWNER, uow=world.uow(), locales=LOCALES
    )
    shown = AttachedTo("business", uuid.uuid4())
    world.store.rows[media.id] = replace(world.store.rows[media.id], attached_to=shown)
    with pytest.raises(InvalidInput) as refused:
        await uploads.change_alt_text(
            media.id, {"en": None}, OWNER, uow=world.uow(), locales=LOCALES
        )
    assert refused.value.problems[0].field == "alt.en"
    assert world.store.rows[media.id].alt.as_dict() == {"de": "Ein Foto", "en": "A photo"}


async def test_who_may_delete_an_image(world: World) -> None:
    media = await world.upload()
    stranger = Person(TENANT, uuid.uuid4(), Role.MEMBER)
    with pytest.raises(MediaOwnerRequired):
        await uploads.delete_media(media.id, stranger, uow=world.uow())
    with pytest.raises(AccountRequired):
        await uploads.delete_media(media.id, PartnerKey(TENANT, uuid.uuid4()), uow=world.uow())

    # The team of the business that shows it may.
    business = AttachedTo("business", uuid.uuid4())
    world.store.rows[media.id] = replace(world.store.rows[media.id], attached_to=business)
    world.store.teams.add((business, stranger.account_id))
    await uploads.delete_media(media.id, stranger, uow=world.uow())
    with pytest.raises(MediaNotFound):
        await uploads.delete_media(media.id, OWNER, uow=world.uow())


async def test_moderators_may_delete_any_image_of_their_tenant(world: World) -> None:
    media = await world.upload()
    await uploads.delete_media(
        media.id, Person(TENANT, uuid.uuid4(), Role.MODERATOR), uow=world.uow()
    )
    assert world.store.rows == {}


async def test_changing_alt_text_merges_languages_and_keeps_one(world: World) -> None:
    media = await world.upload()
    changed = await uploads.change_alt_text(
        media.id, {"en": "A photo"}, OWNER, uow=world.uow(), locales=LOCALES
    )
    assert changed.alt.as_dict() == {"de": "Ein Foto", "en": "A photo"}
    with pytest.raises(InvalidInput):
        await uploads.change_alt_text(
            media.id, {"de": None, "en": None}, OWNER, uow=world.uow(), locales=LOCALES
        )
    assert world.store.rows[media.id].alt == changed.alt

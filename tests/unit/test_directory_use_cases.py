"""The directory's use cases with in-memory fakes (no I/O): who may register, edit, moderate,
claim and manage a business; categories in two levels; offers' windows; the import's upsert;
the read limits."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.directory import businesses, categories, imports, offers, queries
from domain.directory.errors import (
    AlreadyOnTeam,
    BusinessNotFound,
    BusinessRoleRequired,
    CategoryInUse,
    CategoryKeyTaken,
    CategoryNotFound,
    ClaimDecided,
    ClaimPending,
    ExternalIdTaken,
    LastOwner,
)
from domain.directory.model import BusinessKind, BusinessProfile
from domain.directory.pins import BusinessPins, DirectoryTaxonomy
from domain.directory.ports import BusinessFilter, Page
from domain.discovery.model import PinFilter
from domain.errors import InvalidInput, StaleVersion
from domain.geo import BoundingBox, GeoPoint
from domain.identity.errors import RoleRequired, ScopeRequired, Unauthenticated
from domain.identity.model import (
    Anonymous,
    BusinessRole,
    Membership,
    PartnerKey,
    Person,
    Role,
    Scope,
)
from domain.languages import EMPTY, LocalizedText
from domain.tenancy.model import CategorySeed
from tests.fakes import FixedClock, SequentialIds
from tests.fakes_directory import FakeDirectoryStore, FakeDirectoryUnitOfWork

TENANT = uuid.UUID(int=500)
OWNER, STAFF, STRANGER, MODERATOR, ADMIN = (uuid.UUID(int=600 + i) for i in range(5))


def de(text: str) -> LocalizedText:
    return LocalizedText.single("de", text)


def person(account: uuid.UUID, role: Role = Role.MEMBER) -> Person:
    return Person(TENANT, account, role)


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    store = FakeDirectoryStore()
    for account, role in (
        (OWNER, Role.MEMBER),
        (STAFF, Role.MEMBER),
        (STRANGER, Role.MEMBER),
        (MODERATOR, Role.MODERATOR),
        (ADMIN, Role.ADMIN),
    ):
        store.memberships[account] = Membership(TENANT, account, role, FixedClock().now())
    clock, ids = FixedClock(), SequentialIds()

    def uow() -> FakeDirectoryUnitOfWork:
        return FakeDirectoryUnitOfWork(store, TENANT)

    return store, uow, clock, ids


async def seed(world, *seeds: CategorySeed) -> dict[str, uuid.UUID]:  # type: ignore[no-untyped-def]
    store, uow, _, ids = world
    await categories.seed_categories(seeds, uow=uow(), ids=ids)
    return {c.key: c.id for c in store.categories.values()}


async def register(world, who=None, **profile):  # type: ignore[no-untyped-def]
    _, uow, clock, ids = world
    view = await businesses.register_business(
        businesses.RegisterBusiness(
            BusinessProfile(
                **({"name": "Bäckerei Licht", "kind": BusinessKind.GASTRONOMY} | profile)
            )
        ),
        who or person(OWNER),
        uow=uow(),
        clock=clock,
        ids=ids,
    )
    return view.business


async def test_a_member_registering_becomes_owner_and_the_listing_is_indexed(world):
    store, *_ = world
    ids = await seed(world, CategorySeed("food", "Essen"))
    made = await register(world, category_ids=(ids["food"],), description=de("Brot"))
    assert store.roles == {(made.id, OWNER): BusinessRole.OWNER}
    document = store.search[("business", made.id)]
    assert document.title == "Bäckerei Licht" and document.visible
    assert "Essen" in document.texts.all_text()


async def test_a_language_the_tenant_dropped_blocks_only_edits_of_that_text(world):
    store, _, clock, _ = world
    made = await register(world, description=LocalizedText.of({"de": "Brot", "en": "Bread"}))
    only_german = FakeDirectoryUnitOfWork(store, TENANT, locales=("de",))
    edited = await businesses.edit_business(
        made.id,
        lambda profile: replace(profile, delivers=True),
        person(OWNER),
        expected_version=None,
        uow=only_german,
        clock=clock,
    )
    assert edited.business.profile.delivers
    with pytest.raises(InvalidInput):
        await businesses.edit_business(
            made.id,
            lambda profile: replace(
                profile, description=profile.description.merged({"en": "Loaf"})
            ),
            person(OWNER),
            expected_version=None,
            uow=FakeDirectoryUnitOfWork(store, TENANT, locales=("de",)),
            clock=clock,
        )


async def test_moderators_and_keys_list_without_an_owner(world):
    store, *_ = world
    await register(world, person(MODERATOR, Role.MODERATOR))
    await register(world, PartnerKey(TENANT, uuid.UUID(int=1), frozenset({Scope.BUSINESSES_WRITE})))
    assert len(store.businesses) == 2 and store.roles == {}
    with pytest.raises(ScopeRequired):
        await register(world, PartnerKey(TENANT, uuid.UUID(int=2), frozenset()))
    with pytest.raises(Unauthenticated):
        await register(world, Anonymous(TENANT))


async def test_an_unknown_category_or_taken_external_id_stores_nothing(world):
    store, uow, clock, ids = world
    with pytest.raises(CategoryNotFound):
        await register(world, category_ids=(uuid.UUID(int=99),))
    assert store.businesses == {} and store.search == {}
    cmd = businesses.RegisterBusiness(BusinessProfile("A", BusinessKind.RETAIL), "ext-1")
    await businesses.register_business(cmd, person(OWNER), uow=uow(), clock=clock, ids=ids)
    with pytest.raises(ExternalIdTaken):
        await businesses.register_business(cmd, person(OWNER), uow=uow(), clock=clock, ids=ids)
    assert len(store.businesses) == 1


async def edit(world, business, who, *, version=None, **changes):  # type: ignore[no-untyped-def]
    _, uow, clock, _ = world
    view = await businesses.edit_business(
        business.id,
        lambda profile: replace(profile, **changes),
        who,
        expected_version=version,
        uow=uow(),
        clock=clock,
    )
    return view.business


async def test_owners_staff_and_moderators_edit_others_do_not(world):
    store, *_ = world
    made = await register(world)
    store.roles[(made.id, STAFF)] = BusinessRole.STAFF
    edited = await edit(world, made, person(STAFF), description=de("Neu"))
    assert edited.version == made.version + 1
    assert store.search[("business", made.id)].texts.get("de") == "Neu"
    await edit(world, edited, person(MODERATOR, Role.MODERATOR), delivers=True)
    with pytest.raises(BusinessRoleRequired):
        await edit(world, made, person(STRANGER), name="Meins")
    with pytest.raises(Unauthenticated):
        await edit(world, made, Anonymous(TENANT), name="Meins")
    assert store.businesses[made.id].profile.name == "Bäckerei Licht"


async def test_registering_editing_and_moderating_answer_as_the_caller_sees_it(world):
    _, uow, clock, ids = world
    registered = await businesses.register_business(
        businesses.RegisterBusiness(BusinessProfile("Laden", BusinessKind.RETAIL)),
        person(OWNER),
        uow=uow(),
        clock=clock,
        ids=ids,
    )
    assert registered.caller_role is BusinessRole.OWNER
    made = registered.business
    edited = await businesses.edit_business(
        made.id,
        lambda profile: replace(profile, description=de("Neu")),
        person(OWNER),
        expected_version=None,
        uow=uow(),
        clock=clock,
    )
    assert edited.business.profile.description == de("Neu")
    assert edited.caller_role is BusinessRole.OWNER
    hidden = await businesses.moderate_business(
        made.id,
        businesses.Moderation(verified=False, hidden=True, reason="Spam?"),
        person(MODERATOR, Role.MODERATOR),
        uow=uow(),
        clock=clock,
    )
    assert hidden.business.hidden and hidden.caller_role is None
    with pytest.raises(BusinessNotFound):  # a hidden listing is not there for strangers
        await edit(world, made, person(STRANGER), name="Meins")


async def test_an_edit_of_an_old_version_is_refused_and_changes_nothing(world):
    store, *_ = world
    made = await register(world)
    await edit(world, made, person(OWNER), version=made.version, description=de("Erste"))
    with pytest.raises(StaleVersion):
        await edit(world, made, person(OWNER), version=made.version, description=de("Zweite"))
    assert store.businesses[made.id].profile.description == de("Erste")


async def test_texts_in_a_language_the_tenant_lacks_are_refused_and_change_nothing(world):
    store, uow, clock, ids = world  # the tenant speaks de and en
    french = LocalizedText.of({"de": "Brot", "fr": "Pain"})
    with pytest.raises(InvalidInput) as refused:
        await register(world, description=french)
    assert [p.field for p in refused.value.problems] == ["description.fr"]
    assert "is not one of this tenant's languages" in str(refused.value)
    assert store.businesses == {} and store.search == {}
    made = await register(world, description=de("Brot"))
    with pytest.raises(InvalidInput):
        await edit(world, made, person(OWNER), pickup_notes=LocalizedText.single("fr", "Cour"))
    assert store.businesses[made.id] == made
    with pytest.raises(InvalidInput):
        cmd = offers.OfferInput(french, EMPTY, clock.now(), clock.now() + timedelta(days=1))
        await offers.publish_offer(made.id, cmd, person(OWNER), uow=uow(), clock=clock, ids=ids)
    with pytest.raises(InvalidInput):
        named = categories.CategoryInput("bread", french)
        await categories.create_category(named, person(ADMIN, Role.ADMIN), uow=uow(), ids=ids)
    assert store.offers == {} and store.categories == {}


async def test_search_holds_each_language_with_the_categories_named_in_it(world):
    store, *_ = world
    food = LocalizedText.of({"de": "Essen", "en": "Food"})
    ids = await seed(world, CategorySeed("food", food))
    bread = LocalizedText.of({"de": "Frisches Brot", "en": "Fresh bread"})
    made = await register(world, category_ids=(ids["food"],), description=bread)
    texts = store.search[("business", made.id)].texts
    assert "Fresh bread" in texts.get("en") and "Food" in texts.get("en")  # type: ignore[operator]
    assert "Essen" not in texts.get("en")  # type: ignore[operator]
    assert "Frisches Brot" in texts.get("de") and "Essen" in texts.get("de")  # type: ignore[operator]


async def test_seeded_names_change_in_the_languages_the_file_names(world):
    store, uow, _, ids = world
    keys = await seed(world, CategorySeed("food", "Essen"))
    assert store.categories[keys["food"]].name == de("Essen")  # a string: the first language
    both = LocalizedText.of({"en": "Food", "de": "Essen"})
    assert await categories.seed_categories((CategorySeed("food", both),), uow=uow(), ids=ids) == 1
    assert store.categories[keys["food"]].name.as_dict() == {"de": "Essen", "en": "Food"}
    same = LocalizedText.of({"de": "Essen", "en": "Food"})  # in another order: no change
    assert await categories.seed_categories((CategorySeed("food", same),), uow=uow(), ids=ids) == 0


async def test_hidden_listings_exist_only_for_their_team_and_moderators(world):
    store, uow, clock, _ = world
    made = await register(world)
    await businesses.moderate_business(
        made.id,
        businesses.Moderation(verified=False, hidden=True, reason="Spam?"),
        person(MODERATOR, Role.MODERATOR),
        uow=uow(),
        clock=clock,
    )
    assert store.search[("business", made.id)].visible is False
    with pytest.raises(BusinessNotFound):
        await businesses.view_business(made.id, person(STRANGER), uow=uow())
    seen = await businesses.view_business(made.id, person(OWNER), uow=uow())
    assert seen.business.hidden_reason == "Spam?" and seen.caller_role is BusinessRole.OWNER
    with pytest.raises(RoleRequired):
        await businesses.moderate_business(
            made.id, businesses.Moderation(True, False), person(OWNER), uow=uow(), clock=clock
        )


async def test_a_claim_approved_by_a_moderator_makes_the_claimant_an_owner(world):
    store, uow, clock, ids = world
    listed = await register(world, person(MODERATOR, Role.MODERATOR))

    async def claim(who):  # type: ignore[no-untyped-def]
        return await businesses.claim_business(
            listed.id, "Das ist meiner", who, uow=uow(), clock=clock, ids=ids
        )

    made = await claim(person(STRANGER))
    with pytest.raises(ClaimPending):
        await claim(person(STRANGER))
    with pytest.raises(RoleRequired):
        await businesses.decide_claim(made.id, True, person(OWNER), uow=uow(), clock=clock)
    moderator = person(MODERATOR, Role.MODERATOR)
    await businesses.decide_claim(made.id, True, moderator, uow=uow(), clock=clock)
    assert store.roles[(listed.id, STRANGER)] is BusinessRole.OWNER
    with pytest.raises(ClaimDecided):
        await businesses.decide_claim(made.id, False, moderator, uow=uow(), clock=clock)
    with pytest.raises(AlreadyOnTeam):
        await claim(person(STRANGER))


async def test_owners_manage_the_team_but_the_last_owner_stays(world):
    store, uow, clock, _ = world
    made = await register(world)

    async def set_role(who, account, role):  # type: ignore[no-untyped-def]
        await businesses.set_team_role(made.id, account, role, who, uow=uow(), clock=clock)

    await set_role(person(OWNER), STAFF, BusinessRole.STAFF)
    with pytest.raises(BusinessRoleRequired):
        await set_role(person(STAFF), STRANGER, BusinessRole.STAFF)
    with pytest.raises(LastOwner):
        await set_role(person(OWNER), OWNER, None)
    with pytest.raises(InvalidInput):
        await set_role(person(OWNER), uuid.UUID(int=12345), BusinessRole.STAFF)  # no member
    await set_role(person(ADMIN, Role.ADMIN), STRANGER, BusinessRole.OWNER)
    await set_role(person(OWNER), OWNER, None)  # no longer the last
    assert store.roles == {
        (made.id, STAFF): BusinessRole.STAFF,
        (made.id, STRANGER): BusinessRole.OWNER,
    }


async def test_categories_have_two_levels_and_unique_keys_managed_by_admins(world):
    store, uow, _, ids = world
    keys = await seed(world, CategorySeed("food", "Essen"), CategorySeed("bakery", "Brot", "food"))
    admin = person(ADMIN, Role.ADMIN)

    async def create(key, parent=None, who=admin):  # type: ignore[no-untyped-def]
        return await categories.create_category(
            categories.CategoryInput(key, de(key.title()), parent), who, uow=uow(), ids=ids
        )

    with pytest.raises(RoleRequired):
        await create("drinks", who=person(MODERATOR, Role.MODERATOR))
    with pytest.raises(InvalidInput):
        await create("rolls", keys["bakery"])  # a third level
    with pytest.raises(CategoryKeyTaken):
        await create("food")
    with pytest.raises(CategoryInUse):
        await categories.remove_category(keys["food"], admin, uow=uow())
    tree = await categories.list_categories(uow=uow())
    assert [(n.category.key, [c.key for c in n.children]) for n in tree] == [("food", ["bakery"])]
    again = await categories.seed_categories(
        (CategorySeed("food", "Essen & Trinken"), CategorySeed("bakery", "Brot", "food")),
        uow=uow(),
        ids=ids,
    )
    assert again == 1 and store.categories[keys["food"]].name == de("Essen & Trinken")


async def test_offers_are_published_by_the_team_within_a_sane_window(world):
    store, uow, clock, ids = world
    made = await register(world)
    now = clock.now()

    async def publish(who, start, end):  # type: ignore[no-untyped-def]
        cmd = offers.OfferInput(de("Brot -20%"), EMPTY, start, end)
        return await offers.publish_offer(made.id, cmd, who, uow=uow(), clock=clock, ids=ids)

    offer = await publish(person(OWNER), now, now + timedelta(days=7))
    assert store.offers[offer.id].business_id == made.id
    with pytest.raises(BusinessRoleRequired):
        await publish(person(STRANGER), now, now + timedelta(days=7))
    with pytest.raises(InvalidInput):
        await publish(person(OWNER), now - timedelta(days=9), now - timedelta(days=1))
    with pytest.raises(InvalidInput):
        await publish(person(OWNER), now, now + timedelta(days=400))
    await offers.withdraw_offer(offer.id, person(OWNER), uow=uow())
    assert store.offers == {}


def imported(
    external_id: str, name: str | None, *keys: str, **profile: object
) -> imports.ImportedBusiness:
    """A row; no name stands for a row whose own fields were refused."""
    return imports.ImportedBusiness(
        external_id,
        None if name is None else BusinessProfile(name, BusinessKind.RETAIL, **profile),  # type: ignore[arg-type]
        keys,
    )


async def import_rows(world, *rows: imports.ImportedBusiness) -> imports.ImportReport:  # type: ignore[no-untyped-def]
    _, uow, clock, ids = world
    return await imports.import_businesses(list(rows), uow=uow(), clock=clock, ids=ids)


async def test_the_import_creates_then_updates_by_external_id(world):
    store, *_ = world
    keys = await seed(world, CategorySeed("food", "Essen"), CategorySeed("books", "Bücher"))
    first = await import_rows(world, imported("ext-7", "Laden", "food", "books"))
    assert (first.created, first.updated, first.unchanged, first.refused) == (1, 0, 0, {})
    (made,) = store.businesses.values()
    assert set(made.profile.category_ids) == {keys["food"], keys["books"]}
    # The same categories in another order are no change.
    again = await import_rows(world, imported("ext-7", "Laden", "books", "food"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    renamed = await import_rows(world, imported("ext-7", "Laden am Markt", "food"))
    assert (renamed.created, renamed.updated) == (0, 1)
    (only,) = store.businesses.values()
    assert only.profile.name == "Laden am Markt" and only.version == 2
    assert only.profile.category_ids == (keys["food"],)
    assert store.search[("business", only.id)].title == "Laden am Markt"


async def test_the_import_keeps_the_uploaded_images_a_business_shows(world):
    """Files name no media ids: an update from a file leaves the images attached."""
    store, *_ = world
    await import_rows(world, imported("ext-9", "Laden"))
    (made,) = store.businesses.values()
    image = uuid.uuid4()
    store.businesses[made.id] = replace(made, profile=replace(made.profile, image_ids=(image,)))
    again = await import_rows(world, imported("ext-9", "Laden"))
    assert again.unchanged == 1
    renamed = await import_rows(world, imported("ext-9", "Laden am Markt"))
    assert renamed.updated == 1
    (only,) = store.businesses.values()
    assert only.profile.image_ids == (image,)


async def test_the_import_refuses_bad_rows_with_every_problem_and_writes_the_others(world):
    store, *_ = world
    await seed(world, CategorySeed("food", "Essen"))
    report = await import_rows(
        world,
        imported("ok-1", "Gut", "food"),
        imported("x" * 101, "Zu lang", "nope", "food"),
        imported("bad-fields", None, "nope", "nada"),  # its own fields refused already
        imported("ok-1", "Doppelt"),
        imported("many", "Viele", *["food"] * 6),
    )
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    assert {i: sorted(p.field for p in problems) for i, problems in report.refused.items()} == {
        1: ["category_keys", "external_id"],
        2: ["category_keys"],
        3: ["external_id"],
        4: ["category_ids", "category_ids"],  # more than five, and one twice
    }
    assert "'nope', 'nada'" in report.refused[2][0].reason
    assert [b.external_id for b in store.businesses.values()] == ["ok-1"]
    assert len(store.search) == 1


async def test_the_import_keeps_moderation_and_teams_and_a_hidden_one_stays_out_of_search(world):
    store, uow, clock, _ = world
    await import_rows(world, imported("ext-1", "Laden"))
    (made,) = store.businesses.values()
    store.roles[(made.id, OWNER)] = BusinessRole.OWNER
    moderation = businesses.Moderation(verified=True, hidden=True, reason="Doppelt")
    await businesses.moderate_business(
        made.id, moderation, person(MODERATOR, Role.MODERATOR), uow=uow(), clock=clock
    )
    report = await import_rows(world, imported("ext-1", "Laden neu", description=de("Neu")))
    assert report.updated == 1
    (after,) = store.businesses.values()
    assert after.profile.name == "Laden neu" and after.verified and after.hidden
    assert after.hidden_reason == "Doppelt" and after.version == 3
    assert store.roles == {(made.id, OWNER): BusinessRole.OWNER}
    assert store.search[("business", made.id)].visible is False


async def test_the_import_refuses_a_text_in_a_language_the_tenant_lacks(world):
    store, *_ = world
    french = LocalizedText.of({"de": "Brot", "fr": "Pain"})
    report = await import_rows(world, imported("ext-1", "Laden", description=french))
    assert [p.field for p in report.refused[0]] == ["description.fr"]
    assert store.businesses == {}
    both = LocalizedText.of({"en": "Bread", "de": "Brot"})
    await import_rows(world, imported("ext-1", "Laden", description=both))
    again = await import_rows(world, imported("ext-1", "Laden", description=both))
    assert (again.updated, again.unchanged) == (0, 1)  # its languages' order is no change


class _EditedMeanwhile(FakeDirectoryUnitOfWork):
    """Hands out businesses at the version before the stored one, as if another writer
    edited them between the import's read and its write."""

    async def __aenter__(self):  # type: ignore[no-untyped-def]
        await super().__aenter__()
        read = self.businesses.by_external_ids

        async def older(external_ids):  # type: ignore[no-untyped-def]
            found = await read(external_ids)
            return {k: replace(b, version=b.version - 1) for k, b in found.items()}

        self.businesses.by_external_ids = older  # type: ignore[method-assign]
        return self


async def test_an_import_batch_that_meets_a_newer_version_stores_nothing(world):
    store, _, clock, ids = world
    await import_rows(world, imported("ext-1", "Laden"))
    with pytest.raises(StaleVersion):
        await imports.import_businesses(
            [imported("ext-1", "Laden neu"), imported("ext-2", "Neu")],
            uow=_EditedMeanwhile(store, TENANT),
            clock=clock,
            ids=ids,
        )
    assert [b.profile.name for b in store.businesses.values()] == ["Laden"]


class RecordingReads:
    """A read port that records what the use cases ask for."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    async def list_businesses(self, where, *, limit, cursor):  # type: ignore[no-untyped-def]
        self.asked.append(("list", where, limit))
        return Page([])

    async def businesses_in_box(self, box, where, *, limit):  # type: ignore[no-untyped-def]
        self.asked.append(("box", where, limit))
        return []

    async def businesses_near(self, centre, radius_m, where, *, limit):  # type: ignore[no-untyped-def]
        self.asked.append(("near", where, limit))
        return []

    async def category_ids_by_key(self, keys):  # type: ignore[no-untyped-def]
        known = {"food": uuid.UUID(int=71), "books": uuid.UUID(int=72)}
        return [known[k] for k in keys if k in known]

    async def categories_within(self, ids, keys):  # type: ignore[no-untyped-def]
        self.asked.append(("categories", ids, keys))
        return [*ids, *await self.category_ids_by_key(keys)]


def test_a_key_of_32_hex_digits_is_a_key_and_only_an_ids_canonical_form_an_id():
    key = "0123456789abcdef0123456789abcdef"
    assert queries.category_refs([key, str(uuid.UUID(int=9))]) == ((uuid.UUID(int=9),), (key,))


async def test_category_filters_name_categories_by_id_or_key_and_unknown_keys_match_nothing():
    reads = RecordingReads()
    ids, keys = queries.category_refs(["food", str(uuid.UUID(int=9)), "books"])
    where = BusinessFilter(category_ids=ids, category_keys=keys)
    await queries.list_businesses(where, person(OWNER), reads=reads, limit=10, cursor=None)
    asked = reads.asked[-1][1]
    assert asked.category_ids == (uuid.UUID(int=9), uuid.UUID(int=71), uuid.UUID(int=72))
    on_map = BusinessPins(reads, zone=ZoneInfo("Europe/Berlin"), clock=FixedClock())
    box = BoundingBox(12.3, 51.3, 12.4, 51.4)
    await on_map.pins_in_box(box, PinFilter(categories=("nowhere",)), person(OWNER), limit=5)
    assert reads.asked[-1][1].category_ids == (queries.NO_CATEGORY,)
    taxonomy = DirectoryTaxonomy(reads)
    assert await taxonomy.ids_within(("food", str(uuid.UUID(int=9)))) == (
        uuid.UUID(int=9),
        uuid.UUID(int=71),
    )
    assert reads.asked[-1] == ("categories", (uuid.UUID(int=9),), ("food",))


async def test_business_pins_keep_to_the_kinds_of_business_asked_for():
    reads = RecordingReads()
    on_map = BusinessPins(reads, zone=ZoneInfo("Europe/Berlin"), clock=FixedClock())
    centre = GeoPoint(51.34, 12.37)
    kinds = PinFilter(item_kinds=("retail", "concert"))
    await on_map.pins_near(centre, 500, kinds, person(OWNER), limit=5)
    assert reads.asked[-1][1].kinds == (BusinessKind.RETAIL,)
    asked = len(reads.asked)
    nothing = await on_map.pins_near(
        centre, 500, PinFilter(item_kinds=("concert",)), person(OWNER), limit=5
    )
    assert nothing == [] and len(reads.asked) == asked  # no business is a concert


async def test_reads_keep_hidden_listings_for_moderators_and_bound_their_size():
    reads = RecordingReads()
    wants_hidden = BusinessFilter(include_hidden=True)
    await queries.list_businesses(
        wants_hidden, person(STRANGER), reads=reads, limit=10, cursor=None
    )
    await queries.list_businesses(
        wants_hidden, person(MODERATOR, Role.MODERATOR), reads=reads, limit=10, cursor=None
    )
    assert [a[1].include_hidden for a in reads.asked] == [False, True]
    with pytest.raises(InvalidInput):
        await queries.list_businesses(
            BusinessFilter(), person(OWNER), reads=reads, limit=101, cursor=None
        )

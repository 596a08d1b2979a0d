"""The directory's repositories and search index: the fakes against SQL. All are built for
one tenant; `directory.a` and `directory.b` are two tenants' repositories."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

import pytest

from domain.directory.errors import CategoryKeyTaken, ExternalIdTaken
from domain.directory.hours import hours_from_text
from domain.directory.model import BusinessKind, ClaimStatus, Contact
from domain.discovery.model import SearchDocument
from domain.identity.model import BusinessRole, Role
from domain.languages import EMPTY, LocalizedText
from tests.contracts.entities import AT, business, category, claim, de, later, offer


async def categories_in(side, *keys: str) -> tuple[uuid.UUID, ...]:  # type: ignore[no-untyped-def]
    """New categories of `side`'s tenant; their ids in ascending order."""
    made = [category(side.tenant_id, key) for key in keys]
    for each in made:
        await side.categories.add(each)
    return tuple(sorted(c.id for c in made))


async def a_business(side, name: str = "Bäckerei Zimt", **overrides):  # type: ignore[no-untyped-def]
    made = business(side.tenant_id, name, **overrides)
    await side.businesses.add(made)
    return made


# Businesses ---------------------------------------------------------------------------


async def test_an_added_business_reads_back_equal(directory):
    a = directory.a
    made = business(
        directory.tenant_a,
        category_ids=await categories_in(a, "food", "drinks"),
        external_id="shop-17",
        contact=Contact("+49 341 123456", "laden@example.org"),
        website_url="https://zimt.example",
        delivers=True,
        image_urls=("https://zimt.example/a.jpg",),
        opening_hours=hours_from_text(
            {"mo": ["09:00-18:00"], "sa": ["10:00-14:00"]},
            [(date(2026, 12, 24), ["09:00-12:00"], "Heiligabend")],
        ),
        verified_at=later(1),
        hidden_at=later(2),
        hidden_reason="closed for renovation",
        version=3,
    )
    await a.businesses.add(made)
    assert await a.businesses.get(made.id) == made
    assert await a.businesses.get_by_external_id("shop-17") == made


async def test_texts_read_back_in_every_language_in_locale_order(directory):
    """Whatever order a text's languages were written in (JSONB keeps its own): an import
    compares what it reads with what a file says, and unchanged must compare equal."""
    a = directory.a
    made = business(
        directory.tenant_a,
        description=LocalizedText.of({"en": "Sourdough", "de": "Sauerteig", "de-AT": "Sauerteig"}),
        delivery_notes=LocalizedText.of({"en": "In town", "de": "In der Stadt"}),
        pickup_notes=de("Hintereingang"),
        external_id="shop-18",
    )
    await a.businesses.add(made)
    stored = await a.businesses.get(made.id)
    assert stored.profile.description.locales == ("de", "de-AT", "en")
    assert stored.profile.description.as_dict() == made.profile.description.as_dict()
    assert stored.profile.delivery_notes.as_dict() == {"de": "In der Stadt", "en": "In town"}
    assert stored.profile.pickup_notes == de("Hintereingang")
    assert await a.businesses.by_external_ids(["shop-18"]) == {"shop-18": stored}
    titled = offer(directory.tenant_a, made.id, title=LocalizedText.of({"en": "B", "de": "A"}))
    await a.offers.add(titled)
    assert (await a.offers.get(titled.id)).title.locales == ("de", "en")


async def test_an_unknown_business_is_none(directory):
    assert await directory.a.businesses.get(uuid.uuid4()) is None
    assert await directory.a.businesses.get_by_external_id("nobody") is None
    assert await directory.a.businesses.by_external_ids(["nobody"]) == {}
    assert await directory.a.businesses.by_external_ids([]) == {}


async def test_an_edit_at_the_version_read_is_stored(directory):
    a = directory.a
    food, drinks = await categories_in(a, "food", "drinks")
    made = await a_business(a, category_ids=(food,))
    edited = made.edited(
        dataclasses.replace(made.profile, name="Zimt & Zucker", category_ids=(drinks,)), later(5)
    )
    assert await a.businesses.update(edited, expected_version=made.version) is True
    assert await a.businesses.get(made.id) == edited


async def test_an_edit_at_a_stale_version_is_refused_and_changes_nothing(directory):
    a = directory.a
    made = await a_business(a)
    first = made.edited(dataclasses.replace(made.profile, name="Erste"), later(1))
    second = made.edited(dataclasses.replace(made.profile, name="Zweite"), later(2))
    assert await a.businesses.update(first, expected_version=made.version) is True
    assert await a.businesses.update(second, expected_version=made.version) is False
    assert await a.businesses.get(made.id) == first


async def test_an_edit_of_an_unknown_business_is_refused(directory):
    stranger = business(directory.tenant_a)
    assert await directory.a.businesses.update(stranger, expected_version=1) is False
    assert await directory.a.businesses.get(stranger.id) is None


async def test_an_external_id_is_unique_within_a_tenant(directory):
    await a_business(directory.a, external_id="shop-1")
    await a_business(directory.b, external_id="shop-1")  # another tenant may use it
    with pytest.raises(ExternalIdTaken):
        await a_business(directory.a, external_id="shop-1")


async def test_an_external_id_taken_in_a_batch_is_refused(directory):
    await a_business(directory.a, external_id="shop-1")
    with pytest.raises(ExternalIdTaken):
        await directory.a.businesses.add_many([business(directory.tenant_a, external_id="shop-1")])


async def test_businesses_by_external_ids_come_with_their_category_ids_sorted(directory):
    """The import compares a stored profile with the file's, whose category ids it sorts."""
    a = directory.a
    low, high = await categories_in(a, "food", "drinks")
    made = await a_business(a, external_id="shop-1", category_ids=(high, low))
    await a_business(a, external_id="shop-2")
    found = await a.businesses.by_external_ids(["shop-1", "unknown"])
    assert list(found) == ["shop-1"]
    assert found["shop-1"].profile.category_ids == (low, high)
    assert found["shop-1"] == dataclasses.replace(
        made, profile=dataclasses.replace(made.profile, category_ids=(low, high))
    )


async def test_a_business_read_back_keeps_its_categories(directory):
    """Which ones, not in which order: SQL's `get` names no order (both databases give them
    sorted today, by the primary key's index; the fake as given)."""
    a = directory.a
    low, high = await categories_in(a, "food", "drinks")
    made = await a_business(a, category_ids=(high, low))
    found = await a.businesses.get(made.id)
    assert found is not None and set(found.profile.category_ids) == {low, high}


async def test_businesses_added_in_bulk_read_back_as_added_one_by_one(directory):
    a = directory.a
    food, drinks = await categories_in(a, "food", "drinks")
    batch = [
        business(directory.tenant_a, "Eins", external_id="e1", category_ids=(food, drinks)),
        business(directory.tenant_a, "Zwei", external_id="e2", location=None, delivers=True),
    ]
    await a.businesses.add_many(batch)
    await a.businesses.add_many([])
    for made in batch:
        assert await a.businesses.get(made.id) == made
    assert await a.businesses.by_external_ids(["e1", "e2"]) == {"e1": batch[0], "e2": batch[1]}


async def test_edits_in_bulk_are_stored_as_edits_one_by_one(directory):
    a = directory.a
    food, drinks = await categories_in(a, "food", "drinks")
    one = await a_business(a, "Eins", external_id="e1", category_ids=(food,))
    two = await a_business(a, "Zwei", external_id="e2")
    edits = [
        (one.edited(dataclasses.replace(one.profile, category_ids=(drinks,)), later(1)), 1),
        (two.edited(dataclasses.replace(two.profile, kind=BusinessKind.CRAFTS), later(1)), 1),
    ]
    assert await a.businesses.update_many(edits) is True
    assert await a.businesses.update_many([]) is True
    for edited, _ in edits:
        assert await a.businesses.get(edited.id) == edited


async def test_edits_in_bulk_of_an_unknown_business_are_refused(directory):
    a = directory.a
    known, stranger = await a_business(a, "Eins"), business(directory.tenant_a, "Zwei")
    edits = [
        (known.edited(known.profile, later(1)), 1),
        (stranger.edited(stranger.profile, later(1)), 1),
    ]
    assert await a.businesses.update_many(edits) is False
    assert await a.businesses.get(stranger.id) is None


async def test_edits_in_bulk_with_one_stale_version_are_refused(directory):
    """The port leaves partial writes to the caller's rollback, so only the answer counts."""
    a = directory.a
    one, two = await a_business(a, "Eins"), await a_business(a, "Zwei")
    edits = [
        (one.edited(dataclasses.replace(one.profile, name="Eins!"), later(1)), 1),
        (two.edited(dataclasses.replace(two.profile, name="Zwei!"), later(1)), 7),
    ]
    assert await a.businesses.update_many(edits) is False


async def test_businesses_of_another_tenant_are_out_of_sight(directory):
    theirs = await a_business(directory.b, external_id="shop-1")
    mine = directory.a.businesses
    assert await mine.get(theirs.id) is None
    assert await mine.get_by_external_id("shop-1") is None
    assert await mine.by_external_ids(["shop-1"]) == {}
    renamed = theirs.edited(dataclasses.replace(theirs.profile, name="Übernommen"), later(1))
    assert await mine.update(renamed, expected_version=theirs.version) is False
    assert await directory.b.businesses.get(theirs.id) == theirs


# Business roles -----------------------------------------------------------------------


async def test_a_role_set_on_a_business_is_read_back(directory):
    a = directory.a
    shop, person = await a_business(a), await directory.account()
    assert await a.business_roles.role_of(shop.id, person) is None
    await a.business_roles.set_role(shop.id, person, BusinessRole.STAFF, AT)
    assert await a.business_roles.role_of(shop.id, person) is BusinessRole.STAFF


async def test_setting_a_role_again_changes_it_and_keeps_one_entry(directory):
    a = directory.a
    shop, person = await a_business(a), await directory.account()
    await a.business_roles.set_role(shop.id, person, BusinessRole.STAFF, AT)
    await a.business_roles.set_role(shop.id, person, BusinessRole.OWNER, later(1))
    assert await a.business_roles.role_of(shop.id, person) is BusinessRole.OWNER
    assert [(who, role) for who, _, role in await a.business_roles.team(shop.id)] == [
        (person, BusinessRole.OWNER)
    ]
    assert await a.business_roles.count_owners(shop.id) == 1


async def test_a_team_lists_its_people_in_the_order_they_joined(directory):
    """Display names are left out: the directory's fake holds no accounts (it names each
    person by number)."""
    a = directory.a
    shop, other_shop = await a_business(a, "Eins"), await a_business(a, "Zwei")
    first, second, third = [await directory.account(n) for n in ("Cem", "Ada", "Bo")]
    await a.business_roles.set_role(shop.id, first, BusinessRole.OWNER, later(1))
    await a.business_roles.set_role(shop.id, second, BusinessRole.STAFF, later(2))
    await a.business_roles.set_role(shop.id, third, BusinessRole.OWNER, later(3))
    await a.business_roles.set_role(other_shop.id, first, BusinessRole.STAFF, later(4))
    team = await a.business_roles.team(shop.id)
    assert [(who, role) for who, _, role in team] == [
        (first, BusinessRole.OWNER),
        (second, BusinessRole.STAFF),
        (third, BusinessRole.OWNER),
    ]
    assert await a.business_roles.count_owners(shop.id) == 2
    assert await a.business_roles.count_owners(other_shop.id) == 0


async def test_a_removed_role_is_gone_and_removing_it_again_is_harmless(directory):
    a = directory.a
    shop, person = await a_business(a), await directory.account()
    await a.business_roles.set_role(shop.id, person, BusinessRole.OWNER, AT)
    await a.business_roles.remove(shop.id, person)
    await a.business_roles.remove(shop.id, person)
    assert await a.business_roles.role_of(shop.id, person) is None
    assert await a.business_roles.team(shop.id) == []
    assert await a.business_roles.count_owners(shop.id) == 0


async def test_roles_on_another_tenants_business_are_out_of_sight(directory):
    shop, person = await a_business(directory.b), await directory.account()
    await directory.b.business_roles.set_role(shop.id, person, BusinessRole.OWNER, AT)
    mine = directory.a.business_roles
    assert await mine.role_of(shop.id, person) is None
    assert await mine.team(shop.id) == []
    assert await mine.count_owners(shop.id) == 0
    await mine.remove(shop.id, person)
    assert await directory.b.business_roles.role_of(shop.id, person) is BusinessRole.OWNER


# Categories ---------------------------------------------------------------------------


async def test_added_categories_read_back_equal(directory):
    """`list` promises no order: the use cases sort (as_tree)."""
    a = directory.a
    top = category(directory.tenant_a, "food", position=2)
    child = category(directory.tenant_a, "food-bakery", parent_id=top.id, position=1)
    for each in (top, child):
        await a.categories.add(each)
    assert await a.categories.get(child.id) == child
    assert await a.categories.get(uuid.uuid4()) is None
    assert sorted(await a.categories.list(), key=lambda c: c.key) == [top, child]


async def test_an_updated_category_reads_back_with_its_changes(directory):
    a = directory.a
    top = category(directory.tenant_a, "food")
    moved = category(directory.tenant_a, "bakery")
    for each in (top, moved):
        await a.categories.add(each)
    named = LocalizedText.of({"de": "Bäcker", "en": "Bakers"})
    changed = dataclasses.replace(moved, key="food-bakery", name=named, parent_id=top.id)
    await a.categories.update(dataclasses.replace(changed, position=4))
    assert await a.categories.get(moved.id) == dataclasses.replace(changed, position=4)


async def test_a_removed_category_is_gone_and_removing_it_again_is_harmless(directory):
    a = directory.a
    (food,) = await categories_in(a, "food")
    await a.categories.remove(food)
    await a.categories.remove(food)
    assert await a.categories.get(food) is None
    assert await a.categories.list() == []


async def test_categories_of_another_tenant_are_out_of_sight(directory):
    (theirs,) = await categories_in(directory.b, "food")
    (mine,) = await categories_in(directory.a, "food")  # a key is unique per tenant only
    assert await directory.a.categories.get(theirs) is None
    assert [c.id for c in await directory.a.categories.list()] == [mine]
    stored = await directory.b.categories.get(theirs)
    await directory.a.categories.update(dataclasses.replace(stored, name=de("Übernommen")))
    assert [c.id for c in await directory.a.categories.list()] == [mine]
    await directory.a.categories.remove(theirs)
    assert await directory.b.categories.get(theirs) == stored


async def test_a_second_category_with_a_taken_key_is_refused(directory):
    await categories_in(directory.a, "food")
    await categories_in(directory.b, "food")  # another tenant may use it
    with pytest.raises(CategoryKeyTaken):
        await directory.a.categories.add(category(directory.tenant_a, "food"))


async def test_a_category_carrying_another_tenants_id_stays_out_of_that_tenant(directory):
    """The first wall: a repository built for one tenant writes that tenant's rows only
    (memberships and API keys refuse such an item; businesses are written for the
    repository's tenant; offers and claims are stopped by their business's foreign key)."""
    stray = category(directory.tenant_b, "food")
    await directory.a.categories.add(stray)
    assert await directory.b.categories.get(stray.id) is None
    assert await directory.b.categories.list() == []


async def test_a_business_carrying_another_tenants_id_stays_out_of_that_tenant(directory):
    stray = business(directory.tenant_b)
    await directory.a.businesses.add(stray)
    assert await directory.b.businesses.get(stray.id) is None


# Offers -------------------------------------------------------------------------------


async def test_an_added_offer_reads_back_equal(directory):
    a = directory.a
    shop = await a_business(a)
    made = offer(directory.tenant_a, shop.id, voucher_url="https://zimt.example/gutschein")
    await a.offers.add(made)
    assert await a.offers.get(made.id) == made
    assert await a.offers.get(uuid.uuid4()) is None


async def test_an_updated_offer_reads_back_with_its_changes(directory):
    a = directory.a
    made = offer(directory.tenant_a, (await a_business(a)).id)
    await a.offers.add(made)
    changed = dataclasses.replace(
        made, title=de("Drei für zwei"), text=EMPTY, valid_until=later(60), voucher_url=None
    )
    await a.offers.update(changed)
    assert await a.offers.get(made.id) == changed


async def test_a_removed_offer_is_gone_and_removing_it_again_is_harmless(directory):
    a = directory.a
    made = offer(directory.tenant_a, (await a_business(a)).id)
    await a.offers.add(made)
    await a.offers.remove(made.id)
    await a.offers.remove(made.id)
    assert await a.offers.get(made.id) is None


async def test_offers_of_another_tenant_are_out_of_sight(directory):
    theirs = offer(directory.tenant_b, (await a_business(directory.b)).id)
    await directory.b.offers.add(theirs)
    assert await directory.a.offers.get(theirs.id) is None
    await directory.a.offers.update(dataclasses.replace(theirs, title=de("Übernommen")))
    assert await directory.a.offers.get(theirs.id) is None
    await directory.a.offers.remove(theirs.id)
    assert await directory.b.offers.get(theirs.id) == theirs


# Claims -------------------------------------------------------------------------------


async def test_an_added_claim_reads_back_equal(directory):
    a = directory.a
    made = claim(directory.tenant_a, (await a_business(a)).id, await directory.account())
    await a.claims.add(made)
    assert await a.claims.get(made.id) == made
    assert await a.claims.get(uuid.uuid4()) is None


async def test_only_a_pending_claim_is_pending(directory):
    a = directory.a
    shop, person, other = await a_business(a), await directory.account(), await directory.account()
    rejected = claim(directory.tenant_a, shop.id, person).decided(False, other, later(1))
    await a.claims.add(rejected)
    assert await a.claims.pending_of(shop.id, person) is None
    pending = claim(directory.tenant_a, shop.id, person, created_at=later(2))
    await a.claims.add(pending)
    assert await a.claims.pending_of(shop.id, person) == pending
    assert await a.claims.pending_of(shop.id, other) is None


async def test_a_decided_claim_reads_back_with_its_decision(directory):
    a = directory.a
    shop, person, moderator = (
        await a_business(a),
        await directory.account(),
        await directory.account(),
    )
    made = claim(directory.tenant_a, shop.id, person)
    await a.claims.add(made)
    decided = made.decided(True, moderator, later(3))
    await a.claims.update(decided)
    assert await a.claims.get(made.id) == decided
    assert await a.claims.pending_of(shop.id, person) is None


async def test_claims_are_listed_oldest_first_and_by_status(directory):
    a = directory.a
    shop, moderator = await a_business(a), await directory.account()
    newest = claim(directory.tenant_a, shop.id, await directory.account(), created_at=later(9))
    oldest = claim(directory.tenant_a, shop.id, await directory.account(), created_at=later(1))
    approved = claim(
        directory.tenant_a, shop.id, await directory.account(), created_at=later(5)
    ).decided(True, moderator, later(6))
    for made in (newest, oldest, approved):
        await a.claims.add(made)
    assert await a.claims.list(None) == [oldest, approved, newest]
    assert await a.claims.list(ClaimStatus.PENDING) == [oldest, newest]
    assert await a.claims.list(ClaimStatus.APPROVED) == [approved]
    assert await a.claims.list(ClaimStatus.REJECTED) == []


async def test_claims_of_another_tenant_are_out_of_sight(directory):
    shop, person = await a_business(directory.b), await directory.account()
    theirs = claim(directory.tenant_b, shop.id, person)
    await directory.b.claims.add(theirs)
    mine = directory.a.claims
    assert await mine.get(theirs.id) is None
    assert await mine.pending_of(shop.id, person) is None
    assert await mine.list(None) == []
    await mine.update(theirs.decided(False, person, later(1)))
    assert await mine.get(theirs.id) is None
    assert await directory.b.claims.get(theirs.id) == theirs


# Search index -------------------------------------------------------------------------


def document(item_id: uuid.UUID, title: str, body: str = "", **overrides) -> SearchDocument:  # type: ignore[no-untyped-def]
    """A document whose text (if any) is German, the tenant's first language."""
    overrides.setdefault("texts", LocalizedText.single("de", body))
    return SearchDocument("business", item_id, title, **overrides)


async def test_a_document_put_in_the_index_is_held_and_found(directory):
    a = directory.a
    (food,) = await categories_in(a, "food")
    doc = document(uuid.uuid4(), "Pumpernickel Paradies", "Roggen", category_ids=(food,))
    await a.search_index.put(doc)
    assert await directory.index_of(a) == {("business", doc.item_id): doc}
    assert await directory.found(a, "Pumpernickel") == {doc.item_id}
    assert await directory.found(a, "Roggen") == {doc.item_id}


async def test_putting_a_document_again_replaces_it(directory):
    a = directory.a
    first = document(uuid.uuid4(), "Pumpernickel Paradies", "Roggen")
    again = document(first.item_id, "Marzipan Manufaktur", "Mandeln", visible=False)
    await a.search_index.put(first)
    await a.search_index.put(again)
    assert await directory.index_of(a) == {("business", first.item_id): again}
    assert await directory.found(a, "Pumpernickel") == set()
    assert await directory.found(a, "Marzipan") == set()  # invisible now


async def test_a_removed_document_is_gone_and_removing_it_again_is_harmless(directory):
    a = directory.a
    doc = document(uuid.uuid4(), "Pumpernickel Paradies")
    kept = SearchDocument("event", doc.item_id, "Pumpernickel Fest", EMPTY)  # same id, other kind
    await a.search_index.put_many([doc, kept])
    await a.search_index.remove("business", doc.item_id)
    await a.search_index.remove("business", doc.item_id)
    assert await directory.index_of(a) == {("event", doc.item_id): kept}
    assert await directory.found(a, "Paradies") == set()


async def test_documents_put_in_bulk_are_held_as_put_one_by_one(directory):
    a = directory.a
    docs = [
        document(uuid.uuid4(), "Pumpernickel Paradies", "Roggen"),
        document(uuid.uuid4(), "Marzipan Manufaktur", "Mandeln"),
    ]
    await a.search_index.put(docs[0])
    replaced = dataclasses.replace(docs[0], texts=LocalizedText.single("de", "Dinkel"))
    await a.search_index.put_many([replaced, docs[1]])
    await a.search_index.put_many([])
    assert await directory.index_of(a) == {
        ("business", replaced.item_id): replaced,
        ("business", docs[1].item_id): docs[1],
    }
    assert await directory.found(a, "Roggen") == set()
    assert await directory.found(a, "Dinkel") == {replaced.item_id}


async def test_a_document_in_two_languages_is_held_and_found_by_a_word_of_either(directory):
    a = directory.a
    doc = document(
        uuid.uuid4(),
        "Pumpernickel Paradies",
        texts=LocalizedText.of({"de": "Roggen und Dinkel", "en": "Rye and spelt"}),
    )
    await a.search_index.put(doc)
    assert await directory.index_of(a) == {("business", doc.item_id): doc}
    assert await directory.found(a, "Dinkel") == {doc.item_id}
    assert await directory.found(a, "Rye") == {doc.item_id}
    english_only = dataclasses.replace(doc, texts=LocalizedText.single("en", "Oats"))
    await a.search_index.put_many([english_only])
    assert await directory.index_of(a) == {("business", doc.item_id): english_only}
    assert await directory.found(a, "Dinkel") == set()  # its German text is gone
    assert await directory.found(a, "Rye") == set()
    assert await directory.found(a, "Oats") == {doc.item_id}


async def test_the_index_of_another_tenant_is_out_of_reach(directory):
    theirs = document(uuid.uuid4(), "Pumpernickel Paradies")
    await directory.b.search_index.put(theirs)
    assert await directory.index_of(directory.a) == {}
    assert await directory.found(directory.a, "Pumpernickel") == set()
    await directory.a.search_index.remove("business", theirs.item_id)
    assert await directory.index_of(directory.b) == {("business", theirs.item_id): theirs}


# Members, as the directory asks identity ----------------------------------------------


async def test_the_directory_sees_members_of_its_own_tenant_only(directory):
    person, outsider = await directory.account(), await directory.account()
    await directory.add_member(directory.a, person, Role.MODERATOR)
    await directory.add_member(directory.b, outsider, Role.ADMIN)
    found = await directory.a.members.get(person)
    assert found is not None and (found.account_id, found.role) == (person, Role.MODERATOR)
    assert await directory.a.members.get(outsider) is None

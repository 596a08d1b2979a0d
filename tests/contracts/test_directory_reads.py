"""The read ports DirectoryReads, OpenDataReads and discovery's SearchReads, on SQL only:
no use case's unit test needs an in-memory version of them (the query tests record what is
asked, tests/unit), so there is no fake to hold to SQL. What the core relies on is checked on
both databases: order, paging, filters, what hidden items and other tenants leave out.

The reads open transactions of their own, so the rows are committed once for the module,
under fresh tenants, and deleted afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from uuid import UUID

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import async_sessionmaker

from adapters.db.directory import SqlBusinessRepository, SqlCategoryRepository, SqlOfferRepository
from adapters.db.directory_reads import SqlDirectoryReads
from adapters.db.search import SqlSearchIndex, SqlSearchReads
from adapters.db.tenancy import TenantRow
from domain.directory.model import Business, BusinessKind, Category, Offer
from domain.directory.ports import BusinessFilter, BusinessSummary
from domain.discovery.model import SearchDocument
from domain.geo import BoundingBox, GeoPoint
from domain.languages import LocalizedText
from tests.contracts.conftest import SEARCH_LOCALES, add_tenant_rows
from tests.contracts.entities import business, category, later, offer

NOW = later(60 * 24)
BAKERY_AT = GeoPoint(51.3406, 12.3747)
TAVEUNI_WEST = GeoPoint(-16.8, 179.95)  # Fiji, on either side of the antimeridian
TAVEUNI_EAST = GeoPoint(-16.8, -179.95)
# Every visible business of tenant A, by name in German order (umlauts with their vowel).
IN_ORDER = ["apfel & Co", "Ärztehaus am Markt", "Bäckerei Zimt", "Café Anna", "Ölmühle", "Oper"]


@dataclass
class Tenant:
    id: UUID
    categories: dict[str, Category] = field(default_factory=dict)
    businesses: dict[str, Business] = field(default_factory=dict)
    offers: dict[str, Offer] = field(default_factory=dict)
    documents: list[SearchDocument] = field(default_factory=list)
    locales: tuple[str, ...] = SEARCH_LOCALES

    async def write(self, session) -> None:  # type: ignore[no-untyped-def]
        categories = SqlCategoryRepository(session, self.id)
        for each in self.categories.values():
            await categories.add(each)
        await SqlBusinessRepository(session, self.id).add_many(list(self.businesses.values()))
        offers = SqlOfferRepository(session, self.id)
        for each in self.offers.values():
            await offers.add(each)
        await SqlSearchIndex(session, self.id, self.locales).put_many(self.documents)

    def index(self, name: str, body: str | dict[str, str], kind: str = "business") -> None:
        """A text in the tenant's first language, or texts by locale."""
        made = self.businesses.get(name)
        texts = body if isinstance(body, dict) else {self.locales[0]: body}
        self.documents.append(
            SearchDocument(
                kind,
                made.id if made else uuid.uuid4(),
                name,
                LocalizedText.of(texts),
                made.profile.category_ids if made else (),
                visible=not made.hidden if made else True,
            )
        )

    def reads(self, sessions: async_sessionmaker) -> SqlSearchReads:
        return SqlSearchReads(sessions, self.id, self.locales)


def tenant_a() -> Tenant:
    t = Tenant(uuid.uuid4())
    food = category(t.id, "food", position=1)
    t.categories = {
        "food": food,
        "food-bakery": category(t.id, "food-bakery", parent_id=food.id, position=1),
        "culture": category(t.id, "culture", position=2),
        "sport": category(t.id, "sport", position=3),
    }
    c = {k: v.id for k, v in t.categories.items()}
    for name, kind, categories, at, extra in [
        ("apfel & Co", "retail", ("culture", "food"), (51.3400, 12.3700), {"delivers": True}),
        ("Ärztehaus am Markt", "health", (), (51.3410, 12.3750), {"verified_at": later(1)}),
        (
            "Bäckerei Zimt",
            "retail",
            ("food-bakery",),
            (BAKERY_AT.lat, BAKERY_AT.lon),
            {"verified_at": later(1), "delivers": True, "offers_pickup": True},
        ),
        ("Café Anna", "gastronomy", ("food",), (51.3500, 12.4000), {}),
        ("Ölmühle", "crafts", (), None, {}),
        ("Oper", "culture", ("culture",), (51.3440, 12.3810), {}),
        ("Zoo-Laden", "retail", ("food",), (51.3407, 12.3748), {"hidden_at": later(2)}),
    ]:
        t.businesses[name] = business(
            t.id,
            name,
            kind=BusinessKind(kind),
            category_ids=tuple(c[k] for k in categories),
            location=GeoPoint(*at) if at else None,
            **extra,
        )
    b = {k: v.id for k, v in t.businesses.items()}
    week = 60 * 24 * 7
    t.offers = {
        "bakery": offer(t.id, b["Bäckerei Zimt"], valid_until=NOW + (later(week) - later(0))),
        "cafe": offer(t.id, b["Café Anna"], valid_until=later(60 * 24 * 2)),
        "opera": offer(t.id, b["Oper"], valid_until=later(60 * 24 * 2)),
        "expired": offer(t.id, b["Bäckerei Zimt"], valid_until=later(60)),
        "future": offer(t.id, b["Café Anna"], valid_from=later(60 * 48), valid_until=later(week)),
        "hidden": offer(t.id, b["Zoo-Laden"]),
    }
    t.index("apfel & Co", "Obst und Gemüse aus Leipzig")
    t.index("Ärztehaus am Markt", "Praxis in Leipzig")
    t.index("Bäckerei Zimt", "Sauerteig und Zimtschnecken aus Leipzig")
    t.index("Café Anna", "Kuchen und Kaffee in Leipzig")
    t.index("Oper", "Musiktheater in Leipzig")
    t.index("Zoo-Laden", "Tierfutter aus Leipzig")
    t.index("Sommerfest", "am Marktplatz in Leipzig", kind="event")
    return t


def tenant_b() -> Tenant:
    t = Tenant(uuid.uuid4())
    t.categories = {"food": category(t.id, "food")}
    t.businesses = {
        "Bäckerei Zimt": business(
            t.id, "Bäckerei Zimt", category_ids=(t.categories["food"].id,), location=BAKERY_AT
        )
    }
    t.offers = {"bakery": offer(t.id, t.businesses["Bäckerei Zimt"].id)}
    t.index("Bäckerei Zimt", "Sauerteig und Zimtschnecken aus Leipzig")
    return t


def tenant_c() -> Tenant:
    """A Pacific tenant, around the antimeridian."""
    t = Tenant(uuid.uuid4())
    for name, at in [
        ("Taveuni West", TAVEUNI_WEST),
        ("Taveuni Ost", TAVEUNI_EAST),
        ("Suva", GeoPoint(-18.14, 178.44)),
        ("Apia", GeoPoint(-13.83, -171.76)),
    ]:
        t.businesses[name] = business(t.id, name, location=at)
    return t


def tenant_d() -> Tenant:
    """A German and English tenant whose items have texts in both, or in German only."""
    t = Tenant(uuid.uuid4(), locales=("de", "en"))
    t.index(
        "Korn & Kruste",
        {"de": "Zwei Bäckereien im Zentrum", "en": "Two bakeries in the centre"},
    )
    t.index("Ölmühle Vogt", {"de": "Frisches Leinöl aus eigener Presse"})
    return t


def tenant_e() -> Tenant:
    """A French tenant."""
    t = Tenant(uuid.uuid4(), locales=("fr",))
    t.index("Ferme Dubois", "Trois chevaux et une fromagerie")
    return t


@pytest.fixture(scope="module")
async def seeded(contract_sessions: async_sessionmaker) -> AsyncIterator[SimpleNamespace]:
    a, b, c, d, e = tenant_a(), tenant_b(), tenant_c(), tenant_d(), tenant_e()
    everyone = (a, b, c, d, e)
    async with contract_sessions() as session, session.begin():
        await add_tenant_rows(session, *(t.id for t in everyone))
        for t in everyone:
            await t.write(session)
    yield SimpleNamespace(
        a=a,
        b=b,
        c=c,
        d=d,
        reads_a=SqlDirectoryReads(contract_sessions, a.id),
        reads_b=SqlDirectoryReads(contract_sessions, b.id),
        reads_c=SqlDirectoryReads(contract_sessions, c.id),
        search_a=a.reads(contract_sessions),
        search_b=b.reads(contract_sessions),
        search_d=d.reads(contract_sessions),
        search_e=e.reads(contract_sessions),
    )
    async with contract_sessions() as session, session.begin():
        for t in everyone:
            index = SqlSearchIndex(session, t.id, t.locales)
            for doc in t.documents:
                await index.remove(doc.kind, doc.item_id)
        await session.execute(delete(TenantRow).where(TenantRow.id.in_([t.id for t in everyone])))


def names(items: list[BusinessSummary]) -> list[str]:
    return [s.name for s in items]


# Lists --------------------------------------------------------------------------------


async def test_a_list_holds_the_visible_businesses_in_german_name_order(seeded):
    page = await seeded.reads_a.list_businesses(BusinessFilter(), limit=50, cursor=None)
    assert names(page.items) == IN_ORDER
    assert page.next_cursor is None
    everyone = await seeded.reads_a.list_businesses(
        BusinessFilter(include_hidden=True), limit=50, cursor=None
    )
    assert names(everyone.items) == [*IN_ORDER, "Zoo-Laden"]


async def test_a_summary_carries_what_a_list_shows(seeded):
    bakery = seeded.a.businesses["Bäckerei Zimt"]
    page = await seeded.reads_a.list_businesses(BusinessFilter(), limit=50, cursor=None)
    assert page.items[IN_ORDER.index("Bäckerei Zimt")] == BusinessSummary(
        id=bakery.id,
        name="Bäckerei Zimt",
        kind=BusinessKind.RETAIL,
        category_ids=bakery.profile.category_ids,
        location=BAKERY_AT,
        city="Leipzig",
        verified=True,
        hidden=False,
        opening_hours=bakery.profile.opening_hours,
        delivers=True,
        offers_pickup=True,
    )


@pytest.mark.parametrize("where", [BusinessFilter(), BusinessFilter(category_ids=("food",))])
async def test_pages_follow_each_other_without_gaps_or_repeats(seeded, where):
    where = _with_ids(seeded.a, where)
    whole = await seeded.reads_a.list_businesses(where, limit=50, cursor=None)
    seen, cursor = [], None
    for _ in range(10):
        page = await seeded.reads_a.list_businesses(where, limit=2, cursor=cursor)
        assert len(page.items) <= 2
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == whole.items


def _with_ids(t: Tenant, where: BusinessFilter) -> BusinessFilter:
    """Filters are written with category keys here; the read port takes ids (the core
    resolves keys first)."""
    return BusinessFilter(
        kinds=where.kinds,
        category_ids=tuple(t.categories[k].id for k in where.category_ids),
        verified_only=where.verified_only,
        include_hidden=where.include_hidden,
        delivers=where.delivers,
    )


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (BusinessFilter(kinds=(BusinessKind.RETAIL,)), ["apfel & Co", "Bäckerei Zimt"]),
        (
            BusinessFilter(kinds=(BusinessKind.HEALTH, BusinessKind.CULTURE)),
            ["Ärztehaus am Markt", "Oper"],
        ),
        (BusinessFilter(verified_only=True), ["Ärztehaus am Markt", "Bäckerei Zimt"]),
        (BusinessFilter(delivers=True), ["apfel & Co", "Bäckerei Zimt"]),
        (BusinessFilter(delivers=False), ["Ärztehaus am Markt", "Café Anna", "Ölmühle", "Oper"]),
        # A top-level category includes its children.
        (BusinessFilter(category_ids=("food",)), ["apfel & Co", "Bäckerei Zimt", "Café Anna"]),
        (BusinessFilter(category_ids=("food-bakery",)), ["Bäckerei Zimt"]),
        (
            BusinessFilter(category_ids=("culture", "food-bakery")),
            ["apfel & Co", "Bäckerei Zimt", "Oper"],
        ),
        (BusinessFilter(category_ids=("sport",)), []),
        (
            BusinessFilter(category_ids=("food",), include_hidden=True, delivers=False),
            ["Café Anna", "Zoo-Laden"],
        ),
    ],
)
async def test_a_list_keeps_what_its_filter_asks_for(seeded, where, expected):
    page = await seeded.reads_a.list_businesses(_with_ids(seeded.a, where), limit=50, cursor=None)
    assert names(page.items) == expected


# The map and "around me" --------------------------------------------------------------


async def test_pins_in_a_box_are_the_visible_businesses_inside_it(seeded):
    box = BoundingBox(12.372, 51.339, 12.376, 51.342)
    pins = await seeded.reads_a.businesses_in_box(box, BusinessFilter(), limit=50)
    assert sorted(names(pins)) == ["Bäckerei Zimt", "Ärztehaus am Markt"]
    everyone = await seeded.reads_a.businesses_in_box(
        box, BusinessFilter(include_hidden=True), limit=50
    )
    assert sorted(names(everyone)) == ["Bäckerei Zimt", "Zoo-Laden", "Ärztehaus am Markt"]


async def test_a_box_cut_at_its_limit_keeps_the_lowest_ids(seeded):
    box = BoundingBox(12.0, 51.0, 13.0, 52.0)
    every = await seeded.reads_a.businesses_in_box(box, BusinessFilter(), limit=50)
    assert [s.id for s in every] == sorted(s.id for s in every) and len(every) == 5
    for limit in (1, 3):
        cut = await seeded.reads_a.businesses_in_box(box, BusinessFilter(), limit=limit)
        assert cut == every[:limit]


async def test_a_box_across_the_antimeridian_holds_both_sides_and_nothing_between(seeded):
    across = BoundingBox(175, -20, -175, -10)
    pins = await seeded.reads_c.businesses_in_box(across, BusinessFilter(), limit=50)
    assert sorted(names(pins)) == ["Suva", "Taveuni Ost", "Taveuni West"]
    assert [s.id for s in pins] == sorted(s.id for s in pins)
    first = await seeded.reads_c.businesses_in_box(across, BusinessFilter(), limit=1)
    assert first == pins[:1]
    between = BoundingBox(-175, -20, 175, -10)
    assert names(await seeded.reads_c.businesses_in_box(between, BusinessFilter(), limit=50)) == [
        "Apia"
    ]


async def test_businesses_near_a_point_by_the_antimeridian_include_the_other_side(seeded):
    near = await seeded.reads_c.businesses_near(TAVEUNI_WEST, 25_000, BusinessFilter(), limit=50)
    assert names(near) == ["Taveuni West", "Taveuni Ost"]
    assert near[1].distance_m is not None and 10_000 < near[1].distance_m < 11_000
    from_east = await seeded.reads_c.businesses_near(
        TAVEUNI_EAST, 25_000, BusinessFilter(), limit=1
    )
    assert names(from_east) == ["Taveuni Ost"]


async def test_businesses_near_a_point_come_nearest_first_within_the_radius(seeded):
    near = await seeded.reads_a.businesses_near(BAKERY_AT, 500, BusinessFilter(), limit=50)
    assert names(near) == ["Bäckerei Zimt", "Ärztehaus am Markt", "apfel & Co"]
    distances = [s.distance_m for s in near]
    assert distances[0] == 0 and distances == sorted(distances)
    assert all(d is not None and d <= 500 for d in distances)
    fewer = await seeded.reads_a.businesses_near(BAKERY_AT, 500, BusinessFilter(), limit=2)
    assert names(fewer) == names(near)[:2]


# Categories ---------------------------------------------------------------------------


async def test_categories_of_businesses_come_by_position_for_every_id_asked(seeded):
    a = seeded.a
    ids = [a.businesses[n].id for n in ("apfel & Co", "Bäckerei Zimt", "Ölmühle")]
    found = await seeded.reads_a.categories_of(ids)
    assert found == {
        ids[0]: [a.categories["food"], a.categories["culture"]],
        ids[1]: [a.categories["food-bakery"]],
        ids[2]: [],
    }


async def test_categories_within_are_those_named_by_id_or_key_and_their_children(seeded):
    c, reads = seeded.a.categories, seeded.reads_a
    found = await reads.categories_within((c["culture"].id,), ("food", "nope"))
    assert sorted(found) == sorted(c[k].id for k in ("culture", "food", "food-bakery"))
    assert await reads.categories_within((c["food-bakery"].id,), ()) == [c["food-bakery"].id]
    assert await reads.categories_within((uuid.uuid4(),), ("nope",)) == []
    assert await seeded.reads_b.categories_within((c["food"].id,), ("culture",)) == []


async def test_category_ids_by_key_leave_unknown_keys_out(seeded):
    found = await seeded.reads_a.category_ids_by_key(("culture", "nope", "food"))
    assert sorted(found) == sorted(seeded.a.categories[k].id for k in ("culture", "food"))
    assert await seeded.reads_a.category_ids_by_key(("nope",)) == []


# Offers -------------------------------------------------------------------------------


async def test_current_offers_are_those_running_now_on_visible_businesses_ending_first(seeded):
    o = seeded.a.offers
    page = await seeded.reads_a.current_offers(NOW, business_ids=None, limit=50, cursor=None)
    ending_soon = sorted([o["cafe"], o["opera"]], key=lambda x: x.id)
    assert page.items == [*ending_soon, o["bakery"]]
    assert page.next_cursor is None


async def test_current_offers_page_through_and_keep_to_the_businesses_asked(seeded):
    reads, a = seeded.reads_a, seeded.a
    whole = await reads.current_offers(NOW, business_ids=None, limit=50, cursor=None)
    seen, cursor = [], None
    for _ in range(10):
        page = await reads.current_offers(NOW, business_ids=None, limit=1, cursor=cursor)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == whole.items
    bakery = a.businesses["Bäckerei Zimt"].id
    mine = await reads.current_offers(NOW, business_ids=[bakery], limit=50, cursor=None)
    assert mine.items == [a.offers["bakery"]]


# Search -------------------------------------------------------------------------------


async def _search(reads, text: str, *, kinds=("business",), categories=(), language="de"):  # type: ignore[no-untyped-def]
    return await reads.search(
        text, kinds=kinds, category_ids=categories, language=language, limit=20
    )


async def test_search_finds_a_visible_item_by_a_word_and_by_its_beginning(seeded):
    bakery = seeded.a.businesses["Bäckerei Zimt"].id
    for text in ("Sauerteig", "sauerteig", "Sauert", "Zimt"):
        hits = await _search(seeded.search_a, text)
        assert [h.item_id for h in hits] == [bakery], text
    assert "<mark>" in hits[0].snippet


async def test_search_leaves_out_hidden_items_and_other_kinds(seeded):
    assert await _search(seeded.search_a, "Tierfutter") == []
    assert await _search(seeded.search_a, "Sommerfest") == []
    events = await _search(seeded.search_a, "Sommerfest", kinds=("event",))
    assert [h.kind for h in events] == ["event"]


async def test_search_in_categories_finds_the_items_filed_under_any_of_them(seeded):
    a = seeded.a
    food = tuple(a.categories[k].id for k in ("food", "food-bakery"))  # as the taxonomy names it
    hits = await _search(seeded.search_a, "Leipzig", categories=food)
    assert {h.item_id for h in hits} == {
        a.businesses[n].id for n in ("apfel & Co", "Bäckerei Zimt", "Café Anna")
    }
    ranks = [h.rank for h in hits]
    assert ranks == sorted(ranks, reverse=True)


async def test_search_finds_a_title_despite_a_typo(seeded):
    hits = await _search(seeded.search_a, "Bäckrei")
    assert [h.item_id for h in hits] == [seeded.a.businesses["Bäckerei Zimt"].id]


async def test_search_stems_each_language_of_the_tenant_with_its_own_stemmer(seeded):
    bakery = seeded.d.documents[0].item_id
    # "Bäckereien" by the German stemmer (not as a prefix: more words follow), "bakeries" by
    # the English one ("bakery" and "bakeries" are both "bakeri"), whatever the request's
    # language.
    for text in ("Bäckerei", "Bäckerei Zentrum", "bakery", "bakery centre"):
        for language in ("de", "en"):
            hits = await _search(seeded.search_d, text, language=language)
            assert [h.item_id for h in hits] == [bakery], (text, language)


async def test_a_snippet_is_in_the_request_language_highlighted_by_its_stemmer(seeded):
    (english,) = await _search(seeded.search_d, "bakery", language="en")
    assert (english.language, english.snippet) == ("en", "Two <mark>bakeries</mark> in the centre")
    (german,) = await _search(seeded.search_d, "Bäckerei", language="de")
    assert (german.language, german.snippet) == ("de", "Zwei <mark>Bäckereien</mark> im Zentrum")
    (in_german,) = await _search(seeded.search_d, "bakery", language="de")
    assert (in_german.language, in_german.snippet) == ("de", "Zwei Bäckereien im Zentrum")


async def test_an_item_without_a_text_in_the_request_language_shows_the_first_one(seeded):
    (hit,) = await _search(seeded.search_d, "Leinöl", language="en")
    assert hit.item_id == seeded.d.documents[1].item_id
    assert (hit.language, hit.snippet) == ("de", "Frisches <mark>Leinöl</mark> aus eigener Presse")


async def test_a_french_tenant_stems_french(seeded):
    (hit,) = await _search(seeded.search_e, "cheval", language="fr")  # "chevaux": "cheval"
    assert (hit.language, hit.snippet) == ("fr", "Trois <mark>chevaux</mark> et une fromagerie")


# Open data ----------------------------------------------------------------------------


async def test_open_data_holds_the_visible_businesses_in_name_order_with_category_keys(seeded):
    rows = await seeded.reads_a.open_data_businesses()
    assert [r.name for r in rows] == IN_ORDER
    apple = rows[0]
    assert apple.category_keys == ("culture", "food")
    assert apple.location == GeoPoint(51.3400, 12.3700) and rows[4].location is None
    assert apple.delivers and not apple.verified and rows[2].verified


# Tenants ------------------------------------------------------------------------------


async def test_reads_of_one_tenant_see_nothing_of_another(seeded):
    a, b, reads = seeded.a, seeded.b, seeded.reads_b
    theirs = b.businesses["Bäckerei Zimt"].id
    listed = await reads.list_businesses(BusinessFilter(include_hidden=True), limit=50, cursor=None)
    assert [s.id for s in listed.items] == [theirs]
    near = await reads.businesses_near(
        BAKERY_AT, 5000, BusinessFilter(include_hidden=True), limit=50
    )
    assert [s.id for s in near] == [theirs]
    box = BoundingBox(12.0, 51.0, 13.0, 52.0)
    assert [s.id for s in await reads.businesses_in_box(box, BusinessFilter(), limit=50)] == [
        theirs
    ]
    mine = a.businesses["Bäckerei Zimt"].id
    assert await reads.categories_of([mine]) == {mine: []}
    assert await reads.category_ids_by_key(("food", "culture")) == [b.categories["food"].id]
    offers = await reads.current_offers(NOW, business_ids=None, limit=50, cursor=None)
    assert offers.items == [b.offers["bakery"]]
    assert [h.item_id for h in await _search(seeded.search_b, "Sauerteig")] == [theirs]
    assert await _search(seeded.search_b, "Leipzig", categories=(a.categories["food"].id,)) == []
    assert [r.id for r in await reads.open_data_businesses()] == [theirs]

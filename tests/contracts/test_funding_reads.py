"""The read port FundingReads, on SQL only (as test_directory_reads.py): no use case's unit
test needs an in-memory version of it, so there is no fake to hold to SQL. What the core
relies on is checked on both databases: which campaigns a list holds, its three orders,
paging without gaps or repeats, the filters, the map, and other tenants left out.

The reads open transactions of their own, so the rows are committed once for the module,
under fresh tenants, and deleted afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from uuid import UUID

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import async_sessionmaker

from adapters.db.funding import SqlCampaignRepository, SqlRewardTierRepository
from adapters.db.funding_reads import SqlFundingReads
from adapters.db.identity import AccountRow, SqlAccountRepository
from adapters.db.tenancy import TenantRow
from domain.cursors import integer_id_cursor
from domain.errors import InvalidInput
from domain.funding.model import Campaign, CampaignStatus, Money, RewardTier, Totals
from domain.funding.ports import CampaignFilter, CampaignSort
from domain.geo import BoundingBox, GeoPoint
from domain.languages import LocalizedText
from tests.contracts.conftest import add_tenant_rows
from tests.contracts.entities import account, de
from tests.contracts.funding_entities import DAY, campaign, eur, tier

S = CampaignStatus
PUBLIC = (S.LIVE, S.SUCCEEDED, S.FAILED, S.PAID_OUT)
DORFLADEN_AT = GeoPoint(51.34, 12.37)
KINO_AT = GeoPoint(51.35, 12.40)
TAVEUNI_WEST = GeoPoint(-16.8, 179.95)  # Fiji, on either side of the antimeridian
TAVEUNI_EAST = GeoPoint(-16.8, -179.95)


@dataclass
class Tenant:
    id: UUID
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    pledged: dict[str, tuple[int, int]] = field(default_factory=dict)
    tiers: list[RewardTier] = field(default_factory=list)

    def add(
        self, name: str, status: S, starts: int, ends: int, pledged: int = 0, **overrides
    ) -> None:  # type: ignore[no-untyped-def]
        start = campaign(self.id).terms.starts_at + starts * DAY
        overrides.setdefault("title", de(name))
        self.campaigns[name] = campaign(
            self.id, status=status, starts_at=start, ends_at=start + (ends - starts) * DAY,
            **overrides,
        )  # fmt: skip
        if pledged:
            self.pledged[name] = (pledged, pledged // 5_000)

    def read(self, name: str) -> Campaign:
        """The campaign as the reads give it: with its totals."""
        made = self.campaigns[name]
        pledged, backers = self.pledged.get(name, (0, 0))
        return replace(made, totals=Totals(eur(pledged), backers))

    async def write(self, session) -> None:  # type: ignore[no-untyped-def]
        campaigns = SqlCampaignRepository(session, self.id)
        for name, made in self.campaigns.items():
            await campaigns.add(made)
            if name in self.pledged:
                await campaigns.add_to_totals(made.id, *self.pledged[name])
        tiers = SqlRewardTierRepository(session, self.id)
        for each in self.tiers:
            await tiers.add(each)


def tenant_a(owner: UUID, shop: UUID, food: UUID, culture: UUID, sport: UUID) -> Tenant:
    t = Tenant(uuid.uuid4())
    t.add(
        "Dorfladen",
        S.LIVE,
        0,
        30,
        120_000,
        title=LocalizedText.of({"de": "Ein Dorfladen für Gohlis", "en": "A village shop"}),
        description=de("Das Geheimwort steht nur hier"),
        category_id=food,
        location=DORFLADEN_AT,
        business_id=shop,
    )
    t.add(
        "Kino",
        S.LIVE,
        2,
        20,
        300_000,
        title=de("Das Kino bleibt"),
        summary=de("Rettet 100% unser_Kino"),
        category_id=culture,
        location=KINO_AT,
        owner_id=owner,
    )
    # the same start, end and amount as the cinema: only the id orders them
    t.add("Bolzplatz", S.LIVE, 2, 20, 300_000, category_id=sport)
    t.add("Chor", S.SUCCEEDED, -40, -10, 80_000, category_id=culture)
    t.add("Brunnen", S.FAILED, -50, -20, 5_000)
    t.add("Bibliothek", S.PAID_OUT, -60, -30, 900_000, location=GeoPoint(51.345, 12.38))
    t.add("Entwurf", S.DRAFT, 10, 40, owner_id=owner, business_id=shop, location=KINO_AT)
    t.add("Prüfung", S.IN_REVIEW, 10, 40, owner_id=owner)
    t.add("Abgesagt", S.CANCELLED, 0, 30, location=DORFLADEN_AT)
    dorfladen, kino = t.campaigns["Dorfladen"].id, t.campaigns["Kino"].id
    t.tiers = [
        tier(dorfladen, minimum=eur(5_000)),
        *(tier(dorfladen, minimum=eur(2_500)) for _ in range(2)),
        tier(kino, minimum=eur(1_000), quantity=10),
    ]
    return t


def tenant_b() -> Tenant:
    t = Tenant(uuid.uuid4())
    t.add("Dorfladen", S.LIVE, 0, 30, 50_000, location=DORFLADEN_AT)
    t.tiers = [tier(t.campaigns["Dorfladen"].id)]
    return t


def tenant_c() -> Tenant:
    """A Pacific tenant, around the antimeridian."""
    t = Tenant(uuid.uuid4())
    t.add("Taveuni West", S.LIVE, 0, 30, location=TAVEUNI_WEST)
    t.add("Taveuni Ost", S.LIVE, 0, 30, location=TAVEUNI_EAST)
    t.add("Suva", S.LIVE, 0, 30, location=GeoPoint(-18.14, 178.44))
    t.add("Vorbei", S.FAILED, -40, -10, location=TAVEUNI_WEST)
    return t


@pytest.fixture(scope="module")
async def seeded(contract_sessions: async_sessionmaker) -> AsyncIterator[SimpleNamespace]:
    owner = account("Olga")
    ids = SimpleNamespace(shop=uuid.uuid4(), food=uuid.uuid4(), culture=uuid.uuid4())
    ids.sport = uuid.uuid4()
    a = tenant_a(owner.id, ids.shop, ids.food, ids.culture, ids.sport)
    b, c = tenant_b(), tenant_c()
    everyone = (a, b, c)
    async with contract_sessions() as session, session.begin():
        await SqlAccountRepository(session).add(owner)
        await add_tenant_rows(session, *(t.id for t in everyone))
        for t in everyone:
            await t.write(session)
    yield SimpleNamespace(
        a=a,
        b=b,
        c=c,
        owner=owner.id,
        ids=ids,
        reads_a=SqlFundingReads(contract_sessions, a.id),
        reads_b=SqlFundingReads(contract_sessions, b.id),
        reads_c=SqlFundingReads(contract_sessions, c.id),
    )
    async with contract_sessions() as session, session.begin():
        await session.execute(delete(TenantRow).where(TenantRow.id.in_([t.id for t in everyone])))
        await session.execute(delete(AccountRow).where(AccountRow.id == owner.id))


def names(t: Tenant, items: list[Campaign]) -> list[str]:
    by_id = {made.id: name for name, made in t.campaigns.items()}
    return [by_id[c.id] for c in items]


def in_order(t: Tenant, sort: CampaignSort, statuses=PUBLIC) -> list[str]:  # type: ignore[no-untyped-def]
    chosen = [(n, t.read(n)) for n, c in t.campaigns.items() if c.status in statuses]
    if sort is CampaignSort.NEWEST:
        chosen.sort(key=lambda m: (m[1].terms.starts_at, m[1].id), reverse=True)
    elif sort is CampaignSort.ENDING_SOON:
        chosen.sort(key=lambda m: (m[1].terms.ends_at, m[1].id))
    else:
        chosen.sort(key=lambda m: (m[1].current_totals.pledged.amount, m[1].id), reverse=True)
    return [n for n, _ in chosen]


async def every_page(reads, where, sort, *, limit):  # type: ignore[no-untyped-def]
    seen, cursor = [], None
    for _ in range(20):
        page = await reads.list_campaigns(where, sort, limit=limit, cursor=cursor)
        assert len(page.items) <= limit
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


# Lists --------------------------------------------------------------------------------


async def test_a_list_holds_the_public_campaigns_newest_first_with_their_totals(seeded):
    a = seeded.a
    page = await seeded.reads_a.list_campaigns(
        CampaignFilter(), CampaignSort.NEWEST, limit=50, cursor=None
    )
    assert names(a, page.items) == in_order(a, CampaignSort.NEWEST)
    assert names(a, page.items)[2:] == ["Dorfladen", "Chor", "Brunnen", "Bibliothek"]
    assert page.items[2] == a.read("Dorfladen")
    assert page.items[2].totals == Totals(Money(120_000, "EUR"), 24)
    assert page.next_cursor is None


@pytest.mark.parametrize(
    ("sort", "expected_ends"),
    [
        (CampaignSort.ENDING_SOON, ["Bibliothek", "Brunnen", "Chor"]),
        (CampaignSort.MOST_FUNDED, ["Bibliothek"]),
    ],
)
async def test_a_list_sorts_by_end_or_by_amount_then_id(seeded, sort, expected_ends):
    a = seeded.a
    page = await seeded.reads_a.list_campaigns(CampaignFilter(), sort, limit=50, cursor=None)
    assert names(a, page.items) == in_order(a, sort)
    assert names(a, page.items)[: len(expected_ends)] == expected_ends


@pytest.mark.parametrize("sort", list(CampaignSort))
@pytest.mark.parametrize("limit", [1, 2, 4])
async def test_pages_follow_each_other_without_gaps_or_repeats(seeded, sort, limit):
    a = seeded.a
    seen = await every_page(seeded.reads_a, CampaignFilter(), sort, limit=limit)
    assert names(a, seen) == in_order(a, sort)


@pytest.mark.parametrize("sort", list(CampaignSort))
async def test_every_cursor_of_the_documented_shape_is_a_position(seeded, sort):
    far = [integer_id_cursor(n, uuid.UUID(int=0)) for n in (10**18 - 1, -(10**18) + 1, 0)]
    for cursor in far:
        page = await seeded.reads_a.list_campaigns(CampaignFilter(), sort, limit=50, cursor=cursor)
        assert set(names(seeded.a, page.items)) <= set(in_order(seeded.a, sort))


async def test_a_cursor_of_another_shape_is_invalid_input(seeded):
    with pytest.raises(InvalidInput):
        await seeded.reads_a.list_campaigns(
            CampaignFilter(), CampaignSort.NEWEST, limit=5, cursor="abc"
        )


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ((S.DRAFT,), {"Entwurf"}),
        ((S.CANCELLED, S.IN_REVIEW), {"Abgesagt", "Prüfung"}),
        ((S.SUCCEEDED,), {"Chor"}),
    ],
)
async def test_a_list_holds_the_statuses_asked_for(seeded, statuses, expected):
    page = await seeded.reads_a.list_campaigns(
        CampaignFilter(statuses=statuses), CampaignSort.NEWEST, limit=50, cursor=None
    )
    assert set(names(seeded.a, page.items)) == expected


async def test_a_list_filters_by_categories(seeded):
    ids = seeded.ids
    for categories, expected in [
        ((ids.culture,), {"Kino", "Chor"}),
        ((ids.culture, ids.sport), {"Kino", "Chor", "Bolzplatz"}),
        ((uuid.uuid4(),), set()),
    ]:
        page = await seeded.reads_a.list_campaigns(
            CampaignFilter(category_ids=categories), CampaignSort.NEWEST, limit=50, cursor=None
        )
        assert set(names(seeded.a, page.items)) == expected, categories


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KINO", {"Kino"}),  # in a title, any case
        ("village", {"Dorfladen"}),  # in another language
        ("gohlis", {"Dorfladen"}),
        ("rettet 100", {"Kino"}),  # in a summary
        ("%", {"Kino"}),  # itself, not a wildcard
        ("_", {"Kino"}),
        ("0% u", {"Kino"}),
        ("geheimwort", set()),  # descriptions are not looked in
        ("bleibt rettet", set()),  # never across two texts
        ("  ", {"Kino", "Bolzplatz", "Dorfladen", "Chor", "Brunnen", "Bibliothek"}),  # no text
    ],
)
async def test_a_list_filters_by_text_in_titles_and_summaries(seeded, text, expected):
    page = await seeded.reads_a.list_campaigns(
        CampaignFilter(text=text), CampaignSort.NEWEST, limit=50, cursor=None
    )
    assert set(names(seeded.a, page.items)) == expected


async def test_an_owners_own_list_holds_their_campaigns_in_any_status(seeded):
    mine = CampaignFilter(owner_id=seeded.owner)
    page = await seeded.reads_a.list_campaigns(mine, CampaignSort.NEWEST, limit=50, cursor=None)
    everything = in_order(seeded.a, CampaignSort.NEWEST, statuses=tuple(S))
    theirs = {"Entwurf", "Prüfung", "Kino"}
    assert names(seeded.a, page.items) == [n for n in everything if n in theirs]
    drafts = replace(mine, statuses=(S.DRAFT,))
    page = await seeded.reads_a.list_campaigns(drafts, CampaignSort.NEWEST, limit=50, cursor=None)
    assert names(seeded.a, page.items) == ["Entwurf"]


async def test_a_list_filters_by_business(seeded):
    page = await seeded.reads_a.list_campaigns(
        CampaignFilter(business_id=seeded.ids.shop), CampaignSort.NEWEST, limit=50, cursor=None
    )
    assert names(seeded.a, page.items) == ["Dorfladen"]  # the draft is not public


async def test_another_tenants_campaigns_are_never_listed(seeded):
    page = await seeded.reads_b.list_campaigns(
        CampaignFilter(), CampaignSort.NEWEST, limit=50, cursor=None
    )
    assert names(seeded.b, page.items) == ["Dorfladen"]
    a_ids = [c.id for c in seeded.a.campaigns.values()]
    assert await seeded.reads_b.campaigns_by_ids(a_ids) == {}


# By ids -------------------------------------------------------------------------------


async def test_campaigns_by_ids_come_with_their_totals_and_unknown_ids_left_out(seeded):
    a = seeded.a
    wanted = [a.campaigns["Kino"].id, a.campaigns["Entwurf"].id, uuid.uuid4()]
    found = await seeded.reads_a.campaigns_by_ids(wanted)
    assert found == {a.campaigns[n].id: a.read(n) for n in ("Kino", "Entwurf")}
    assert await seeded.reads_a.campaigns_by_ids([]) == {}


async def test_tiers_of_campaigns_come_by_minimum_then_id_for_every_id_asked(seeded):
    a, b = seeded.a, seeded.b
    dorfladen, kino, chor = (a.campaigns[n].id for n in ("Dorfladen", "Kino", "Chor"))
    elsewhere = b.campaigns["Dorfladen"].id
    found = await seeded.reads_a.tiers_of([dorfladen, kino, chor, elsewhere])
    expected = sorted(
        (t for t in a.tiers if t.campaign_id == dorfladen), key=lambda t: (t.minimum.amount, t.id)
    )
    assert found == {
        dorfladen: expected,
        kino: [t for t in a.tiers if t.campaign_id == kino],
        chor: [],
        elsewhere: [],
    }
    assert await seeded.reads_a.tiers_of([]) == {}


# The map ------------------------------------------------------------------------------


async def test_the_map_shows_live_campaigns_in_the_box_lowest_ids_first(seeded):
    a = seeded.a
    box = BoundingBox(12.3, 51.3, 12.45, 51.4)
    found = await seeded.reads_a.live_in_box(box, limit=10)
    live = sorted((a.read(n) for n in ("Dorfladen", "Kino")), key=lambda c: c.id)
    assert found == live
    assert await seeded.reads_a.live_in_box(box, limit=1) == live[:1]


async def test_a_campaign_on_the_edge_of_the_box_is_inside(seeded):
    edge = BoundingBox(DORFLADEN_AT.lon, DORFLADEN_AT.lat, 12.39, 51.345)
    found = await seeded.reads_a.live_in_box(edge, limit=10)
    assert names(seeded.a, found) == ["Dorfladen"]


async def test_a_box_across_the_antimeridian_holds_both_sides(seeded):
    c = seeded.c
    found = await seeded.reads_c.live_in_box(BoundingBox(179, -17.5, -179, -16), limit=10)
    assert set(names(c, found)) == {"Taveuni West", "Taveuni Ost"}
    assert [x.id for x in found] == sorted(x.id for x in found)


async def test_live_campaigns_near_a_point_come_nearest_first_with_their_distance(seeded):
    c = seeded.c
    centre = GeoPoint(-16.8, 179.99)
    found = await seeded.reads_c.live_near(centre, 20_000, limit=10)
    assert [names(c, [n.campaign])[0] for n in found] == ["Taveuni West", "Taveuni Ost"]
    assert [n.distance_m for n in found] == [
        round(centre.distance_to(p), 1) for p in (TAVEUNI_WEST, TAVEUNI_EAST)
    ]
    assert found[0].campaign == c.read("Taveuni West")
    near_suva = await seeded.reads_c.live_near(GeoPoint(-18.14, 178.44), 1_000, limit=10)
    assert [names(c, [n.campaign])[0] for n in near_suva] == ["Suva"]
    assert await seeded.reads_c.live_near(centre, 20_000, limit=1) == found[:1]


async def test_the_map_leaves_out_other_tenants_and_campaigns_not_live(seeded):
    box = BoundingBox(12.3, 51.3, 12.45, 51.4)
    assert names(seeded.b, await seeded.reads_b.live_in_box(box, limit=10)) == ["Dorfladen"]
    near = await seeded.reads_a.live_near(DORFLADEN_AT, 100, limit=10)
    assert [names(seeded.a, [n.campaign])[0] for n in near] == ["Dorfladen"]


async def test_the_map_shows_only_campaigns_of_the_categories_asked_for(seeded):
    a, ids = seeded.a, seeded.ids
    box = BoundingBox(12.3, 51.3, 12.45, 51.4)
    in_culture = await seeded.reads_a.live_in_box(box, category_ids=(ids.culture,), limit=10)
    assert names(a, in_culture) == ["Kino"]
    either = await seeded.reads_a.live_in_box(box, category_ids=(ids.culture, ids.food), limit=10)
    assert set(names(a, either)) == {"Kino", "Dorfladen"}
    near = await seeded.reads_a.live_near(
        DORFLADEN_AT, 5_000, category_ids=(ids.culture,), limit=10
    )
    assert [names(a, [n.campaign])[0] for n in near] == ["Kino"]
    assert (
        await seeded.reads_a.live_near(DORFLADEN_AT, 5_000, category_ids=(uuid.uuid4(),), limit=5)
        == []
    )

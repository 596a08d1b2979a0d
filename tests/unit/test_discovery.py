"""Discovery with in-memory sources (no I/O): the registry of kinds, which pins a full map
keeps, boxes across the antimeridian, and search's checks before it asks the index."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from domain.discovery import map as discovery_map
from domain.discovery import search as discovery_search
from domain.discovery.kinds import DiscoveryKinds
from domain.discovery.model import Pin, PinFilter, SearchHit, box_order
from domain.errors import InvalidInput
from domain.geo import BoundingBox, GeoPoint
from domain.identity.model import Anonymous
from domain.tenancy.model import Tenant
from tests.factories import tenant_config

VIEWER = Anonymous(uuid.UUID(int=1))
LEIPZIG = BoundingBox(12.2, 51.25, 12.55, 51.45)
AT = datetime(2026, 1, 1, tzinfo=UTC)


class FakeSource:
    """A source of one kind: its pins in memory, answered as the port promises."""

    def __init__(self, kind: str, *places: tuple[int, GeoPoint]) -> None:
        self.pins = [Pin(kind, uuid.UUID(int=n), f"{kind} {n}", at) for n, at in places]
        self.boxes: list[BoundingBox] = []

    async def pins_in_box(self, box, where, viewer, *, limit):  # type: ignore[no-untyped-def]
        assert not box.crosses_antimeridian
        self.boxes.append(box)
        return sorted((p for p in self.pins if box.contains(p.location)), key=box_order)[:limit]

    async def pins_near(self, centre, radius_m, where, viewer, *, limit):  # type: ignore[no-untyped-def]
        measured = [
            p._replace(distance_m=round(centre.distance_to(p.location), 1)) for p in self.pins
        ]
        inside = [p for p in measured if p.distance_m <= radius_m]
        return sorted(inside, key=lambda p: (p.distance_m, p.item_id))[:limit]


def in_leipzig(n: int) -> GeoPoint:
    return GeoPoint(51.3 + n / 1000, 12.3 + n / 1000)


def ids(pins: list[Pin]) -> list[int]:
    return [p.item_id.int for p in pins]


# The registry of kinds ------------------------------------------------------------------


def test_a_kind_registers_once_with_a_name_fit_for_the_index():
    kinds = DiscoveryKinds()
    kinds.register("business", lambda tenant: None)
    kinds.register("event", lambda tenant: None)
    assert kinds.kinds == ("business", "event")
    for bad in ("business", "Event", "a-b", "x" * 17, ""):
        with pytest.raises(ValueError):
            kinds.register(bad, lambda tenant: None)


def test_the_sources_of_a_tenant_are_those_of_its_capabilities_and_of_the_kinds_asked():
    shops, events = FakeSource("business"), FakeSource("event")
    kinds = DiscoveryKinds()
    kinds.register("business", lambda tenant: shops if tenant.config.slug == "home" else None)
    kinds.register("event", lambda tenant: events)
    home, away = (Tenant(uuid.uuid4(), tenant_config(slug), AT, AT) for slug in ("home", "away"))
    assert kinds.sources_for(home) == [shops, events]
    assert kinds.sources_for(away) == [events]
    assert kinds.sources_for(home, ("business",)) == [shops]


# Which pins a full map keeps ------------------------------------------------------------


async def test_a_full_box_keeps_the_pins_of_the_lowest_ids_whatever_source_has_them():
    shops = FakeSource("business", *((n, in_leipzig(n)) for n in (9, 2, 7, 4)))
    events = FakeSource("event", *((n, in_leipzig(n)) for n in (8, 1, 5)))
    for sources in ([shops, events], [events, shops]):
        found = await discovery_map.pins_in_box(
            LEIPZIG, PinFilter(), VIEWER, sources=sources, limit=4
        )
        assert ids(found.items) == [1, 2, 4, 5] and found.truncated
    every = await discovery_map.pins_in_box(
        LEIPZIG, PinFilter(), VIEWER, sources=[shops, events], limit=7
    )
    assert ids(every.items) == [1, 2, 4, 5, 7, 8, 9] and not every.truncated


async def test_a_box_across_the_antimeridian_is_asked_of_each_side():
    fiji = FakeSource(
        "business",
        (3, GeoPoint(-16.8, 179.95)),
        (1, GeoPoint(-16.8, -179.95)),
        (2, GeoPoint(-13.8, -171.8)),  # Samoa: between the box's edges the short way round
    )
    across = BoundingBox.parse("175,-20,-175,-10")
    found = await discovery_map.pins_in_box(across, PinFilter(), VIEWER, sources=[fiji], limit=10)
    assert ids(found.items) == [1, 3] and not found.truncated
    assert fiji.boxes == [
        BoundingBox(175, -20, 180, -10),
        BoundingBox(-180, -20, -175, -10),
    ]
    cut = await discovery_map.pins_in_box(across, PinFilter(), VIEWER, sources=[fiji], limit=1)
    assert ids(cut.items) == [1] and cut.truncated


async def test_around_a_point_the_nearest_stay_and_truncated_says_more_matched():
    centre = in_leipzig(0)
    shops = FakeSource("business", (5, in_leipzig(3)), (9, in_leipzig(1)))
    events = FakeSource("event", (2, in_leipzig(2)), (7, in_leipzig(40)))
    found = await discovery_map.pins_near(
        centre, 1000, PinFilter(), VIEWER, sources=[shops, events], limit=2
    )
    assert ids(found.items) == [9, 2] and found.truncated
    distances = [p.distance_m for p in found.items]
    assert distances == sorted(distances)
    everything = await discovery_map.pins_near(
        centre, 1000, PinFilter(), VIEWER, sources=[shops, events], limit=3
    )
    assert ids(everything.items) == [9, 2, 5] and not everything.truncated  # 7 is 5 km away


async def test_pins_at_one_distance_come_by_id():
    same = FakeSource("business", (8, in_leipzig(1)), (3, in_leipzig(1)), (6, in_leipzig(1)))
    found = await discovery_map.pins_near(
        in_leipzig(0), 500, PinFilter(), VIEWER, sources=[same], limit=2
    )
    assert ids(found.items) == [3, 6] and found.truncated


async def test_the_map_bounds_its_limit_and_radius():
    with pytest.raises(InvalidInput):
        await discovery_map.pins_in_box(LEIPZIG, PinFilter(), VIEWER, sources=[], limit=0)
    with pytest.raises(InvalidInput):
        await discovery_map.pins_in_box(LEIPZIG, PinFilter(), VIEWER, sources=[], limit=5001)
    with pytest.raises(InvalidInput):
        await discovery_map.pins_near(
            in_leipzig(0), 30_000, PinFilter(), VIEWER, sources=[], limit=10
        )
    with pytest.raises(InvalidInput):
        await discovery_map.pins_near(
            in_leipzig(0), 500, PinFilter(), VIEWER, sources=[], limit=201
        )


# Search --------------------------------------------------------------------------------


class RecordingIndex:
    def __init__(self) -> None:
        self.asked: list[tuple] = []

    async def search(self, text, *, kinds, category_ids, language, limit):  # type: ignore[no-untyped-def]
        self.asked.append((kinds, category_ids, limit))
        self.language = language
        return [SearchHit(kinds[0], uuid.UUID(int=1), text, text, 1.0, language)]


class FixedTaxonomy:
    async def ids_within(self, refs):  # type: ignore[no-untyped-def]
        known = {"food": (uuid.UUID(int=71), uuid.UUID(int=72))}
        return tuple(i for ref in refs for i in known.get(ref, ()))


async def find(text: str, index: RecordingIndex, **asked):  # type: ignore[no-untyped-def]
    values = {"kinds": (), "categories": (), "language": "de", "limit": 5} | asked
    return await discovery_search.search(
        text,
        known_kinds=("business", "event"),
        index=index,
        taxonomy=FixedTaxonomy(),
        **values,
    )


async def test_search_takes_the_registered_kinds_and_all_of_them_by_default():
    index = RecordingIndex()
    await find("Brot", index)
    assert index.asked[-1] == (("business", "event"), (), 5)
    await find("Fest", index, kinds=("event",))
    assert index.asked[-1][0] == ("event",)
    hits = await find("Fest", index, language="en")
    assert index.language == "en" and hits[0].language == "en"  # the request's, for snippets
    with pytest.raises(InvalidInput) as refused:
        await find("Brot", index, kinds=("spaceship",))
    assert "business, event" in str(refused.value.problems[0])


async def test_search_asks_the_index_nothing_it_cannot_find():
    index = RecordingIndex()
    assert await find("?!", index) == []
    assert await find("Brot", index, categories=("nowhere",)) == []
    assert index.asked == []
    await find("Brot", index, categories=("food", "nowhere"))
    assert index.asked[-1][1] == (uuid.UUID(int=71), uuid.UUID(int=72))
    with pytest.raises(InvalidInput):
        await find("x" * 201, index)
    with pytest.raises(InvalidInput):
        await find("Brot", index, limit=51)


# Geometry ------------------------------------------------------------------------------


def test_a_box_keeps_its_longitudes_in_order_and_takes_latitudes_either_way():
    assert BoundingBox.parse("12.2,51.45,12.55,51.25") == LEIPZIG
    across = BoundingBox.parse("170,-10,-170,10")
    assert across.crosses_antimeridian and across == BoundingBox(170, -10, -170, 10)
    assert across.contains(GeoPoint(0, 179.5)) and across.contains(GeoPoint(0, -175))
    assert not across.contains(GeoPoint(0, 0)) and not across.contains(GeoPoint(11, 175))
    assert not LEIPZIG.crosses_antimeridian and LEIPZIG.parts() == (LEIPZIG,)


def test_a_box_around_a_circle_crosses_the_antimeridian_where_the_circle_does():
    box = BoundingBox.around(GeoPoint(-16.8, 179.95), 25_000)
    assert box.crosses_antimeridian and -180 < box.east < -179.7 and 179.7 < box.west < 180
    assert box.contains(GeoPoint(-16.8, -179.95))
    inland = BoundingBox.around(GeoPoint(51.34, 12.37), 1000)
    assert not inland.crosses_antimeridian
    assert inland.contains(GeoPoint(51.34 + 0.0089, 12.37))  # 990 m north
    polar = BoundingBox.around(GeoPoint(89.9, 30), 25_000)
    assert (polar.west, polar.east, polar.north) == (-180, 180, 90)

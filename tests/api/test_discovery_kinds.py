"""The extension point of discovery: a capability that registers its kind and its source
appears in /v1/search and /v1/map beside businesses, with no edit to discovery's code. The
capability here is a stand-in for events: its pins in memory, its search documents written
in a transaction of its own, as a real one would write them with its items."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from fastapi import FastAPI

from adapters.db.search import SqlSearchIndex
from adapters.db.unit_of_work import begin_for_tenant
from api.app import create_app
from domain.discovery.model import Pin, SearchDocument, box_order
from domain.geo import GeoPoint
from domain.languages import LocalizedText
from domain.tenancy.model import Feature
from tests.conftest import as_user, seed_tenants, sign_up_and_log_in
from tests.factories import tenant_config

MARKET_SQUARE = GeoPoint(51.3404, 12.3747)


@dataclass(frozen=True)
class EventPinDetails:
    starts_at: str


class EventPins:
    """A DiscoverySource of a kind discovery has never heard of."""

    def __init__(self) -> None:
        self.pins: list[Pin] = []

    async def pins_in_box(self, box, where, viewer, *, limit):  # type: ignore[no-untyped-def]
        inside = [p for p in self.pins if box.contains(p.location)]
        return sorted(inside, key=box_order)[:limit]

    async def pins_near(self, centre, radius_m, where, viewer, *, limit):  # type: ignore[no-untyped-def]
        measured = [
            p._replace(distance_m=round(centre.distance_to(p.location), 1)) for p in self.pins
        ]
        inside = [p for p in measured if p.distance_m <= radius_m]
        return sorted(inside, key=lambda p: (p.distance_m, p.item_id))[:limit]


EVENTS = EventPins()


@pytest.fixture
async def app(services) -> FastAPI:  # type: ignore[no-untyped-def]
    """As the composition root would, when events land: register before the app is made."""
    services.discovery_kinds.register("event", lambda tenant: EVENTS)
    return create_app(services.settings, services)


@pytest.fixture
async def town(services, client):  # type: ignore[no-untyped-def]
    await seed_tenants(services, tenant_config("home", features=frozenset({Feature.BUSINESSES})))
    tenant = await services.tenant_directory.by_slug("home")
    owner = as_user(await sign_up_and_log_in(client, "home", "owner@example.org"), "home")
    made = await client.post(
        "/v1/businesses",
        headers=owner,
        json={
            "name": "Marktcafé",
            "kind": "gastronomy",
            "description": "Kaffee am Markt",
            "location": {"lat": 51.3405, "lon": 12.3745},
        },
    )
    assert made.status_code == 201, made.text
    fest = uuid.uuid4()
    EVENTS.pins = [
        Pin("event", fest, "Marktfest", MARKET_SQUARE, details=EventPinDetails("2026-06-20"))
    ]
    async with services.sessions() as session:
        await begin_for_tenant(session, tenant.id)
        index = SqlSearchIndex(session, tenant.id, tenant.config.locales)
        texts = LocalizedText.single("de", "Musik am Markt")
        await index.put(SearchDocument("event", fest, "Marktfest", texts))
        await session.commit()
    return made.json()["id"], fest


async def test_a_registered_kind_is_searched_beside_businesses(town, client):
    business, fest = town
    home = {"X-Tenant": "home"}
    found = (await client.get("/v1/search", params={"q": "Markt"}, headers=home)).json()
    assert {(h["type"], h["id"]) for h in found["items"]} == {
        ("business", business),
        ("event", str(fest)),
    }
    only = await client.get("/v1/search", params={"q": "Markt", "type": "event"}, headers=home)
    assert [h["id"] for h in only.json()["items"]] == [str(fest)]
    graphql = await client.post(
        "/graphql", json={"query": '{ search(q: "Musik", type: ["event"]) { id } }'}, headers=home
    )
    assert graphql.json()["data"]["search"] == [{"id": str(fest)}]
    documented = (await client.get("/openapi.json")).json()
    kinds = next(
        p for p in documented["paths"]["/v1/search"]["get"]["parameters"] if p["name"] == "type"
    )
    assert kinds["schema"]["anyOf"][0]["items"]["enum"] == ["business", "campaign", "event"]


async def test_a_registered_kind_is_on_the_map_beside_businesses(town, client):
    business, fest = town
    home = {"X-Tenant": "home"}
    box = (await client.get("/v1/map", params={"bbox": "12.3,51.3,12.4,51.4"}, headers=home)).json()
    assert sorted(f["id"] for f in box["features"]) == sorted(
        [f"business:{business}", f"event:{fest}"]
    )
    event = next(f for f in box["features"] if f["properties"]["type"] == "event")
    assert event["properties"] == {
        "type": "event",
        "name": "Marktfest",
        "category_ids": [],
        "starts_at": "2026-06-20",
    }
    one = await client.get(
        "/v1/map", params={"bbox": "12.3,51.3,12.4,51.4", "limit": 1}, headers=home
    )
    lowest = min((uuid.UUID(business), "business"), (fest, "event"))
    assert [f["id"] for f in one.json()["features"]] == [f"{lowest[1]}:{lowest[0]}"]
    assert one.json()["truncated"] is True
    near = await client.get(
        "/v1/map/near", params={"point": "12.3747,51.3404", "limit": 1}, headers=home
    )
    assert [f["id"] for f in near.json()["features"]] == [f"event:{fest}"]  # right there
    assert near.json()["truncated"] is True

"""The map (GeoJSON in a box, "around me") and full-text search, including the box's edge
cases, German stemming, search-as-you-type and typos, and search in each of a tenant's
languages with snippets in the request's."""

from __future__ import annotations

import uuid

import pytest

from adapters.db.search import SqlSearchIndex
from adapters.db.unit_of_work import begin_for_tenant
from domain.discovery.model import SearchDocument
from domain.languages import LocalizedText
from domain.tenancy.model import Feature
from tests.conftest import as_user, seed_tenants, sign_up_and_log_in
from tests.factories import tenant_config

LEIPZIG = "12.2,51.25,12.55,51.45"
PLACES = [
    ("Bäckerei Sonnenschein", "gastronomy", 51.3400, 12.3750, "Frische Brötchen aus dem Holzofen"),
    ("Buchhandlung Seitenweise", "retail", 51.3390, 12.3800, "Bücher, Karten und Kinderbücher"),
    ("Café am Markt", "gastronomy", 51.3405, 12.3745, "Kaffee und Kuchen am Marktplatz"),
    ("Fahrradwerkstatt Kette", "services", 51.3100, 12.4000, "Reparaturen für Fahrräder"),
    ("Grenzladen", "retail", 51.25, 12.2, "Genau auf der Ecke der Karte"),
]


@pytest.fixture
async def city(services, client):  # type: ignore[no-untyped-def]
    await seed_tenants(
        services,
        tenant_config("home", features=frozenset({Feature.BUSINESSES})),
        tenant_config("away", features=frozenset({Feature.BUSINESSES})),
    )
    owner = as_user(await sign_up_and_log_in(client, "home", "owner@example.org"), "home")
    ids = {}
    for name, kind, lat, lon, text in PLACES:
        made = await client.post(
            "/v1/businesses",
            headers=owner,
            json={
                "name": name,
                "kind": kind,
                "description": text,
                "location": {"lat": lat, "lon": lon},
            },
        )
        assert made.status_code == 201, made.text
        ids[name] = made.json()["id"]
    return owner, ids


async def pins(client, path="/v1/map", **params):  # type: ignore[no-untyped-def]
    response = await client.get(path, params=params, headers={"X-Tenant": "home"})
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_map_answers_geojson_with_pin_properties_only(city, client):
    body = await pins(client, bbox=LEIPZIG)
    assert body["type"] == "FeatureCollection" and body["bbox"] == [12.2, 51.25, 12.55, 51.45]
    feature = next(f for f in body["features"] if f["properties"]["name"] == "Café am Markt")
    assert feature["type"] == "Feature" and feature["geometry"] == {
        "type": "Point",
        "coordinates": [12.3745, 51.3405],
    }
    assert set(feature["properties"]) <= {
        "type",
        "name",
        "kind",
        "category_ids",
        "verified",
        "open_now",
    }


async def test_a_pin_on_the_edge_of_the_box_is_inside(city, client):
    names = {f["properties"]["name"] for f in (await pins(client, bbox=LEIPZIG))["features"]}
    assert "Grenzladen" in names and len(names) == 5
    outside = await pins(client, bbox="12.21,51.26,12.55,51.45")
    assert "Grenzladen" not in {f["properties"]["name"] for f in outside["features"]}


async def test_the_map_filters_by_kind_and_truncates_at_the_limit(city, client):
    retail = await pins(client, bbox=LEIPZIG, kind="retail")
    assert {f["properties"]["kind"] for f in retail["features"]} == {"retail"}
    few = await pins(client, bbox=LEIPZIG, limit=2)
    assert len(few["features"]) == 2 and few["truncated"] is True
    most = await pins(client, bbox=LEIPZIG, limit=5000)  # the documented maximum
    assert most["truncated"] is False and len(most["features"]) > 2


@pytest.mark.parametrize(
    "bbox",
    ["999,0,0,0", "12.2,51.25,12.55", "a,b,c,d", "nan,51,12,52", "12,51,inf,52", "12,-91,13,-89"],
)
async def test_bad_boxes_get_a_problem(city, client, bbox):
    response = await client.get("/v1/map", params={"bbox": bbox}, headers={"X-Tenant": "home"})
    assert response.status_code == 422 and response.headers["content-type"].startswith(
        "application/problem+json"
    )


async def test_a_box_takes_its_latitudes_either_way_and_is_of_any_size(city, client):
    west, south, east, north = LEIPZIG.split(",")
    usual = await pins(client, bbox=LEIPZIG)
    flipped = await pins(client, bbox=",".join((west, north, east, south)))
    assert flipped["features"] == usual["features"] and usual["features"]
    country = await pins(client, bbox="5,47,15,55", limit=2)  # a country, cut at the limit
    assert len(country["features"]) == 2 and country["truncated"] is True


async def test_a_box_whose_west_lies_east_of_its_east_crosses_the_antimeridian(city, client):
    west, south, east, north = LEIPZIG.split(",")
    # The rest of the world's longitudes: Leipzig's pins are outside, but for the one on
    # the box's western edge, which is the other box's eastern edge.
    around = await pins(client, bbox=",".join((east, south, west, north)))
    assert [f["properties"]["name"] for f in around["features"]] == ["Grenzladen"]
    assert around["bbox"] == [12.55, 51.25, 12.2, 51.45]
    pacific = await pins(client, bbox="170,-10,-170,10")
    assert pacific["features"] == [] and pacific["bbox"] == [170, -10, -170, 10]


async def test_a_full_map_keeps_the_pins_with_the_lowest_ids(city, client):
    _, ids = city
    lowest = sorted(ids.values())
    for limit in (1, 3):
        cut = await pins(client, bbox=LEIPZIG, limit=limit)
        assert [f["id"] for f in cut["features"]] == [f"business:{i}" for i in lowest[:limit]]
        again = await pins(client, bbox=LEIPZIG, limit=limit)
        assert again == cut


async def test_near_orders_by_distance_within_the_radius(city, client):
    body = await pins(client, "/v1/map/near", point="12.3750,51.3400", radius=500)
    names = [f["properties"]["name"] for f in body["features"]]
    assert names == ["Bäckerei Sonnenschein", "Café am Markt", "Buchhandlung Seitenweise"]
    distances = [f["properties"]["distance_m"] for f in body["features"]]
    assert distances == sorted(distances) and distances[0] == 0 and distances[-1] <= 500


async def test_near_cut_at_its_limit_keeps_the_nearest_and_says_it_was_cut(city, client):
    near = "/v1/map/near"
    one = await pins(client, near, point="12.3750,51.3400", radius=500, limit=1)
    assert [f["properties"]["name"] for f in one["features"]] == ["Bäckerei Sonnenschein"]
    assert one["truncated"] is True  # three are within 500 m
    three = await pins(client, near, point="12.3750,51.3400", radius=500, limit=3)
    assert len(three["features"]) == 3 and three["truncated"] is False


async def test_near_needs_a_sane_radius_and_point(city, client):
    for params in (
        {"point": "12.3,51.3", "radius": 100000},
        {"point": "12.3,51.3", "radius": 0},
        {"point": "12.3"},
        {"point": "x,y"},
        {"point": "12.3,91"},
        {},
    ):
        response = await client.get("/v1/map/near", params=params, headers={"X-Tenant": "home"})
        assert response.status_code == 422, params
    assert (await client.get("/v1/map", headers={"X-Tenant": "home"})).status_code == 422


async def search(client, q, **params):  # type: ignore[no-untyped-def]
    response = await client.get(
        "/v1/search", params={"q": q} | params, headers={"X-Tenant": "home"}
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_search_stems_german_words_and_highlights(city, client):
    hits = await search(client, "Fahrrad")  # "Fahrräder" in the text
    assert [h["title"] for h in hits] == ["Fahrradwerkstatt Kette"]
    hits = await search(client, "Bücher")
    assert hits[0]["title"] == "Buchhandlung Seitenweise"
    assert "<mark>Bücher</mark>" in hits[0]["snippet"]


async def test_search_ranks_title_matches_first(city, client):
    hits = await search(client, "Kuchen")
    assert hits[0]["title"] == "Café am Markt"


async def test_search_as_you_type_matches_prefixes(city, client):
    hits = await search(client, "Buchhand")
    assert hits and hits[0]["title"] == "Buchhandlung Seitenweise"


async def test_search_tolerates_a_typo(city, client):
    hits = await search(client, "Bäkcerei")
    assert hits and hits[0]["title"] == "Bäckerei Sonnenschein"


async def test_search_escapes_html_in_snippets(city, client):
    owner, _ = city
    await client.post(
        "/v1/businesses",
        headers=owner,
        json={
            "name": "Laden <b>fett</b>",
            "kind": "retail",
            "description": "<script>x</script> Bohnen",
        },
    )
    hits = await search(client, "Bohnen")
    assert "<script>" not in hits[0]["snippet"] and "&lt;script&gt;" in hits[0]["snippet"]


async def test_search_filters_by_type_and_refuses_unknown_types(city, client):
    assert await search(client, "Kaffee", type="business")
    response = await client.get(
        "/v1/search", params={"q": "Kaffee", "type": "spaceship"}, headers={"X-Tenant": "home"}
    )
    assert response.status_code == 422
    empty = await client.get("/v1/search", params={"q": "!!!"}, headers={"X-Tenant": "home"})
    assert empty.status_code == 200 and empty.json()["items"] == []


async def test_search_never_crosses_tenants(city, client):
    response = await client.get("/v1/search", params={"q": "Kaffee"}, headers={"X-Tenant": "away"})
    assert response.json()["items"] == []


async def test_hidden_businesses_leave_search_and_map(city, client, services):
    _, ids = city
    from tests.conftest import set_role

    mod = as_user(await sign_up_and_log_in(client, "home", "mod@example.org"), "home")
    await set_role(services, "home", "mod@example.org", "moderator")
    await client.put(
        f"/v1/businesses/{ids['Café am Markt']}/moderation",
        headers=mod,
        json={"verified": False, "hidden": True},
    )
    assert await search(client, "Kaffee") == []
    names = {f["properties"]["name"] for f in (await pins(client, bbox=LEIPZIG))["features"]}
    assert "Café am Markt" not in names


@pytest.fixture
async def bilingual(services):  # type: ignore[no-untyped-def]
    """A German and English tenant's index (written as a capability would): one item in
    both languages, one in German only."""
    await seed_tenants(services, tenant_config("zwei", features=frozenset({Feature.BUSINESSES})))
    tenant = await services.tenant_directory.by_slug("zwei")
    assert tenant.config.locales == ("de", "en")
    bakery, mill = uuid.uuid4(), uuid.uuid4()
    both = {"de": "Zwei Bäckereien im Zentrum", "en": "Two bakeries in the centre"}
    async with services.sessions() as session:
        await begin_for_tenant(session, tenant.id)
        await SqlSearchIndex(session, tenant.id, tenant.config.locales).put_many(
            [
                SearchDocument("business", bakery, "Korn & Kruste", LocalizedText.of(both)),
                SearchDocument(
                    "business",
                    mill,
                    "Ölmühle Vogt",
                    LocalizedText.single("de", "Frisches Leinöl aus eigener Presse"),
                ),
            ]
        )
        await session.commit()
    return str(bakery), str(mill)


async def search_in(client, q, *, accept_language=None, **params):  # type: ignore[no-untyped-def]
    headers = {"X-Tenant": "zwei"}
    if accept_language:
        headers["Accept-Language"] = accept_language
    response = await client.get("/v1/search", params={"q": q} | params, headers=headers)
    assert response.status_code == 200, response.text
    return [(h["id"], h["language"], h["snippet"]) for h in response.json()["items"]]


async def test_search_finds_german_and_english_words_each_by_its_own_stemming(bilingual, client):
    bakery, _ = bilingual
    # "Bäckereien" by the German stemmer, "bakeries" by the English one (bakery: bakeri).
    for q in ("Bäckerei", "Bäckerei Zentrum", "bakery", "bakery centre"):
        for language in ("de", "en"):
            hits = await search_in(client, q, accept_language=language)
            assert [h[0] for h in hits] == [bakery], (q, language)


async def test_search_snippets_are_in_the_language_the_request_asks_for(bilingual, client):
    bakery, mill = bilingual
    assert await search_in(client, "bakery", accept_language="en-GB, de;q=0.5") == [
        (bakery, "en", "Two <mark>bakeries</mark> in the centre")
    ]
    assert await search_in(client, "Bäckerei", accept_language="de") == [
        (bakery, "de", "Zwei <mark>Bäckereien</mark> im Zentrum")
    ]
    assert await search_in(client, "bakery", accept_language="de") == [
        (bakery, "de", "Zwei Bäckereien im Zentrum")
    ]
    assert await search_in(client, "bakery", accept_language="en", lang="de") == [
        (bakery, "de", "Zwei Bäckereien im Zentrum")  # ?lang= wins over the header
    ]
    # Only in German: found from an English request, its snippet German.
    assert await search_in(client, "Leinöl", accept_language="en") == [
        (mill, "de", "Frisches <mark>Leinöl</mark> aus eigener Presse")
    ]


async def test_graphql_search_snippets_are_in_the_request_language(bilingual, client):
    bakery, _ = bilingual
    query = '{ search(q: "bakery") { id language snippet } }'
    for language, snippet in (
        ("en", "Two <mark>bakeries</mark> in the centre"),
        ("de", "Zwei Bäckereien im Zentrum"),
    ):
        response = await client.post(
            "/graphql",
            json={"query": query},
            headers={"X-Tenant": "zwei", "Accept-Language": language},
        )
        assert response.json()["data"]["search"] == [
            {"id": bakery, "language": language, "snippet": snippet}
        ]


async def test_graphql_map_pins_near_say_when_more_matched(city, client):
    query = (
        "{ mapPinsNear(lon: 12.375, lat: 51.34, radius: 500, limit: 2) "
        "{ truncated pins { name distanceM } } }"
    )
    response = await client.post("/graphql", json={"query": query}, headers={"X-Tenant": "home"})
    near = response.json()["data"]["mapPinsNear"]
    assert [p["name"] for p in near["pins"]] == ["Bäckerei Sonnenschein", "Café am Markt"]
    assert near["truncated"] is True

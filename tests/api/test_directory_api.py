"""The directory over HTTP: businesses with hours, categories, offers, claims and teams,
the map, search and open data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from domain.tenancy.model import CategorySeed, Feature, OpenDataSettings
from tests.conftest import as_user, seed_tenants, set_role, sign_up_and_log_in
from tests.factories import tenant_config

FEATURES = frozenset({Feature.BUSINESSES, Feature.OPEN_DATA})
SEEDS = (
    CategorySeed("food", "Essen & Trinken"),
    CategorySeed("food-bakery", "Bäckereien", "food"),
    CategorySeed("books", "Bücher"),
)
LICENCE = OpenDataSettings("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/", "Stadt")


def bakery(**overrides):  # type: ignore[no-untyped-def]
    body = {
        "name": "Bäckerei Sonnenschein",
        "kind": "gastronomy",
        "description": "Frische Brötchen und Kuchen aus dem Holzofen, jeden Morgen.",
        "address": {"street": "Karl-Liebknecht-Str. 10", "postcode": "04107", "city": "Leipzig"},
        "location": {"lat": 51.33, "lon": 12.375},
        "contact": {"phone": "+49 341 123456", "email": "laden@baeckerei.example"},
        "website_url": "https://baeckerei.example",
        "delivers": True,
        "delivery_notes": "Innerhalb des Rings",
        "opening_hours": {"weekly": {"mo": ["06:00-18:00"], "sa": ["07:00-12:00"]}},
    }
    body.update(overrides)
    return body


@pytest.fixture
async def city(services, client):  # type: ignore[no-untyped-def]
    await seed_tenants(
        services,
        tenant_config("home", features=FEATURES, categories=SEEDS, open_data=LICENCE),
        tenant_config("away", features=FEATURES, categories=SEEDS, open_data=LICENCE),
        tenant_config("plain"),
    )
    people = {}
    for role in ("owner", "stranger", "moderator", "admin"):
        session = await sign_up_and_log_in(client, "home", f"{role}@example.org")
        people[role] = as_user(session, "home")
    await set_role(services, "home", "moderator@example.org", "moderator")
    await set_role(services, "home", "admin@example.org", "admin")
    people["anonymous"] = {"X-Tenant": "home"}
    tree = (await client.get("/v1/categories", headers=people["anonymous"])).json()
    ids = {c["key"]: c["id"] for top in tree for c in [top, *top["children"]]}
    return people, ids


async def register(client, headers, **overrides):  # type: ignore[no-untyped-def]
    response = await client.post("/v1/businesses", headers=headers, json=bakery(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_member_registers_a_business_and_becomes_its_owner(city, client):
    people, ids = city
    made = await register(client, people["owner"], category_ids=[ids["food-bakery"]])
    assert made["your_role"] == "owner" and not made["verified"]
    assert made["category_ids"] == [ids["food-bakery"]]
    assert made["opening_hours"]["weekly"] == {"mo": ["06:00-18:00"], "sa": ["07:00-12:00"]}
    assert made["timezone"] == "Europe/Berlin" and "open_now" in made["open_status"]
    shown = await client.get(f"/v1/businesses/{made['id']}", headers=people["anonymous"])
    assert shown.status_code == 200 and shown.json()["your_role"] is None


async def test_the_owner_edits_with_if_match_and_a_stale_etag_gets_412(city, client):
    people, _ = city
    made = await register(client, people["owner"])
    url = f"/v1/businesses/{made['id']}"
    etag = (await client.get(url, headers=people["owner"])).headers["ETag"]
    first = await client.patch(
        url, headers=people["owner"] | {"If-Match": etag}, json={"shop_url": "https://shop.example"}
    )
    assert first.status_code == 200 and first.json()["shop_url"] == "https://shop.example"
    assert first.json()["name"] == "Bäckerei Sonnenschein"  # untouched fields stay
    stale = await client.patch(
        url, headers=people["owner"] | {"If-Match": etag}, json={"name": "X"}
    )
    assert stale.status_code == 412
    assert (await client.get(url, headers=people["owner"])).json()["name"] != "X"


CLEARED_BY_NULL = {
    "description": "",
    "category_ids": [],
    "address": {"street": "", "postcode": "", "city": ""},
    "location": None,
    "contact": {"phone": "", "email": ""},
    "website_url": None,
    "shop_url": None,
    "delivery_notes": "",
    "pickup_notes": "",
    "image_urls": [],
    "social_links": [],
    "opening_hours": {"weekly": {}, "exceptions": []},
}


@pytest.mark.parametrize("field", sorted(CLEARED_BY_NULL))
async def test_null_in_a_patch_clears_a_field_that_may_be_empty(city, client, field):
    people, ids = city
    made = await register(
        client,
        people["owner"],
        category_ids=[ids["food"]],
        shop_url="https://shop.example",
        pickup_notes="Hintereingang",
        image_urls=["https://img.example/a.jpg"],
        social_links=["https://social.example/baeckerei"],
    )
    patched = await client.patch(
        f"/v1/businesses/{made['id']}", headers=people["owner"], json={field: None}
    )
    assert patched.status_code == 200, patched.text
    assert made[field] != CLEARED_BY_NULL[field]
    assert patched.json()[field] == CLEARED_BY_NULL[field]


@pytest.mark.parametrize("field", ["name", "kind", "delivers", "offers_pickup"])
async def test_null_in_a_patch_is_refused_where_a_field_cannot_be_empty(city, client, field):
    people, _ = city
    made = await register(client, people["owner"])
    refused = await client.patch(
        f"/v1/businesses/{made['id']}", headers=people["owner"], json={field: None}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "invalid-input"
    assert refused.json()["errors"] == [
        {
            "field": f"body.{field}",
            "message": "must not be null",
            "code": refused.json()["errors"][0]["code"],
        }
    ]
    shown = (await client.get(f"/v1/businesses/{made['id']}", headers=people["owner"])).json()
    assert shown[field] == made[field]


@pytest.mark.parametrize(
    ("valid_from", "reason"),
    [
        ("2026-12-01T10:00:00", "timezone"),
        ("9999-12-31T20:00:00-14:00", "between"),
        ("1900-01-01T00:00:00Z", "between"),
    ],
    ids=["no-offset", "overflowing", "far-past"],
)
async def test_offer_times_need_an_offset_and_a_sane_year(city, client, valid_from, reason):
    people, _ = city
    made = await register(client, people["owner"])
    offer = {
        "business_id": made["id"],
        "title": "Zwei Brötchen gratis",
        "valid_from": valid_from,
        "valid_until": "2030-01-01T00:00:00+01:00",
    }
    refused = await client.post("/v1/offers", headers=people["owner"], json=offer)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.valid_from"
    assert reason in refused.json()["errors"][0]["message"]


async def test_strangers_cannot_edit_and_moderators_can(city, client):
    people, _ = city
    made = await register(client, people["owner"])
    url = f"/v1/businesses/{made['id']}"
    assert (
        await client.patch(url, headers=people["stranger"], json={"name": "Mine"})
    ).status_code == 403
    assert (
        await client.patch(url, headers=people["anonymous"], json={"name": "Mine"})
    ).status_code == 401
    fixed = await client.patch(
        url, headers=people["moderator"], json={"name": "Bäckerei Sonnenschein GmbH"}
    )
    assert fixed.status_code == 200


async def test_staff_added_by_the_owner_may_edit(city, client):
    people, _ = city
    made = await register(client, people["owner"])
    stranger = (await client.get("/v1/me", headers=people["stranger"])).json()["id"]
    url = f"/v1/businesses/{made['id']}"
    added = await client.put(
        f"{url}/team/{stranger}", headers=people["owner"], json={"role": "staff"}
    )
    assert added.status_code == 204
    assert (
        await client.patch(url, headers=people["stranger"], json={"delivers": False})
    ).status_code == 200
    team = (await client.get(f"{url}/team", headers=people["owner"])).json()
    assert sorted(m["role"] for m in team) == ["owner", "staff"] and "@" not in str(team)
    # Staff do not manage the team, and the last owner stays.
    owner = (await client.get("/v1/me", headers=people["owner"])).json()["id"]
    assert (
        await client.delete(f"{url}/team/{owner}", headers=people["stranger"])
    ).status_code == 403
    assert (await client.delete(f"{url}/team/{owner}", headers=people["owner"])).status_code == 409


async def test_bad_input_is_refused_and_stores_nothing(city, client):
    people, _ = city
    for bad in (
        {"opening_hours": {"weekly": {"mo": ["09:00-12:00", "11:00-13:00"]}}},
        {"opening_hours": {"weekly": {"mo": ["25:00-26:00"]}}},
        {"location": {"lat": 91, "lon": 0}},
        {"website_url": "javascript:alert(1)"},
        {"category_ids": ["00000000-0000-0000-0000-000000000000"]},
        {"name": ""},
    ):
        response = await client.post("/v1/businesses", headers=people["owner"], json=bakery(**bad))
        assert 400 <= response.status_code < 500, (bad, response.text)
    listed = (await client.get("/v1/businesses", headers=people["anonymous"])).json()
    assert listed["items"] == []


async def test_moderators_verify_and_hide_and_hidden_ones_leave_lists(city, client):
    people, _ = city
    made = await register(client, people["owner"])
    url = f"/v1/businesses/{made['id']}"
    moderation = {"verified": True, "hidden": False}
    assert (
        await client.put(f"{url}/moderation", headers=people["owner"], json=moderation)
    ).status_code == 403
    verified = await client.put(f"{url}/moderation", headers=people["moderator"], json=moderation)
    assert verified.json()["verified"] is True
    hide = {"verified": True, "hidden": True, "reason": "Spam"}
    await client.put(f"{url}/moderation", headers=people["moderator"], json=hide)
    assert (await client.get(url, headers=people["anonymous"])).status_code == 404
    assert (await client.get(url, headers=people["owner"])).json()["hidden_reason"] == "Spam"
    listed = (await client.get("/v1/businesses", headers=people["anonymous"])).json()
    assert listed["items"] == []
    with_hidden = await client.get(
        "/v1/businesses", params={"include_hidden": "true"}, headers=people["moderator"]
    )
    assert [b["id"] for b in with_hidden.json()["items"]] == [made["id"]]


async def test_claiming_a_listing_needs_a_moderators_approval(city, client):
    people, _ = city
    listed = await register(client, people["moderator"], external_id="import-17")
    assert listed["your_role"] is None  # moderators list businesses without owning them
    url = f"/v1/businesses/{listed['id']}"
    claim = await client.post(f"{url}/claims", headers=people["owner"], json={"message": "My shop"})
    assert claim.status_code == 201 and claim.json()["status"] == "pending"
    again = await client.post(f"{url}/claims", headers=people["owner"], json={})
    assert again.status_code == 409
    assert (
        await client.patch(url, headers=people["owner"], json={"name": "Mine"})
    ).status_code == 403
    pending = await client.get("/v1/business-claims", headers=people["moderator"])
    assert [c["id"] for c in pending.json()] == [claim.json()["id"]]
    assert (await client.get("/v1/business-claims", headers=people["owner"])).status_code == 403
    decision = await client.put(
        f"/v1/business-claims/{claim.json()['id']}/decision",
        headers=people["moderator"],
        json={"approve": True},
    )
    assert decision.json()["status"] == "approved"
    assert (
        await client.patch(url, headers=people["owner"], json={"name": "Mine"})
    ).status_code == 200


async def test_lists_page_with_cursors_and_filter_by_kind_and_category(city, client):
    people, ids = city
    for i in range(5):
        await register(
            client, people["owner"], name=f"Laden {i}", category_ids=[ids["food-bakery"]]
        )
    await register(
        client, people["owner"], name="Buchladen", kind="retail", category_ids=[ids["books"]]
    )
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (
            await client.get("/v1/businesses", params=params, headers=people["anonymous"])
        ).json()
        seen += [b["name"] for b in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == 6
    food = await client.get(
        "/v1/businesses", params={"category": ids["food"]}, headers=people["anonymous"]
    )
    assert len(food.json()["items"]) == 5  # the top level includes its children
    retail = await client.get(
        "/v1/businesses", params={"kind": "retail"}, headers=people["anonymous"]
    )
    assert [b["name"] for b in retail.json()["items"]] == ["Buchladen"]
    bad = await client.get(
        "/v1/businesses", params={"cursor": "nonsense"}, headers=people["anonymous"]
    )
    assert bad.status_code == 422


async def test_search_and_map_filter_by_category_a_top_level_including_its_children(city, client):
    people, ids = city
    await register(client, people["owner"], name="Laden Brot", category_ids=[ids["food-bakery"]])
    await register(
        client, people["owner"], name="Laden Buch", kind="retail", category_ids=[ids["books"]]
    )

    async def found(path, **params):  # type: ignore[no-untyped-def]
        body = (await client.get(path, params=params, headers=people["anonymous"])).json()
        if "features" in body:
            return [f["properties"]["name"] for f in body["features"]]
        return [h["title"] for h in body["items"]]

    assert await found("/v1/search", q="Laden", category=ids["food"]) == ["Laden Brot"]
    assert await found("/v1/search", q="Laden", category=ids["books"]) == ["Laden Buch"]
    box = "12.2,51.25,12.55,51.45"
    assert await found("/v1/map", bbox=box, category=ids["food"]) == ["Laden Brot"]
    unknown = "00000000-0000-0000-0000-000000000000"
    assert await found("/v1/search", q="Laden", category=unknown) == []


async def test_category_filters_take_keys_as_well_as_ids(city, client):
    people, ids = city
    await register(client, people["owner"], name="Laden Brot", category_ids=[ids["food-bakery"]])
    await register(
        client, people["owner"], name="Laden Buch", kind="retail", category_ids=[ids["books"]]
    )

    async def names(path, **params):  # type: ignore[no-untyped-def]
        answer = await client.get(path, params=params, headers=people["anonymous"])
        assert answer.status_code == 200, answer.text
        body = answer.json()
        if "features" in body:
            return [f["properties"]["name"] for f in body["features"]]
        return [item.get("name") or item.get("title") for item in body["items"]]

    box = "12.2,51.25,12.55,51.45"
    for path, extra in (
        ("/v1/businesses", {}),
        ("/v1/search", {"q": "Laden"}),
        ("/v1/map", {"bbox": box}),
    ):
        assert await names(path, category="food", **extra) == ["Laden Brot"], path
        assert await names(path, category="no-such-key", **extra) == [], path
    both = await names("/v1/businesses", category=["books", ids["food-bakery"]])
    assert sorted(both) == ["Laden Brot", "Laden Buch"]
    graph = await client.post(
        "/graphql",
        headers=people["anonymous"],
        json={"query": '{ businesses(category: ["food"]) { edges { node { name } } } }'},
    )
    assert graph.json()["data"]["businesses"]["edges"] == [{"node": {"name": "Laden Brot"}}]


async def test_tenants_never_see_each_others_businesses(city, client):
    people, _ = city
    made = await register(client, people["owner"])
    away = {"X-Tenant": "away"}
    assert (await client.get(f"/v1/businesses/{made['id']}", headers=away)).status_code == 404
    assert (await client.get("/v1/businesses", headers=away)).json()["items"] == []
    found = await client.get("/v1/search", params={"q": "Bäckerei"}, headers=away)
    assert found.json()["items"] == []
    pins = await client.get("/v1/map", params={"bbox": "12.2,51.25,12.55,51.45"}, headers=away)
    assert pins.json()["features"] == []


async def test_a_tenant_without_the_directory_answers_feature_off(city, client):
    response = await client.get("/v1/businesses", headers={"X-Tenant": "plain"})
    assert response.status_code == 404 and response.json()["code"] == "feature-off"


async def test_categories_are_managed_by_admins_in_two_levels(city, client):
    people, ids = city
    new = {"key": "music", "name": "Musik"}
    assert (
        await client.post("/v1/categories", headers=people["moderator"], json=new)
    ).status_code == 403
    made = await client.post("/v1/categories", headers=people["admin"], json=new)
    assert made.status_code == 201
    taken = await client.post("/v1/categories", headers=people["admin"], json=new)
    assert taken.status_code == 409
    third_level = {"key": "deep", "name": "Tief", "parent_id": ids["food-bakery"]}
    assert (
        await client.post("/v1/categories", headers=people["admin"], json=third_level)
    ).status_code == 422
    assert (
        await client.delete(f"/v1/categories/{ids['food']}", headers=people["admin"])
    ).status_code == 409
    gone = await client.delete(f"/v1/categories/{made.json()['id']}", headers=people["admin"])
    assert gone.status_code == 204
    tree = (await client.get("/v1/categories", headers=people["anonymous"])).json()
    assert [t["key"] for t in tree] == ["food", "books"]
    assert [c["key"] for c in tree[0]["children"]] == ["food-bakery"]


async def test_offers_of_the_team_and_expired_ones_leave_the_list(city, client, services):
    people, _ = city
    made = await register(client, people["owner"])
    now = datetime.now(UTC)
    offer = {
        "business_id": made["id"],
        "title": "Zwei Brötchen gratis",
        "valid_from": (now - timedelta(hours=1)).isoformat(),
        "valid_until": (now + timedelta(seconds=2)).isoformat(),
    }
    assert (
        await client.post("/v1/offers", headers=people["stranger"], json=offer)
    ).status_code == 403
    created = await client.post("/v1/offers", headers=people["owner"], json=offer)
    assert created.status_code == 201
    listed = (await client.get("/v1/offers", headers=people["anonymous"])).json()["items"]
    assert [o["title"] for o in listed] == ["Zwei Brötchen gratis"]
    services.clock.now = lambda: now + timedelta(seconds=3)  # type: ignore[method-assign]
    assert (await client.get("/v1/offers", headers=people["anonymous"])).json()["items"] == []
    past = offer | {"valid_until": (now - timedelta(minutes=1)).isoformat()}
    assert (await client.post("/v1/offers", headers=people["owner"], json=past)).status_code == 422


async def test_open_data_has_the_licence_and_no_personal_data(city, client):
    people, ids = city
    await register(client, people["owner"], category_ids=[ids["food-bakery"]])
    index = (await client.get("/v1/open-data", headers=people["anonymous"])).json()
    assert index["licence"] == "CC-BY-4.0"
    exported = await client.get("/v1/open-data/businesses.csv", headers=people["anonymous"])
    assert exported.status_code == 200 and 'rel="license"' in exported.headers["link"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows[0]["name"] == "Bäckerei Sonnenschein" and rows[0]["categories"] == "food-bakery"
    assert rows[0]["opening_hours"] == "mo 06:00-18:00; sa 07:00-12:00"
    geo = (await client.get("/v1/open-data/businesses.geojson", headers=people["anonymous"])).json()
    assert geo["type"] == "FeatureCollection" and geo["licence"] == "CC-BY-4.0"
    assert geo["features"][0]["geometry"]["coordinates"] == [12.375, 51.33]
    for text in (exported.text, str(geo)):
        assert "laden@baeckerei.example" not in text and "123456" not in text


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("https://evil.example","Klick")', "+49 Kiosk", "-1+2 Laden", "@SUM(A1)"],
)
async def test_open_data_csv_cells_never_start_a_formula(city, client, name):
    people, _ = city
    await register(
        client, people["owner"], name=name, address={"street": "\tcmd|' /C calc'!A0", "city": "L"}
    )
    exported = await client.get("/v1/open-data/businesses.csv", headers=people["anonymous"])
    row = next(csv.DictReader(io.StringIO(exported.text)))
    assert row["name"] == "'" + name and row["street"] == "'\tcmd|' /C calc'!A0"
    assert row["lat"] == "51.33"  # numbers stay numbers
    geo = (await client.get("/v1/open-data/businesses.geojson", headers=people["anonymous"])).json()
    assert geo["features"][0]["properties"]["name"] == name  # JSON is no spreadsheet


async def test_every_open_data_answer_names_its_licence_in_a_link_header(city, client):
    people, _ = city
    for path in ("", "/businesses.csv", "/businesses.geojson"):
        answer = await client.get(f"/v1/open-data{path}", headers=people["anonymous"])
        assert answer.headers["link"] == (
            '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
        ), path


async def test_open_data_is_off_unless_the_tenant_enables_it(services, client):
    await seed_tenants(services, tenant_config("closed", features=frozenset({Feature.BUSINESSES})))
    for path in (
        "/v1/open-data",
        "/v1/open-data/businesses.csv",
        "/v1/open-data/businesses.geojson",
    ):
        response = await client.get(path, headers={"X-Tenant": "closed"})
        assert response.status_code == 404 and response.json()["code"] == "feature-off"


async def test_operations_for_signed_in_callers_answer_401_before_feature_off(services, client):
    """Without a credential the first thing to fix is the credential, whatever the tenant
    offers: every operation that needs a caller says 401 on a tenant without the feature."""
    import json

    from api.contracts import openapi_document
    from api.settings import Settings

    await seed_tenants(services, tenant_config("plain"))
    document = json.loads(openapi_document(Settings()))
    checked = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            needs_caller = operation.get("security") and {} not in operation["security"]
            if not path.startswith("/v1/") or not needs_caller:
                continue
            url = path
            for name in (
                "business_id",
                "account_id",
                "claim_id",
                "category_id",
                "offer_id",
                "key_id",
            ):
                url = url.replace("{" + name + "}", "00000000-0000-0000-0000-000000000001")
            answer = await client.request(method.upper(), url, headers={"X-Tenant": "plain"})
            assert answer.status_code == 401, (method, path, answer.json().get("code"))
            checked.append(path)
    assert "/v1/business-claims" in checked and "/v1/businesses/{business_id}/team" in checked

"""The directory's texts in the tenant's languages, on the demo tenant kulturnetz (de, en): read
in the request's language with the tenant's first as fallback, written per language, refused
in a language the tenant lacks; over REST and GraphQL; category names from the tenant file."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.tenant_document import parse_tenant_document
from tests.conftest import as_user, seed_tenants, set_role, sign_up_and_log_in

KULTURNETZ = Path(__file__).resolve().parents[2] / "tenants" / "kulturnetz.toml"
ROLLS = {"de": "Frische Brötchen", "en": "Fresh rolls"}
BAKERIES = 'name = "Bäckereien"'


def kulturnetz(file_text: str | None = None):  # type: ignore[no-untyped-def]
    text = file_text or KULTURNETZ.read_text(encoding="utf-8")
    return parse_tenant_document(tomllib.loads(text), source=str(KULTURNETZ))


@pytest.fixture
async def people(services, client):  # type: ignore[no-untyped-def]
    """The demo tenant, with a member (who will own a business) and an admin."""
    await seed_tenants(services, kulturnetz())
    found = {}
    for role in ("owner", "admin"):
        session = await sign_up_and_log_in(client, "kulturnetz", f"{role}@example.org")
        found[role] = as_user(session, "kulturnetz")
    await set_role(services, "kulturnetz", "admin@example.org", "admin")
    found["anyone"] = {"X-Tenant": "kulturnetz"}
    return found


async def a_bakery(client, people) -> str:  # type: ignore[no-untyped-def]
    made = await client.post(
        "/v1/businesses",
        headers=people["owner"],
        json={"name": "Bäckerei Morgenrot", "kind": "gastronomy", "description": ROLLS},
    )
    assert made.status_code == 201, made.text
    assert made.json()["translations"]["description"] == ROLLS
    return f"/v1/businesses/{made.json()['id']}"


async def read(client, people, url, **headers):  # type: ignore[no-untyped-def]
    answer = await client.get(url, headers=people["anyone"] | headers)
    assert answer.status_code == 200, answer.text
    return answer


async def test_a_description_is_read_in_the_language_asked_for_else_the_tenants_first(
    client, people
):
    url = await a_bakery(client, people)
    english = await read(client, people, url, **{"Accept-Language": "en"})
    assert english.json()["description"] == "Fresh rolls"
    assert english.headers["Content-Language"] == "en"
    assert "Accept-Language" in english.headers["Vary"]
    assert english.json()["languages"] == {"description": "en"}
    assert english.json()["translations"]["description"] == ROLLS
    french = await read(client, people, url, **{"Accept-Language": "fr"})
    assert french.json()["description"] == "Frische Brötchen"
    assert french.json()["languages"] == {"description": "de"}
    assert french.headers["Content-Language"] == "de"
    asked = await read(client, people, f"{url}?lang=en", **{"Accept-Language": "de"})
    assert asked.json()["description"] == "Fresh rolls"  # ?lang= wins over the header


async def test_a_patch_changes_only_the_languages_it_names(client, people):
    url = await a_bakery(client, people)
    owner = people["owner"]
    in_english = await client.patch(
        url, headers=owner | {"Content-Language": "en"}, json={"description": "Fresh buns"}
    )
    assert in_english.status_code == 200, in_english.text
    assert in_english.json()["translations"]["description"] == {
        "de": "Frische Brötchen",
        "en": "Fresh buns",
    }
    removed = await client.patch(url, headers=owner, json={"description": {"en": None}})
    assert removed.json()["translations"]["description"] == {"de": "Frische Brötchen"}
    english = await read(client, people, url, **{"Accept-Language": "en"})
    assert english.json()["description"] == "Frische Brötchen"
    assert english.json()["languages"] == {"description": "de"}
    cleared = await client.patch(url, headers=owner, json={"description": None})
    assert cleared.json()["translations"]["description"] == {}
    assert cleared.json()["languages"] == {} and cleared.json()["description"] == ""


async def test_a_language_the_tenant_lacks_is_refused_and_nothing_changes(client, people):
    url = await a_bakery(client, people)
    refused = await client.patch(
        url, headers=people["owner"], json={"description": {"fr": "Petits pains frais"}}
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["description.fr"]
    assert "is not one of this tenant's languages" in refused.json()["errors"][0]["message"]
    unchanged = await read(client, people, url)
    assert unchanged.json()["translations"]["description"] == ROLLS
    assert unchanged.json()["updated_at"] == unchanged.json()["created_at"]
    french = await client.post(
        "/v1/businesses",
        headers=people["owner"] | {"Content-Language": "fr"},
        json={"name": "Boulangerie", "kind": "gastronomy", "delivery_notes": {"fr": "En ville"}},
    )
    assert french.status_code == 422
    # A plain string in a language the tenant lacks is refused, not stored as German.
    for named, field in (
        ({"Content-Language": "fr"}, "description.fr"),
        ({}, "description.fr"),  # ?lang=fr
        ({"Content-Language": "*"}, "description.*"),  # names no language at all
    ):
        plain = await client.patch(
            url + ("" if named else "?lang=fr"),
            headers=people["owner"] | named,
            json={"description": "Des petits pains"},
        )
        assert plain.status_code == 422, plain.text
        assert plain.json()["errors"][0]["field"] == field
    unchanged = await read(client, people, url)
    assert unchanged.json()["translations"]["description"] == ROLLS
    listed = await read(client, people, "/v1/businesses")
    assert [b["name"] for b in listed.json()["items"]] == ["Bäckerei Morgenrot"]


async def test_offers_are_read_and_written_per_language(client, people):
    bakery = (await a_bakery(client, people)).rsplit("/", 1)[1]
    now = datetime.now(UTC)
    window = {
        "valid_from": (now - timedelta(days=1)).isoformat(),
        "valid_until": (now + timedelta(days=7)).isoformat(),
    }
    title = {"de": "Zwei Brötchen gratis", "en": "Two rolls free"}
    made = await client.post(
        "/v1/offers",
        headers=people["owner"],
        json={"business_id": bakery, "title": title, "text": {"de": "Nur heute"}, **window},
    )
    assert made.status_code == 201, made.text
    assert made.json()["translations"] == {"title": title, "text": {"de": "Nur heute"}}
    listed = await read(client, people, "/v1/offers", **{"Accept-Language": "en"})
    (offer,) = listed.json()["items"]
    assert (offer["title"], offer["text"]) == ("Two rolls free", "Nur heute")
    assert offer["languages"] == {"title": "en", "text": "de"}
    assert "translations" not in offer  # lists stay small
    changed = await client.put(
        f"/v1/offers/{offer['id']}",
        headers=people["owner"] | {"Content-Language": "en"},
        json={"title": "Three rolls free", **window},
    )
    assert changed.status_code == 200, changed.text
    # A PUT sets the whole offer: a plain string is its one language.
    assert changed.json()["translations"] == {"title": {"en": "Three rolls free"}, "text": {}}
    refused = await client.put(
        f"/v1/offers/{offer['id']}",
        headers=people["owner"],
        json={"title": {"de": "Brot", "fr": "Pain"}, **window},
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["title.fr"]


async def test_category_names_come_from_the_tenant_file_and_admins_write_them_per_language(
    client, people
):
    german_only = await read(client, people, "/v1/categories", **{"Accept-Language": "en"})
    food = next(c for c in german_only.json() if c["key"] == "food")
    assert (food["name"], food["languages"]) == ("Essen & Trinken", {"name": "de"})
    made = await client.post(
        "/v1/categories",
        headers=people["admin"],
        json={"key": "shopping-games", "name": {"de": "Spiele", "en": "Games"}},
    )
    assert made.status_code == 201, made.text
    assert made.json()["translations"] == {"name": {"de": "Spiele", "en": "Games"}}
    english = await read(client, people, "/v1/categories?lang=en")
    games = next(c for c in english.json() if c["key"] == "shopping-games")
    assert (games["name"], games["languages"]) == ("Games", {"name": "en"})
    refused = await client.put(
        f"/v1/categories/{games['id']}",
        headers=people["admin"],
        json={"key": "shopping-games", "name": {"fr": "Jeux"}},
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["name.fr"]


async def test_a_tenant_file_names_a_category_in_several_languages(services, client):
    text = KULTURNETZ.read_text(encoding="utf-8")
    assert BAKERIES in text
    both = text.replace(BAKERIES, 'name = { de = "Bäckereien", en = "Bakeries" }')
    await seed_tenants(services, kulturnetz(both))
    tree = await client.get("/v1/categories?lang=en", headers={"X-Tenant": "kulturnetz"})
    food = next(c for c in tree.json() if c["key"] == "food")
    bakery = next(c for c in food["children"] if c["key"] == "food-bakery")
    assert (bakery["name"], bakery["languages"]) == ("Bakeries", {"name": "en"})
    assert (food["name"], food["languages"]) == ("Essen & Trinken", {"name": "de"})


BUSINESS = """query($id: UUID!) { business(id: $id) {
  description descriptionLanguage descriptionTranslations { locale text } } }"""
REGISTER = """mutation($input: BusinessInput!) { registerBusiness(input: $input) {
  business { id description descriptionLanguage } errors { code field } } }"""
UPDATE = """mutation($id: UUID!, $patch: BusinessPatchInput!) {
  updateBusiness(id: $id, patch: $patch) {
    business { descriptionTranslations { locale text } } errors { code field } } }"""


async def graphql(client, headers, query, **variables):  # type: ignore[no-untyped-def]
    answer = await client.post(
        "/graphql", headers=headers, json={"query": query, "variables": variables}
    )
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    return answer.json()["data"]


async def test_graphql_reads_a_description_in_the_language_asked_for(client, people):
    business_id = (await a_bakery(client, people)).rsplit("/", 1)[1]
    for wanted, text, shown in (("en", "Fresh rolls", "en"), ("de", "Frische Brötchen", "de")):
        headers = people["anyone"] | {"Accept-Language": wanted}
        found = (await graphql(client, headers, BUSINESS, id=business_id))["business"]
        assert (found["description"], found["descriptionLanguage"]) == (text, shown)
        assert {t["locale"]: t["text"] for t in found["descriptionTranslations"]} == ROLLS


async def test_graphql_writes_texts_as_a_list_of_languages(client, people):
    translations = [{"locale": k, "text": v} for k, v in ROLLS.items()]
    given = {"name": "Bäckerei Abendrot", "kind": "GASTRONOMY"}
    headers = people["owner"] | {"Accept-Language": "en"}
    made = await graphql(
        client, headers, REGISTER, input=given | {"descriptionTranslations": translations}
    )
    business = made["registerBusiness"]["business"]
    assert (business["description"], business["descriptionLanguage"]) == ("Fresh rolls", "en")
    rest = await read(client, people, f"/v1/businesses/{business['id']}")
    assert rest.json()["translations"]["description"] == ROLLS
    removed = await graphql(
        client,
        people["owner"],
        UPDATE,
        id=business["id"],
        patch={"descriptionTranslations": [{"locale": "en", "text": None}]},
    )
    assert removed["updateBusiness"]["business"]["descriptionTranslations"] == [
        {"locale": "de", "text": "Frische Brötchen"}
    ]
    french = await graphql(
        client,
        people["owner"],
        UPDATE,
        id=business["id"],
        patch={"descriptionTranslations": [{"locale": "fr", "text": "Pain"}]},
    )
    assert french["updateBusiness"]["errors"] == [
        {"code": "invalid-input", "field": "description.fr"}
    ]


PUBLISH = """mutation($business: UUID!, $from: DateTime!, $until: DateTime!,
  $title: [LocalizedTextInput!]) {
  publishOffer(businessId: $business, validFrom: $from, validUntil: $until,
    titleTranslations: $title) { ok errors { code field } } }"""
CATEGORY = """mutation($name: [LocalizedTextInput!]) {
  createCategory(key: "shopping-games", name: "Spiele", nameTranslations: $name)
  { ok errors { code field } } }"""
OFFERS_AND_CATEGORIES = """query($id: UUID!) {
  business(id: $id) { offers { title titleLanguage titleTranslations { locale } } }
  categories { key name nameLanguage } }"""


async def test_graphql_offers_and_categories_take_their_texts_per_language(client, people):
    business_id = (await a_bakery(client, people)).rsplit("/", 1)[1]
    now = datetime.now(UTC)
    title = [{"locale": "de", "text": "Zwei gratis"}, {"locale": "en", "text": "Two free"}]
    window = {"from": now.isoformat(), "until": (now + timedelta(days=7)).isoformat()}
    published = await graphql(
        client, people["owner"], PUBLISH, business=business_id, title=title, **window
    )
    assert published["publishOffer"] == {"ok": True, "errors": []}
    both = [{"locale": "de", "text": "Spiele"}, {"locale": "en", "text": "Games"}]
    twice = await graphql(client, people["admin"], CATEGORY, name=both)
    assert twice["createCategory"]["errors"] == [
        {"code": "invalid-input", "field": "nameTranslations"}  # a name and its list: not both
    ]
    headers = people["admin"] | {"Accept-Language": "en"}
    added = await graphql(client, headers, CATEGORY.replace('name: "Spiele", ', ""), name=both)
    assert added["createCategory"] == {"ok": True, "errors": []}
    found = await graphql(client, headers, OFFERS_AND_CATEGORIES, id=business_id)
    (offer,) = found["business"]["offers"]
    assert (offer["title"], offer["titleLanguage"]) == ("Two free", "en")
    assert [t["locale"] for t in offer["titleTranslations"]] == ["de", "en"]
    games = next(c for c in found["categories"] if c["key"] == "shopping-games")
    assert (games["name"], games["nameLanguage"]) == ("Games", "en")

"""The bulk import seen through the API: created and updated by external id, moderation and
teams kept, categories attached, and search finding what was imported."""

from __future__ import annotations

import pytest

from api.cli.businesses import ImportSummary, read_import_file, run_import
from domain.tenancy.model import CategorySeed, Feature
from tests.conftest import as_user, seed_tenants, set_role, sign_up_and_log_in
from tests.factories import tenant_config

SEEDS = (
    CategorySeed("food", "Essen & Trinken"),
    CategorySeed("food-bakery", "Bäckereien", "food"),
    CategorySeed("books", "Bücher"),
)
HEADER = "external_id,name,kind,categories,description,lat,lon\n"


@pytest.fixture
async def home(services, client):  # type: ignore[no-untyped-def]
    await seed_tenants(
        services, tenant_config("home", features=frozenset({Feature.BUSINESSES}), categories=SEEDS)
    )
    people = {}
    for role in ("owner", "moderator"):
        people[role] = as_user(
            await sign_up_and_log_in(client, "home", f"{role}@example.org"), "home"
        )
    await set_role(services, "home", "moderator@example.org", "moderator")
    people["anonymous"] = {"X-Tenant": "home"}
    tree = (await client.get("/v1/categories", headers=people["anonymous"])).json()
    return people, {c["key"]: c["id"] for top in tree for c in [top, *top["children"]]}


async def import_rows(services, tmp_path, rows: str) -> ImportSummary:  # type: ignore[no-untyped-def]
    path = tmp_path / "businesses.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return await run_import(services, "home", read_import_file(path), progress=False)


async def test_a_bulk_import_updates_by_external_id_and_keeps_moderation_and_teams(
    home, client, services, tmp_path
):
    people, categories = home
    registered = await client.post(
        "/v1/businesses",
        headers=people["owner"],
        json={"name": "Bäckerei Sonnenschein", "kind": "gastronomy", "external_id": "shop-1"},
    )
    url = f"/v1/businesses/{registered.json()['id']}"
    verified = {"verified": True, "hidden": False}
    await client.put(f"{url}/moderation", headers=people["moderator"], json=verified)

    summary = await import_rows(
        services,
        tmp_path,
        "shop-1,Bäckerei Morgenstern,gastronomy,food-bakery|books,Brot und Bücher,51.3,12.3\n"
        "shop-2,Buchladen Seitenwind,retail,books,Antiquariat am Markt,,\n"
        "shop-3,Café Eule,gastronomy,,,,\n",
    )
    assert (summary.created, summary.updated, summary.problems) == (2, 1, [])
    shop = (await client.get(url, headers=people["owner"])).json()
    assert shop["name"] == "Bäckerei Morgenstern" and shop["verified"] is True
    assert shop["your_role"] == "owner"
    assert set(shop["category_ids"]) == {categories["food-bakery"], categories["books"]}

    async def search(q: str) -> list[str]:
        found = await client.get("/v1/search", params={"q": q}, headers=people["anonymous"])
        return [hit["title"] for hit in found.json()["items"]]

    assert await search("Morgenstern") == ["Bäckerei Morgenstern"]
    assert await search("Sonnenschein") == []
    assert await search("Antiquariat") == ["Buchladen Seitenwind"]

    listed = await client.get("/v1/businesses", headers=people["anonymous"])
    seitenwind = next(b["id"] for b in listed.json()["items"] if b["name"].startswith("Buch"))
    hidden = {"verified": False, "hidden": True, "reason": "Geschlossen"}
    await client.put(
        f"/v1/businesses/{seitenwind}/moderation", headers=people["moderator"], json=hidden
    )
    again = await import_rows(
        services,
        tmp_path,
        "shop-2,Buchladen Seitenwind,retail,books,Antiquariat und Lesungen,,\n"
        "shop-3,Café Eule,gastronomy,,,,\n",
    )
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    still = await client.get(f"/v1/businesses/{seitenwind}", headers=people["moderator"])
    assert still.json()["hidden"] is True and still.json()["hidden_reason"] == "Geschlossen"
    assert "Lesungen" in still.json()["description"]
    assert await search("Lesungen") == []  # hidden ones stay out of search
    team = (await client.get(f"{url}/team", headers=people["owner"])).json()
    assert [m["role"] for m in team] == ["owner"]


async def test_an_import_names_other_languages_in_columns_like_description_en(
    home, client, services, tmp_path
):
    """`description` is in the tenant's first language (de); `description.en` in English; a
    language the tenant lacks is the row's problem, named by its column."""
    people, _ = home
    path = tmp_path / "languages.csv"
    path.write_text(
        "external_id,name,kind,description,description.en,pickup_notes.fr\n"
        "shop-1,Bäckerei Morgenstern,gastronomy,Frische Brötchen,Fresh rolls,\n"
        "shop-2,Café Eule,gastronomy,Kaffee,Coffee,Dans la cour\n",
        encoding="utf-8",
    )
    summary = await run_import(services, "home", read_import_file(path), progress=False)
    assert (summary.created, summary.bad_rows) == (1, 1)
    assert [(p.line, p.column) for p in summary.problems] == [(3, "pickup_notes.fr")]
    assert "is not one of this tenant's languages" in summary.problems[0].reason
    (listed,) = (await client.get("/v1/businesses", headers=people["anonymous"])).json()["items"]
    shop = await client.get(
        f"/v1/businesses/{listed['id']}", headers=people["anonymous"] | {"Accept-Language": "en"}
    )
    assert shop.json()["description"] == "Fresh rolls"
    assert shop.json()["translations"]["description"] == {
        "de": "Frische Brötchen",
        "en": "Fresh rolls",
    }
    again = await run_import(services, "home", read_import_file(path), progress=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)

"""The business list's order and cursors: names in German order (as ICU's "de" collation sorts
them) on SQLite and PostgreSQL alike, and pages that neither skip nor repeat a business, with
and without a category filter, however rare the category."""

from __future__ import annotations

import csv
import io

import pytest

from adapters.db.business_summaries import WINDOW_PAGES
from domain.tenancy.model import CategorySeed, Feature, OpenDataSettings
from tests.conftest import as_user, seed_tenants, sign_up_and_log_in
from tests.factories import tenant_config

SEEDS = (
    CategorySeed("shops", "Läden"),
    CategorySeed("shops-food", "Lebensmittel", "shops"),
    CategorySeed("rare", "Selten"),
)
# Shuffled on purpose; GERMAN_ORDER is how PostgreSQL's de-x-icu sorts them.
NAMES = ["Zebra", "Buchladen", "Äpfel", "apfel", "Bäckerei", "Apfel", "Café Süd", "Cafe Nord",
         "Straße 2", "Strasse 1", "Öko-Laden", "Ofenbau", "zebra"]  # fmt: skip
GERMAN_ORDER = ["apfel", "Apfel", "Äpfel", "Bäckerei", "Buchladen", "Cafe Nord", "Café Süd",
                "Ofenbau", "Öko-Laden", "Strasse 1", "Straße 2", "zebra", "Zebra"]  # fmt: skip


@pytest.fixture
async def shop_street(services, client):  # type: ignore[no-untyped-def]
    licence = OpenDataSettings("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/", "Stadt")
    await seed_tenants(
        services,
        tenant_config(
            "home",
            features=frozenset({Feature.BUSINESSES, Feature.OPEN_DATA}),
            categories=SEEDS,
            open_data=licence,
        ),
    )
    session = await sign_up_and_log_in(client, "home", "owner@example.org")
    tree = (await client.get("/v1/categories", headers={"X-Tenant": "home"})).json()
    ids = {c["key"]: c["id"] for top in tree for c in [top, *top["children"]]}

    async def register(name: str, category: str) -> None:
        response = await client.post(
            "/v1/businesses",
            headers=as_user(session, "home"),
            json={"name": name, "kind": "retail", "category_ids": [ids[category]]},
        )
        assert response.status_code == 201, response.text

    return register, ids


async def names_page_by_page(client, limit: int, **params) -> list[str]:  # type: ignore[no-untyped-def]
    seen, cursor = [], None
    while True:
        query = params | {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/v1/businesses", params=query, headers={"X-Tenant": "home"})
        assert response.status_code == 200, response.text
        seen += [b["name"] for b in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return seen


async def test_names_sort_in_german_order_and_cursors_walk_them_exactly(shop_street, client):
    register, ids = shop_street
    for name in NAMES:
        await register(name, "shops-food")
    assert await names_page_by_page(client, limit=2) == GERMAN_ORDER
    # The category filter (a top-level category with its child) pages the same way.
    assert await names_page_by_page(client, limit=2, category=ids["shops"]) == GERMAN_ORDER
    assert await names_page_by_page(client, limit=100) == GERMAN_ORDER


async def test_a_rare_category_pages_exactly_even_beyond_the_index_window(shop_street, client):
    register, ids = shop_street
    limit = 1
    common = [f"Laden {i:02d}" for i in range(WINDOW_PAGES * (limit + 1) + 3)]
    for name in common:
        await register(name, "shops-food")
    # After every common one by name: the first page of "rare" lies beyond the window.
    for name in ("Zeitungen 2", "Zeitungen 1", "Zinngießerei"):
        await register(name, "rare")
    assert await names_page_by_page(client, limit=limit, category=ids["rare"]) == [
        "Zeitungen 1",
        "Zeitungen 2",
        "Zinngießerei",
    ]
    assert await names_page_by_page(client, limit=limit, category=ids["shops"]) == common


async def test_open_data_lists_businesses_in_the_same_german_order(shop_street, client):
    register, _ = shop_street
    for name in NAMES:
        await register(name, "shops-food")
    exported = await client.get("/v1/open-data/businesses.csv", headers={"X-Tenant": "home"})
    assert [row["name"] for row in csv.DictReader(io.StringIO(exported.text))] == GERMAN_ORDER

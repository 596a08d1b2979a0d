"""The list page and the map build their JSON as plain data (api/rest/responses.py); these
tests hold it to the response models that OpenAPI documents: nothing missing, nothing extra,
every value of the documented type."""

from __future__ import annotations

import pytest

from api.rest.schemas import directory as schemas
from api.rest.schemas import discovery as discovery_schemas
from domain.tenancy.model import CategorySeed, Feature
from tests.conftest import as_user, seed_tenants, sign_up_and_log_in
from tests.factories import tenant_config

HOURS = {"weekly": {"mo": ["09:00-18:00"], "sa": ["10:00-14:00"]}}


@pytest.fixture
async def street(services, client):  # type: ignore[no-untyped-def]
    await seed_tenants(
        services,
        tenant_config(
            "home",
            features=frozenset({Feature.BUSINESSES}),
            categories=(CategorySeed("food", "Essen"),),
        ),
    )
    owner = as_user(await sign_up_and_log_in(client, "home", "owner@example.org"), "home")
    tree = (await client.get("/v1/categories", headers={"X-Tenant": "home"})).json()
    food = tree[0]["id"]
    located = {"location": {"lat": 51.34, "lon": 12.37}, "opening_hours": HOURS}
    for name, extra in (("Bäckerei", located), ("Kiosk ohne Ort", {}), ("Café", located)):
        body = {"name": name, "kind": "gastronomy", "category_ids": [food], **extra}
        made = await client.post("/v1/businesses", headers=owner, json=body)
        assert made.status_code == 201, made.text


async def test_the_list_page_is_exactly_its_documented_schema(street, client):
    for params in ({"limit": 2}, {"limit": 100, "category": "food"}):
        response = await client.get("/v1/businesses", params=params, headers={"X-Tenant": "home"})
        body = response.json()
        assert response.headers["content-type"] == "application/json"
        assert schemas.BusinessPage.model_validate(body).model_dump(mode="json") == body
    assert {b["location"] is None for b in body["items"]} == {True, False}


@pytest.mark.parametrize(
    "path",
    ["/v1/map?bbox=12.3,51.3,12.4,51.4", "/v1/map/near?point=12.37,51.34&radius=500"],
)
async def test_map_pins_are_exactly_their_documented_schema_without_nulls(street, client, path):
    body = (await client.get(path, headers={"X-Tenant": "home"})).json()
    documented = discovery_schemas.FeatureCollection.model_validate(body)
    assert documented.model_dump(mode="json", exclude_none=True) == body
    assert len(body["features"]) == 2

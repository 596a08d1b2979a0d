"""A business shows uploaded images by media id: who may attach them, alt text in every
tenant language, and deleting a business deletes its images and their files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from domain.tenancy.model import Feature
from tests.api.test_media_api import png_bytes, stored_files
from tests.conftest import as_user, seed_tenants, set_role, settle, sign_up_and_log_in
from tests.factories import tenant_config

BOTH = {"alt": "Die Ladentheke", "alt.en": "The shop counter"}


@pytest.fixture
async def people(client: httpx.AsyncClient, services) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    await seed_tenants(
        services,
        tenant_config("leipzig", features=frozenset({Feature.BUSINESSES})),
    )
    found = {}
    for name in ("owner", "other", "moderator", "admin"):
        session = await sign_up_and_log_in(client, "leipzig", f"{name}@example.org")
        found[name] = as_user(session, "leipzig")
    await set_role(services, "leipzig", "moderator@example.org", "moderator")
    await set_role(services, "leipzig", "admin@example.org", "admin")
    return found


async def an_image(client, headers, alt=None) -> str:  # type: ignore[no-untyped-def]
    made = await client.post(
        "/v1/media",
        headers=headers,
        data=BOTH if alt is None else alt,
        files={"file": ("shop.png", png_bytes(), "image/png")},
    )
    assert made.status_code == 201, made.text
    return made.json()["id"]


async def a_business(client, headers, image_ids) -> httpx.Response:  # type: ignore[no-untyped-def]
    return await client.post(
        "/v1/businesses",
        headers=headers,
        json={"name": "Laden", "kind": "retail", "image_ids": image_ids},
    )


async def test_a_business_shows_its_images_with_variants_and_alt_text(client, services, people):
    first = await an_image(client, people["owner"])
    second = await an_image(client, people["owner"])
    made = await a_business(client, people["owner"], [second, first])
    assert made.status_code == 201, made.text
    assert made.json()["image_ids"] == [second, first]
    await settle(services)

    shown = await client.get(
        f"/v1/businesses/{made.json()['id']}",
        headers={"X-Tenant": "leipzig", "Accept-Language": "en"},
    )
    images = shown.json()["images"]
    assert [i["id"] for i in images] == [second, first]
    assert images[0]["alt"] == "The shop counter" and images[0]["status"] == "ready"
    assert {v["variant"] for v in images[0]["variants"]} == {"thumbnail", "card", "full"}
    media = await client.get(f"/v1/media/{first}", headers=people["owner"])
    assert media.json()["attached_to"] == {"kind": "business", "id": made.json()["id"]}


async def test_an_image_without_alt_text_in_every_language_is_not_shown(client, people):
    german_only = await an_image(client, people["owner"], {"alt": "Nur deutsch"})
    refused = await a_business(client, people["owner"], [german_only])
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "image_ids[0].alt", "message": "is missing in en", "code": "invalid"}
    ]
    fixed = await client.patch(
        f"/v1/media/{german_only}", headers=people["owner"], json={"alt": {"en": "English"}}
    )
    assert fixed.status_code == 200
    assert (await a_business(client, people["owner"], [german_only])).status_code == 201


async def test_only_its_owner_or_a_moderator_shows_an_image_and_only_in_one_place(client, people):
    mine = await an_image(client, people["owner"])
    refused = await a_business(client, people["other"], [mine])
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "image_ids[0]"
    assert "owner" in refused.json()["errors"][0]["message"]
    assert (await a_business(client, people["moderator"], [mine])).status_code == 201
    again = await a_business(client, people["owner"], [mine])
    assert again.status_code == 422
    assert again.json()["errors"][0]["message"] == "is shown elsewhere already"
    unknown = await a_business(client, people["owner"], ["00000000-0000-4000-8000-000000000000"])
    assert unknown.status_code == 422


async def test_an_edit_keeps_shown_images_and_releases_those_left_out(client, people):
    first, second = await an_image(client, people["owner"]), await an_image(client, people["owner"])
    business = (await a_business(client, people["owner"], [first, second])).json()
    # A moderator edits another field: the images stay though they are not the moderator's.
    edited = await client.patch(
        f"/v1/businesses/{business['id']}", headers=people["moderator"], json={"delivers": True}
    )
    assert edited.status_code == 200 and edited.json()["image_ids"] == [first, second]
    reordered = await client.patch(
        f"/v1/businesses/{business['id']}",
        headers=people["moderator"],
        json={"image_ids": [second]},
    )
    assert [i["id"] for i in reordered.json()["images"]] == [second]
    released = (await client.get(f"/v1/media/{first}", headers=people["owner"])).json()
    assert released["attached_to"] is None  # still the owner's, to show elsewhere or delete


async def test_the_team_of_the_business_may_delete_its_image_and_the_listing_drops_it(
    client, services, people
):
    image = await an_image(client, people["owner"])
    business = (await a_business(client, people["owner"], [image])).json()
    # The owner makes `other` staff; then other may delete the image it did not upload.
    other_id = (await client.get("/v1/me", headers=people["other"])).json()["id"]
    staffed = await client.put(
        f"/v1/businesses/{business['id']}/team/{other_id}",
        headers=people["owner"],
        json={"role": "staff"},
    )
    assert staffed.status_code == 204, staffed.text
    assert (await client.delete(f"/v1/media/{image}", headers=people["other"])).status_code == 204
    shown = await client.get(f"/v1/businesses/{business['id']}", headers={"X-Tenant": "leipzig"})
    assert shown.json()["images"] == [] and shown.json()["image_ids"] == []
    # What a client read back is what it may send: the deleted image is gone from both.
    added = await an_image(client, people["owner"])
    edited = await client.patch(
        f"/v1/businesses/{business['id']}",
        headers=people["owner"],
        json={"image_ids": [*shown.json()["image_ids"], added]},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["image_ids"] == [added]


async def test_deleting_a_business_deletes_its_offers_images_and_their_files(
    client, services, people
):
    before = set(stored_files())
    image = await an_image(client, people["owner"])
    business = (await a_business(client, people["owner"], [image])).json()
    now = datetime.now(UTC)
    offer = await client.post(
        "/v1/offers",
        headers=people["owner"],
        json={
            "business_id": business["id"],
            "title": "Angebot",
            "valid_from": now.isoformat(),
            "valid_until": (now + timedelta(days=3)).isoformat(),
        },
    )
    assert offer.status_code == 201, offer.text
    claim = await client.post(
        f"/v1/businesses/{business['id']}/claims",
        headers=people["other"],
        json={"message": "Meins"},
    )
    assert claim.status_code == 201, claim.text
    await settle(services)
    assert len(set(stored_files()) - before) == 7
    refused = await client.delete(f"/v1/businesses/{business['id']}", headers=people["other"])
    assert refused.status_code == 403

    gone = await client.delete(f"/v1/businesses/{business['id']}", headers=people["owner"])
    assert gone.status_code == 204
    assert (
        await client.get(f"/v1/businesses/{business['id']}", headers=people["owner"])
    ).status_code == 404
    assert (await client.get(f"/v1/media/{image}", headers=people["owner"])).status_code == 404
    found = await client.get("/v1/search?q=Laden", headers={"X-Tenant": "leipzig"})
    assert found.json()["items"] == []
    offers = await client.get("/v1/offers", headers={"X-Tenant": "leipzig"})
    assert offers.json()["items"] == []
    claims = await client.get("/v1/business-claims", headers=people["moderator"])
    assert claims.json() == []
    await settle(services)
    assert set(stored_files()) == before


async def test_moderators_delete_listings_and_graphql_does_the_same(client, services, people):
    image = await an_image(client, people["owner"])
    registered = await client.post(
        "/graphql",
        headers=people["owner"],
        json={
            "query": 'mutation($ids: [UUID!]!) { registerBusiness(input: {name: "G", '
            "kind: RETAIL, imageIds: $ids}) { business { id images { id alt url } } "
            "errors { code field } } }",
            "variables": {"ids": [image]},
        },
    )
    payload = registered.json()["data"]["registerBusiness"]
    assert payload["errors"] == []
    assert payload["business"]["images"][0]["id"] == image
    business_id = payload["business"]["id"]
    deleted = await client.post(
        "/graphql",
        headers=people["moderator"],
        json={"query": f'mutation {{ deleteBusiness(id: "{business_id}") {{ ok }} }}'},
    )
    assert deleted.json()["data"]["deleteBusiness"] == {"ok": True}
    assert (await client.get(f"/v1/media/{image}", headers=people["owner"])).status_code == 404

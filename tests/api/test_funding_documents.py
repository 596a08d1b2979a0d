"""A campaign's JSON is built as plain data (api/rest/schemas/funding.py campaign_document,
see api/rest/responses.py); these tests hold the list page and the detail to the response
models that OpenAPI documents: nothing missing, nothing extra, every value of its type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.rest.schemas import funding as schemas
from tests.api.test_funding_api import SLUG, live_campaign, people  # noqa: F401 (a fixture)


async def test_the_list_page_and_the_detail_are_exactly_their_documented_schema(client, people):  # noqa: F811
    later = datetime.now(UTC) + timedelta(days=40)
    placed = await live_campaign(
        client,
        people,
        location={"lat": 51.34, "lon": 12.37},
        minimum={"amount": 50_000, "currency": "EUR"},
        description={"de": "Alles über den Laden", "en": "All about the shop"},
    )
    await live_campaign(client, people, funding_model="keep_it_all")
    tier = {
        "title": {"de": "Gutschein", "en": "Voucher"},
        "minimum": {"amount": 2_500, "currency": "EUR"},
        "kind": "voucher",
        "quantity": 10,
        "estimated_delivery": later.date().isoformat(),
    }
    added = await client.post(
        f"/v1/campaigns/{placed['id']}/reward-tiers", headers=people["author"], json=tier
    )
    assert added.status_code == 201, added.text
    anonymous = {"X-Tenant": SLUG}
    for params in ({"limit": 1}, {"limit": 20, "status": "live"}):
        listed = await client.get("/v1/campaigns", params=params, headers=anonymous)
        body = listed.json()
        assert schemas.CampaignPage.model_validate(body).model_dump(mode="json") == body
    assert {c["location"] is None for c in body["items"]} == {True, False}
    detail = (await client.get(f"/v1/campaigns/{placed['id']}", headers=anonymous)).json()
    assert schemas.CampaignOut.model_validate(detail).model_dump(mode="json") == detail
    assert detail["reward_tiers"][0]["remaining"] == 10 and detail["images"] == []

"""The remote parent's HTTP client: what it sends, and how it sorts the answers into taken,
"this campaign refused" and "try again later"."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from adapters import remote_parent
from adapters.remote_parent import HttpxRemoteParent
from domain.funding.model import (
    CampaignContent,
    CampaignStatus,
    CampaignTerms,
    FundingModel,
    Money,
    Totals,
)
from domain.geo import GeoPoint
from domain.languages import LocalizedText
from domain.syndication.partner import PartnerCampaign
from domain.syndication.remote import RemoteRefused, RemoteUnavailable

START = datetime(2026, 12, 1, 9, tzinfo=UTC)
CAMPAIGN = PartnerCampaign(
    external_id=str(uuid.UUID(int=7)),
    content=CampaignContent(
        title=LocalizedText.of({"de": "Bänke", "en": "Benches"}),
        location=GeoPoint(51.34, 12.37),
    ),
    terms=CampaignTerms(
        Money(2_000_00, "EUR"), FundingModel.KEEP_IT_ALL, START, START + timedelta(days=20)
    ),
    status=CampaignStatus.LIVE,
    totals=Totals(Money(115_00, "EUR"), 4),
    platform="Kiezfonds Leipzig",
    pledge_url="https://kiezfonds.example/campaigns/7",
)


def remote_answering(status: int, seen: list[httpx.Request], **headers: str) -> HttpxRemoteParent:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            status, headers=headers, json={"code": "invalid-input", "title": "No"}
        )

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return HttpxRemoteParent(
        client,
        base_url="https://nordstart.example/",
        key="sk_abc_secret",
        key_env="NORDSTART_KEY",
        tenant="nordstart",
    )


async def test_a_put_sends_the_partner_body_with_the_key_and_tenant():
    seen: list[httpx.Request] = []
    await remote_answering(201, seen).put_campaign(CAMPAIGN)
    [request] = seen
    assert request.method == "PUT"
    assert str(request.url) == f"https://nordstart.example/v1/partner/campaigns/{uuid.UUID(int=7)}"
    assert request.headers["authorization"] == "Bearer sk_abc_secret"
    assert request.headers["x-tenant"] == "nordstart"
    assert json.loads(request.content) == {
        "title": {"de": "Bänke", "en": "Benches"},
        "summary": None,
        "description": None,
        "location": {"lat": 51.34, "lon": 12.37},
        "goal": {"amount": 200000, "currency": "EUR"},
        "minimum": None,
        "funding_model": "keep_it_all",
        "starts_at": "2026-12-01T09:00:00+00:00",
        "ends_at": "2026-12-21T09:00:00+00:00",
        "status": "live",
        "totals": {"pledged": {"amount": 11500, "currency": "EUR"}, "backers": 4},
        "origin": {
            "platform": "Kiezfonds Leipzig",
            "pledge_url": "https://kiezfonds.example/campaigns/7",
        },
    }


@pytest.mark.parametrize("status", [200, 201, 204])
async def test_a_2xx_is_taken(status):
    await remote_answering(status, []).delete_campaign("x")


@pytest.mark.parametrize("status", [500, 502, 503, 408, 409, 429, 401, 403, 404, 410, 302])
async def test_down_busy_or_refusing_us_is_tried_again_later(status):
    with pytest.raises(RemoteUnavailable):
        await remote_answering(status, []).put_campaign(CAMPAIGN)


@pytest.mark.parametrize("status", [400, 413, 422])
async def test_a_refusal_of_the_campaign_itself_is_a_refusal(status):
    with pytest.raises(RemoteRefused, match="invalid-input"):
        await remote_answering(status, []).put_campaign(CAMPAIGN)


async def test_retry_after_is_passed_on():
    with pytest.raises(RemoteUnavailable) as raised:
        await remote_answering(429, [], **{"Retry-After": "30"}).put_campaign(CAMPAIGN)
    assert raised.value.retry_after == 30


async def test_no_answer_is_tried_again_later():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    remote = HttpxRemoteParent(client, base_url="http://127.0.0.1:9", key="sk_x", key_env="K")
    with pytest.raises(RemoteUnavailable, match="ConnectError"):
        await remote.delete_campaign("x")


async def test_a_remote_that_answers_too_slowly_is_tried_again_later(monkeypatch):
    """Each read within httpx's timeout, the whole call past its bound: given up, so it
    cannot land after a newer state another worker sent once this one's lease ran out."""

    async def drip(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.5)
        return httpx.Response(200, json={})

    monkeypatch.setattr(remote_parent, "CALL_SECONDS", 0.05)
    client = httpx.AsyncClient(transport=httpx.MockTransport(drip))
    remote = HttpxRemoteParent(client, base_url="http://127.0.0.1:9", key="sk_x", key_env="K")
    with pytest.raises(RemoteUnavailable, match="no answer within"):
        await remote.put_campaign(CAMPAIGN)


async def test_without_its_key_nothing_is_sent_and_the_variable_is_named():
    seen: list[httpx.Request] = []
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: seen.append(r)))  # type: ignore[arg-type, func-returns-value]
    remote = HttpxRemoteParent(client, base_url="https://n.example", key=None, key_env="NORD_KEY")
    with pytest.raises(RemoteUnavailable, match="NORD_KEY"):
        await remote.put_campaign(CAMPAIGN)
    assert seen == []

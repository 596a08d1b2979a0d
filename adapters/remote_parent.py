"""The remote parent's partner API over HTTP: `PUT` and `DELETE /v1/partner/campaigns/{id}`
with the tenant's partner key, the answers sorted into "taken", "this campaign refused" and
"try again later" (see domain/syndication/remote.py). No redirects are followed: a partner
key is never sent anywhere the tenant file did not name."""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import Any
from urllib.parse import quote

import httpx

from domain.funding.model import Money
from domain.languages import LocalizedText
from domain.syndication.partner import PartnerCampaign
from domain.syndication.remote import RemoteRefused, RemoteUnavailable

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# httpx's timeouts bound each read and write, not the call: a remote that drips its answer
# could hold one past the push's lease (60 s) and land after a newer state another worker
# sent. A call lasts this long at most.
CALL_SECONDS = 20.0
# The remote is down or busy (or a racing upsert there): the same call later may pass.
_TRY_AGAIN = frozenset({408, 409, 425, 429})
# The remote refuses us, not the campaign (a wrong or revoked key, an unknown or closed
# tenant): every later campaign would be refused too; waiting lets an operator fix it.
_NOT_US = frozenset({401, 403, 404, 410})


def _money(money: Money | None) -> dict[str, Any] | None:
    return None if money is None else {"amount": money.amount, "currency": money.currency}


def _text(text: LocalizedText) -> dict[str, str] | None:
    return text.as_dict() or None


def partner_body(campaign: PartnerCampaign) -> dict[str, Any]:
    """The partner API's request body for a campaign."""
    content, terms = campaign.content, campaign.terms
    location = content.location
    return {
        "title": content.title.as_dict(),
        "summary": _text(content.summary),
        "description": _text(content.description),
        "location": {"lat": location.lat, "lon": location.lon} if location else None,
        "goal": _money(terms.goal),
        "minimum": _money(terms.minimum),
        "funding_model": terms.funding_model.value,
        "starts_at": terms.starts_at.astimezone(UTC).isoformat(),
        "ends_at": terms.ends_at.astimezone(UTC).isoformat(),
        "status": campaign.status.value,
        "totals": {
            "pledged": _money(campaign.totals.pledged),
            "backers": campaign.totals.backers,
        },
        "origin": {"platform": campaign.platform, "pledge_url": campaign.pledge_url},
    }


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: the backoff decides


def _problem(response: httpx.Response) -> str:
    """What the remote said, short: its problem's title and detail, or the first bytes."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        parts = [str(body.get(k)) for k in ("code", "title", "detail") if body.get(k)]
        errors = body.get("errors")
        if isinstance(errors, list):
            parts += [str(e)[:200] for e in errors[:5]]
        return "; ".join(parts)[:1000]
    return str(body)[:300]


class HttpxRemoteParent:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        key: str | None,
        key_env: str,
        tenant: str | None = None,
    ) -> None:
        self._client = client
        self._base = base_url.rstrip("/") + "/v1/partner/campaigns/"
        self._key = key
        self._key_env = key_env
        self._tenant = tenant

    def _headers(self) -> dict[str, str]:
        if not self._key:
            raise RemoteUnavailable(f"the environment variable {self._key_env} (the key) is unset")
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        if self._tenant:
            headers["X-Tenant"] = self._tenant
        return headers

    async def _send(self, method: str, external_id: str, body: Any = None) -> None:
        url = self._base + quote(external_id, safe="")
        try:
            async with asyncio.timeout(CALL_SECONDS):
                response = await self._client.request(
                    method,
                    url,
                    json=body,
                    headers=self._headers(),
                    timeout=TIMEOUT,
                    follow_redirects=False,
                )
        except httpx.HTTPError as exc:
            raise RemoteUnavailable(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
        except TimeoutError as exc:
            raise RemoteUnavailable(
                f"{method} {url}: no answer within {CALL_SECONDS:.0f} s"
            ) from exc
        status = response.status_code
        if 200 <= status < 300:
            return
        said = f"{method} {url}: {status} {_problem(response)}".strip()
        if status >= 500 or status in _TRY_AGAIN or status in _NOT_US or 300 <= status < 400:
            raise RemoteUnavailable(said, retry_after=_retry_after(response))
        raise RemoteRefused(said)

    async def put_campaign(self, campaign: PartnerCampaign) -> None:
        await self._send("PUT", campaign.external_id, partner_body(campaign))

    async def delete_campaign(self, external_id: str) -> None:
        await self._send("DELETE", external_id)

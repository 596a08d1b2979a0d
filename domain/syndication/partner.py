"""Partner upserts: a partner platform (another Stadtkern pushing as a remote child, or any
platform that speaks the partner API) keeps its campaigns here by its own external id.

Such a campaign is the partner's: it carries its origin (the platform's name and the URL
where backers pledge), it is not on this ledger (a pledge here is refused with that URL),
its status and totals are what the partner says, and the settlement never decides it. An
upsert that changes nothing records nothing, so a partner may send the same state again
(a retry, a catch-up) as often as it likes."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from domain.errors import Conflict, FieldProblem, InvalidInput
from domain.funding.campaigns import (
    CAMPAIGN,
    content_problems,
    search_document,
)
from domain.funding.errors import CampaignNotFound
from domain.funding.events import (
    CampaignChanged,
    CampaignCreated,
    CampaignDeleted,
    CampaignStatusChanged,
)
from domain.funding.model import (
    Campaign,
    CampaignContent,
    CampaignOrigin,
    CampaignStatus,
    CampaignTerms,
    Totals,
)
from domain.funding.ports import FundingUnitOfWork
from domain.identity.errors import ApiKeyRequired, ScopeRequired, Unauthenticated
from domain.identity.model import Anonymous, PartnerKey, Principal, Scope
from domain.ports import Clock, IdGenerator
from domain.syndication.errors import PartnerCampaignConflict
from domain.tenancy.model import is_loopback_http_url

EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:~-]{0,199}$")
EXTERNAL_ID_PATTERN = EXTERNAL_ID.pattern
# What a partner may say of its campaign: drafts stay on its own platform.
PARTNER_STATUSES = frozenset(
    {
        CampaignStatus.LIVE,
        CampaignStatus.SUCCEEDED,
        CampaignStatus.FAILED,
        CampaignStatus.PAID_OUT,
        CampaignStatus.CANCELLED,
    }
)
MAX_PLATFORM = 120
MAX_URL = 2000


@dataclass(frozen=True)
class PartnerCampaign:
    external_id: str
    content: CampaignContent
    terms: CampaignTerms
    status: CampaignStatus
    totals: Totals
    platform: str
    pledge_url: str


def require_partner_key(principal: Principal) -> PartnerKey:
    if isinstance(principal, Anonymous):
        raise Unauthenticated()
    if not isinstance(principal, PartnerKey):
        raise ApiKeyRequired("partner upserts are made with a partner key")
    if Scope.CAMPAIGNS_WRITE not in principal.scopes:
        raise ScopeRequired(f"needs the {Scope.CAMPAIGNS_WRITE.value} scope")
    return principal


def partner_problems(
    cmd: PartnerCampaign, locales: tuple[str, ...], currency: str
) -> list[FieldProblem]:
    problems = content_problems(cmd.content, locales)
    if cmd.terms.goal.currency != currency:
        problems.append(FieldProblem("goal.currency", f"must be {currency}"))
    if cmd.totals.pledged.currency != currency:
        problems.append(FieldProblem("totals.pledged.currency", f"must be {currency}"))
    if cmd.totals.backers < 0 or cmd.totals.pledged.amount < 0:
        problems.append(FieldProblem("totals", "cannot be negative"))
    if cmd.status not in PARTNER_STATUSES:
        allowed = ", ".join(sorted(s.value for s in PARTNER_STATUSES))
        problems.append(FieldProblem("status", f"one of {allowed}"))
    if not cmd.platform.strip() or len(cmd.platform) > MAX_PLATFORM:
        problems.append(FieldProblem("origin.platform", f"1-{MAX_PLATFORM} characters"))
    url = cmd.pledge_url
    if (
        len(url) > MAX_URL
        or " " in url
        or not (url.startswith("https://") or is_loopback_http_url(url))
    ):
        problems.append(FieldProblem("origin.pledge_url", "must be an https:// URL"))
    if not EXTERNAL_ID.fullmatch(cmd.external_id):
        problems.append(FieldProblem("external_id", "1-200 letters, digits and . _ : ~ -"))
    return problems


@dataclass(frozen=True)
class Upserted:
    campaign: Campaign
    created: bool
    changed: bool


async def upsert_partner_campaign(
    cmd: PartnerCampaign,
    principal: Principal,
    *,
    uow: FundingUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    currency: str,
) -> Upserted:
    key = require_partner_key(principal)
    problems = partner_problems(cmd, uow.locales, currency)
    if problems:
        raise InvalidInput(problems)
    try:
        return await _upsert(cmd, key, uow=uow, clock=clock, ids=ids)
    except Conflict as error:
        if isinstance(error, PartnerCampaignConflict):
            raise
        # Two first upserts of one external id raced and the other created it: this one
        # is an update of it now.
        return await _upsert(cmd, key, uow=uow, clock=clock, ids=ids)


async def _upsert(
    cmd: PartnerCampaign, key: PartnerKey, *, uow: FundingUnitOfWork, clock: Clock, ids: IdGenerator
) -> Upserted:
    origin = CampaignOrigin(cmd.external_id, cmd.platform.strip(), cmd.pledge_url)
    now = clock.now()
    async with uow:
        old = await uow.campaigns.by_external_id(cmd.external_id)
        if old is None:
            campaign = Campaign(
                id=ids.new_id(),
                tenant_id=uow.tenant_id,
                owner_id=None,
                partner_key_id=key.key_id,
                content=cmd.content,
                terms=cmd.terms,
                created_at=now,
                updated_at=now,
                status=cmd.status,
                totals=cmd.totals,
                origin=origin,
            )
            await uow.campaigns.add(campaign)
            uow.record(CampaignCreated(tenant_id=uow.tenant_id, campaign_id=campaign.id))
            await _search(uow, None, campaign)
            await uow.commit()
            return Upserted(campaign, created=True, changed=True)
        await _require_owner(uow, old, key)
        new = replace(
            old,
            partner_key_id=key.key_id,
            content=cmd.content,
            terms=cmd.terms,
            status=cmd.status,
            totals=cmd.totals,
            origin=origin,
        )
        if new == old:
            return Upserted(old, created=False, changed=False)
        new = replace(new, updated_at=now, version=old.version + 1)
        if not await uow.campaigns.update(new, expected_version=old.version):
            raise PartnerCampaignConflict("changed by a racing upsert: send it again")
        uow.record(CampaignChanged(tenant_id=uow.tenant_id, campaign_id=new.id))
        if new.status is not old.status:
            uow.record(
                CampaignStatusChanged(
                    tenant_id=uow.tenant_id,
                    campaign_id=new.id,
                    old_status=old.status.value,
                    new_status=new.status.value,
                )
            )
        await _search(uow, old, new)
        await uow.commit()
        return Upserted(new, created=False, changed=True)


async def _search(uow: FundingUnitOfWork, old: Campaign | None, new: Campaign) -> None:
    if new.status is CampaignStatus.LIVE:
        await uow.search.put(search_document(new, uow.locales))
    elif old is not None and old.status is CampaignStatus.LIVE:
        await uow.search.remove(CAMPAIGN, new.id)


async def _require_owner(uow: FundingUnitOfWork, campaign: Campaign, key: PartnerKey) -> None:
    """A partner's campaign is its key's: another live key of the tenant (another partner)
    may not touch it. A revoked key's campaigns pass to the key that asks next, so a partner
    that rotates its key (a new one, the old revoked) keeps them."""
    if campaign.origin is None:
        raise PartnerCampaignConflict("the tenant runs this campaign itself")
    owner = campaign.partner_key_id
    if owner is not None and owner != key.key_id and await uow.directory.partner_key_active(owner):
        raise PartnerCampaignConflict("another partner key keeps this campaign")


async def partner_campaign(
    external_id: str, principal: Principal, *, uow: FundingUnitOfWork
) -> Campaign:
    key = require_partner_key(principal)
    async with uow:
        campaign = await uow.campaigns.by_external_id(external_id)
        if campaign is not None:
            try:
                await _require_owner(uow, campaign, key)
            except PartnerCampaignConflict:
                campaign = None  # another partner's: not there for this key
    if campaign is None:
        raise CampaignNotFound()
    return campaign


async def delete_partner_campaign(
    external_id: str, principal: Principal, *, uow: FundingUnitOfWork
) -> bool:
    """True if it was there; deleting again is no error (a retried request)."""
    key = require_partner_key(principal)
    async with uow:
        campaign = await uow.campaigns.by_external_id(external_id)
        if campaign is None:
            return False
        await _require_owner(uow, campaign, key)
        await uow.campaigns.remove(campaign.id)
        await uow.search.remove(CAMPAIGN, campaign.id)
        uow.record(
            CampaignDeleted(
                tenant_id=uow.tenant_id, campaign_id=campaign.id, external_id=external_id
            )
        )
        await uow.commit()
    return True

"""Use cases of campaigns: drafting, editing, review by the tenant's moderators, cancelling,
paying out, and reading them. Every rule of the lifecycle is the model's; who may do what is
decided here, the same for REST and GraphQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from domain.discovery.model import SearchDocument
from domain.errors import FieldProblem, InvalidInput, StaleVersion
from domain.funding.errors import CampaignNotFound, TransitionNotAllowed
from domain.funding.events import CampaignChanged, CampaignCreated, CampaignStatusChanged
from domain.funding.model import (
    Campaign,
    CampaignContent,
    CampaignStatus,
    CampaignTerms,
    RewardTier,
)
from domain.funding.ports import (
    CampaignFilter,
    CampaignPage,
    CampaignSort,
    FundingReads,
    FundingUnitOfWork,
)
from domain.identity.model import PartnerKey, Person, Principal, Role, Scope
from domain.identity.policies import is_moderator, require_member, require_scope_or_role
from domain.media.attachments import delete_images_of, show_images
from domain.media.model import AttachedTo
from domain.ports import Clock, IdGenerator

CAMPAIGN = "campaign"  # the kind of campaigns in search and on the map
MAX_PAGE = 100
# Who sees a campaign that is not theirs: what backers can find and look back on.
PUBLIC = (
    CampaignStatus.LIVE,
    CampaignStatus.SUCCEEDED,
    CampaignStatus.FAILED,
    CampaignStatus.PAID_OUT,
)
MAX_IMAGES = 10
_NOBODY = UUID(int=0)
TITLE = (1, 120)
SUMMARY = (0, 300)
DESCRIPTION = (0, 20_000)


@dataclass(frozen=True)
class CampaignInput:
    """What a campaign's author writes; the currency is the tenant's."""

    content: CampaignContent
    terms: CampaignTerms
    business_id: UUID | None = None


def content_problems(content: CampaignContent, locales: Sequence[str]) -> list[FieldProblem]:
    problems = content.title.problems("title", locales=locales, min_len=TITLE[0], max_len=TITLE[1])
    problems += content.summary.problems(
        "summary", locales=locales, min_len=SUMMARY[0], max_len=SUMMARY[1]
    )
    problems += content.description.problems(
        "description", locales=locales, min_len=DESCRIPTION[0], max_len=DESCRIPTION[1]
    )
    if len(content.image_ids) > MAX_IMAGES:
        problems.append(FieldProblem("image_ids", f"at most {MAX_IMAGES} images"))
    if len(set(content.image_ids)) != len(content.image_ids):
        problems.append(FieldProblem("image_ids", "names an image twice"))
    return problems


def showing(campaign_id: UUID) -> AttachedTo:
    return AttachedTo(CAMPAIGN, campaign_id)


def search_document(campaign: Campaign, locales: Sequence[str]) -> SearchDocument:
    """A live campaign as search holds it: its texts in each of the tenant's languages."""
    c = campaign.content
    texts = {
        locale: " ".join(
            filter(None, [c.title.get(locale), c.summary.get(locale), c.description.get(locale)])
        )
        for locale in locales
    }
    return SearchDocument(
        kind=CAMPAIGN,
        item_id=campaign.id,
        title=c.title.pick(locales[0], "").text,
        texts=type(c.title).of({k: v for k, v in texts.items() if v}),
        category_ids=(c.category_id,) if c.category_id else (),
    )


def is_runner(principal: Principal, campaign: Campaign) -> bool:
    """The campaign's own account, or the partner key that synced it."""
    if isinstance(principal, Person):
        return campaign.owner_id is not None and principal.account_id == campaign.owner_id
    if isinstance(principal, PartnerKey):
        return (
            campaign.partner_key_id is not None
            and principal.key_id == campaign.partner_key_id
            and Scope.CAMPAIGNS_WRITE in principal.scopes
        )
    return False


def may_see(principal: Principal, campaign: Campaign) -> bool:
    return campaign.status in PUBLIC or is_runner(principal, campaign) or is_moderator(principal)


def require_runner(principal: Principal, campaign: Campaign) -> None:
    if is_runner(principal, campaign) or is_moderator(principal):
        return
    if not may_see(principal, campaign):
        raise CampaignNotFound()
    require_member(principal, Role.MODERATOR)


async def _check_links(
    uow: FundingUnitOfWork, cmd: CampaignInput, principal: Principal
) -> list[FieldProblem]:
    problems = []
    category_id = cmd.content.category_id
    if category_id is not None and not await uow.directory.category_exists(category_id):
        problems.append(FieldProblem("category_id", "no such category in this tenant"))
    if cmd.business_id is not None:
        # Anyone but a person asks as nobody: the business must exist, no team is needed.
        account = principal.account_id if isinstance(principal, Person) else _NOBODY
        role = await uow.directory.business_team_role(cmd.business_id, account)
        if role is None:
            problems.append(FieldProblem("business_id", "no such business in this tenant"))
        elif not role and isinstance(principal, Person) and not is_moderator(principal):
            problems.append(
                FieldProblem("business_id", "only the business's owners and staff may name it")
            )
    return problems


def _check_terms(terms: CampaignTerms, currency: str) -> None:
    if terms.goal.currency != currency:
        raise InvalidInput([FieldProblem("goal.currency", f"must be {currency}")])


async def create_campaign(
    cmd: CampaignInput,
    principal: Principal,
    *,
    uow: FundingUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    currency: str,
) -> Campaign:
    """A draft, owned by the member who writes it (or by the partner key that syncs it)."""
    require_scope_or_role(principal, Scope.CAMPAIGNS_WRITE, Role.MEMBER)
    problems = content_problems(cmd.content, uow.locales)
    if problems:
        raise InvalidInput(problems)
    _check_terms(cmd.terms, currency)
    now = clock.now()
    campaign = Campaign(
        id=ids.new_id(),
        tenant_id=uow.tenant_id,
        owner_id=principal.account_id if isinstance(principal, Person) else None,
        partner_key_id=principal.key_id if isinstance(principal, PartnerKey) else None,
        content=cmd.content,
        terms=cmd.terms,
        created_at=now,
        updated_at=now,
        business_id=cmd.business_id,
    )
    async with uow:
        problems = await _check_links(uow, cmd, principal)
        if problems:
            raise InvalidInput(problems)
        await uow.campaigns.add(campaign)
        await show_images(
            uow.media, showing(campaign.id), cmd.content.image_ids, principal, locales=uow.locales
        )
        uow.record(CampaignCreated(tenant_id=uow.tenant_id, campaign_id=campaign.id))
        await uow.commit()
    return campaign


async def load_visible(uow: FundingUnitOfWork, campaign_id: UUID, principal: Principal) -> Campaign:
    campaign = await uow.campaigns.get(campaign_id)
    if campaign is None or not may_see(principal, campaign):
        raise CampaignNotFound()
    return campaign


async def _save(uow: FundingUnitOfWork, old: Campaign, new: Campaign) -> None:
    if not await uow.campaigns.update(new, expected_version=old.version):
        raise StaleVersion("the campaign changed meanwhile (a first pledge?): read it again")


async def edit_campaign(
    campaign_id: UUID,
    change: Callable[[Campaign], CampaignInput],
    principal: Principal,
    *,
    uow: FundingUnitOfWork,
    clock: Clock,
    expected_version: int | None = None,
) -> Campaign:
    """New content and terms, as `change` makes them of the campaign read in this
    transaction (a patch applies to what is current). Content can change until the campaign
    ends; the terms follow the model's rules (after the first pledge the goal and the end
    only grow)."""
    now = clock.now()
    async with uow:
        old = await load_visible(uow, campaign_id, principal)
        require_runner(principal, old)
        if expected_version is not None and old.version != expected_version:
            raise StaleVersion()
        if old.status not in (CampaignStatus.DRAFT, CampaignStatus.IN_REVIEW, CampaignStatus.LIVE):
            raise TransitionNotAllowed("a campaign that has ended cannot be edited")
        cmd = change(old)
        problems = content_problems(cmd.content, uow.locales)
        if problems:
            raise InvalidInput(problems)
        _check_terms(cmd.terms, old.currency)
        if cmd.business_id != old.business_id or cmd.content.category_id != (
            old.content.category_id
        ):
            problems = await _check_links(uow, cmd, principal)
            if problems:
                raise InvalidInput(problems)
        new = old if cmd.terms == old.terms else old.with_terms(cmd.terms, now)
        new = replace(
            new,
            content=cmd.content,
            business_id=cmd.business_id,
            updated_at=now,
            version=old.version + 1,
        )
        if cmd.content.image_ids != old.content.image_ids:
            await show_images(
                uow.media, showing(old.id), cmd.content.image_ids, principal, locales=uow.locales
            )
        await _save(uow, old, new)
        if new.status is CampaignStatus.LIVE:
            await uow.search.put(search_document(new, uow.locales))
        uow.record(CampaignChanged(tenant_id=uow.tenant_id, campaign_id=new.id))
        await uow.commit()
    return new


async def move_campaign(
    uow: FundingUnitOfWork, campaign: Campaign, status: CampaignStatus, now: datetime
) -> Campaign:
    moved = campaign.moved_to(status, now)
    await _save(uow, campaign, moved)
    if moved.status is CampaignStatus.LIVE:
        await uow.search.put(search_document(moved, uow.locales))
    elif campaign.status is CampaignStatus.LIVE:
        await uow.search.remove(CAMPAIGN, moved.id)
    uow.record(
        CampaignStatusChanged(
            tenant_id=uow.tenant_id,
            campaign_id=moved.id,
            old_status=campaign.status.value,
            new_status=moved.status.value,
        )
    )
    return moved


async def submit_campaign(
    campaign_id: UUID,
    principal: Principal,
    *,
    uow: FundingUnitOfWork,
    clock: Clock,
    auto_approve: bool,
) -> Campaign:
    """Draft -> in review; straight on to live where the tenant approves campaigns itself."""
    now = clock.now()
    async with uow:
        campaign = await load_visible(uow, campaign_id, principal)
        require_runner(principal, campaign)
        if campaign.terms.ends_at <= now:
            raise InvalidInput([FieldProblem("ends_at", "has passed: move the end first")])
        missing = campaign.content.title.missing(uow.locales[:1])
        if missing:
            raise InvalidInput([FieldProblem(f"title.{missing[0]}", "is required to submit")])
        moved = await move_campaign(uow, campaign, CampaignStatus.IN_REVIEW, now)
        if auto_approve:
            moved = await move_campaign(uow, moved, CampaignStatus.LIVE, now)
        await uow.commit()
    return moved


async def review_campaign(
    campaign_id: UUID,
    approve: bool,
    principal: Principal,
    *,
    uow: FundingUnitOfWork,
    clock: Clock,
) -> Campaign:
    """A moderator approves (in review -> live) or sends it back (-> draft)."""
    require_member(principal, Role.MODERATOR)
    now = clock.now()
    async with uow:
        campaign = await load_visible(uow, campaign_id, principal)
        if approve and campaign.terms.ends_at <= now:
            raise TransitionNotAllowed("its end has passed: the author moves it first")
        target = CampaignStatus.LIVE if approve else CampaignStatus.DRAFT
        moved = await move_campaign(uow, campaign, target, now)
        await uow.commit()
    return moved


async def cancel_campaign(
    campaign_id: UUID, principal: Principal, *, uow: FundingUnitOfWork, clock: Clock
) -> Campaign:
    """By its runner or a moderator, before an outcome. Every pledge is then released or
    refunded by the settlement, as for a failed campaign."""
    now = clock.now()
    async with uow:
        campaign = await load_visible(uow, campaign_id, principal)
        require_runner(principal, campaign)
        moved = await move_campaign(uow, campaign, CampaignStatus.CANCELLED, now)
        if campaign.status in (CampaignStatus.DRAFT, CampaignStatus.IN_REVIEW):
            await delete_images_of(uow.media, showing(campaign.id), uow.record)
        await uow.commit()
    return moved


async def mark_paid_out(
    campaign_id: UUID, principal: Principal, *, uow: FundingUnitOfWork, clock: Clock
) -> Campaign:
    """A tenant admin notes that a succeeded campaign's money went to its runner."""
    require_member(principal, Role.ADMIN)
    async with uow:
        campaign = await load_visible(uow, campaign_id, principal)
        moved = await move_campaign(uow, campaign, CampaignStatus.PAID_OUT, clock.now())
        await uow.commit()
    return moved


@dataclass(frozen=True)
class CampaignView:
    campaign: Campaign
    tiers: list[RewardTier]


async def view_campaign(
    campaign_id: UUID, principal: Principal, *, uow: FundingUnitOfWork
) -> CampaignView:
    async with uow:
        campaign = await load_visible(uow, campaign_id, principal)
        tiers = await uow.tiers.of_campaign(campaign.id)
    return CampaignView(campaign, tiers)


def visible_filter(where: CampaignFilter, principal: Principal) -> CampaignFilter | None:
    """What a principal may list: the public statuses; their own in any; moderators all.
    None: nothing (only statuses they may not see were asked for)."""
    if is_moderator(principal):
        return where
    if isinstance(principal, Person) and where.owner_id == principal.account_id:
        return where
    if not where.statuses:
        return replace(where, statuses=PUBLIC)
    allowed = tuple(s for s in where.statuses if s in PUBLIC)
    return replace(where, statuses=allowed) if allowed else None


async def list_campaigns(
    where: CampaignFilter,
    sort: CampaignSort,
    principal: Principal,
    *,
    reads: FundingReads,
    limit: int,
    cursor: str | None,
) -> CampaignPage:
    visible = visible_filter(where, principal)
    if visible is None:
        return CampaignPage()
    return await reads.list_campaigns(
        visible, sort, limit=max(1, min(limit, MAX_PAGE)), cursor=cursor
    )

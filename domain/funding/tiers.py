"""Use cases of reward tiers: what backers get for a pledge of at least a tier's minimum.
A tier's stock is claimed by pledges (pledges.py), never written here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from domain.errors import FieldProblem, InvalidInput, StaleVersion
from domain.funding.campaigns import load_visible, require_runner
from domain.funding.errors import RewardTierNotFound, TransitionNotAllowed
from domain.funding.events import CampaignChanged
from domain.funding.model import CampaignStatus, Money, RewardKind, RewardTier
from domain.funding.ports import FundingUnitOfWork
from domain.identity.model import Principal
from domain.languages import EMPTY, LocalizedText
from domain.ports import IdGenerator

MAX_TIERS = 50
# Tiers can be added and changed until the campaign has ended; a live campaign's tier keeps
# its minimum and kind (backers chose it for them) and its stock never drops below claimed.
_EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.IN_REVIEW, CampaignStatus.LIVE)


@dataclass(frozen=True)
class TierInput:
    title: LocalizedText
    minimum: int  # minor units of the campaign's currency
    kind: RewardKind
    description: LocalizedText = EMPTY
    quantity: int | None = None
    estimated_delivery: date | None = None


def _problems(cmd: TierInput, locales: tuple[str, ...]) -> list[FieldProblem]:
    problems = cmd.title.problems("title", locales=locales, min_len=1, max_len=120)
    problems += cmd.description.problems("description", locales=locales, min_len=0, max_len=2000)
    return problems


async def add_tier(
    campaign_id: UUID,
    cmd: TierInput,
    principal: Principal,
    *,
    uow: FundingUnitOfWork,
    ids: IdGenerator,
) -> RewardTier:
    problems = _problems(cmd, uow.locales)
    if problems:
        raise InvalidInput(problems)
    async with uow:
        campaign = await load_visible(uow, campaign_id, principal)
        require_runner(principal, campaign)
        if campaign.status not in _EDITABLE:
            raise TransitionNotAllowed("a campaign that has ended gets no new rewards")
        if len(await uow.tiers.of_campaign(campaign.id)) >= MAX_TIERS:
            raise InvalidInput([FieldProblem("tiers", f"a campaign has at most {MAX_TIERS}")])
        tier = RewardTier(
            id=ids.new_id(),
            campaign_id=campaign.id,
            title=cmd.title,
            minimum=Money(cmd.minimum, campaign.currency),
            kind=cmd.kind,
            description=cmd.description,
            quantity=cmd.quantity,
            estimated_delivery=cmd.estimated_delivery,
        )
        await uow.tiers.add(tier)
        uow.record(CampaignChanged(tenant_id=uow.tenant_id, campaign_id=campaign.id))
        await uow.commit()
    return tier


async def _tier_of(uow: FundingUnitOfWork, campaign_id: UUID, tier_id: UUID) -> RewardTier:
    tier = await uow.tiers.get(tier_id)
    if tier is None or tier.campaign_id != campaign_id:
        raise RewardTierNotFound()
    return tier


async def edit_tier(
    campaign_id: UUID,
    tier_id: UUID,
    cmd: TierInput,
    principal: Principal,
    *,
    uow: FundingUnitOfWork,
) -> RewardTier:
    problems = _problems(cmd, uow.locales)
    if problems:
        raise InvalidInput(problems)
    async with uow:
        campaign = await load_visible(uow, campaign_id, principal)
        require_runner(principal, campaign)
        if campaign.status not in _EDITABLE:
            raise TransitionNotAllowed("a campaign that has ended keeps its rewards")
        old = await _tier_of(uow, campaign.id, tier_id)
        problems = []
        if old.claimed and cmd.minimum > old.minimum.amount:
            problems.append(FieldProblem("minimum", "cannot be raised once backers chose it"))
        if old.claimed and cmd.kind is not old.kind:
            problems.append(FieldProblem("kind", "cannot change once backers chose it"))
        if cmd.quantity is not None and cmd.quantity < old.claimed:
            problems.append(FieldProblem("quantity", f"{old.claimed} are claimed already"))
        if problems:
            raise InvalidInput(problems)
        tier = replace(
            old,
            title=cmd.title,
            description=cmd.description,
            minimum=Money(cmd.minimum, campaign.currency),
            kind=cmd.kind,
            quantity=cmd.quantity,
            estimated_delivery=cmd.estimated_delivery,
        )
        # A higher minimum or another kind only while nobody has chosen it: decided by the
        # write itself, so a pledge made meanwhile is never changed under its backer.
        promised = tier.minimum.amount > old.minimum.amount or tier.kind is not old.kind
        if not await uow.tiers.update(tier, only_unclaimed=promised):
            raise StaleVersion("a backer chose this reward meanwhile: read it again")
        uow.record(CampaignChanged(tenant_id=uow.tenant_id, campaign_id=campaign.id))
        await uow.commit()
    return tier


async def remove_tier(
    campaign_id: UUID, tier_id: UUID, principal: Principal, *, uow: FundingUnitOfWork
) -> None:
    """Only a tier nobody has chosen."""
    async with uow:
        campaign = await load_visible(uow, campaign_id, principal)
        require_runner(principal, campaign)
        tier = await _tier_of(uow, campaign.id, tier_id)
        if tier.claimed or not await uow.tiers.remove(tier.id):
            raise TransitionNotAllowed("backers chose this reward: it stays")
        uow.record(CampaignChanged(tenant_id=uow.tenant_id, campaign_id=campaign.id))
        await uow.commit()


async def tiers_of(
    campaign_id: UUID, principal: Principal, *, uow: FundingUnitOfWork
) -> list[RewardTier]:
    async with uow:
        campaign = await load_visible(uow, campaign_id, principal)
        return await uow.tiers.of_campaign(campaign.id)

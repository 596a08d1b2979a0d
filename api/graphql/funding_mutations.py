"""GraphQL mutations of funding: drafting, editing and reviewing campaigns, their reward
tiers, pledging, refunds and bank transfers received. Inputs are checked by the models REST
uses too (api/funding_input.py); broken rules come back as typed errors in the payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar
from uuid import UUID

import strawberry

from api.funding_input import (
    CampaignCreateIn,
    CampaignPatchIn,
    PledgeIn,
    RefundIn,
    TierIn,
    TierPatchIn,
    TransfersReceivedIn,
    campaign_input,
    patched_campaign,
    patched_tier,
    tier_input,
)
from api.graphql.context import Info
from api.graphql.directory_inputs import checked, plain
from api.graphql.errors import UserError, user_errors
from api.graphql.funding_inputs import (
    CampaignInput,
    CampaignPatchInput,
    MoneyInput,
    PledgeInput,
    RewardTierInput,
    RewardTierPatchInput,
)
from api.graphql.funding_loaders import forget_campaign
from api.graphql.funding_queries import require_campaigns
from api.graphql.funding_types import (
    Campaign,
    Pledge,
    Refund,
    RewardTier,
    campaign_from,
    pledge_from,
    refund_from,
    tier_from,
)
from api.graphql.media import DeletePayload
from domain.errors import DomainError, FieldProblem, InvalidInput
from domain.funding import campaigns, pledges, refunds, tiers
from domain.funding.errors import RewardTierNotFound
from domain.funding.model import Campaign as CampaignItem
from domain.funding.model import RewardTier as RewardTierItem
from domain.identity.model import Principal

T = TypeVar("T")
Work = Callable[[Principal], Awaitable[T]]


@strawberry.type
class CampaignPayload:
    campaign: Campaign | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RewardTierPayload:
    reward_tier: RewardTier | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PledgePayload:
    pledge: Pledge | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RefundPayload:
    refund: Refund | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="What became of the references given")
class TransfersReceivedPayload:
    received: list[UUID] = strawberry.field(
        default_factory=list, description="Pledges now captured"
    )
    late: list[UUID] = strawberry.field(
        default_factory=list,
        description="Pledges captured though let go before the money came (unpaid for two "
        "weeks, or the campaign ended): refunded by the settlement unless it succeeded",
    )
    already: list[str] = strawberry.field(
        default_factory=list, description="References received before"
    )
    unknown: list[str] = strawberry.field(
        default_factory=list, description="References no pledge of this tenant has"
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _attempt(info: Info, work: Work[T]) -> tuple[T | None, list[UserError]]:
    """Run `work(principal)`; a missing feature, a bad credential or a broken rule becomes
    the payload's errors."""
    try:
        require_campaigns(info)
        return await work(await info.context.principal()), []
    except DomainError as error:
        return None, user_errors(error)


async def _campaign_payload(info: Info, work: Work[CampaignItem]) -> CampaignPayload:
    made, errors = await _attempt(info, work)
    if made is None:
        return CampaignPayload(errors=errors)
    forget_campaign(info.context, made.id)
    return CampaignPayload(campaign=campaign_from(made, info))


async def _tier_payload(info: Info, work: Work[RewardTierItem]) -> RewardTierPayload:
    made, errors = await _attempt(info, work)
    if made is None:
        return RewardTierPayload(errors=errors)
    forget_campaign(info.context, made.campaign_id)
    return RewardTierPayload(reward_tier=tier_from(made, info.context.language))


def _same_currency(given: str, info: Info, field: str) -> None:
    currency = info.context.tenant.config.currency
    if given != currency:
        raise InvalidInput([FieldProblem(f"{field}.currency", f"must be {currency}")])


@strawberry.type
class FundingMutation:
    @strawberry.mutation(description="Draft a campaign (members; it becomes theirs)")
    async def create_campaign(self, info: Info, input: CampaignInput) -> CampaignPayload:
        c = info.context

        async def work(principal: Principal) -> CampaignItem:
            fields = checked(CampaignCreateIn, input)
            return await campaigns.create_campaign(
                campaign_input(fields, c.language.writing),
                principal,
                uow=c.funding_uow(),
                clock=c.services.clock,
                ids=c.services.ids,
                currency=c.tenant.config.currency,
            )

        return await _campaign_payload(info, work)

    @strawberry.mutation(
        description="Edit a campaign (its runner, moderators). With expectedVersion (the "
        "version you read) an edit made meanwhile fails with precondition-failed. After the "
        "first pledge the goal and the end only grow"
    )
    async def update_campaign(
        self,
        info: Info,
        id: UUID,
        patch: CampaignPatchInput,
        expected_version: int | None = None,
    ) -> CampaignPayload:
        c = info.context

        async def work(principal: Principal) -> CampaignItem:
            changes = checked(CampaignPatchIn, patch, patch=True)
            # The patch applies to the campaign as read in the edit's own transaction.
            return await campaigns.edit_campaign(
                id,
                lambda current: patched_campaign(current, changes, c.language.writing),
                principal,
                uow=c.funding_uow(),
                clock=c.services.clock,
                expected_version=expected_version,
            )

        return await _campaign_payload(info, work)

    @strawberry.mutation(
        description="Send a draft to review (its runner); straight to live where the tenant "
        "approves campaigns itself"
    )
    async def submit_campaign(self, info: Info, id: UUID) -> CampaignPayload:
        c = info.context
        return await _campaign_payload(
            info,
            lambda principal: campaigns.submit_campaign(
                id,
                principal,
                uow=c.funding_uow(),
                clock=c.services.clock,
                auto_approve=c.tenant.config.moderation.auto_approve_campaigns,
            ),
        )

    @strawberry.mutation(description="Approve a campaign in review: it goes live (moderators)")
    async def approve_campaign(self, info: Info, id: UUID) -> CampaignPayload:
        c = info.context
        return await _campaign_payload(
            info,
            lambda principal: campaigns.review_campaign(
                id, True, principal, uow=c.funding_uow(), clock=c.services.clock
            ),
        )

    @strawberry.mutation(description="Send a campaign in review back to draft (moderators)")
    async def send_back_campaign(self, info: Info, id: UUID) -> CampaignPayload:
        c = info.context
        return await _campaign_payload(
            info,
            lambda principal: campaigns.review_campaign(
                id, False, principal, uow=c.funding_uow(), clock=c.services.clock
            ),
        )

    @strawberry.mutation(
        description="Cancel a campaign before its outcome (its runner, moderators); its "
        "pledges are released or refunded"
    )
    async def cancel_campaign(self, info: Info, id: UUID) -> CampaignPayload:
        c = info.context
        return await _campaign_payload(
            info,
            lambda principal: campaigns.cancel_campaign(
                id, principal, uow=c.funding_uow(), clock=c.services.clock
            ),
        )

    @strawberry.mutation(
        description="Note that a succeeded campaign's money went to its runner (tenant admins)"
    )
    async def mark_campaign_paid_out(self, info: Info, id: UUID) -> CampaignPayload:
        c = info.context
        return await _campaign_payload(
            info,
            lambda principal: campaigns.mark_paid_out(
                id, principal, uow=c.funding_uow(), clock=c.services.clock
            ),
        )

    @strawberry.mutation(description="Add a reward to a campaign (its runner, moderators)")
    async def add_reward_tier(
        self, info: Info, campaign_id: UUID, input: RewardTierInput
    ) -> RewardTierPayload:
        c = info.context

        async def work(principal: Principal) -> RewardTierItem:
            written = tier_input(
                checked(TierIn, input), c.language.writing, c.tenant.config.currency
            )
            return await tiers.add_tier(
                campaign_id, written, principal, uow=c.funding_uow(), ids=c.services.ids
            )

        return await _tier_payload(info, work)

    @strawberry.mutation(
        description="Change a reward (its runner, moderators); once chosen, its minimum is "
        "not raised, its kind stays and its quantity stays at least what is claimed"
    )
    async def update_reward_tier(
        self, info: Info, campaign_id: UUID, id: UUID, patch: RewardTierPatchInput
    ) -> RewardTierPayload:
        c = info.context

        async def work(principal: Principal) -> RewardTierItem:
            current = await tiers.tiers_of(campaign_id, principal, uow=c.funding_uow())
            tier = next((t for t in current if t.id == id), None)
            if tier is None:
                raise RewardTierNotFound()
            changes = checked(TierPatchIn, patch, patch=True)
            written = patched_tier(tier, changes, c.language.writing, c.tenant.config.currency)
            return await tiers.edit_tier(campaign_id, id, written, principal, uow=c.funding_uow())

        return await _tier_payload(info, work)

    @strawberry.mutation(description="Remove a reward nobody has chosen (its runner, moderators)")
    async def remove_reward_tier(self, info: Info, campaign_id: UUID, id: UUID) -> DeletePayload:
        c = info.context

        async def work(principal: Principal) -> bool:
            await tiers.remove_tier(campaign_id, id, principal, uow=c.funding_uow())
            forget_campaign(c, campaign_id)
            return True

        done, errors = await _attempt(info, work)
        return DeletePayload(ok=bool(done), errors=errors)

    @strawberry.mutation(
        description="Back a live campaign (members). With an idempotencyKey, the same request "
        "again answers with the first pledge; the same key with another input is refused. The "
        "pledge then says how to pay: a bank transfer's details, or Stripe's clientSecret"
    )
    async def pledge(
        self, info: Info, input: PledgeInput, idempotency_key: str | None = None
    ) -> PledgePayload:
        c = info.context

        async def work(principal: Principal) -> Pledge:
            data = plain(input)
            campaign_id = data.pop("campaign_id")
            body = checked(PledgeIn, data)
            # A campaign listed here from another tenant is pledged on its home's ledger.
            home = await c.services.campaign_home(c.tenant, campaign_id)
            made = await pledges.make_pledge(
                pledges.PledgeInput(campaign_id, body.amount.money(), body.tier_id, body.anonymous),
                principal,
                idempotency_key=idempotency_key,
                uow=c.services.funding_uow(home),
                gateways=c.services.payment_gateways(home),
                clock=c.services.clock,
                ids=c.services.ids,
            )
            forget_campaign(c, made.campaign_id)
            return pledge_from(made, principal, info, home)

        made, errors = await _attempt(info, work)
        return PledgePayload(pledge=made, errors=errors)

    @strawberry.mutation(
        description="After the backer's app confirmed the card: the pledge is secured once the "
        "provider says so (its backer)"
    )
    async def confirm_pledge(self, info: Info, id: UUID) -> PledgePayload:
        c = info.context

        async def work(principal: Principal) -> Pledge:
            home = await c.services.pledge_home(c.tenant, id, principal)
            done = await pledges.confirm_pledge(
                id,
                principal,
                uow=c.services.funding_uow(home),
                gateways=c.services.payment_gateways(home),
                clock=c.services.clock,
                ids=c.services.ids,
            )
            forget_campaign(c, done.campaign_id)
            return pledge_from(done, principal, info, home)

        made, errors = await _attempt(info, work)
        return PledgePayload(pledge=made, errors=errors)

    @strawberry.mutation(
        description="Give money back on a captured pledge, wholly or in part (tenant admins). "
        "With an idempotencyKey, a retry answers with the first refund"
    )
    async def refund_pledge(
        self,
        info: Info,
        pledge_id: UUID,
        amount: MoneyInput,
        reason: str = "",
        idempotency_key: str | None = None,
    ) -> RefundPayload:
        c = info.context

        async def work(principal: Principal) -> Refund:
            body = checked(RefundIn, {"amount": amount, "reason": reason})
            _same_currency(body.amount.currency, info, "amount")
            made = await refunds.refund_pledge(
                refunds.RefundInput(pledge_id, body.amount.amount, body.reason),
                principal,
                idempotency_key=idempotency_key,
                uow=c.funding_uow(),
                gateways=c.payment_gateways(),
                clock=c.services.clock,
                ids=c.services.ids,
            )
            forget_campaign(c, made.campaign_id)
            return refund_from(made)

        made, errors = await _attempt(info, work)
        return RefundPayload(refund=made, errors=errors)

    @strawberry.mutation(
        description="After a declined charge, save another card (the backer): the pledge "
        "answers a new clientSecret to confirm in the app; then confirmPledge charges it"
    )
    async def new_pledge_card(self, info: Info, id: UUID) -> PledgePayload:
        c = info.context

        async def work(principal: Principal) -> Pledge:
            home = await c.services.pledge_home(c.tenant, id, principal)
            done = await pledges.new_card(
                id,
                principal,
                uow=c.services.funding_uow(home),
                gateways=c.services.payment_gateways(home),
                clock=c.services.clock,
            )
            return pledge_from(done, principal, info, home)

        made, errors = await _attempt(info, work)
        return PledgePayload(pledge=made, errors=errors)

    @strawberry.mutation(
        description="A bank refund was transferred back: it has succeeded (tenant admins)"
    )
    async def mark_refund_paid(self, info: Info, id: UUID) -> RefundPayload:
        c = info.context

        async def work(principal: Principal) -> Refund:
            done = await refunds.mark_refund_paid(id, principal, uow=c.funding_uow())
            return refund_from(done)

        made, errors = await _attempt(info, work)
        return RefundPayload(refund=made, errors=errors)

    @strawberry.mutation(
        description="Bank transfers that arrived, by their references (tenant admins): each "
        "pledge is captured once"
    )
    async def mark_transfers_received(
        self, info: Info, references: list[str]
    ) -> TransfersReceivedPayload:
        c = info.context

        async def work(principal: Principal) -> pledges.TransfersReceived:
            body = checked(TransfersReceivedIn, {"references": references})
            return await pledges.mark_transfers_received(
                body.references, principal, uow=c.funding_uow(), clock=c.services.clock
            )

        done, errors = await _attempt(info, work)
        if done is None:
            return TransfersReceivedPayload(errors=errors)
        return TransfersReceivedPayload(
            received=done.received, late=done.late, already=done.already, unknown=done.unknown
        )

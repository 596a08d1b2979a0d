"""GraphQL queries of funding: campaigns (a Relay-style connection, and one in full), pledges
(one, the caller's, a campaign's backers) and a pledge's refunds. Same use cases and policies
as REST; relations through the DataLoaders of funding_loaders.py."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.context import Info
from api.graphql.directory_types import PageInfo
from api.graphql.errors import or_graphql_error
from api.graphql.funding_loaders import REWARD_TIERS, load_reward_tiers
from api.graphql.funding_types import (
    Campaign,
    CampaignConnection,
    CampaignEdge,
    CampaignSortEnum,
    CampaignStatusEnum,
    Pledge,
    PledgeConnection,
    PledgeEdge,
    Refund,
    campaign_from,
    pledge_from,
    refund_from,
)
from domain.errors import FeatureOff, FieldProblem, InvalidInput
from domain.funding import campaigns, pledges, refunds
from domain.funding.model import CampaignStatus
from domain.funding.model import Pledge as PledgeItem
from domain.funding.ports import CampaignFilter, CampaignSort
from domain.identity.model import Person
from domain.syndication.listings import as_seen_at_home
from domain.tenancy.model import Feature

MAX_TEXT = 100  # as REST's `q`
SearchText = Annotated[
    str | None, strawberry.argument(description="In a title or summary, any language")
]


def require_campaigns(info: Info) -> None:
    if Feature.CAMPAIGNS not in info.context.tenant.config.features:
        raise FeatureOff("this tenant has no campaigns")


def bounded(first: int, maximum: int) -> int:
    """A page's length as asked; the use cases only cap it."""
    if not 1 <= first <= maximum:
        raise InvalidInput([FieldProblem("first", f"must be 1 to {maximum}")])
    return first


def _search_text(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT or "\x00" in text:
        raise InvalidInput([FieldProblem("text", f"at most {MAX_TEXT} characters, no NUL")])
    return text


async def _campaigns(  # type: ignore[no-untyped-def]
    info: Info, first: int, after, status, category, text, sort, mine, business_id
) -> CampaignConnection:
    require_campaigns(info)
    limit = bounded(first, campaigns.MAX_PAGE)
    principal = await info.context.principal()
    # As REST: only someone with an account has campaigns of their own.
    owner = principal.account_id if mine and isinstance(principal, Person) else None
    if mine and owner is None:
        return CampaignConnection(
            edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None)
        )
    where = CampaignFilter(
        statuses=tuple(CampaignStatus(s.value) for s in status or ()),
        category_ids=tuple(category or ()),
        text=_search_text(text),
        owner_id=owner,
        business_id=business_id,
    )
    page = await campaigns.list_campaigns(
        where,
        CampaignSort(sort.value),
        principal,
        reads=info.context.funding_reads(),
        limit=limit,
        cursor=after,
    )
    return CampaignConnection(
        edges=[CampaignEdge(cursor=str(c.id), node=campaign_from(c, info)) for c in page.items],
        page_info=PageInfo(has_next_page=page.next_cursor is not None, end_cursor=page.next_cursor),
    )


async def pledge_connection(
    info: Info, found: tuple[list[PledgeItem], str | None]
) -> PledgeConnection:
    items, next_cursor = found
    principal = await info.context.principal()
    return PledgeConnection(
        edges=[PledgeEdge(cursor=str(p.id), node=pledge_from(p, principal, info)) for p in items],
        page_info=PageInfo(has_next_page=next_cursor is not None, end_cursor=next_cursor),
    )


@strawberry.type
class FundingQuery:
    @strawberry.field(
        description="Campaigns: the publicly visible ones unless `status` asks for others "
        "(moderators), or `mine` (your own, any status). `after` takes pageInfo.endCursor"
    )
    async def campaigns(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        status: list[CampaignStatusEnum] | None = None,  # type: ignore[valid-type]
        category: list[UUID] | None = None,
        text: SearchText = None,
        sort: CampaignSortEnum = CampaignSort.NEWEST,  # type: ignore[valid-type]
        mine: bool = False,
        business_id: UUID | None = None,
    ) -> CampaignConnection:
        return await or_graphql_error(
            _campaigns(info, first, after, status, category, text, sort, mine, business_id)
        )

    @strawberry.field(
        description="One campaign in full; drafts and campaigns in review only for their "
        "runners and moderators"
    )
    async def campaign(self, info: Info, id: UUID) -> Campaign:
        async def work() -> Campaign:
            require_campaigns(info)
            # A campaign listed here from another tenant is read at its home.
            home = await info.context.services.campaign_home(info.context.tenant, id)
            viewer = as_seen_at_home(
                await info.context.principal(), info.context.tenant.id, home.id
            )
            view = await campaigns.view_campaign(
                id, viewer, uow=info.context.services.funding_uow(home)
            )
            # The use case read its tiers already: rewardTiers asks no more.
            info.context.loader(REWARD_TIERS, load_reward_tiers).prime(view.campaign.id, view.tiers)
            return campaign_from(view.campaign, info)

        return await or_graphql_error(work())

    @strawberry.field(description="One pledge: your own, or any for moderators")
    async def pledge(self, info: Info, id: UUID) -> Pledge:
        async def work() -> Pledge:
            require_campaigns(info)
            principal = await info.context.principal()
            services = info.context.services
            home = await services.pledge_home(info.context.tenant, id, principal)
            found = await pledges.view_pledge(id, principal, uow=services.funding_uow(home))
            return pledge_from(found, principal, info, home)

        return await or_graphql_error(work())

    @strawberry.field(
        description="Your pledges, newest first (members), also those made here on campaigns "
        "of other tenants listed here"
    )
    async def my_pledges(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> PledgeConnection:
        async def work() -> PledgeConnection:
            require_campaigns(info)
            services = info.context.services
            homes = await services.ledgers(info.context.tenant)
            principal = await info.context.principal()
            found, next_cursor = await pledges.my_pledges_on(
                principal,
                [(home, services.funding_uow(home)) for home in homes],
                limit=bounded(first, pledges.MAX_PAGE),
                cursor=after,
            )
            return PledgeConnection(
                edges=[
                    PledgeEdge(cursor=str(p.id), node=pledge_from(p, principal, info, home))
                    for home, p in found
                ],
                page_info=PageInfo(has_next_page=next_cursor is not None, end_cursor=next_cursor),
            )

        return await or_graphql_error(work())

    @strawberry.field(
        description="A campaign's backers, newest first: counted pledges for everyone "
        "(anonymous ones without backerId); every pledge for its runners and moderators"
    )
    async def campaign_pledges(
        self, info: Info, campaign_id: UUID, first: int = 20, after: str | None = None
    ) -> PledgeConnection:
        async def work() -> PledgeConnection:
            require_campaigns(info)
            found = await pledges.pledges_of_campaign(
                campaign_id,
                await info.context.principal(),
                uow=info.context.funding_uow(),
                limit=bounded(first, pledges.MAX_PAGE),
                cursor=after,
            )
            return await pledge_connection(info, found)

        return await or_graphql_error(work())

    @strawberry.field(description="The refunds of a pledge, oldest first (tenant admins)")
    async def pledge_refunds(self, info: Info, pledge_id: UUID) -> list[Refund]:
        async def work() -> list[Refund]:
            require_campaigns(info)
            found = await refunds.refunds_of(
                pledge_id, await info.context.principal(), uow=info.context.funding_uow()
            )
            return [refund_from(r) for r in found]

        return await or_graphql_error(work())

    @strawberry.field(
        description="Bank refunds still to transfer back to the account the money came "
        "from, oldest first (tenant admins)"
    )
    async def refunds_to_pay_back(self, info: Info, first: int = 100) -> list[Refund]:
        async def work() -> list[Refund]:
            require_campaigns(info)
            found = await refunds.refunds_to_pay_back(
                await info.context.principal(), uow=info.context.funding_uow(), limit=first
            )
            return [refund_from(r) for r in found]

        return await or_graphql_error(work())

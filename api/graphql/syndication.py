"""GraphQL of syndication: the change feed (`changes`, keys with sync:read and admins), the
listings of child tenants' campaigns and their moderation, and partner upserts. The same use
cases and checks as /v1/sync/changes, /v1/listings and /v1/partner/campaigns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import strawberry
from pydantic_core import to_jsonable_python
from strawberry.scalars import JSON

from api.graphql.context import Info
from api.graphql.directory_inputs import LocationInput, checked, plain, translations_field
from api.graphql.errors import UserError, or_graphql_error, user_errors
from api.graphql.funding_inputs import MoneyInput
from api.graphql.funding_queries import require_campaigns
from api.graphql.funding_types import (
    Campaign,
    CampaignStatusEnum,
    FundingModelEnum,
    campaign_from,
)
from api.graphql.languages import LocalizedTextInput
from api.sync_documents import current_documents
from api.syndication_input import PartnerCampaignIn, partner_campaign_input
from domain.errors import DomainError, FieldProblem, InvalidInput
from domain.funding.model import FundingModel
from domain.syndication import feed, listings, partner
from domain.syndication.listings import Listing, ListingAction, ListingStatus

ListingStatusEnum = strawberry.enum(ListingStatus, name="ListingStatus")
ListingActionEnum = strawberry.enum(ListingAction, name="ListingAction")


class ChangeKind(StrEnum):
    CAMPAIGN = "campaign"
    BUSINESS = "business"
    OFFER = "offer"


ChangeKindEnum = strawberry.enum(ChangeKind, name="ChangeKind")


@strawberry.type(description="One change: the item as it is now, or a tombstone (data null)")
class Change:
    cursor: str = strawberry.field(description="Resume after it with `after`")
    kind: ChangeKindEnum  # type: ignore[valid-type]
    id: UUID
    deleted: bool = strawberry.field(description="Gone, or no longer public here")
    occurred_at: datetime
    data: JSON | None = strawberry.field(
        description="The item's current public document, as REST answers GET on it"
    )


@strawberry.type
class ChangePage:
    items: list[Change]
    next_cursor: str | None = strawberry.field(
        description="Ask again with `after` this; it stays the same while nothing changed"
    )
    has_more: bool


@strawberry.type(description="A campaign of a child tenant listed here")
class CampaignListing:
    campaign_id: UUID
    home_tenant: str = strawberry.field(description="Its home tenant's slug")
    status: ListingStatusEnum  # type: ignore[valid-type]
    created_at: datetime
    updated_at: datetime
    decided_by: UUID | None


@strawberry.type
class ListingPayload:
    listing: CampaignListing | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PartnerCampaignPayload:
    campaign: Campaign | None = None
    created: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeletedPayload:
    deleted: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class PartnerTotalsInput:
    pledged: MoneyInput
    backers: int


@strawberry.input
class PartnerOriginInput:
    platform: str = strawberry.field(description="Your platform's name")
    pledge_url: str = strawberry.field(description="Where backers pledge (https)")


@strawberry.input(description="The whole campaign as you have it now (what is left out clears)")
class PartnerCampaignInput:
    goal: MoneyInput
    starts_at: datetime
    ends_at: datetime
    status: CampaignStatusEnum  # type: ignore[valid-type]
    totals: PartnerTotalsInput
    origin: PartnerOriginInput
    title: str | None = None
    title_translations: list[LocalizedTextInput] | None = translations_field()
    summary: str | None = None
    summary_translations: list[LocalizedTextInput] | None = translations_field()
    description: str | None = None
    description_translations: list[LocalizedTextInput] | None = translations_field()
    location: LocationInput | None = None
    minimum: MoneyInput | None = None
    funding_model: FundingModelEnum = FundingModel.ALL_OR_NOTHING  # type: ignore[valid-type]


async def _listing_out(info: Info, listing: Listing) -> CampaignListing:
    home = await info.context.services.tenant_directory.by_id(listing.home_tenant_id)
    return CampaignListing(
        campaign_id=listing.campaign_id,
        home_tenant=home.slug if home else "",
        status=listing.status,
        created_at=listing.created_at,
        updated_at=listing.updated_at,
        decided_by=listing.decided_by,
    )


@strawberry.type
class SyndicationQuery:
    @strawberry.field(
        description="The change feed: every create, update and delete of the tenant's "
        "campaigns (and those listed here), businesses and offers, in commit order (partner "
        "keys with sync:read, admins)"
    )
    async def changes(self, info: Info, after: str | None = None, first: int = 100) -> ChangePage:
        async def work() -> ChangePage:
            if not 1 <= first <= feed.MAX_PAGE:
                raise InvalidInput([FieldProblem("first", f"must be 1 to {feed.MAX_PAGE}")])
            c = info.context
            page = await feed.read_changes(
                await c.principal(), after, limit=first, reads=c.services.change_reads(c.tenant)
            )
            documents = await current_documents(page.entries, c.tenant, c.services, c.language)
            return ChangePage(
                items=[
                    Change(
                        cursor=e.cursor,
                        kind=ChangeKind(e.kind),
                        id=e.item_id,
                        deleted=(e.kind, e.item_id) not in documents,
                        occurred_at=e.occurred_at,
                        data=to_jsonable_python(documents.get((e.kind, e.item_id))),
                    )
                    for e in page.entries
                ],
                next_cursor=page.next_cursor,
                has_more=page.has_more,
            )

        return await or_graphql_error(work())

    @strawberry.field(description="Campaigns of child tenants listed here, by status (moderators)")
    async def campaign_listings(
        self,
        info: Info,
        status: list[ListingStatusEnum] | None = None,  # type: ignore[valid-type]
        after: UUID | None = None,
        first: int = 50,
    ) -> list[CampaignListing]:
        async def work() -> list[CampaignListing]:
            require_campaigns(info)
            if not 1 <= first <= 100:
                raise InvalidInput([FieldProblem("first", "must be 1 to 100")])
            c = info.context
            found = await listings.listings_to_decide(
                await c.principal(),
                tuple(ListingStatus(s.value) for s in status or ()),
                uow=c.services.syndication_uow(c.tenant),
                limit=first,
                after=after,
            )
            return [await _listing_out(info, listing) for listing in found]

        return await or_graphql_error(work())


@strawberry.type
class SyndicationMutation:
    @strawberry.mutation(
        description="Approve, hide or show again a child tenant's campaign listed here "
        "(moderators); the campaign itself is untouched"
    )
    async def decide_listing(
        self,
        info: Info,
        campaign_id: UUID,
        action: ListingActionEnum,  # type: ignore[valid-type]
    ) -> ListingPayload:
        c = info.context
        try:
            require_campaigns(info)
            moved = await listings.moderate(
                campaign_id,
                ListingAction(action.value),
                await c.principal(),
                uow=c.services.syndication_uow(c.tenant),
                campaigns=c.services.campaign_at_home,
                clock=c.services.clock,
            )
        except DomainError as error:
            return ListingPayload(errors=user_errors(error))
        return ListingPayload(listing=await _listing_out(info, moved))

    @strawberry.mutation(
        description="Create or replace your campaign by your own id (partner keys with "
        "campaigns:write); the same state again changes nothing"
    )
    async def put_partner_campaign(
        self, info: Info, external_id: str, input: PartnerCampaignInput
    ) -> PartnerCampaignPayload:
        c = info.context
        try:
            require_campaigns(info)
            principal = await c.principal()
            partner.require_partner_key(principal)  # before the input's terms are checked
            body = checked(PartnerCampaignIn, plain(input))
            done = await partner.upsert_partner_campaign(
                partner_campaign_input(external_id, body, c.language.writing),
                principal,
                uow=c.services.funding_uow(c.tenant),
                clock=c.services.clock,
                ids=c.services.ids,
                currency=c.tenant.config.currency,
            )
        except DomainError as error:
            return PartnerCampaignPayload(errors=user_errors(error))
        return PartnerCampaignPayload(
            campaign=campaign_from(done.campaign, info), created=done.created
        )

    @strawberry.mutation(description="Withdraw your campaign (partner keys with campaigns:write)")
    async def delete_partner_campaign(self, info: Info, external_id: str) -> DeletedPayload:
        c = info.context
        try:
            require_campaigns(info)
            deleted = await partner.delete_partner_campaign(
                external_id, await c.principal(), uow=c.services.funding_uow(c.tenant)
            )
        except DomainError as error:
            return DeletedPayload(errors=user_errors(error))
        return DeletedPayload(deleted=deleted)

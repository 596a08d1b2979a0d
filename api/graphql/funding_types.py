"""GraphQL types of funding (campaigns with their totals, reward tiers, pledges, refunds) and
how domain objects become them. Relations (a campaign's tiers, images, owner and business; a
pledge's campaign) resolve through the DataLoaders in funding_loaders.py.

Texts for people resolve as the directory's do: one string in the request's language (else
the tenant's first), its `...Language` and its `...Translations`."""

from __future__ import annotations

from datetime import date, datetime
from typing import NewType
from uuid import UUID

import strawberry
from graphql import IntValueNode, ValueNode

from api.graphql.context import Info
from api.graphql.directory_types import PageInfo
from api.graphql.funding_loaders import (
    BUSINESSES,
    CAMPAIGNS,
    IMAGES,
    PEOPLE,
    REWARD_TIERS,
    load_businesses,
    load_campaigns,
    load_images,
    load_people,
    load_reward_tiers,
)
from api.graphql.languages import (
    EVERY_LANGUAGE,
    IN_LANGUAGE,
    SHOWN_LANGUAGE,
    Translation,
    translations,
)
from api.graphql.media import Media, media_from
from api.graphql.mirroring import CampaignOrigin, HomeTenant, home_tenant_of, images_at_home
from api.languages import Language, shown_texts
from domain.funding import model
from domain.funding.campaigns import may_see
from domain.funding.model import (
    CampaignStatus,
    FundingModel,
    PledgeStatus,
    RefundStatus,
    RewardKind,
)
from domain.funding.pledges import may_see_pledge, shown_backer
from domain.funding.ports import CampaignSort
from domain.identity.model import Person, Principal
from domain.tenancy.model import Tenant

CampaignStatusEnum = strawberry.enum(CampaignStatus, name="CampaignStatus")
FundingModelEnum = strawberry.enum(FundingModel, name="FundingModel")
RewardKindEnum = strawberry.enum(RewardKind, name="RewardKind")
PledgeStatusEnum = strawberry.enum(PledgeStatus, name="PledgeStatus")
RefundStatusEnum = strawberry.enum(RefundStatus, name="RefundStatus")
CampaignSortEnum = strawberry.enum(CampaignSort, name="CampaignSort")

CAMPAIGN_TEXTS = ("title", "summary", "description")
TIER_TEXTS = ("title", "description")
MAX_INT = 2**31 - 1  # GraphQL's Int

# Amounts reach 10^15 minor units (domain.funding.model.MAX_AMOUNT), beyond GraphQL's 32-bit
# Int: they travel as JSON numbers of their own scalar.
MinorUnits = NewType("MinorUnits", int)


def _whole_number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number of minor units")
    return value


def _whole_number_literal(node: ValueNode, _variables: object = None) -> int:
    if not isinstance(node, IntValueNode):
        raise ValueError("must be a whole number of minor units")
    return _whole_number(int(node.value))


SCALARS = {
    MinorUnits: strawberry.scalar(
        name="MinorUnits",
        description="A whole amount in minor units (cents) of a currency, as a JSON number; "
        "unlike Int, beyond 32 bits (up to 10^15)",
        serialize=int,
        parse_value=_whole_number,
        parse_literal=_whole_number_literal,
    )
}


@strawberry.type(description="An amount of one currency, in its minor units; never a float")
class Money:
    amount: MinorUnits = strawberry.field(description="Minor units (cents)")
    currency: str = strawberry.field(description="ISO 4217: the tenant's currency")


def money_from(money: model.Money) -> Money:
    return Money(amount=MinorUnits(money.amount), currency=money.currency)


@strawberry.type
class Location:
    lat: float
    lon: float


@strawberry.type(description="Kept by the pledges themselves: always their sum")
class CampaignTotals:
    pledged: Money = strawberry.field(description="Secured and captured pledges, less refunds")
    backers: int
    percent: int = strawberry.field(description="Of the goal, rounded down; over 100 when exceeded")
    days_left: int = strawberry.field(description="Until the end while live; 0 otherwise")


@strawberry.type(description="The account that runs a campaign")
class CampaignOwner:
    id: UUID
    display_name: str


@strawberry.type(description="The business a campaign is for")
class CampaignBusiness:
    id: UUID
    name: str


@strawberry.type(description="What backers get for a pledge of at least its minimum")
class RewardTier:
    id: UUID
    campaign_id: UUID
    title: str = strawberry.field(description=IN_LANGUAGE)
    description: str = strawberry.field(description=IN_LANGUAGE)
    minimum: Money
    kind: RewardKindEnum  # type: ignore[valid-type]
    quantity: int | None = strawberry.field(description="null: unlimited")
    claimed: int
    remaining: int | None = strawberry.field(description="null: unlimited")
    estimated_delivery: date | None
    title_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    title_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)
    description_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    description_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)


@strawberry.type(description="A crowdfunding campaign with its totals")
class Campaign:
    id: UUID
    home_tenant_id: strawberry.Private[UUID]
    version: int = strawberry.field(description="Give it back as expectedVersion when editing")
    status: CampaignStatusEnum  # type: ignore[valid-type]
    title: str = strawberry.field(description=IN_LANGUAGE)
    summary: str = strawberry.field(description=IN_LANGUAGE)
    description: str = strawberry.field(description=IN_LANGUAGE)
    image_ids: list[UUID] = strawberry.field(description="The uploaded images it shows, in order")
    category_id: UUID | None
    location: Location | None
    owner_id: UUID | None = strawberry.field(description="null: a partner platform's campaign")
    business_id: UUID | None
    goal: Money
    minimum: Money | None = strawberry.field(
        description="All-or-nothing: the least it must reach to succeed; null: the goal"
    )
    funding_model: FundingModelEnum  # type: ignore[valid-type]
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    updated_at: datetime
    totals: CampaignTotals
    title_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    title_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)
    summary_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    summary_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)
    description_language: str | None = strawberry.field(description=SHOWN_LANGUAGE)
    description_translations: list[Translation] = strawberry.field(description=EVERY_LANGUAGE)
    origin: CampaignOrigin | None = strawberry.field(
        default=None, description="Set for a partner platform's campaign"
    )

    @strawberry.field(
        description="Set when the campaign lives on another tenant and is listed here "
        "(mirroring): pledges made here land on its one ledger there"
    )
    async def home_tenant(self, info: Info) -> HomeTenant | None:
        return await home_tenant_of(self.home_tenant_id, info)

    @strawberry.field(description="Those images, with variants and alt text (a DataLoader)")
    async def images(self, info: Info) -> list[Media]:
        if self.home_tenant_id != info.context.tenant.id:
            at_home = await images_at_home(self.home_tenant_id, self.image_ids, info)
            return [media_from(m, info) for m in at_home]
        found = await info.context.loader(IMAGES, load_images).load_many(self.image_ids)
        return [media_from(m, info) for m in found if m is not None]

    @strawberry.field(description="By minimum amount; through a DataLoader")
    async def reward_tiers(self, info: Info) -> list[RewardTier]:
        found = await info.context.loader(REWARD_TIERS, load_reward_tiers).load(self.id)
        return [tier_from(t, info.context.language) for t in found]

    @strawberry.field(
        description="null: a partner platform's campaign, or an account no longer a member"
    )
    async def owner(self, info: Info) -> CampaignOwner | None:
        if self.owner_id is None:
            return None
        name = await info.context.loader(PEOPLE, load_people).load(self.owner_id)
        return None if name is None else CampaignOwner(id=self.owner_id, display_name=name)

    @strawberry.field(description="null: none named, or deleted since")
    async def business(self, info: Info) -> CampaignBusiness | None:
        if self.business_id is None:
            return None
        name = await info.context.loader(BUSINESSES, load_businesses).load(self.business_id)
        return None if name is None else CampaignBusiness(id=self.business_id, name=name)


@strawberry.type(description="Where a backer transfers the money to, and what to quote")
class BankTransfer:
    account_holder: str
    iban: str
    bic: str | None
    reference: str = strawberry.field(description="To quote in the transfer, exactly")
    amount: Money


@strawberry.type
class Pledge:
    id: UUID
    campaign_id: UUID
    amount: Money
    tier_id: UUID | None
    anonymous: bool
    backer_id: UUID | None = strawberry.field(
        description="null for an anonymous pledge, but to its backer and moderators"
    )
    status: PledgeStatusEnum  # type: ignore[valid-type]
    refunded: Money
    provider: str = strawberry.field(description="The gateway that takes the money")
    payment_reference: str | None = strawberry.field(
        description="The transfer reference or the provider's id (the backer and moderators)"
    )
    client_secret: str | None = strawberry.field(
        description="Stripe: confirm the card with it (Stripe.js), then confirmPledge; only "
        "to the backer"
    )
    bank_transfer: BankTransfer | None = strawberry.field(
        description="A bank transfer's details (the backer and moderators)"
    )
    created_at: datetime

    @strawberry.field(description="Through a DataLoader; null when you may not see it")
    async def campaign(self, info: Info) -> Campaign | None:
        found = await info.context.loader(CAMPAIGNS, load_campaigns).load(self.campaign_id)
        if found is None or not may_see(await info.context.principal(), found):
            return None
        return campaign_from(found, info)


@strawberry.type(description="Money given back on a captured pledge")
class Refund:
    id: UUID
    pledge_id: UUID
    campaign_id: UUID
    amount: Money
    status: RefundStatusEnum  # type: ignore[valid-type]
    provider_ref: str = strawberry.field(
        description="The provider's refund id; empty for bank transfers"
    )
    reason: str
    requested_by: UUID | None = strawberry.field(
        description="The admin; null: the settlement of a failed campaign"
    )
    created_at: datetime


@strawberry.type
class CampaignEdge:
    cursor: str
    node: Campaign


@strawberry.type
class CampaignConnection:
    edges: list[CampaignEdge]
    page_info: PageInfo


@strawberry.type
class PledgeEdge:
    cursor: str
    node: Pledge


@strawberry.type
class PledgeConnection:
    edges: list[PledgeEdge]
    page_info: PageInfo


def tier_from(tier: model.RewardTier, language: Language) -> RewardTier:
    shown = shown_texts(tier, TIER_TEXTS, language)
    return RewardTier(
        id=tier.id,
        campaign_id=tier.campaign_id,
        title=shown.texts["title"],
        description=shown.texts["description"],
        minimum=money_from(tier.minimum),
        kind=tier.kind,
        quantity=tier.quantity,
        claimed=tier.claimed,
        remaining=tier.remaining,
        estimated_delivery=tier.estimated_delivery,
        title_language=shown.languages.get("title"),
        title_translations=translations(shown, "title"),
        description_language=shown.languages.get("description"),
        description_translations=translations(shown, "description"),
    )


def campaign_from(campaign: model.Campaign, info: Info) -> Campaign:
    content, terms = campaign.content, campaign.terms
    shown = shown_texts(content, CAMPAIGN_TEXTS, info.context.language)
    totals = campaign.current_totals
    live = campaign.status is CampaignStatus.LIVE
    origin = campaign.origin
    return Campaign(
        id=campaign.id,
        home_tenant_id=campaign.tenant_id,
        origin=CampaignOrigin(
            external_id=origin.external_id, platform=origin.platform, pledge_url=origin.pledge_url
        )
        if origin
        else None,
        version=campaign.version,
        status=campaign.status,
        title=shown.texts["title"],
        summary=shown.texts["summary"],
        description=shown.texts["description"],
        image_ids=list(content.image_ids),
        category_id=content.category_id,
        location=Location(lat=content.location.lat, lon=content.location.lon)
        if content.location
        else None,
        owner_id=campaign.owner_id,
        business_id=campaign.business_id,
        goal=money_from(terms.goal),
        minimum=money_from(terms.minimum) if terms.minimum else None,
        funding_model=terms.funding_model,
        starts_at=terms.starts_at,
        ends_at=terms.ends_at,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
        totals=CampaignTotals(
            pledged=money_from(totals.pledged),
            backers=totals.backers,
            # A tiny goal far exceeded must not break GraphQL's Int.
            percent=min(totals.percent_of(terms.goal), MAX_INT),
            days_left=campaign.days_left(info.context.services.clock.now()) if live else 0,
        ),
        title_language=shown.languages.get("title"),
        title_translations=translations(shown, "title"),
        summary_language=shown.languages.get("summary"),
        summary_translations=translations(shown, "summary"),
        description_language=shown.languages.get("description"),
        description_translations=translations(shown, "description"),
    )


def pledge_from(
    pledge: model.Pledge, principal: Principal, info: Info, home: Tenant | None = None
) -> Pledge:
    """As `principal` may see it: the payment's details only to the backer and moderators
    (as REST's `payment`), the client secret only to the backer. `home`: the tenant whose
    ledger holds it, when not this one (a campaign listed here)."""
    backer = isinstance(principal, Person) and principal.account_id == pledge.backer_id
    sees_payment = may_see_pledge(principal, pledge)
    transfer = None
    payments = (home or info.context.tenant).config.payments
    if (
        sees_payment
        and pledge.provider == "bank_transfer"
        and pledge.payment_reference
        and payments.bank_account_holder
        and payments.bank_iban
    ):
        transfer = BankTransfer(
            account_holder=payments.bank_account_holder,
            iban=payments.bank_iban,
            bic=payments.bank_bic,
            reference=pledge.payment_reference,
            amount=money_from(pledge.amount),
        )
    return Pledge(
        id=pledge.id,
        campaign_id=pledge.campaign_id,
        amount=money_from(pledge.amount),
        tier_id=pledge.tier_id,
        anonymous=pledge.anonymous,
        backer_id=shown_backer(pledge, principal),
        status=pledge.status,
        refunded=money_from(pledge.refunded or model.Money.zero(pledge.amount.currency)),
        provider=pledge.provider,
        payment_reference=(pledge.payment_reference or None) if sees_payment else None,
        client_secret=(pledge.client_secret or None) if backer else None,
        bank_transfer=transfer,
        created_at=pledge.created_at,
    )


def refund_from(refund: model.Refund) -> Refund:
    return Refund(
        id=refund.id,
        pledge_id=refund.pledge_id,
        campaign_id=refund.campaign_id,
        amount=money_from(refund.amount),
        status=refund.status,
        provider_ref=refund.provider_ref,
        reason=refund.reason,
        requested_by=refund.requested_by,
        created_at=refund.created_at,
    )

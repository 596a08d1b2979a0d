"""REST response models of funding: campaigns with their totals, reward tiers, pledges,
refunds; and the mapping from the domain's objects to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.directory_input import Location
from api.languages import Language, shown_texts
from api.rest.schemas.directory import IN_LANGUAGE
from api.rest.schemas.media import MediaOut, media_out
from domain.funding.model import (
    Campaign,
    CampaignStatus,
    FundingModel,
    Money,
    Pledge,
    PledgeStatus,
    Refund,
    RefundStatus,
    RewardKind,
    RewardTier,
)
from domain.funding.ports import BankDetails
from domain.media.model import Media
from domain.media.ports import MediaStorage
from domain.tenancy.model import Tenant

CAMPAIGN_TEXTS = ("title", "summary", "description")
TIER_TEXTS = ("title", "description")


class MoneyOut(BaseModel):
    amount: int = Field(description="Minor units (cents)")
    currency: str


def money_out(money: Money | None) -> MoneyOut | None:
    return None if money is None else MoneyOut(amount=money.amount, currency=money.currency)


class TotalsOut(BaseModel):
    pledged: MoneyOut = Field(description="Secured and captured pledges, less refunds")
    backers: int
    percent: int = Field(description="Of the goal, rounded down; over 100 when exceeded")
    days_left: int = Field(description="Until the end; 0 once it has ended")


class TierOut(BaseModel):
    id: UUID
    campaign_id: UUID
    title: str = Field(description=IN_LANGUAGE)
    description: str = Field(description=IN_LANGUAGE)
    minimum: MoneyOut
    kind: RewardKind
    quantity: int | None = Field(description="None: unlimited")
    claimed: int
    remaining: int | None = Field(description="None: unlimited")
    estimated_delivery: date | None
    languages: dict[str, str]
    translations: dict[str, dict[str, str]]


class HomeTenantOut(BaseModel):
    """The tenant a mirrored campaign lives on, for the listing app to credit it."""

    slug: str
    name: str
    hostname: str | None = Field(description="Its first own hostname")
    app_name: str
    logo_url: str | None
    primary_color: str


class OriginOut(BaseModel):
    """A partner platform's campaign: not on this ledger, backers pledge at `pledge_url`."""

    external_id: str
    platform: str
    pledge_url: str


class CampaignOut(BaseModel):
    id: UUID
    status: CampaignStatus
    title: str = Field(description=IN_LANGUAGE)
    summary: str = Field(description=IN_LANGUAGE)
    description: str = Field(description=IN_LANGUAGE)
    image_ids: list[UUID]
    images: list[MediaOut] | None = Field(
        default=None, description="The images (detail only): variants, sizes, alt text"
    )
    category_id: UUID | None
    location: Location | None
    owner_id: UUID | None
    owner_name: str | None = Field(default=None, description="The runner's display name (detail)")
    business_id: UUID | None
    business_name: str | None = Field(default=None, description="The business's name (detail)")
    goal: MoneyOut
    minimum: MoneyOut | None = Field(description="All-or-nothing: the least that succeeds")
    funding_model: FundingModel
    starts_at: datetime
    ends_at: datetime
    totals: TotalsOut
    reward_tiers: list[TierOut] | None = Field(default=None, description="Detail only")
    created_at: datetime
    updated_at: datetime
    languages: dict[str, str]
    translations: dict[str, dict[str, str]]
    home_tenant: HomeTenantOut | None = Field(
        description="Set when the campaign lives on another tenant and is listed here "
        "(mirroring): pledges made here land on its one ledger there"
    )
    origin: OriginOut | None = Field(description="Set for a partner platform's campaign")


class CampaignPage(BaseModel):
    items: list[CampaignOut]
    next_cursor: str | None


class BankTransferOut(BaseModel):
    account_holder: str
    iban: str
    bic: str | None
    reference: str = Field(description="To quote in the transfer, exactly")
    amount: MoneyOut


class PaymentOut(BaseModel):
    """What the backer does next: confirm the card (Stripe), or transfer the money."""

    provider: str
    reference: str
    client_secret: str | None = Field(
        description="Stripe: confirm the SetupIntent with it (Stripe.js), then POST .../confirm"
    )
    bank_transfer: BankTransferOut | None


class PledgeOut(BaseModel):
    id: UUID
    campaign_id: UUID
    amount: MoneyOut
    tier_id: UUID | None
    anonymous: bool
    backer_id: UUID | None = Field(description="None for an anonymous pledge, but to its backer")
    backer_name: str | None = Field(
        default=None, description="The backer's display name (lists; None when anonymous)"
    )
    status: PledgeStatus
    refunded: MoneyOut
    payment: PaymentOut | None = Field(description="Only to the backer and moderators")
    created_at: datetime


class PledgePage(BaseModel):
    items: list[PledgeOut]
    next_cursor: str | None


class RefundOut(BaseModel):
    id: UUID
    pledge_id: UUID
    amount: MoneyOut
    status: RefundStatus
    provider_ref: str
    reason: str
    created_at: datetime


class TransfersReceivedOut(BaseModel):
    received: list[UUID] = Field(description="Pledges now captured")
    late: list[UUID] = Field(
        description="Pledges captured though let go before the money came (unpaid for two "
        "weeks, or the campaign ended): refunded by the settlement unless it succeeded"
    )
    already: list[str] = Field(description="References received before")
    unknown: list[str] = Field(description="References no pledge of this tenant has")


def tier_out(tier: RewardTier, language: Language) -> TierOut:
    shown = shown_texts(tier, TIER_TEXTS, language)
    return TierOut(
        id=tier.id,
        campaign_id=tier.campaign_id,
        **shown.texts,
        minimum=MoneyOut(amount=tier.minimum.amount, currency=tier.minimum.currency),
        kind=tier.kind,
        quantity=tier.quantity,
        claimed=tier.claimed,
        remaining=tier.remaining,
        estimated_delivery=tier.estimated_delivery,
        languages=shown.languages,
        translations=shown.translations,
    )


def campaign_document(
    campaign: Campaign,
    language: Language,
    now: datetime,
    *,
    tiers: list[RewardTier] | None = None,
    images: list[Media] | None = None,
    storage: MediaStorage | None = None,
    names: dict[UUID, str] | None = None,
    homes: dict[UUID, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A CampaignOut as plain data (see api/rest/responses.py): a list page builds 20 of them,
    and as models they cost as much as reading the page."""
    shown = shown_texts(campaign.content, CAMPAIGN_TEXTS, language)
    totals = campaign.current_totals
    terms = campaign.terms
    location = campaign.content.location
    pledged, goal, minimum = totals.pledged, terms.goal, terms.minimum
    return {
        "id": campaign.id,
        "status": campaign.status.value,
        **shown.texts,
        "image_ids": list(campaign.content.image_ids),
        "images": (
            [media_out(m, language, storage).model_dump(mode="json") for m in images]
            if images is not None and storage is not None
            else None
        ),
        "category_id": campaign.content.category_id,
        "location": {"lat": location.lat, "lon": location.lon} if location else None,
        "owner_id": campaign.owner_id,
        "owner_name": (names or {}).get(campaign.owner_id) if campaign.owner_id else None,
        "business_id": campaign.business_id,
        "business_name": (names or {}).get(campaign.business_id) if campaign.business_id else None,
        "goal": {"amount": goal.amount, "currency": goal.currency},
        "minimum": {"amount": minimum.amount, "currency": minimum.currency} if minimum else None,
        "funding_model": terms.funding_model.value,
        "starts_at": terms.starts_at,
        "ends_at": terms.ends_at,
        "totals": {
            "pledged": {"amount": pledged.amount, "currency": pledged.currency},
            "backers": totals.backers,
            "percent": totals.percent_of(goal),
            "days_left": campaign.days_left(now) if campaign.status is CampaignStatus.LIVE else 0,
        },
        "reward_tiers": (
            [tier_out(t, language).model_dump(mode="json") for t in tiers]
            if tiers is not None
            else None
        ),
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
        "languages": shown.languages,
        "translations": shown.translations,
        "home_tenant": (homes or {}).get(campaign.tenant_id),
        "origin": (
            {
                "external_id": campaign.origin.external_id,
                "platform": campaign.origin.platform,
                "pledge_url": campaign.origin.pledge_url,
            }
            if campaign.origin
            else None
        ),
    }


def home_tenant_document(tenant: Tenant) -> dict[str, Any]:
    config = tenant.config
    return {
        "slug": config.slug,
        "name": config.name,
        "hostname": config.hostnames[0] if config.hostnames else None,
        "app_name": config.branding.app_name,
        "logo_url": config.branding.logo_url,
        "primary_color": str(config.branding.colors.primary),
    }


def pledge_out(
    pledge: Pledge,
    *,
    backer_id: UUID | None,
    with_payment: bool,
    bank: BankDetails | None = None,
    backer_name: str | None = None,
    to_backer: bool = False,
) -> PledgeOut:
    payment = None
    if with_payment:
        transfer = None
        if bank is not None and pledge.provider == "bank_transfer" and pledge.payment_reference:
            transfer = BankTransferOut(
                account_holder=bank.account_holder,
                iban=bank.iban,
                bic=bank.bic,
                reference=pledge.payment_reference,
                amount=MoneyOut(amount=pledge.amount.amount, currency=pledge.amount.currency),
            )
        payment = PaymentOut(
            provider=pledge.provider,
            reference=pledge.payment_reference,
            # Confirms a card: the backer's alone, never a moderator's.
            client_secret=(pledge.client_secret or None) if to_backer else None,
            bank_transfer=transfer,
        )
    refunded = pledge.refunded or Money.zero(pledge.amount.currency)
    return PledgeOut(
        id=pledge.id,
        campaign_id=pledge.campaign_id,
        amount=MoneyOut(amount=pledge.amount.amount, currency=pledge.amount.currency),
        tier_id=pledge.tier_id,
        anonymous=pledge.anonymous,
        backer_id=backer_id,
        backer_name=backer_name if backer_id else None,
        status=pledge.status,
        refunded=MoneyOut(amount=refunded.amount, currency=refunded.currency),
        payment=payment,
        created_at=pledge.created_at,
    )


def refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.id,
        pledge_id=refund.pledge_id,
        amount=MoneyOut(amount=refund.amount.amount, currency=refund.amount.currency),
        status=refund.status,
        provider_ref=refund.provider_ref,
        reason=refund.reason,
        created_at=refund.created_at,
    )

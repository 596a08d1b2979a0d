"""What a caller may write to funding, for REST and GraphQL alike: campaigns, reward tiers,
pledges and refunds, their checks, and the mapping to the use cases' inputs. Neither protocol
owns it, so both accept and refuse the same values.

Money is `{"amount": <int minor units>, "currency": "EUR"}`, always in the tenant's currency.
Texts for people are written as in the directory (api/directory_input.py): a string in the
request's writing language, or an object of locale -> text."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.directory_input import (
    PATCHED_TEXT,
    WRITTEN_TEXT,
    Location,
    localized_text,
    patched_text,
    text_of,
)
from api.instants import Instant
from domain.errors import FieldProblem, InvalidInput
from domain.funding.campaigns import DESCRIPTION, MAX_IMAGES, SUMMARY, TITLE, CampaignInput
from domain.funding.model import (
    MAX_GOAL,
    Campaign,
    CampaignContent,
    CampaignTerms,
    FundingModel,
    Money,
    RewardKind,
    RewardTier,
)
from domain.funding.tiers import TierInput
from domain.geo import GeoPoint

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MoneyIn(StrictInput):
    amount: int = Field(ge=1, le=MAX_GOAL, description="Minor units (cents)")
    currency: Currency = Field(description="ISO 4217; the tenant's currency")

    def money(self) -> Money:
        return Money(self.amount, self.currency)


class CampaignCreateIn(StrictInput):
    title: localized_text(TITLE[1], TITLE[0]) = Field(description=WRITTEN_TEXT)  # type: ignore[valid-type]
    summary: localized_text(SUMMARY[1]) | None = Field(default=None, description=WRITTEN_TEXT)  # type: ignore[valid-type]
    description: localized_text(DESCRIPTION[1]) | None = Field(  # type: ignore[valid-type]
        default=None, description=WRITTEN_TEXT
    )
    image_ids: list[UUID] = Field(default_factory=list, max_length=MAX_IMAGES)
    category_id: UUID | None = None
    location: Location | None = None
    business_id: UUID | None = None
    goal: MoneyIn
    minimum: MoneyIn | None = Field(
        default=None,
        description="All-or-nothing: the least it must reach to succeed (at most the goal)",
    )
    funding_model: FundingModel = FundingModel.ALL_OR_NOTHING
    starts_at: Instant
    ends_at: Instant


class CampaignPatchIn(StrictInput):
    """Only the fields given change; null clears an optional one."""

    title: localized_text(TITLE[1], removable=True) | None = Field(  # type: ignore[valid-type]
        default=None, description=PATCHED_TEXT
    )
    summary: localized_text(SUMMARY[1], removable=True) | None = Field(  # type: ignore[valid-type]
        default=None, description=PATCHED_TEXT
    )
    description: localized_text(DESCRIPTION[1], removable=True) | None = Field(  # type: ignore[valid-type]
        default=None, description=PATCHED_TEXT
    )
    image_ids: list[UUID] | None = Field(default=None, max_length=MAX_IMAGES)
    category_id: UUID | None = None
    location: Location | None = None
    business_id: UUID | None = None
    goal: MoneyIn | None = None
    minimum: MoneyIn | None = None
    funding_model: FundingModel | None = None
    starts_at: Instant | None = None
    ends_at: Instant | None = None


def geo_point(value: Location | None) -> GeoPoint | None:
    return GeoPoint(value.lat, value.lon) if value else None


def campaign_input(body: CampaignCreateIn, writing: str) -> CampaignInput:
    return CampaignInput(
        CampaignContent(
            title=text_of(body.title, writing),
            summary=text_of(body.summary, writing),
            description=text_of(body.description, writing),
            image_ids=tuple(body.image_ids),
            category_id=body.category_id,
            location=geo_point(body.location),
        ),
        CampaignTerms(
            goal=body.goal.money(),
            funding_model=body.funding_model,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            minimum=body.minimum.money() if body.minimum else None,
        ),
        business_id=body.business_id,
    )


def patched_campaign(current: Campaign, body: CampaignPatchIn, writing: str) -> CampaignInput:
    """The campaign as the patch leaves it: fields not sent keep their values."""
    sent = body.model_fields_set
    c, t = current.content, current.terms

    def text(name: str) -> Any:
        old = getattr(c, name)
        return patched_text(old, getattr(body, name), writing) if name in sent else old

    def kept(name: str, old: Any, new: Any) -> Any:
        return new if name in sent else old

    return CampaignInput(
        CampaignContent(
            title=text("title"),
            summary=text("summary"),
            description=text("description"),
            image_ids=tuple(body.image_ids or ()) if "image_ids" in sent else c.image_ids,
            category_id=kept("category_id", c.category_id, body.category_id),
            location=kept("location", c.location, geo_point(body.location)),
        ),
        CampaignTerms(
            goal=body.goal.money() if body.goal else t.goal,
            funding_model=body.funding_model or t.funding_model,
            starts_at=body.starts_at or t.starts_at,
            ends_at=body.ends_at or t.ends_at,
            minimum=kept("minimum", t.minimum, body.minimum.money() if body.minimum else None),
        ),
        business_id=kept("business_id", current.business_id, body.business_id),
    )


class TierIn(StrictInput):
    title: localized_text(120, 1) = Field(description=WRITTEN_TEXT)  # type: ignore[valid-type]
    description: localized_text(2000) | None = Field(default=None, description=WRITTEN_TEXT)  # type: ignore[valid-type]
    minimum: MoneyIn = Field(description="A pledge for this reward is at least this much")
    kind: RewardKind
    quantity: int | None = Field(default=None, ge=1, le=1_000_000, description="None: unlimited")
    estimated_delivery: date | None = None


def tier_input(body: TierIn, writing: str, currency: str) -> TierInput:
    _same_currency(body.minimum, currency, "minimum")
    return TierInput(
        title=text_of(body.title, writing),
        description=text_of(body.description, writing),
        minimum=body.minimum.amount,
        kind=body.kind,
        quantity=body.quantity,
        estimated_delivery=body.estimated_delivery,
    )


class TierPatchIn(StrictInput):
    """Only the fields given change; null clears an optional one."""

    title: localized_text(120, removable=True) | None = Field(  # type: ignore[valid-type]
        default=None, description=PATCHED_TEXT
    )
    description: localized_text(2000, removable=True) | None = Field(  # type: ignore[valid-type]
        default=None, description=PATCHED_TEXT
    )
    minimum: MoneyIn | None = None
    kind: RewardKind | None = None
    quantity: int | None = Field(default=None, ge=1, le=1_000_000)
    estimated_delivery: date | None = None


def patched_tier(current: RewardTier, body: TierPatchIn, writing: str, currency: str) -> TierInput:
    sent = body.model_fields_set
    if body.minimum is not None:
        _same_currency(body.minimum, currency, "minimum")

    def text(name: str) -> Any:
        old = getattr(current, name)
        return patched_text(old, getattr(body, name), writing) if name in sent else old

    return TierInput(
        title=text("title"),
        description=text("description"),
        minimum=body.minimum.amount if body.minimum else current.minimum.amount,
        kind=body.kind or current.kind,
        quantity=body.quantity if "quantity" in sent else current.quantity,
        estimated_delivery=(
            body.estimated_delivery if "estimated_delivery" in sent else current.estimated_delivery
        ),
    )


class PledgeIn(StrictInput):
    amount: MoneyIn
    tier_id: UUID | None = Field(default=None, description="The reward chosen, if any")
    anonymous: bool = Field(default=False, description="Not named in the public backer list")


class RefundIn(StrictInput):
    amount: MoneyIn
    reason: Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00]*$")] = ""


class TransfersReceivedIn(StrictInput):
    references: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=10_000
    )


def _same_currency(money: MoneyIn, currency: str, field: str) -> None:
    if money.currency != currency:
        raise InvalidInput([FieldProblem(f"{field}.currency", f"must be {currency}")])

"""What a partner platform writes: its campaigns by its own external id (REST and GraphQL
alike). Texts and money are written as for our own campaigns (api/funding_input.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from api.directory_input import WRITTEN_TEXT, Location, localized_text, text_of
from api.funding_input import Currency, MoneyIn, StrictInput, geo_point
from api.instants import Instant
from domain.funding.campaigns import DESCRIPTION, SUMMARY, TITLE
from domain.funding.model import (
    MAX_AMOUNT,
    CampaignContent,
    CampaignStatus,
    CampaignTerms,
    FundingModel,
    Money,
    Totals,
)
from domain.syndication.partner import MAX_PLATFORM, MAX_URL, PartnerCampaign


class PledgedIn(StrictInput):
    amount: Annotated[int, Field(ge=0, le=MAX_AMOUNT, description="Minor units (cents)")]
    currency: Currency


class TotalsIn(StrictInput):
    pledged: PledgedIn
    backers: Annotated[int, Field(ge=0, le=2_000_000_000)]


class OriginIn(StrictInput):
    platform: Annotated[
        str, Field(min_length=1, max_length=MAX_PLATFORM, description="Your platform's name")
    ]
    pledge_url: Annotated[
        str,
        Field(max_length=MAX_URL, description="Where backers pledge (https): not on our ledger"),
    ]


class PartnerCampaignIn(StrictInput):
    """The whole campaign as the partner has it now (a PUT: what is left out is cleared)."""

    title: localized_text(TITLE[1], TITLE[0]) = Field(description=WRITTEN_TEXT)  # type: ignore[valid-type]
    summary: localized_text(SUMMARY[1]) | None = Field(default=None, description=WRITTEN_TEXT)  # type: ignore[valid-type]
    description: localized_text(DESCRIPTION[1]) | None = Field(  # type: ignore[valid-type]
        default=None, description=WRITTEN_TEXT
    )
    location: Location | None = None
    goal: MoneyIn
    minimum: MoneyIn | None = None
    funding_model: FundingModel = FundingModel.ALL_OR_NOTHING
    starts_at: Instant
    ends_at: Instant
    status: CampaignStatus = Field(
        description="live, succeeded, failed, paid_out or cancelled (drafts stay with you)"
    )
    totals: TotalsIn
    origin: OriginIn


def partner_campaign_input(
    external_id: str, body: PartnerCampaignIn, writing: str
) -> PartnerCampaign:
    return PartnerCampaign(
        external_id=external_id,
        content=CampaignContent(
            title=text_of(body.title, writing),
            summary=text_of(body.summary, writing),
            description=text_of(body.description, writing),
            location=geo_point(body.location),
        ),
        terms=CampaignTerms(
            goal=body.goal.money(),
            funding_model=body.funding_model,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            minimum=body.minimum.money() if body.minimum else None,
        ),
        status=body.status,
        totals=Totals(
            Money(body.totals.pledged.amount, body.totals.pledged.currency), body.totals.backers
        ),
        platform=body.origin.platform,
        pledge_url=body.origin.pledge_url,
    )

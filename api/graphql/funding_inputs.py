"""GraphQL inputs of funding's writes. They are checked by the input models REST uses too
(api/funding_input.py) through `checked`, so both APIs accept and refuse the same values.

Texts for people are written as the directory's are: a plain string in the request's
language, or a list of `LocalizedTextInput` in its `...Translations` twin; not both."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import strawberry

from api.graphql.directory_inputs import LocationInput, translations_field
from api.graphql.funding_types import FundingModelEnum, MinorUnits, RewardKindEnum
from api.graphql.languages import LocalizedTextInput
from domain.funding.model import FundingModel


@strawberry.input(description="An amount in minor units (cents): the tenant's currency")
class MoneyInput:
    amount: MinorUnits
    currency: str = strawberry.field(description="ISO 4217, like EUR: the tenant's currency")


@strawberry.input(description="A campaign as drafted; absent fields take their defaults")
class CampaignInput:
    goal: MoneyInput
    starts_at: datetime
    ends_at: datetime
    title: str | None = None
    title_translations: list[LocalizedTextInput] | None = translations_field()
    summary: str | None = None
    summary_translations: list[LocalizedTextInput] | None = translations_field()
    description: str | None = None
    description_translations: list[LocalizedTextInput] | None = translations_field()
    image_ids: list[UUID] = strawberry.field(
        default_factory=list,
        description="Uploaded images to show, in order: your own (moderators: any), with alt "
        "text in every tenant language",
    )
    category_id: UUID | None = None
    location: LocationInput | None = None
    business_id: UUID | None = strawberry.field(
        default=None, description="A business whose team you are on"
    )
    minimum: MoneyInput | None = strawberry.field(
        default=None,
        description="All-or-nothing: the least it must reach to succeed (at most the goal)",
    )
    funding_model: FundingModelEnum = FundingModel.ALL_OR_NOTHING  # type: ignore[valid-type]


@strawberry.input(
    description="Only the fields given change; null clears an optional field. A text given as "
    "a string changes only the request's language; its translations only the languages listed"
)
class CampaignPatchInput:
    title: str | None = strawberry.UNSET
    title_translations: list[LocalizedTextInput] | None = translations_field(strawberry.UNSET)
    summary: str | None = strawberry.UNSET
    summary_translations: list[LocalizedTextInput] | None = translations_field(strawberry.UNSET)
    description: str | None = strawberry.UNSET
    description_translations: list[LocalizedTextInput] | None = translations_field(strawberry.UNSET)
    image_ids: list[UUID] | None = strawberry.UNSET
    category_id: UUID | None = strawberry.UNSET
    location: LocationInput | None = strawberry.UNSET
    business_id: UUID | None = strawberry.UNSET
    goal: MoneyInput | None = strawberry.UNSET
    minimum: MoneyInput | None = strawberry.UNSET
    funding_model: FundingModelEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET


@strawberry.input(description="A reward: what backers get for a pledge of at least `minimum`")
class RewardTierInput:
    minimum: MoneyInput
    kind: RewardKindEnum  # type: ignore[valid-type]
    title: str | None = None
    title_translations: list[LocalizedTextInput] | None = translations_field()
    description: str | None = None
    description_translations: list[LocalizedTextInput] | None = translations_field()
    quantity: int | None = strawberry.field(default=None, description="null: unlimited")
    estimated_delivery: date | None = None


@strawberry.input(
    description="Only the fields given change; quantity null makes it unlimited. A text given "
    "as a string changes only the request's language; its translations only those listed"
)
class RewardTierPatchInput:
    title: str | None = strawberry.UNSET
    title_translations: list[LocalizedTextInput] | None = translations_field(strawberry.UNSET)
    description: str | None = strawberry.UNSET
    description_translations: list[LocalizedTextInput] | None = translations_field(strawberry.UNSET)
    minimum: MoneyInput | None = strawberry.UNSET
    kind: RewardKindEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    quantity: int | None = strawberry.UNSET
    estimated_delivery: date | None = strawberry.UNSET


@strawberry.input(description="Backing a live campaign")
class PledgeInput:
    campaign_id: UUID
    amount: MoneyInput
    tier_id: UUID | None = strawberry.field(default=None, description="The reward chosen, if any")
    anonymous: bool = strawberry.field(
        default=False, description="Not named in the public backer list"
    )

"""Request and response models of the directory: businesses, categories, offers, claims, and
the category filter that lists, the map and search share. What REST and GraphQL both take in
(businesses, offers) is in api/directory_input.py; the map's and search's answers are in
api/rest/schemas/discovery.py."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from api.directory_input import (
    Address,
    CategoryNameIn,
    Contact,
    Location,
    OpeningHours,
    bounded_text,
)
from api.rest.schemas.media import MediaOut
from domain.directory.model import BusinessKind, ClaimStatus
from domain.identity.model import BusinessRole

CategoryKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


IN_LANGUAGE = (
    "In the answer's language (Content-Language), else the tenant's first language, else any "
    "it has; `languages` names it"
)


def _languages() -> Any:
    return Field(
        description="Field -> the language its text is in, for each text shown (none: no text)",
        examples=[{"description": "de"}],
    )


def _translations() -> Any:
    return Field(
        description="Field -> locale -> text: every language of each text, for editors",
        examples=[{"description": {"de": "Frische Brötchen", "en": "Fresh rolls"}}],
    )


class OpenStatus(BaseModel):
    open_now: bool
    closes_at: datetime | None = Field(description="When open: the end of this opening")
    next_opening: datetime | None = Field(description="The next opening, up to two months ahead")


class BusinessOut(BaseModel):
    id: UUID
    name: str
    kind: BusinessKind
    description: str = Field(description=IN_LANGUAGE)
    category_ids: list[UUID]
    address: Address
    location: Location | None
    contact: Contact
    website_url: str | None
    shop_url: str | None
    delivers: bool
    delivery_notes: str = Field(description=IN_LANGUAGE)
    offers_pickup: bool
    pickup_notes: str = Field(description=IN_LANGUAGE)
    image_ids: list[UUID] = Field(description="The uploaded images it shows, in order")
    images: list[MediaOut] = Field(
        description="Those images: variants with width, height and URL, alt text"
    )
    image_urls: list[str] = Field(
        description="Images elsewhere on the web (as before uploads existed); prefer image_ids"
    )
    social_links: list[str]
    opening_hours: OpeningHours
    timezone: str = Field(description="IANA timezone of the opening hours")
    open_status: OpenStatus
    verified: bool
    hidden: bool
    hidden_reason: str | None = Field(description="Shown to the team and moderators")
    external_id: str | None
    your_role: BusinessRole | None = Field(description="Your role on this business, if any")
    created_at: datetime
    updated_at: datetime
    languages: dict[str, str] = _languages()
    translations: dict[str, dict[str, str]] = _translations()


class BusinessSummaryOut(BaseModel):
    id: UUID
    name: str
    kind: BusinessKind
    category_ids: list[UUID]
    city: str
    location: Location | None
    verified: bool
    open_now: bool
    next_opening: datetime | None
    delivers: bool
    offers_pickup: bool


class BusinessPage(BaseModel):
    items: list[BusinessSummaryOut]
    next_cursor: str | None


class ModerationIn(_In):
    verified: bool
    hidden: bool
    reason: bounded_text(500) = ""  # type: ignore[valid-type]


class ClaimIn(_In):
    message: bounded_text(1000) = Field(  # type: ignore[valid-type]
        default="", description="How you are connected to the business, for the moderators"
    )


class ClaimOut(_Out):
    id: UUID
    business_id: UUID
    account_id: UUID
    message: str
    status: ClaimStatus
    created_at: datetime
    decided_at: datetime | None


class ClaimDecisionIn(_In):
    approve: bool


class TeamMemberOut(BaseModel):
    account_id: UUID
    display_name: str
    role: BusinessRole


class TeamRoleIn(_In):
    role: BusinessRole


class CategoryIn(CategoryNameIn):
    """The whole category: its name in the languages given (the others are removed)."""

    key: CategoryKey
    parent_id: UUID | None = None
    position: int = Field(default=0, ge=0, le=10_000)


class CategoryOut(BaseModel):
    id: UUID
    key: str
    name: str = Field(description=IN_LANGUAGE)
    parent_id: UUID | None
    position: int
    languages: dict[str, str] = _languages()


class CategoryDetailOut(CategoryOut):
    """A category as written: with its name in every language."""

    translations: dict[str, dict[str, str]] = _translations()


class CategoryTreeOut(CategoryOut):
    children: list[CategoryOut]


class OfferOut(BaseModel):
    id: UUID
    business_id: UUID
    title: str = Field(description=IN_LANGUAGE)
    text: str = Field(description=IN_LANGUAGE)
    valid_from: datetime
    valid_until: datetime
    voucher_url: str | None
    languages: dict[str, str] = _languages()


class OfferDetailOut(OfferOut):
    """An offer as written: with its texts in every language."""

    translations: dict[str, dict[str, str]] = _translations()


class OfferPage(BaseModel):
    items: list[OfferOut]
    next_cursor: str | None


# An id or a key. Not a bare number or true/false/null: those are what a mistyped value looks
# like once in a query string, and no sensible category key is one.
CATEGORY_REF_PATTERN = (
    r"^(?!(?:[0-9]+|true|false|null)$)(?:[0-9a-fA-F-]{36}|[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?)$"
)
_CATEGORY_REF = re.compile(CATEGORY_REF_PATTERN)


def _category_ref(value: str) -> str:
    if not _CATEGORY_REF.match(value):
        raise ValueError("must be a category's id or key")
    return value


# Checked in Python: pydantic's own patterns cannot look ahead.
CategoryRef = Annotated[
    str,
    StringConstraints(max_length=48),
    AfterValidator(_category_ref),
    Field(json_schema_extra={"pattern": CATEGORY_REF_PATTERN}),
]
CategoryFilter = Annotated[
    list[CategoryRef] | None,
    Query(
        max_length=10,
        description="Category ids or keys (`food`); a top-level category includes its children",
    ),
]

"""Request and response models of the directory: businesses, categories, offers, claims, the
map (GeoJSON, RFC 7946) and search."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from api.rest.schemas.instants import Instant
from domain.directory.hours import MAX_RANGES_PER_DAY
from domain.directory.model import BusinessKind, ClaimStatus
from domain.identity.model import BusinessRole


def _text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length, pattern=r"^[^\x00]*$"),
    ]


# The domain's rule for web addresses (is_web_url), as a pattern: http(s), a host with a dot.
Url = Annotated[
    str,
    StringConstraints(
        max_length=2000, pattern=r"^https?://[^\s/\x00]*\.[^\s/\x00]*(?:/[^\s\x00]*)?$"
    ),
]
Range = Annotated[
    str,
    StringConstraints(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
    ),
]
Weekday = Literal["mo", "tu", "we", "th", "fr", "sa", "su"]
CategoryKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Address(_In):
    street: _text(200) = ""  # type: ignore[valid-type]
    postcode: _text(12) = ""  # type: ignore[valid-type]
    city: _text(100) = ""  # type: ignore[valid-type]


class Location(_In):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Contact(_In):
    """The business's public contact (shown to everyone, never in open data)."""

    phone: _text(30) = ""  # type: ignore[valid-type]
    email: _text(254) = ""  # type: ignore[valid-type]


class HoursException(_In):
    date: date
    ranges: list[Range] = Field(
        default=[], max_length=MAX_RANGES_PER_DAY, description="[] = closed"
    )
    note: _text(200) = ""  # type: ignore[valid-type]


class OpeningHours(_In):
    weekly: dict[Weekday, list[Range]] = Field(
        default={},
        description="Wall-clock ranges per weekday in the tenant's timezone; "
        "'22:00-03:00' runs past midnight",
        examples=[{"mo": ["09:00-13:00", "14:00-18:00"], "sa": ["10:00-14:00"]}],
    )
    exceptions: list[HoursException] = Field(default=[], max_length=400)


class BusinessFields(_In):
    name: _text(120, 1)  # type: ignore[valid-type]
    kind: BusinessKind
    description: _text(5000) = ""  # type: ignore[valid-type]
    category_ids: list[UUID] = Field(default=[], max_length=5)
    address: Address = Address()
    location: Location | None = None
    contact: Contact = Contact()
    website_url: Url | None = None
    shop_url: Url | None = None
    delivers: bool = False
    delivery_notes: _text(500) = ""  # type: ignore[valid-type]
    offers_pickup: bool = False
    pickup_notes: _text(500) = ""  # type: ignore[valid-type]
    image_urls: list[Url] = Field(default=[], max_length=10)
    social_links: list[Url] = Field(default=[], max_length=8)
    opening_hours: OpeningHours = OpeningHours()


class BusinessCreateIn(BusinessFields):
    external_id: _text(100, 1) | None = Field(  # type: ignore[valid-type]
        default=None, description="Your own id for this business, unique in the tenant"
    )


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _not_null() -> Any:
    """A patch field that may be left out but not sent as null (a name cannot be "none")."""
    return Field(default=None, json_schema_extra=_no_default, description="null is refused")


CLEARS = "null clears it"


class BusinessPatchIn(_In):
    """Only the fields sent change. null clears a field that may be empty (to "", [], no
    hours, no address, no location); name, kind, delivers and offers_pickup refuse null."""

    name: _text(120, 1) = _not_null()  # type: ignore[valid-type]
    kind: BusinessKind = _not_null()
    description: _text(5000) | None = Field(default=None, description=CLEARS)  # type: ignore[valid-type]
    category_ids: list[UUID] | None = Field(default=None, max_length=5, description=CLEARS)
    address: Address | None = Field(default=None, description=CLEARS)
    location: Location | None = Field(default=None, description=CLEARS)
    contact: Contact | None = Field(default=None, description=CLEARS)
    website_url: Url | None = Field(default=None, description=CLEARS)
    shop_url: Url | None = Field(default=None, description=CLEARS)
    delivers: bool = _not_null()
    delivery_notes: _text(500) | None = Field(default=None, description=CLEARS)  # type: ignore[valid-type]
    offers_pickup: bool = _not_null()
    pickup_notes: _text(500) | None = Field(default=None, description=CLEARS)  # type: ignore[valid-type]
    image_urls: list[Url] | None = Field(default=None, max_length=10, description=CLEARS)
    social_links: list[Url] | None = Field(default=None, max_length=8, description=CLEARS)
    opening_hours: OpeningHours | None = Field(default=None, description=CLEARS)


class OpenStatus(BaseModel):
    open_now: bool
    closes_at: datetime | None = Field(description="When open: the end of this opening")
    next_opening: datetime | None = Field(description="The next opening, up to two months ahead")


class BusinessOut(BaseModel):
    id: UUID
    name: str
    kind: BusinessKind
    description: str
    category_ids: list[UUID]
    address: Address
    location: Location | None
    contact: Contact
    website_url: str | None
    shop_url: str | None
    delivers: bool
    delivery_notes: str
    offers_pickup: bool
    pickup_notes: str
    image_urls: list[str]
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
    reason: _text(500) = ""  # type: ignore[valid-type]


class ClaimIn(_In):
    message: _text(1000) = Field(  # type: ignore[valid-type]
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


class CategoryIn(_In):
    key: CategoryKey
    name: _text(80, 1)  # type: ignore[valid-type]
    parent_id: UUID | None = None
    position: int = Field(default=0, ge=0, le=10_000)


class CategoryOut(_Out):
    id: UUID
    key: str
    name: str
    parent_id: UUID | None
    position: int


class CategoryTreeOut(CategoryOut):
    children: list[CategoryOut]


class OfferIn(_In):
    business_id: UUID
    title: _text(120, 1)  # type: ignore[valid-type]
    text: _text(2000) = ""  # type: ignore[valid-type]
    valid_from: Instant
    valid_until: Instant
    voucher_url: Url | None = None


class OfferChangeIn(_In):
    title: _text(120, 1)  # type: ignore[valid-type]
    text: _text(2000) = ""  # type: ignore[valid-type]
    valid_from: Instant
    valid_until: Instant
    voucher_url: Url | None = None


class OfferOut(_Out):
    id: UUID
    business_id: UUID
    title: str
    text: str
    valid_from: datetime
    valid_until: datetime
    voucher_url: str | None


class OfferPage(BaseModel):
    items: list[OfferOut]
    next_cursor: str | None


class PointGeometry(BaseModel):
    type: Literal["Point"] = "Point"
    coordinates: list[float] = Field(
        description="[longitude, latitude]", min_length=2, max_length=2
    )


class PinProperties(BaseModel):
    """Just what a map pin needs; the rest is one request away."""

    type: Literal["business"] = Field(
        description="What the pin stands for (campaigns and events later)"
    )
    name: str
    kind: str
    category_ids: list[UUID]
    verified: bool
    open_now: bool | None
    distance_m: float | None = None


class PinFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: PointGeometry
    properties: PinProperties


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    bbox: list[float] | None = Field(default=None, description="The box asked for, when one was")
    features: list[PinFeature]
    truncated: bool = Field(description="More pins matched than `limit`: zoom in or filter")


class SearchHitOut(BaseModel):
    type: str = Field(description="business (campaign, event and post as they arrive)")
    id: UUID
    title: str
    snippet: str = Field(description="HTML-escaped text with matches in <mark>…</mark>")
    rank: float


class SearchResults(BaseModel):
    query: str
    items: list[SearchHitOut]


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

"""What a caller may write to the directory, for REST and GraphQL alike: the input models of
businesses and offers (lengths, URLs, clock times), and the mapping between them and the
domain. Neither protocol owns it, so both accept and refuse the same values."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.instants import Instant
from domain.directory.hours import MAX_RANGES_PER_DAY, hours_from_text, weekly_as_text
from domain.directory.model import Address as AddressValue
from domain.directory.model import BusinessKind, BusinessProfile, GeoPoint
from domain.directory.model import Contact as ContactValue
from domain.directory.offers import OfferInput


def bounded_text(max_length: int, min_length: int = 0) -> Any:
    """Text of a bounded length without NUL characters."""
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


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Address(_In):
    street: bounded_text(200) = ""  # type: ignore[valid-type]
    postcode: bounded_text(12) = ""  # type: ignore[valid-type]
    city: bounded_text(100) = ""  # type: ignore[valid-type]


class Location(_In):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Contact(_In):
    """The business's public contact (shown to everyone, never in open data)."""

    phone: bounded_text(30) = ""  # type: ignore[valid-type]
    email: bounded_text(254) = ""  # type: ignore[valid-type]


class HoursException(_In):
    date: date
    ranges: list[Range] = Field(
        default=[], max_length=MAX_RANGES_PER_DAY, description="[] = closed"
    )
    note: bounded_text(200) = ""  # type: ignore[valid-type]


class OpeningHours(_In):
    weekly: dict[Weekday, list[Range]] = Field(
        default={},
        description="Wall-clock ranges per weekday in the tenant's timezone; "
        "'22:00-03:00' runs past midnight",
        examples=[{"mo": ["09:00-13:00", "14:00-18:00"], "sa": ["10:00-14:00"]}],
    )
    exceptions: list[HoursException] = Field(default=[], max_length=400)


class BusinessFields(_In):
    name: bounded_text(120, 1)  # type: ignore[valid-type]
    kind: BusinessKind
    description: bounded_text(5000) = ""  # type: ignore[valid-type]
    category_ids: list[UUID] = Field(default=[], max_length=5)
    address: Address = Address()
    location: Location | None = None
    contact: Contact = Contact()
    website_url: Url | None = None
    shop_url: Url | None = None
    delivers: bool = False
    delivery_notes: bounded_text(500) = ""  # type: ignore[valid-type]
    offers_pickup: bool = False
    pickup_notes: bounded_text(500) = ""  # type: ignore[valid-type]
    image_urls: list[Url] = Field(default=[], max_length=10)
    social_links: list[Url] = Field(default=[], max_length=8)
    opening_hours: OpeningHours = OpeningHours()


class BusinessCreateIn(BusinessFields):
    external_id: bounded_text(100, 1) | None = Field(  # type: ignore[valid-type]
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

    name: bounded_text(120, 1) = _not_null()  # type: ignore[valid-type]
    kind: BusinessKind = _not_null()
    description: bounded_text(5000) | None = Field(default=None, description=CLEARS)  # type: ignore[valid-type]
    category_ids: list[UUID] | None = Field(default=None, max_length=5, description=CLEARS)
    address: Address | None = Field(default=None, description=CLEARS)
    location: Location | None = Field(default=None, description=CLEARS)
    contact: Contact | None = Field(default=None, description=CLEARS)
    website_url: Url | None = Field(default=None, description=CLEARS)
    shop_url: Url | None = Field(default=None, description=CLEARS)
    delivers: bool = _not_null()
    delivery_notes: bounded_text(500) | None = Field(default=None, description=CLEARS)  # type: ignore[valid-type]
    offers_pickup: bool = _not_null()
    pickup_notes: bounded_text(500) | None = Field(default=None, description=CLEARS)  # type: ignore[valid-type]
    image_urls: list[Url] | None = Field(default=None, max_length=10, description=CLEARS)
    social_links: list[Url] | None = Field(default=None, max_length=8, description=CLEARS)
    opening_hours: OpeningHours | None = Field(default=None, description=CLEARS)


class OfferIn(_In):
    business_id: UUID
    title: bounded_text(120, 1)  # type: ignore[valid-type]
    text: bounded_text(2000) = ""  # type: ignore[valid-type]
    valid_from: Instant
    valid_until: Instant
    voucher_url: Url | None = None


class OfferChangeIn(_In):
    title: bounded_text(120, 1)  # type: ignore[valid-type]
    text: bounded_text(2000) = ""  # type: ignore[valid-type]
    valid_from: Instant
    valid_until: Instant
    voucher_url: Url | None = None


def profile_from(fields: BusinessFields) -> BusinessProfile:
    hours = fields.opening_hours
    return BusinessProfile(
        name=fields.name.strip(),
        kind=fields.kind,
        description=fields.description.strip(),
        category_ids=tuple(fields.category_ids),
        address=AddressValue(**fields.address.model_dump()),
        location=GeoPoint(fields.location.lat, fields.location.lon) if fields.location else None,
        contact=ContactValue(**fields.contact.model_dump()),
        website_url=fields.website_url,
        shop_url=fields.shop_url,
        delivers=fields.delivers,
        delivery_notes=fields.delivery_notes,
        offers_pickup=fields.offers_pickup,
        pickup_notes=fields.pickup_notes,
        image_urls=tuple(fields.image_urls),
        social_links=tuple(fields.social_links),
        opening_hours=hours_from_text(
            dict(hours.weekly), [(e.date, list(e.ranges), e.note) for e in hours.exceptions]
        ),
    )


def fields_of(profile: BusinessProfile) -> BusinessFields:
    hours = profile.opening_hours
    return BusinessFields(
        name=profile.name,
        kind=profile.kind,
        description=profile.description,
        category_ids=list(profile.category_ids),
        address=Address(**vars(profile.address)),
        location=Location(lat=profile.location.lat, lon=profile.location.lon)
        if profile.location
        else None,
        contact=Contact(**vars(profile.contact)),
        website_url=profile.website_url,
        shop_url=profile.shop_url,
        delivers=profile.delivers,
        delivery_notes=profile.delivery_notes,
        offers_pickup=profile.offers_pickup,
        pickup_notes=profile.pickup_notes,
        image_urls=list(profile.image_urls),
        social_links=list(profile.social_links),
        opening_hours=OpeningHours(
            weekly={day: ranges for day, ranges in weekly_as_text(hours).items() if ranges},  # type: ignore[misc]
            exceptions=[
                HoursException(date=e.day, ranges=[str(r) for r in e.ranges], note=e.note)
                for e in hours.exceptions
            ],
        ),
    )


def patched(profile: BusinessProfile, patch: BusinessPatchIn) -> BusinessProfile:
    """The profile with the patch's fields; a null sent for a field clears it to its default
    (the patch model already refused null where a field cannot be empty)."""
    defaults = BusinessFields.model_fields
    changes = {
        name: defaults[name].get_default(call_default_factory=True) if value is None else value
        for name, value in patch.model_dump(exclude_unset=True).items()
    }
    return profile_from(BusinessFields.model_validate(fields_of(profile).model_dump() | changes))


def offer_input(fields: OfferIn | OfferChangeIn) -> OfferInput:
    return OfferInput(
        fields.title, fields.text, fields.valid_from, fields.valid_until, fields.voucher_url
    )

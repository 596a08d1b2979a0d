"""What a caller may write to the directory, for REST and GraphQL alike: the input models of
businesses and offers (lengths, URLs, clock times, texts in the tenant's languages), and the
mapping between them and the domain. Neither protocol owns it, so both accept and refuse the
same values.

A text for people (a description, an offer's title, a category's name) is written as a string,
in the request's writing language (`Language.writing`), or as an object of locale -> text; on
a patch, null for a language removes it, and a string changes only the writing language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from api.instants import Instant
from domain.directory.hours import MAX_RANGES_PER_DAY, hours_from_text, weekly_as_text
from domain.directory.model import BUSINESS_TEXTS, BusinessKind, BusinessProfile, GeoPoint
from domain.directory.model import Address as AddressValue
from domain.directory.model import Contact as ContactValue
from domain.directory.offers import OfferInput
from domain.languages import EMPTY, LocalizedText


def bounded_text(max_length: int, min_length: int = 0) -> Any:
    """Text of a bounded length without NUL characters."""
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length, pattern=r"^[^\x00]*$"),
    ]


Locale = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z]{2}(?:-[A-Z]{2})?$"),
    Field(description="One of the tenant's locales, like `de` or `de-AT`"),
]
MAX_LANGUAGES = 20
TEXT_SHAPES = "must be a string or an object of locale -> text"


def _shape_of_text(value: Any) -> str | None:
    return "string" if isinstance(value, str) else "object" if isinstance(value, dict) else None


def _without_shape(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Errors of a text name its field and language (`description.de`), not which of its
    shapes was checked (`description.object.de`)."""
    try:
        return handler(value)
    except ValidationError as error:
        found = error.errors()
        if not all(e["loc"] and e["loc"][0] in ("string", "object") for e in found):
            raise PydanticCustomError("text_type", TEXT_SHAPES) from None
        raise ValidationError.from_exception_data(
            error.title,
            [
                InitErrorDetails(
                    type=e["type"], loc=e["loc"][1:], input=e["input"], ctx=e.get("ctx", {})
                )
                for e in found
            ],
        ) from None


def localized_text(max_length: int, min_length: int = 0, *, removable: bool = False) -> Any:
    """A text for people: a string in the request's language, or an object of locale -> text
    (each of `max_length`); with `removable` (a patch), null for a locale removes it."""
    value = bounded_text(max_length) | None if removable else bounded_text(max_length)
    languages = Annotated[
        dict[Locale, value],  # type: ignore[valid-type]
        Field(max_length=MAX_LANGUAGES, json_schema_extra={"additionalProperties": False}),
    ]
    return Annotated[
        Annotated[bounded_text(max_length, min_length), Tag("string")]
        | Annotated[languages, Tag("object")],
        Discriminator(
            _shape_of_text, custom_error_type="text_type", custom_error_message=TEXT_SHAPES
        ),
        WrapValidator(_without_shape),
    ]


WRITTEN_TEXT = (
    "A string, in the request's language (`?lang=`, else `Content-Language`, else the "
    "language it reads in), or an object of locale -> text for several languages at once"
)
PATCHED_TEXT = (
    f"{WRITTEN_TEXT}. A string changes only that language, an object only the languages it "
    "names (null removes one); null for the whole field removes every language"
)


def text_of(written: str | Mapping[str, str | None] | None, writing: str) -> LocalizedText:
    """What a write sets a text to (a POST or PUT sets all of it): a string is in `writing`."""
    if written is None:
        return EMPTY
    if isinstance(written, str):
        return LocalizedText.single(writing, written)
    return LocalizedText.of({k: v for k, v in written.items() if v is not None})


def patched_text(
    current: LocalizedText, written: str | Mapping[str, str | None] | None, writing: str
) -> LocalizedText:
    """What a patch leaves of a text: null removes every language, a string sets `writing`'s
    (an empty one removes it), an object sets the languages it names (null removes one)."""
    if written is None:
        return EMPTY
    if isinstance(written, str):
        return current.merged({writing: written})
    return current.merged(written)


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
    description: localized_text(5000) = Field(default="", description=WRITTEN_TEXT)  # type: ignore[valid-type]
    category_ids: list[UUID] = Field(default=[], max_length=5)
    address: Address = Address()
    location: Location | None = None
    contact: Contact = Contact()
    website_url: Url | None = None
    shop_url: Url | None = None
    delivers: bool = False
    delivery_notes: localized_text(500) = Field(default="", description=WRITTEN_TEXT)  # type: ignore[valid-type]
    offers_pickup: bool = False
    pickup_notes: localized_text(500) = Field(default="", description=WRITTEN_TEXT)  # type: ignore[valid-type]
    image_ids: list[UUID] = Field(
        default=[],
        max_length=10,
        description="Uploaded images (POST /v1/media) to show, in order. A new one must be "
        "yours (moderators: any) and have alt text in every tenant language",
    )
    image_urls: list[Url] = Field(
        default=[], max_length=10, description="Images elsewhere on the web; prefer image_ids"
    )
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
    hours, no address, no location; a text in every language); name, kind, delivers and
    offers_pickup refuse null. A text sent as a string changes only the request's language."""

    name: bounded_text(120, 1) = _not_null()  # type: ignore[valid-type]
    kind: BusinessKind = _not_null()
    description: localized_text(5000, removable=True) | None = Field(  # type: ignore[valid-type]
        default=None, description=PATCHED_TEXT
    )
    category_ids: list[UUID] | None = Field(default=None, max_length=5, description=CLEARS)
    address: Address | None = Field(default=None, description=CLEARS)
    location: Location | None = Field(default=None, description=CLEARS)
    contact: Contact | None = Field(default=None, description=CLEARS)
    website_url: Url | None = Field(default=None, description=CLEARS)
    shop_url: Url | None = Field(default=None, description=CLEARS)
    delivers: bool = _not_null()
    delivery_notes: localized_text(500, removable=True) | None = Field(  # type: ignore[valid-type]
        default=None, description=PATCHED_TEXT
    )
    offers_pickup: bool = _not_null()
    pickup_notes: localized_text(500, removable=True) | None = Field(  # type: ignore[valid-type]
        default=None, description=PATCHED_TEXT
    )
    image_ids: list[UUID] | None = Field(
        default=None,
        max_length=10,
        description="The images to show, in order: ones left out stay their owners' (null: none)",
    )
    image_urls: list[Url] | None = Field(default=None, max_length=10, description=CLEARS)
    social_links: list[Url] | None = Field(default=None, max_length=8, description=CLEARS)
    opening_hours: OpeningHours | None = Field(default=None, description=CLEARS)


class OfferIn(_In):
    business_id: UUID
    title: localized_text(120, 1) = Field(description=WRITTEN_TEXT)  # type: ignore[valid-type]
    text: localized_text(2000) = Field(default="", description=WRITTEN_TEXT)  # type: ignore[valid-type]
    valid_from: Instant
    valid_until: Instant
    voucher_url: Url | None = None


class OfferChangeIn(_In):
    """The whole offer: each text in the languages given (the others are removed)."""

    title: localized_text(120, 1) = Field(description=WRITTEN_TEXT)  # type: ignore[valid-type]
    text: localized_text(2000) = Field(default="", description=WRITTEN_TEXT)  # type: ignore[valid-type]
    valid_from: Instant
    valid_until: Instant
    voucher_url: Url | None = None


class CategoryNameIn(_In):
    name: localized_text(80, 1) = Field(description=WRITTEN_TEXT)  # type: ignore[valid-type]


def profile_from(fields: BusinessFields, writing: str) -> BusinessProfile:
    """A string text is in `writing`, the request's writing language."""
    hours = fields.opening_hours
    return BusinessProfile(
        name=fields.name.strip(),
        kind=fields.kind,
        description=text_of(fields.description, writing),
        category_ids=tuple(fields.category_ids),
        address=AddressValue(**fields.address.model_dump()),
        location=GeoPoint(fields.location.lat, fields.location.lon) if fields.location else None,
        contact=ContactValue(**fields.contact.model_dump()),
        website_url=fields.website_url,
        shop_url=fields.shop_url,
        delivers=fields.delivers,
        delivery_notes=text_of(fields.delivery_notes, writing),
        offers_pickup=fields.offers_pickup,
        pickup_notes=text_of(fields.pickup_notes, writing),
        image_ids=tuple(fields.image_ids),
        image_urls=tuple(fields.image_urls),
        social_links=tuple(fields.social_links),
        opening_hours=hours_from_text(
            dict(hours.weekly), [(e.date, list(e.ranges), e.note) for e in hours.exceptions]
        ),
    )


def fields_of(profile: BusinessProfile) -> BusinessFields:
    """The profile as written, its texts in every language."""
    hours = profile.opening_hours
    return BusinessFields(
        name=profile.name,
        kind=profile.kind,
        description=profile.description.as_dict(),
        category_ids=list(profile.category_ids),
        address=Address(**vars(profile.address)),
        location=Location(lat=profile.location.lat, lon=profile.location.lon)
        if profile.location
        else None,
        contact=Contact(**vars(profile.contact)),
        website_url=profile.website_url,
        shop_url=profile.shop_url,
        delivers=profile.delivers,
        delivery_notes=profile.delivery_notes.as_dict(),
        offers_pickup=profile.offers_pickup,
        pickup_notes=profile.pickup_notes.as_dict(),
        image_ids=list(profile.image_ids),
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


def patched(profile: BusinessProfile, patch: BusinessPatchIn, writing: str) -> BusinessProfile:
    """The profile with the patch's fields; a null sent for a field clears it to its default
    (the patch model already refused null where a field cannot be empty). Texts change in the
    languages the patch names (`writing` for a string), the others stay."""
    defaults = BusinessFields.model_fields
    sent = patch.model_dump(exclude_unset=True)
    texts = {name: sent.pop(name) for name in BUSINESS_TEXTS if name in sent}
    changes = {
        name: defaults[name].get_default(call_default_factory=True) if value is None else value
        for name, value in sent.items()
    }
    changed = profile_from(
        BusinessFields.model_validate(fields_of(profile).model_dump() | changes), writing
    )
    return replace(
        changed,
        **{
            name: patched_text(getattr(profile, name), written, writing)
            for name, written in texts.items()
        },
    )


def offer_input(fields: OfferIn | OfferChangeIn, writing: str) -> OfferInput:
    return OfferInput(
        text_of(fields.title, writing),
        text_of(fields.text, writing),
        fields.valid_from,
        fields.valid_until,
        fields.voucher_url,
    )

"""GraphQL inputs of the directory's writes. They are checked by the input models REST uses
too (api/directory_input.py: lengths, URLs, clock times, languages), so both APIs accept and
refuse the same things.

A text for people takes a plain string, in the request's language (`?lang=`, else
Content-Language, else the language it reads in), or a list of `LocalizedTextInput` in its
`...Translations` twin (REST's object of locale -> text); not both."""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

import strawberry
from pydantic import BaseModel, ValidationError

from api.graphql.errors import graphql_field
from api.graphql.languages import LocalizedTextInput
from api.problems import pydantic_field_problems
from domain.directory.model import BusinessKind
from domain.errors import FieldProblem, InvalidInput

BusinessKindEnum = strawberry.enum(BusinessKind, name="BusinessKind")
M = TypeVar("M", bound=BaseModel)


TRANSLATIONS = "Instead of the plain string: the text in each language given"


def translations_field(default: object = None) -> Any:
    return strawberry.field(default=default, description=TRANSLATIONS)


@strawberry.input
class AddressInput:
    street: str = ""
    postcode: str = ""
    city: str = ""


@strawberry.input
class LocationInput:
    lat: float
    lon: float


@strawberry.input
class ContactInput:
    phone: str = ""
    email: str = ""


@strawberry.input(description="Wall-clock ranges of one weekday, like '09:00-18:00'")
class DayHoursInput:
    day: str = strawberry.field(description="mo, tu, we, th, fr, sa or su")
    ranges: list[str]


@strawberry.input(description="Hours that replace the weekly ones on a date; no ranges: closed")
class HoursExceptionInput:
    date: date
    ranges: list[str] = strawberry.field(default_factory=list)
    note: str = ""


@strawberry.input
class OpeningHoursInput:
    weekly: list[DayHoursInput] = strawberry.field(default_factory=list)
    exceptions: list[HoursExceptionInput] = strawberry.field(default_factory=list)


@strawberry.input(description="A business as registered; absent fields take their defaults")
class BusinessInput:
    name: str
    kind: BusinessKindEnum  # type: ignore[valid-type]
    description: str = ""
    description_translations: list[LocalizedTextInput] | None = translations_field()
    category_ids: list[UUID] = strawberry.field(default_factory=list)
    address: AddressInput | None = None
    location: LocationInput | None = None
    contact: ContactInput | None = None
    website_url: str | None = None
    shop_url: str | None = None
    delivers: bool = False
    delivery_notes: str = ""
    delivery_notes_translations: list[LocalizedTextInput] | None = translations_field()
    offers_pickup: bool = False
    pickup_notes: str = ""
    pickup_notes_translations: list[LocalizedTextInput] | None = translations_field()
    image_ids: list[UUID] = strawberry.field(
        default_factory=list,
        description="Uploaded images to show, in order: new ones yours (moderators: any), "
        "with alt text in every tenant language",
    )
    image_urls: list[str] = strawberry.field(default_factory=list)
    social_links: list[str] = strawberry.field(default_factory=list)
    opening_hours: OpeningHoursInput | None = None
    external_id: str | None = None


@strawberry.input(
    description="Only the fields given change; null clears an optional field. A text given as "
    "a string changes only the request's language; its translations only the languages listed"
)
class BusinessPatchInput:
    name: str | None = strawberry.UNSET
    kind: BusinessKindEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    description: str | None = strawberry.UNSET
    description_translations: list[LocalizedTextInput] | None = translations_field(strawberry.UNSET)
    category_ids: list[UUID] | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET
    location: LocationInput | None = strawberry.UNSET
    contact: ContactInput | None = strawberry.UNSET
    website_url: str | None = strawberry.UNSET
    shop_url: str | None = strawberry.UNSET
    delivers: bool | None = strawberry.UNSET
    delivery_notes: str | None = strawberry.UNSET
    delivery_notes_translations: list[LocalizedTextInput] | None = translations_field(
        strawberry.UNSET
    )
    offers_pickup: bool | None = strawberry.UNSET
    pickup_notes: str | None = strawberry.UNSET
    pickup_notes_translations: list[LocalizedTextInput] | None = translations_field(
        strawberry.UNSET
    )
    image_ids: list[UUID] | None = strawberry.UNSET
    image_urls: list[str] | None = strawberry.UNSET
    social_links: list[str] | None = strawberry.UNSET
    opening_hours: OpeningHoursInput | None = strawberry.UNSET


def plain(value: Any) -> Any:
    """An input as the JSON a REST client would send: unset fields left out, each
    `x_translations` list as REST's object in `x`, enums as their values, weekly hours as a
    mapping of weekday to ranges."""
    if isinstance(value, OpeningHoursInput):
        return {
            "weekly": {d.day: list(d.ranges) for d in value.weekly},
            "exceptions": [plain(e) for e in value.exceptions],
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return with_translations(
            {
                f.name: plain(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if getattr(value, f.name) is not strawberry.UNSET
            }
        )
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    return value


def with_translations(data: dict[str, Any]) -> dict[str, Any]:
    """Each `x_translations` list as REST's object of locale -> text in `x`. Both given (a
    string that says something, and the list) is refused: which would win is not obvious."""
    for name in [n for n in data if n.endswith("_translations")]:
        entries = data.pop(name)
        if entries is None:
            continue
        field = name.removesuffix("_translations")
        if data.get(field) not in ("", None):
            raise InvalidInput(
                [FieldProblem(name, f"give {graphql_field(field)} or this, not both")]
            )
        data[field] = {e["locale"]: e["text"] for e in entries}
    return data


def checked(model: type[M], value: Any, *, patch: bool = False) -> M:
    """`value` through the input model `model`; InvalidInput names each field that fails.
    `patch` (implied by a BusinessPatchInput): a null given means "clear it"."""
    data = plain(value)
    if not (patch or isinstance(value, BusinessPatchInput)):
        # Only a patch's null means something ("clear it"); elsewhere it is the default.
        data = {k: v for k, v in data.items() if v is not None}
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(
            [
                FieldProblem(p.field, p.message)
                for p in pydantic_field_problems(list(error.errors()))
            ]
        ) from None

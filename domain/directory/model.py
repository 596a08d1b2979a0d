"""The directory: businesses, their categories and offers, and claims on listings."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TypeVar
from uuid import UUID

from domain.directory.hours import OpeningHours
from domain.errors import FieldProblem, InvalidInput
from domain.geo import GeoPoint
from domain.languages import EMPTY, LocalizedText

MAX_CATEGORIES_PER_BUSINESS = 5
MAX_IMAGES = 10
MAX_SOCIAL_LINKS = 8
MAX_PHONE = 30  # the pattern alone lets a leading '+' make 31
_KEY = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
_PHONE = re.compile(r"^\+?[0-9 ()/-]{3,30}$")
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_T = TypeVar("_T")


class BusinessKind(StrEnum):
    RETAIL = "retail"
    GASTRONOMY = "gastronomy"
    CULTURE = "culture"
    SERVICES = "services"
    CRAFTS = "crafts"
    HEALTH = "health"
    ASSOCIATION = "association"
    PUBLIC_INSTITUTION = "public_institution"
    OTHER = "other"


def is_web_url(value: str) -> bool:
    return (
        value.startswith(("https://", "http://"))
        and len(value) <= 2000
        and not any(ch.isspace() for ch in value)
        and "." in value.split("//", 1)[1].split("/", 1)[0]
    )


def text_problems(value: str, field_name: str, *, min_len: int, max_len: int) -> list[FieldProblem]:
    if _NOT_TEXT.search(value):
        return [FieldProblem(field_name, "contains control characters")]
    if not min_len <= len(value.strip()) <= max_len:
        return [FieldProblem(field_name, f"must be {min_len}-{max_len} characters")]
    return []


# The texts meant for people, one value per language of the tenant: each language's text within
# (min, max) characters; a minimum of 1 means the text must exist in at least one language.
TextLimits = Mapping[str, tuple[int, int]]
BUSINESS_TEXTS: TextLimits = {
    "description": (0, 5000),
    "delivery_notes": (0, 500),
    "pickup_notes": (0, 500),
}
OFFER_TEXTS: TextLimits = {"title": (1, 120), "text": (0, 2000)}
CATEGORY_TEXTS: TextLimits = {"name": (1, 80)}


def localized_problems(
    holder: object, limits: TextLimits, locales: Sequence[str] | None = None
) -> list[FieldProblem]:
    """The problems of `holder`'s localized texts: lengths in every language, and with
    `locales` (the tenant's), languages that are not among them. Entities check lengths on
    construction; they do not know their tenant, so use cases check the languages."""
    found: list[FieldProblem] = []
    for name, (min_len, max_len) in limits.items():
        text: LocalizedText = getattr(holder, name)
        allowed = text.locales if locales is None else locales
        found += text.problems(name, locales=allowed, min_len=min_len, max_len=max_len)
    return found


def in_locale_order(holder: _T, limits: TextLimits) -> _T:
    """`holder` with each localized text's languages in the order repositories hand them back
    (by locale), so an unchanged text compares equal to the stored one."""
    return replace(
        holder,  # type: ignore[type-var]
        **{name: LocalizedText(tuple(sorted(getattr(holder, name).values))) for name in limits},
    )


def require_tenant_languages(holder: object, limits: TextLimits, locales: Sequence[str]) -> None:
    """InvalidInput when a text of `holder` is in a language the tenant lacks."""
    problems = localized_problems(holder, limits, locales)
    if problems:
        raise InvalidInput(problems)


@dataclass(frozen=True)
class Address:
    street: str = ""
    postcode: str = ""
    city: str = ""

    def problems(self) -> list[FieldProblem]:
        found = []
        for name, limit in (("street", 200), ("postcode", 12), ("city", 100)):
            found += text_problems(getattr(self, name), f"address.{name}", min_len=0, max_len=limit)
        return found


@dataclass(frozen=True)
class Contact:
    """The business's public contact, as printed on its door; not a person's private data."""

    phone: str = ""
    email: str = ""

    def problems(self) -> list[FieldProblem]:
        found = []
        if self.phone and (len(self.phone) > MAX_PHONE or not _PHONE.match(self.phone)):
            found.append(FieldProblem("contact.phone", "is not a phone number"))
        if self.email and (
            len(self.email) > 254 or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", self.email)
        ):
            found.append(FieldProblem("contact.email", "is not an email address"))
        return found


@dataclass(frozen=True)
class BusinessProfile:
    """What owners, staff, moderators and partner keys may set on a business."""

    name: str
    kind: BusinessKind
    description: LocalizedText = EMPTY
    category_ids: tuple[UUID, ...] = ()
    address: Address = field(default_factory=Address)
    location: GeoPoint | None = None
    contact: Contact = field(default_factory=Contact)
    website_url: str | None = None
    shop_url: str | None = None
    delivers: bool = False
    delivery_notes: LocalizedText = EMPTY
    offers_pickup: bool = False
    pickup_notes: LocalizedText = EMPTY
    image_ids: tuple[UUID, ...] = ()  # uploaded media it shows, in order
    image_urls: tuple[str, ...] = ()  # images elsewhere on the web (before uploads existed)
    social_links: tuple[str, ...] = ()
    opening_hours: OpeningHours = field(default_factory=OpeningHours)

    def __post_init__(self) -> None:
        problems = profile_problems(self)
        if problems:
            raise InvalidInput(problems)


def profile_problems(p: BusinessProfile) -> list[FieldProblem]:
    problems = text_problems(p.name, "name", min_len=1, max_len=120)
    problems += localized_problems(p, BUSINESS_TEXTS)
    problems += p.address.problems() + p.contact.problems()
    problems += category_id_problems(p.category_ids)
    for name in ("website_url", "shop_url"):
        value = getattr(p, name)
        if value is not None and not is_web_url(value):
            problems.append(FieldProblem(name, "must be an http(s) URL"))
    if len(p.image_ids) > MAX_IMAGES:
        problems.append(FieldProblem("image_ids", f"at most {MAX_IMAGES}"))
    if len(set(p.image_ids)) != len(p.image_ids):
        problems.append(FieldProblem("image_ids", "lists an image twice"))
    for name, limit in (("image_urls", MAX_IMAGES), ("social_links", MAX_SOCIAL_LINKS)):
        values = getattr(p, name)
        if len(values) > limit:
            problems.append(FieldProblem(name, f"at most {limit}"))
        problems += [
            FieldProblem(f"{name}[{i}]", "must be an http(s) URL")
            for i, v in enumerate(values)
            if not is_web_url(v)
        ]
    return problems


def category_id_problems(category_ids: tuple[UUID, ...]) -> list[FieldProblem]:
    problems = []
    if len(category_ids) > MAX_CATEGORIES_PER_BUSINESS:
        problems.append(FieldProblem("category_ids", "at most 5 categories"))
    if len(set(category_ids)) != len(category_ids):
        problems.append(FieldProblem("category_ids", "lists a category twice"))
    return problems


@dataclass(frozen=True)
class Business:
    id: UUID
    tenant_id: UUID
    profile: BusinessProfile
    created_at: datetime
    updated_at: datetime
    verified_at: datetime | None = None
    hidden_at: datetime | None = None
    hidden_reason: str = ""
    external_id: str | None = None  # the importer's or partner's own id, unique per tenant
    version: int = 1

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None

    def edited(self, profile: BusinessProfile, at: datetime) -> Business:
        return replace(self, profile=profile, updated_at=at, version=self.version + 1)

    def moderated(self, *, verified: bool, hidden: bool, reason: str, at: datetime) -> Business:
        problems = text_problems(reason, "reason", min_len=0, max_len=500)
        if problems:
            raise InvalidInput(problems)
        return replace(
            self,
            verified_at=(self.verified_at or at) if verified else None,
            hidden_at=(self.hidden_at or at) if hidden else None,
            hidden_reason=reason if hidden else "",
            updated_at=at,
            version=self.version + 1,
        )


class ClaimStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class BusinessClaim:
    """A person's request to be recognised as the owner of an existing listing."""

    id: UUID
    tenant_id: UUID
    business_id: UUID
    account_id: UUID
    message: str
    created_at: datetime
    status: ClaimStatus = ClaimStatus.PENDING
    decided_at: datetime | None = None
    decided_by: UUID | None = None

    def decided(self, approve: bool, by: UUID, at: datetime) -> BusinessClaim:
        status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
        return replace(self, status=status, decided_at=at, decided_by=by)


@dataclass(frozen=True)
class Category:
    """One node of the tenant's two-level taxonomy."""

    id: UUID
    tenant_id: UUID
    key: str  # stable, for files and filters: 'food', 'food-bakery'
    name: LocalizedText
    parent_id: UUID | None = None
    position: int = 0

    def __post_init__(self) -> None:
        problems = localized_problems(self, CATEGORY_TEXTS)
        if not _KEY.match(self.key):
            problems.append(FieldProblem("key", "1-48 lower-case letters, digits and inner dashes"))
        if problems:
            raise InvalidInput(problems)


@dataclass(frozen=True)
class Offer:
    """A business's time-limited offer; it leaves every list when `valid_until` passes."""

    id: UUID
    tenant_id: UUID
    business_id: UUID
    title: LocalizedText
    text: LocalizedText
    valid_from: datetime
    valid_until: datetime
    created_at: datetime
    voucher_url: str | None = None

    def __post_init__(self) -> None:
        problems = localized_problems(self, OFFER_TEXTS)
        if self.valid_until <= self.valid_from:
            problems.append(FieldProblem("valid_until", "must be after valid_from"))
        if self.voucher_url is not None and not is_web_url(self.voucher_url):
            problems.append(FieldProblem("voucher_url", "must be an http(s) URL"))
        if problems:
            raise InvalidInput(problems)

    def current(self, now: datetime) -> bool:
        return self.valid_from <= now < self.valid_until

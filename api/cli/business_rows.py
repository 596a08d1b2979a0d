"""The columns of a business import file, and one row of it read into the domain's terms with
every problem it has, each named by its column.

A text for people (`description`, `delivery_notes`, `pickup_notes`) is in the tenant's first
language; a column like `description.en` holds it in another (or `description.de`, the first's
own, instead of `description`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from domain.directory.hours import OpeningHours, parse_weekly
from domain.directory.imports import ImportedBusiness
from domain.directory.model import (
    BUSINESS_TEXTS,
    Address,
    BusinessKind,
    BusinessProfile,
    Contact,
    GeoPoint,
)
from domain.errors import FieldProblem, InvalidInput
from domain.languages import LocalizedText

COLUMNS = (
    "external_id",
    "name",
    "kind",
    "categories",
    "description",
    "street",
    "postcode",
    "city",
    "lat",
    "lon",
    "phone",
    "email",
    "website_url",
    "shop_url",
    "delivers",
    "delivery_notes",
    "offers_pickup",
    "pickup_notes",
    "opening_hours",
    "image_urls",
    "social_links",
)
REQUIRED = ("external_id", "name", "kind")
# A text in one language: `description.en`; the language is checked against the tenant's.
_TEXT_IN_LANGUAGE = re.compile(rf"^({'|'.join(BUSINESS_TEXTS)})\.([a-z]{{2}}(?:-[A-Z]{{2}})?)$")
_YES = ("true", "yes", "1", "ja", "wahr")
_NO = ("", "false", "no", "0", "nein", "falsch")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")  # 51,3397 as German spreadsheets write it


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str  # empty when the problem is the row's, not one field's
    reason: str

    def order(self) -> tuple[int, int, str]:
        """By line, then as the columns stand in a file (a text's languages after it)."""
        base = self.column.split(".")[0]
        return self.line, COLUMNS.index(base) if base in COLUMNS else -1, self.column

    def __str__(self) -> str:
        where = f"line {self.line}, {self.column}" if self.column else f"line {self.line}"
        return f"{where}: {self.reason}"


def is_column(name: str) -> bool:
    return name in COLUMNS or _TEXT_IN_LANGUAGE.match(name) is not None


def header_problems(columns: list[str]) -> list[str]:
    problems = []
    unknown = [c for c in columns if not is_column(c)]
    if unknown:
        problems.append(f"unknown column(s) {', '.join(map(repr, unknown))}")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if problems:
        texts = ", ".join(f"{name}.<locale>" for name in BUSINESS_TEXTS)
        problems.append(f"known: {', '.join(COLUMNS)}; {texts}")
    return problems


def column_of(field: str, columns: dict[str, str] | None = None) -> str:
    """The file's column for a field the domain names ('address.street', 'image_urls[2]',
    'description.en'). `columns`: the column that gave each localized field's text."""
    if columns and field in columns:
        return columns[field]
    name = field.split("[", 1)[0].split(".")
    if name[0] in BUSINESS_TEXTS:
        return ".".join(name[:2])
    top = name[1] if name[0] in ("address", "contact", "location") and len(name) > 1 else name[0]
    return "categories" if top in ("category_ids", "category_keys") else top


@dataclass(frozen=True)
class _RowTexts:
    texts: dict[str, LocalizedText]  # by field
    columns: dict[str, str]  # the column of each field's language: description.de -> description
    clashes: list[FieldProblem]  # by column: two columns give one language's text


def _texts(fields: dict[str, str], default_locale: str) -> _RowTexts:
    texts: dict[str, dict[str, str]] = {name: {} for name in BUSINESS_TEXTS}
    columns: dict[str, str] = {}
    clashes = []
    in_languages = sorted(c for c in fields if _TEXT_IN_LANGUAGE.match(c))
    for column in [c for c in BUSINESS_TEXTS if c in fields] + in_languages:
        found = _TEXT_IN_LANGUAGE.match(column)
        name, locale = (found.group(1), found.group(2)) if found else (column, default_locale)
        value = (fields.get(column) or "").strip()
        if not value:
            continue
        if locale in texts[name]:
            given = columns[f"{name}.{locale}"]
            clashes.append(FieldProblem(column, f"gives the {locale} text, as {given} does"))
            continue
        texts[name][locale] = value
        columns[f"{name}.{locale}"] = column
    # Sorted by locale, as the repository hands texts back: an unchanged row compares equal.
    localized = {n: LocalizedText.of(dict(sorted(t.items()))) for n, t in texts.items()}
    return _RowTexts(localized, columns, clashes)


def _list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


@lru_cache(maxsize=10_000)
def _weekly_hours(text: str) -> OpeningHours:
    """Parsed once per distinct text: a file's rows share a few schedules (and OpeningHours
    is immutable)."""
    return OpeningHours(parse_weekly(text, "opening_hours"))


def _number(text: str) -> float:
    return float(text.replace(",", ".") if _DECIMAL_COMMA.match(text) else text)


def _location(get: Callable[[str], str], problems: list[FieldProblem]) -> GeoPoint | None:
    if not get("lat") and not get("lon"):
        return None
    numbers = {}
    for column in ("lat", "lon"):
        if not get(column):
            problems.append(FieldProblem(column, "is missing (lat and lon go together)"))
            continue
        try:
            numbers[column] = _number(get(column))
        except ValueError:
            problems.append(FieldProblem(column, f"{get(column)!r} is not a number"))
    try:  # a stand-in for a coordinate already refused, so the other is still checked
        point = GeoPoint(numbers.get("lat", 0.0), numbers.get("lon", 0.0))
    except InvalidInput as exc:
        problems += exc.problems
        return None
    return point if len(numbers) == 2 else None


def read_business_row(
    fields: dict[str, str], default_locale: str
) -> tuple[ImportedBusiness, list[FieldProblem]]:
    """The row as the import use case takes it, and the problems of its own fields by column,
    all of them: a refused field does not hide the others. With problems, the profile is None.
    `default_locale` is the tenant's first language, the one `description` is in.

    The profile is built even when a field failed (with a stand-in for it), so the domain's
    rules check every other field too."""
    values = {c: (fields.get(c) or "").strip() for c in COLUMNS}
    get = values.__getitem__
    problems = [FieldProblem(c, "is missing") for c in REQUIRED if not get(c)]
    kind = BusinessKind.OTHER
    if get("kind"):
        try:
            kind = BusinessKind(get("kind").lower())
        except ValueError:
            listed = ", ".join(BusinessKind)
            problems.append(FieldProblem("kind", f"{get('kind')!r} is not one of {listed}"))
    location = _location(get, problems)
    flags = {}
    for column in ("delivers", "offers_pickup"):
        if get(column).lower() not in _YES + _NO:
            problems.append(FieldProblem(column, f"{get(column)!r} is not true or false"))
        flags[column] = get(column).lower() in _YES
    hours = OpeningHours()
    try:
        hours = _weekly_hours(get("opening_hours"))
    except InvalidInput as exc:
        problems += exc.problems
    given = _texts(fields, default_locale)
    texts = given.texts
    profile: BusinessProfile | None = None
    try:
        profile = BusinessProfile(
            name=get("name"),
            kind=kind,
            description=texts["description"],
            address=Address(get("street"), get("postcode"), get("city")),
            location=location,
            contact=Contact(get("phone"), get("email")),
            website_url=get("website_url") or None,
            shop_url=get("shop_url") or None,
            delivers=flags["delivers"],
            delivery_notes=texts["delivery_notes"],
            offers_pickup=flags["offers_pickup"],
            pickup_notes=texts["pickup_notes"],
            image_urls=_list(get("image_urls")),
            social_links=_list(get("social_links")),
            opening_hours=hours,
        )
    except InvalidInput as exc:
        reported = {column_of(p.field, given.columns) for p in problems}
        problems += [p for p in exc.problems if column_of(p.field, given.columns) not in reported]
    by_column = [FieldProblem(column_of(p.field, given.columns), p.reason) for p in problems]
    by_column += given.clashes
    row = ImportedBusiness(
        get("external_id"), None if by_column else profile, _list(get("categories"))
    )
    return row, by_column

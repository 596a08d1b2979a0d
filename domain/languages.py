"""Texts in the tenant's languages, and which language a request gets.

A text meant for people holds one value per locale of its tenant (`LocalizedText`). A request
names the languages it wants (`Accept-Language`, or `?lang=`); `negotiate` picks the best of the
tenant's locales, and a text missing in that language falls back to the tenant's first locale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from domain.errors import FieldProblem

_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RANGE = re.compile(r"^(?:[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)$")
MAX_LANGUAGE_RANGES = 20  # a header with more is cut, not parsed to the end


class Picked(NamedTuple):
    text: str
    locale: str  # the language the text is in: the one asked for, or the fallback


@dataclass(frozen=True)
class LocalizedText:
    """One text in several languages, locale -> value; a locale without text is absent."""

    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, mapping: Mapping[str, str] | None) -> LocalizedText:
        if not mapping:
            return EMPTY
        return cls(tuple((k, v.strip()) for k, v in mapping.items() if v and v.strip()))

    @classmethod
    def single(cls, locale: str, text: str) -> LocalizedText:
        return cls.of({locale: text})

    def __bool__(self) -> bool:
        return bool(self.values)

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.values)

    def get(self, locale: str) -> str | None:
        for key, value in self.values:
            if key == locale:
                return value
        return None

    def as_dict(self) -> dict[str, str]:
        return dict(self.values)

    def merged(self, changes: Mapping[str, str | None]) -> LocalizedText:
        """These languages set (None or "" removes one), the others kept."""
        merged = self.as_dict()
        for locale, value in changes.items():
            if value and value.strip():
                merged[locale] = value
            else:
                merged.pop(locale, None)
        return LocalizedText.of(merged)

    def pick(self, locale: str, fallback: str) -> Picked:
        """The text in `locale`; else in `fallback` (the tenant's first locale); else in any
        language it has. Empty text is in `locale`."""
        for wanted in (locale, fallback):
            text = self.get(wanted)
            if text is not None:
                return Picked(text, wanted)
        if self.values:
            return Picked(self.values[0][1], self.values[0][0])
        return Picked("", locale)

    def all_text(self) -> str:
        return " ".join(v for _, v in self.values)

    def problems(
        self, field: str, *, locales: Sequence[str], min_len: int, max_len: int
    ) -> list[FieldProblem]:
        """Each value within its length, each locale one of the tenant's; `min_len` > 0 means
        the text must exist in at least one language."""
        found = [
            FieldProblem(
                f"{field}.{locale}", f"is not one of this tenant's languages {list(locales)}"
            )
            for locale in self.locales
            if locale not in locales
        ]
        if min_len > 0 and not self.values:
            found.append(FieldProblem(field, "is required"))
        for locale, value in self.values:
            if _NOT_TEXT.search(value):
                found.append(FieldProblem(f"{field}.{locale}", "contains control characters"))
            elif not min_len <= len(value) <= max_len:
                found.append(
                    FieldProblem(f"{field}.{locale}", f"must be {min_len}-{max_len} characters")
                )
        return found

    def missing(self, locales: Iterable[str]) -> list[str]:
        return [locale for locale in locales if self.get(locale) is None]


EMPTY = LocalizedText()


def _ranges(header: str | None) -> list[tuple[str, float]]:
    """The language ranges of an Accept-Language header with their weights, most wanted
    first; malformed parts are skipped, as RFC 9110 lets a server do."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:MAX_LANGUAGE_RANGES]):
        name, _, params = part.strip().partition(";")
        name = name.strip()
        if not _RANGE.match(name):
            continue
        quality = 1.0
        params = params.strip().replace(" ", "")
        if params:
            if not params.startswith("q="):
                continue
            try:
                quality = float(params[2:])
            except ValueError:
                continue
            if not 0 <= quality <= 1:
                continue
        ranked.append((-quality, position, name))
    return [(name, -negative) for negative, _, name in sorted(ranked)]


def parse_accept_language(header: str | None) -> list[str]:
    """The ranges a request accepts, most wanted first (`q=0` ones are refusals)."""
    return [name for name, quality in _ranges(header) if quality > 0]


def negotiate(
    wanted: Sequence[str], available: Sequence[str], refused: Sequence[str] = ()
) -> str | None:
    """The first of `available` that a wanted range matches: exactly (`de-AT`), then the
    range's own language (`de` for `de-AT`), then a sibling of it (`de-CH`), or for `*` the
    first not refused (`q=0`)."""
    refused_lower = {r.lower() for r in refused}
    candidates = [a for a in available if a.lower() not in refused_lower]
    for name in wanted:
        name = name.lower()
        if name == "*":
            return candidates[0] if candidates else None
        primary = name.split("-")[0]
        exact = [c for c in candidates if c.lower() == name]
        own = [c for c in candidates if c.lower() == primary]
        sibling = [c for c in candidates if c.lower().split("-")[0] == primary]
        for found in (exact, own, sibling):
            if found:
                return found[0]
    return None


def choose_language(
    lang_param: str | None, accept_language: str | None, available: Sequence[str]
) -> str:
    """A request's language among `available` (the tenant's locales, first is the default):
    `?lang=` wins over Accept-Language; nothing that matches gives the first."""
    if lang_param:
        return negotiate([lang_param], available) or available[0]
    ranges = _ranges(accept_language)
    wanted = [name for name, quality in ranges if quality > 0]
    refused = [name for name, quality in ranges if quality == 0]
    return negotiate(wanted, available, refused) or available[0]

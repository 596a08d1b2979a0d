"""GraphQL's types of texts in several languages, shared by every capability, and how a
text for people is shown: in the request's language, which language that is, and every
language for editors."""

from __future__ import annotations

import strawberry

from api.languages import ShownTexts

IN_LANGUAGE = "In the request's language, else the tenant's first (its ...Language says which)"
SHOWN_LANGUAGE = "The language of the text shown; null when it has none"
EVERY_LANGUAGE = "Every language's text, for editors"


@strawberry.type(description="A text in one language")
class Translation:
    locale: str
    text: str


@strawberry.input(
    description="A text in one language; on an edit, text null (or empty) removes that language"
)
class LocalizedTextInput:
    locale: str = strawberry.field(description="One of the tenant's locales, like de or de-AT")
    text: str | None = None


def translations(shown: ShownTexts, name: str) -> list[Translation]:
    return [Translation(locale=k, text=v) for k, v in shown.translated(name)]

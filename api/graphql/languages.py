"""GraphQL's types of texts in several languages, shared by every capability."""

from __future__ import annotations

import strawberry


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

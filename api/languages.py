"""A request's language: `?lang=` or `Accept-Language` in, negotiated against the tenant's
locales, `Content-Language` out (RequestContextMiddleware adds the header)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.deps import CurrentTenant
from domain.languages import (
    LocalizedText,
    Picked,
    choose_language,
    negotiate,
    parse_accept_language,
)
from domain.tenancy.model import Tenant


@dataclass(frozen=True)
class Language:
    """What a request reads in (`chosen`), what a missing translation falls back to
    (`default`, the tenant's first locale), and what a plain-text write is in (`writing`)."""

    chosen: str
    default: str
    locales: tuple[str, ...]
    writing: str

    def pick(self, text: LocalizedText) -> Picked:
        return text.pick(self.chosen, self.default)


@dataclass(frozen=True)
class ShownTexts:
    """Texts for people as answers show them, for REST and GraphQL alike: each in the
    request's language (else the tenant's first, else any it has), which language that is,
    and for editors every language."""

    texts: dict[str, str]  # field -> its text in the answer's language, "" when it has none
    languages: dict[str, str]  # field -> the language of that text (fields with text only)
    translations: dict[str, dict[str, str]]  # field -> locale -> text

    def translated(self, field: str) -> list[tuple[str, str]]:
        return list(self.translations[field].items())


def shown_texts(holder: object, fields: Iterable[str], language: Language) -> ShownTexts:
    """The localized texts of `holder` (a profile, an offer, an image) named in `fields`."""
    texts, languages, translations = {}, {}, {}
    for name in fields:
        text: LocalizedText = getattr(holder, name)
        picked = language.pick(text)
        texts[name] = picked.text
        if picked.text:
            languages[name] = picked.locale
        translations[name] = text.as_dict()
    return ShownTexts(texts, languages, translations)


def language_of(request: Request, tenant: Tenant) -> Language:
    """A plain-text write is in the language `?lang=` or else `Content-Language` names (one the
    tenant lacks is kept as named, so the write is refused), else in the language it reads
    in."""
    locales = tenant.config.locales
    lang = request.query_params.get("lang")
    # current_tenant negotiated it already for the Content-Language header.
    chosen = getattr(request.state, "content_language", None) or choose_language(
        lang, request.headers.get("accept-language"), locales
    )
    named = lang or request.headers.get("content-language")
    # A write in a language the tenant lacks is refused (its texts are checked against the
    # tenant's locales), never stored under the default language.
    writing = chosen
    if named:
        # `*` names no language (it is no Content-Language at all): refused as written.
        found = None if "*" in named else negotiate(parse_accept_language(named), locales)
        writing = found or named.strip()[:35]
    request.state.content_language = chosen
    return Language(chosen=chosen, default=locales[0], locales=locales, writing=writing)


async def request_language(request: Request, tenant: CurrentTenant) -> Language:
    return language_of(request, tenant)


RequestLanguage = Annotated[Language, Depends(request_language)]

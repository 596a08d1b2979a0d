"""A request's language: `?lang=` or `Accept-Language` in, negotiated against the tenant's
locales, `Content-Language` out (RequestContextMiddleware adds the header)."""

from __future__ import annotations

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

    def text(self, text: LocalizedText) -> str:
        return text.pick(self.chosen, self.default).text


def language_of(request: Request, tenant: Tenant) -> Language:
    """A plain-text write is in the language `?lang=` or else `Content-Language` names (one the
    tenant lacks is kept as named, so the write is refused), else in the language it reads
    in."""
    locales = tenant.config.locales
    lang = request.query_params.get("lang")
    chosen = choose_language(lang, request.headers.get("accept-language"), locales)
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

"""The directory's texts for people as answers show them, for REST and GraphQL alike: each in
the request's language (else the tenant's first, else any it has), which language that is, and
for editors every language."""

from __future__ import annotations

from dataclasses import dataclass

from api.languages import Language
from domain.directory.model import TextLimits
from domain.languages import LocalizedText


@dataclass(frozen=True)
class ShownTexts:
    texts: dict[str, str]  # field -> its text in the answer's language, "" when it has none
    languages: dict[str, str]  # field -> the language of that text (fields with text only)
    translations: dict[str, dict[str, str]]  # field -> locale -> text

    def translated(self, field: str) -> list[tuple[str, str]]:
        return list(self.translations[field].items())


def shown_texts(holder: object, limits: TextLimits, language: Language) -> ShownTexts:
    """The localized texts of `holder` (a profile, an offer, a category) named in `limits`."""
    texts, languages, translations = {}, {}, {}
    for name in limits:
        text: LocalizedText = getattr(holder, name)
        picked = language.pick(text)
        texts[name] = picked.text
        if picked.text:
            languages[name] = picked.locale
        translations[name] = text.as_dict()
    return ShownTexts(texts, languages, translations)

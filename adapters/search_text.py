"""Text handling for search, the same on every database: words, stems (Snowball through
PyStemmer, in the languages of LANGUAGES), trigram similarity for typos, and highlighted
snippets."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Sequence

import Stemmer

_WORD = re.compile(r"\w+", re.UNICODE)
SNIPPET_WORDS = 24

# Each of a tenant's locales stems with its language's Snowball stemmer. PostgreSQL's text search
# configurations share these names. Only languages that PyStemmer has and PostgreSQL has had
# since 8.3 are here: Polish and Czech (PostgreSQL has none) stem as "simple", words as they
# are; Greek, Catalan and others arrived in later PostgreSQL versions, so not yet either.
LANGUAGES = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}


def language_for(locale: str) -> str:
    """The stemmer of a locale ("de-AT" stems as "de")."""
    return LANGUAGES.get(locale.split("-")[0].lower(), "simple")


def languages_for(locales: Sequence[str]) -> tuple[str, ...]:
    """The distinct stemmers of these locales, in their order."""
    return tuple(dict.fromkeys(language_for(locale) for locale in locales))


_per_thread = threading.local()


def _stemmer(language: str):  # type: ignore[no-untyped-def]
    """One stemmer per language and thread: a PyStemmer object is not to be shared between
    threads."""
    if language == "simple":
        return None
    stemmers = _per_thread.__dict__.setdefault("stemmers", {})
    if language not in stemmers:
        stemmers[language] = Stemmer.Stemmer(language)
    return stemmers[language]


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def stems(text: str, language: str) -> list[str]:
    stemmer = _stemmer(language)
    found = words(text)
    return stemmer.stemWords(found) if stemmer else found


def stems_in(text: str, languages: Sequence[str]) -> list[str]:
    """Each word's stems in each of these languages, its distinct ones once (a name, which is
    in no one language, is found by the stem of any)."""
    per_language = [stems(text, language) for language in languages]
    return [
        stem for same_word in zip(*per_language, strict=True) for stem in dict.fromkeys(same_word)
    ]


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def trigram_similarity(query: str, title: str) -> float:
    """Close to pg_trgm's word_similarity: for each query word, the trigram overlap (Jaccard)
    with the title word it resembles most; averaged over the query's words."""
    query_words, title_words = words(query), words(title)
    if not query_words or not title_words:
        return 0.0
    title_grams = [_trigrams(w) for w in title_words]
    total = 0.0
    for word in query_words:
        mine = _trigrams(word)
        total += max(len(mine & theirs) / len(mine | theirs) for theirs in title_grams)
    return total / len(query_words)


def highlight(text: str, query: str, language: str) -> str:
    """A window of `text` around the first matched word, HTML-escaped, with every word that
    matches the query (by stem, or as a prefix of the last word) in <mark>...</mark>."""
    wanted = stems(query, language)
    if not wanted:
        return html.escape(text[:200])
    exact, prefix = set(wanted[:-1]) | {wanted[-1]}, wanted[-1]
    tokens = re.split(r"(\w+)", text)
    stemmer = _stemmer(language)
    marks: list[int] = []
    for i in range(1, len(tokens), 2):
        word = tokens[i].lower()
        stem = stemmer.stemWord(word) if stemmer else word
        if stem in exact or stem.startswith(prefix) or word.startswith(prefix):
            marks.append(i)
    word_positions = list(range(1, len(tokens), 2))
    if not word_positions:
        return ""
    first = word_positions.index(marks[0]) if marks else 0
    start = max(0, first - SNIPPET_WORDS // 3)
    window = word_positions[start : start + SNIPPET_WORDS]
    begin, end = window[0] - (1 if start == 0 else 0), window[-1]
    parts = []
    for i in range(begin, end + 1):
        piece = html.escape(tokens[i])
        parts.append(f"<mark>{piece}</mark>" if i in marks else piece)
    snippet = "".join(parts)
    if start > 0:
        snippet = "… " + snippet
    if end < len(tokens) - 2:
        snippet += " …"
    return snippet

"""German order for names: PostgreSQL's ICU collation `de-x-icu`, and a Python sort key that
gives SQLite the same order (registered on every SQLite connection under the same name).

ICU compares level by level: letters without accents or case first (`ä` is `a`, `ß` is `ss`;
spaces and punctuation before digits before letters), then accents, then case (lower first),
and a deterministic collation breaks what is still equal by the bytes. The key does the same
for Latin-script names; that is what a directory of German businesses holds."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

GERMAN = "de-x-icu"

# ICU's root order of the ASCII spaces, punctuation and symbols (they come before digits);
# typographic quotes and dashes sort with their ASCII kin.
_PUNCTUATION = {c: 10 * i for i, c in enumerate(" _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$")}
_PUNCTUATION |= {c: _PUNCTUATION['"'] + 1 for c in "\u201e\u201c\u201d\u00ab\u00bb\u2039\u203a"}
_PUNCTUATION |= {c: _PUNCTUATION["'"] + 1 for c in "\u201a\u2018\u2019"}
_PUNCTUATION |= {c: _PUNCTUATION["-"] + 1 for c in "\u2010\u2013\u2014"}
# ICU's secondary order of the accents that Latin names carry.
_ACCENTS = {
    mark: i + 1
    for i, mark in enumerate(
        "\u0301\u0300\u0306\u0302\u030c\u030a\u0308\u030b\u0303\u0307\u0327\u0328\u0304"
    )
}
_TWO_LETTERS = 90  # ß, æ, œ: the pair with a mark that ICU sorts after every accent above
_STROKE = 100  # ø, đ, ł: a letter with a stroke is that letter with one more accent
_LOWER, _COMPATIBLE, _UPPER = range(3)
_EXPANSIONS = {"ß": ("ss", _LOWER), "ẞ": ("ss", _UPPER), "æ": ("ae", _LOWER),
               "Æ": ("ae", _UPPER), "œ": ("oe", _LOWER), "Œ": ("oe", _UPPER)}  # fmt: skip
_STROKED = {"ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L"}

Element = tuple[int, int]  # (group, weight): 0 spaces and punctuation, 1 digits, 2 letters


def _elements(char: str) -> list[tuple[Element, int, int]]:
    """The collation elements of one character: (primary, secondary, tertiary) each."""
    if char in _EXPANSIONS:
        (first, second), case = _EXPANSIONS[char]
        return [((2, ord(first)), _TWO_LETTERS, case), ((2, ord(second)), 0, case)]
    stroke = 0
    if char in _STROKED:
        char, stroke = _STROKED[char], _STROKE
    compatible = unicodedata.normalize("NFKD", char)
    found: list[tuple[Element, int, int]] = []
    for part in compatible:
        if unicodedata.combining(part):
            if found:  # an accent adds to the letter before it
                primary, secondary, tertiary = found[-1]
                accent = _ACCENTS.get(part, 200 + ord(part))
                found[-1] = (primary, secondary * 1000 + accent, tertiary)
            continue
        folded = part.casefold()
        if part.isdigit():
            primary: Element = (1, unicodedata.digit(part, ord(part)))
        elif part.isalpha():
            primary = (2, ord(folded[0]))
        else:
            primary = (0, _PUNCTUATION.get(part, 1000 + ord(part)))
        case = _UPPER if part != folded else _LOWER
        if len(compatible) > 1 and not unicodedata.combining(compatible[1]):
            case = _COMPATIBLE if case == _LOWER else _UPPER  # a ligature, a superscript
        found.append((primary, stroke, case))
    return found


@lru_cache(maxsize=100_000)
def german_sort_key(text: str) -> tuple[tuple[Element, ...], tuple[int, ...], tuple[int, ...], str]:
    elements = [e for char in unicodedata.normalize("NFC", text) for e in _elements(char)]
    return (
        tuple(p for p, _, _ in elements),
        tuple(s for _, s, _ in elements),
        tuple(t for _, _, t in elements),
        text,  # a deterministic collation: only equal strings compare equal
    )


def compare_german(a: str, b: str) -> int:
    """SQLite's collation callback: negative, zero or positive, as `a` sorts before `b`."""
    key_a, key_b = german_sort_key(a), german_sort_key(b)
    return (key_a > key_b) - (key_a < key_b)

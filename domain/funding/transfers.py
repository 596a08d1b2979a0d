"""Bank transfer references: "SK-" and eight characters of Crockford's base32 (no I, L, O or
U), short enough to type into a bank form. The gateway draws them (adapters/payments/
bank_transfer.py); `normalize_reference` reads one back as a person typed it or a bank
statement mangled it, so an admin's list matches the stored ones."""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
PREFIX = "SK-"
LENGTH = 8
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


def normalize_reference(text: str) -> str:
    """A reference as a person typed it ("sk 7gq2-xh4m", "SK-7GQ2XH4O", "7gq2xh4m") in its
    one written form ("SK-7GQ2XH40"): upper case, spaces and dashes gone, O read as 0, I and
    L as 1, the prefix added if left out. Text that is not a reference comes back cleaned
    the same way, and matches none."""
    compact = _SEPARATORS.sub("", text.upper()).translate(_CONFUSABLES)
    prefix = PREFIX.rstrip("-")
    code = compact.removeprefix(prefix) if len(compact) == len(prefix) + LENGTH else compact
    if len(code) == LENGTH and all(c in ALPHABET for c in code):
        return PREFIX + code
    return compact


_IN_TEXT = re.compile(r"\bSK[\s\-_.]*(?:[0-9A-Z][\s\-]*){7}[0-9A-Z]\b", re.IGNORECASE)
_REFERENCE = re.compile(rf"^{PREFIX}[{ALPHABET}]{{{LENGTH}}}$")
MAX_REFERENCES = 10_000


def references_in(texts: list[str]) -> list[str]:
    """The references in these texts (a bank statement's lines or cells, an admin's list):
    each one a reference alone, or quoted inside a longer purpose ("Spende SK-7GQ2XH4M
    Dorfladen"), in their written form, in order, each once."""
    found: dict[str, None] = {}
    for text in texts:
        alone = normalize_reference(text)
        if _REFERENCE.match(alone):
            found.setdefault(alone, None)
            continue
        for match in _IN_TEXT.finditer(text):
            reference = normalize_reference(match.group(0))
            if _REFERENCE.match(reference):
                found.setdefault(reference, None)
    return list(found)

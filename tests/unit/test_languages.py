"""Texts in several languages and the negotiation of a request's language."""

from __future__ import annotations

import pytest

from domain.languages import (
    LocalizedText,
    choose_language,
    negotiate,
    parse_accept_language,
)


def test_accept_language_ranges_come_most_wanted_first_and_malformed_parts_are_skipped():
    assert parse_accept_language("en;q=0.5, de-AT, de;q=0.9, fr;q=0") == ["de-AT", "de", "en"]
    assert parse_accept_language("de;q=abc, en;q=2, <script>, fr;x=1, it") == ["it"]
    assert parse_accept_language("") == [] and parse_accept_language(None) == []


@pytest.mark.parametrize(
    ("header", "locales", "chosen"),
    [
        ("en-GB,en;q=0.9", ("de", "en"), "en"),
        ("de-AT", ("de-CH", "de"), "de"),  # the range's own language before a sibling
        ("de", ("de-CH", "de-AT"), "de-CH"),  # a sibling when the language itself is missing
        ("fr", ("de", "en"), "de"),  # nothing matches: the first locale
        ("*", ("de", "en"), "de"),
        ("de;q=0, *", ("de", "en"), "en"),  # `*` means any but those refused
        ("FR-ch, EN", ("de", "en"), "en"),
        ("garbage;;;", ("de", "en"), "de"),
    ],
)
def test_a_request_gets_the_best_of_the_tenants_locales(header, locales, chosen):
    assert choose_language(None, header, locales) == chosen


def test_the_lang_parameter_wins_over_the_header():
    assert choose_language("en", "de", ("de", "en")) == "en"
    assert choose_language("xx", "en", ("de", "en")) == "de"
    assert negotiate(["fr"], ("de", "en")) is None


def test_a_missing_translation_falls_back_to_the_first_locale_and_says_so():
    text = LocalizedText.of({"de": "Brot", "fr": "Pain"})
    assert text.pick("en", "de") == ("Brot", "de")
    assert text.pick("fr", "de") == ("Pain", "fr")
    assert LocalizedText.of({"fr": "Pain"}).pick("en", "de") == ("Pain", "fr")
    assert LocalizedText().pick("en", "de") == ("", "en")


def test_merging_sets_and_removes_languages_and_blank_text_is_no_text():
    text = LocalizedText.of({"de": "Brot", "en": "  "})
    assert text.as_dict() == {"de": "Brot"}
    merged = text.merged({"en": "Bread", "de": None})
    assert merged.as_dict() == {"en": "Bread"}
    assert merged.missing(("de", "en")) == ["de"]


def test_texts_are_checked_per_language_against_the_tenants_locales():
    problems = LocalizedText.of({"de": "x" * 11, "fr": "ok", "en": "a\x00b"}).problems(
        "title", locales=("de", "en"), min_len=1, max_len=10
    )
    assert {p.field for p in problems} == {"title.de", "title.fr", "title.en"}
    assert LocalizedText().problems("title", locales=("de",), min_len=1, max_len=10)[0].field == (
        "title"
    )

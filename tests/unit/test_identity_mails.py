"""Which language a mail is written in, and that every mail exists in every such language."""

import pytest

from domain.identity.mail_texts import MAIL_LANGUAGES, TEXTS, MailKind, mail_language, written


@pytest.mark.parametrize(
    ("preferred", "tenant_locales", "expected"),
    [
        ("en", ("de", "en"), "en"),
        ("de", ("en", "de"), "de"),
        ("de-AT", ("de-AT", "en"), "de"),  # German is German wherever it is spoken
        (None, ("de", "en"), "de"),  # no preference: the tenant's first locale
        (None, ("en", "de"), "en"),
        (None, ("de-CH",), "de"),
        ("fr", ("de", "fr"), "de"),  # no text in French: the tenant's first locale
        ("fr", ("fr", "de"), "en"),  # ... unless there is none in that either: English
        (None, ("it",), "en"),
    ],
)
def test_a_mail_is_in_the_recipients_language_else_the_tenants_else_english(
    preferred, tenant_locales, expected
):
    assert mail_language(preferred, tenant_locales) == expected


def test_every_mail_is_written_in_every_mail_language():
    assert set(MAIL_LANGUAGES) == {"de", "en"}
    for language in MAIL_LANGUAGES:
        assert set(TEXTS[language]) == set(MailKind), language


@pytest.mark.parametrize("kind", list(MailKind))
def test_each_text_fills_in_its_link_and_tenant(kind):
    for language in MAIL_LANGUAGES:
        subject, body = written(
            kind,
            language,
            link="https://x.example/l?token=t",
            tenant="leipzig",
            link_base="https://x.example",
        )
        assert "{" not in subject + body
        if kind is not MailKind.KNOWN_EMAIL:
            assert "https://x.example/l?token=t" in body

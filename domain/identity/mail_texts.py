"""What identity's mails say, in each language they are written in, and which language a
recipient gets.

Mails exist in German and English. A recipient gets the language of their account (`de-AT`
reads German); without one, or with one there is no text in, the tenant's default language if
there is text in it, else English."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.languages import negotiate

FALLBACK_LANGUAGE = "en"


class MailKind(StrEnum):
    VERIFY_EMAIL = "verify_email"
    KNOWN_EMAIL = "known_email"  # someone signed up with an address that has an account
    RESET_PASSWORD = "reset_password"
    ADMIN_INVITE = "admin_invite"


@dataclass(frozen=True)
class MailText:
    """`subject` and `body` may name `{link}` (the mail's single-use link), `{tenant}` (the
    tenant's slug) and `{link_base}` (the tenant's public URL)."""

    subject: str
    body: str


TEXTS: dict[str, dict[MailKind, MailText]] = {
    "en": {
        MailKind.VERIFY_EMAIL: MailText(
            "Confirm your email address",
            "Please confirm your email address by opening this link:\n\n{link}\n\n"
            "The link works once and expires in two days. "
            "If you did not sign up, ignore this mail.\n",
        ),
        MailKind.KNOWN_EMAIL: MailText(
            "You already have an account",
            "Someone (probably you) tried to sign up with this email address, which already "
            "has an account. Log in instead, or reset your password at {link_base}.\n"
            "If this was not you, ignore this mail.\n",
        ),
        MailKind.RESET_PASSWORD: MailText(
            "Reset your password",
            "To set a new password, open this link:\n\n{link}\n\n"
            "The link works once and expires in one hour. "
            "If you did not ask for it, ignore it.\n",
        ),
        MailKind.ADMIN_INVITE: MailText(
            "You are invited to administer {tenant}",
            "Open this link to become an admin of {tenant}:\n\n{link}\n\n"
            "It works once and expires in seven days.\n",
        ),
    },
    "de": {
        MailKind.VERIFY_EMAIL: MailText(
            "Bitte bestätige deine E-Mail-Adresse",
            "Bitte bestätige deine E-Mail-Adresse, indem du diesen Link öffnest:\n\n{link}\n\n"
            "Der Link kann einmal verwendet werden und ist zwei Tage gültig. "
            "Wenn du dich nicht registriert hast, kannst du diese E-Mail ignorieren.\n",
        ),
        MailKind.KNOWN_EMAIL: MailText(
            "Du hast schon ein Konto",
            "Jemand (wahrscheinlich du) wollte sich mit dieser E-Mail-Adresse registrieren, zu "
            "der es schon ein Konto gibt. Melde dich stattdessen an oder setze dein Passwort "
            "unter {link_base} zurück.\n"
            "Wenn du das nicht warst, kannst du diese E-Mail ignorieren.\n",
        ),
        MailKind.RESET_PASSWORD: MailText(
            "Setze dein Passwort zurück",
            "Um ein neues Passwort festzulegen, öffne diesen Link:\n\n{link}\n\n"
            "Der Link kann einmal verwendet werden und ist eine Stunde gültig. "
            "Wenn du ihn nicht angefordert hast, kannst du diese E-Mail ignorieren.\n",
        ),
        MailKind.ADMIN_INVITE: MailText(
            "Du bist eingeladen, {tenant} zu verwalten",
            "Öffne diesen Link, um Admin von {tenant} zu werden:\n\n{link}\n\n"
            "Der Link kann einmal verwendet werden und ist sieben Tage gültig.\n",
        ),
    },
}
MAIL_LANGUAGES: tuple[str, ...] = tuple(TEXTS)


def mail_language(preferred: str | None, tenant_locales: Sequence[str]) -> str:
    """The language a mail is written in: the recipient's preferred one when there is text
    in it, else the tenant's default when there is, else English."""
    for wanted in (preferred, tenant_locales[0] if tenant_locales else None):
        if wanted:
            found = negotiate([wanted], MAIL_LANGUAGES)
            if found is not None:
                return found
    return FALLBACK_LANGUAGE


def written(kind: MailKind, language: str, **values: str) -> tuple[str, str]:
    """(subject, body) of a mail of `kind` in `language` (one of MAIL_LANGUAGES)."""
    text = TEXTS[language][kind]
    return text.subject.format(**values), text.body.format(**values)

"""The mail a backer gets when the charge of their pledge was declined after the campaign
succeeded: what happened, until when it is tried again, and where to change the card. In the
backer's language (German or English, as identity's mails)."""

from __future__ import annotations

from domain.funding.events import PledgeChargeFailed
from domain.identity.mail_texts import MAIL_LANGUAGES, mail_language
from domain.identity.model import Account
from domain.identity.ports import Mail

TEXTS = {
    "de": (
        "Deine Unterstützung konnte nicht abgebucht werden",
        "Die Kampagne, die du unterstützt, hat ihr Ziel erreicht, aber die Zahlung mit "
        "deiner Karte wurde abgelehnt ({reason}).\n\n"
        "Wir versuchen es bis {until} erneut. Bitte prüfe deine Karte oder hinterlege eine "
        "andere in der App:\n\n{link}\n",
    ),
    "en": (
        "Your pledge could not be charged",
        "The campaign you backed reached its goal, but your card was declined ({reason}).\n\n"
        "We will try again until {until}. Please check your card or add another one in the "
        "app:\n\n{link}\n",
    ),
}
assert set(TEXTS) == set(MAIL_LANGUAGES)


def charge_failed_mail(
    event: PledgeChargeFailed, account: Account, *, locales: tuple[str, ...], link_base: str
) -> Mail:
    language = mail_language(account.preferred_language, locales)
    subject, body = TEXTS[language]
    return Mail(
        to=account.email,
        subject=subject,
        text=body.format(
            reason=event.reason or "declined",
            until=event.retry_until.strftime("%Y-%m-%d"),
            link=f"{link_base}/pledges/{event.pledge_id}",
        ),
        language=language,
    )

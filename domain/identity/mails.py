"""The mails identity sends, each from an event in the outbox, after its change was committed.

The worker calls `send_identity_mail` for each such event. A link's single-use token is made
here and committed before the mail is sent: no transaction is held while SMTP answers, and
a mailed link always works. A send that fails leaves an unsent token to expire unused; the
retry makes a fresh one.

A mail is written in its recipient's language (`mail_texts.mail_language`), read from the
account when the mail is sent, not copied into the event: a language changed between the
event and its mail counts, and events stay ids and an address. An event that names no account
(the known-email notice; an invitation to an address without one at the time) finds it by
the address; no account there means the tenant's default language."""

from __future__ import annotations

import dataclasses

from domain.identity.events import (
    AccountSignedUp,
    AdminInvited,
    PasswordResetRequested,
    SignUpWithKnownEmail,
    VerificationRequested,
)
from domain.identity.mail_texts import MailKind, mail_language, written
from domain.identity.model import Account, TokenPurpose
from domain.identity.ports import IdentityUnitOfWork, Mail
from domain.identity.sessions import IdentityPorts, TenantRef, one_time_link

MAIL_EVENTS = (
    AccountSignedUp,
    VerificationRequested,
    SignUpWithKnownEmail,
    PasswordResetRequested,
    AdminInvited,
)

MailEvent = (
    AccountSignedUp
    | VerificationRequested
    | SignUpWithKnownEmail
    | PasswordResetRequested
    | AdminInvited
)


async def send_identity_mail(
    event: MailEvent, tenant: TenantRef, *, key: str, uow: IdentityUnitOfWork, ports: IdentityPorts
) -> None:
    """Send the mail `event` calls for; `key` names this mail across retries."""
    async with uow:
        mail = await _mail_for(event, tenant, uow, ports)
        if mail is None:
            return
        await uow.commit()
    await ports.mailer.send(dataclasses.replace(mail, key=key))


async def _mail_for(
    event: MailEvent, tenant: TenantRef, uow: IdentityUnitOfWork, ports: IdentityPorts
) -> Mail | None:
    match event:
        case AccountSignedUp() | VerificationRequested():
            account = await uow.accounts.get(event.account_id)
            if account is None or account.email_verified or account.email != event.email:
                return None  # proven or changed meanwhile: no link is needed any more
            link = await one_time_link(
                uow, ports, TokenPurpose.VERIFY_EMAIL, tenant, event.email, account.id
            )
            return _mail(MailKind.VERIFY_EMAIL, event.email, account, tenant, link)
        case SignUpWithKnownEmail():
            account = await uow.accounts.get_by_email(event.email)
            return _mail(MailKind.KNOWN_EMAIL, event.email, account, tenant)
        case PasswordResetRequested():
            account = await uow.accounts.get(event.account_id)
            if account is None or account.email != event.email:
                return None
            link = await one_time_link(
                uow, ports, TokenPurpose.RESET_PASSWORD, tenant, event.email, account.id
            )
            return _mail(MailKind.RESET_PASSWORD, event.email, account, tenant, link)
        case AdminInvited():
            link = await one_time_link(
                uow, ports, TokenPurpose.ADMIN_INVITE, tenant, event.email, event.account_id
            )
            account = await (
                uow.accounts.get(event.account_id)
                if event.account_id
                else uow.accounts.get_by_email(event.email)
            )
            return _mail(MailKind.ADMIN_INVITE, event.email, account, tenant, link)
    return None


def _mail(
    kind: MailKind, to: str, account: Account | None, tenant: TenantRef, link: str = ""
) -> Mail:
    """The mail in its recipient's language (the account's, else the tenant's default)."""
    language = mail_language(account.preferred_language if account else None, tenant.locales)
    subject, text = written(
        kind, language, link=link, tenant=tenant.slug, link_base=tenant.link_base
    )
    return Mail(to, subject, text, language=language)

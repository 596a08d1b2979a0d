"""The mails identity sends, each from an event in the outbox, after its change was committed.

The worker calls `send_identity_mail` for each such event. A link's single-use token is made
here and committed before the mail is sent: no transaction is held while SMTP answers, and
a mailed link always works. A send that fails leaves an unsent token to expire unused; the
retry makes a fresh one."""

from __future__ import annotations

from domain.identity.events import (
    AccountSignedUp,
    AdminInvited,
    PasswordResetRequested,
    SignUpWithKnownEmail,
    VerificationRequested,
)
from domain.identity.model import TokenPurpose
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
    await ports.mailer.send(Mail(mail.to, mail.subject, mail.text, key=key))


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
            return Mail(event.email, "Confirm your email address", _verify_text(link))
        case SignUpWithKnownEmail():
            return Mail(event.email, "You already have an account", _existing_account_text(tenant))
        case PasswordResetRequested():
            account = await uow.accounts.get(event.account_id)
            if account is None or account.email != event.email:
                return None
            link = await one_time_link(
                uow, ports, TokenPurpose.RESET_PASSWORD, tenant, event.email, account.id
            )
            return Mail(event.email, "Reset your password", _reset_text(link))
        case AdminInvited():
            link = await one_time_link(
                uow, ports, TokenPurpose.ADMIN_INVITE, tenant, event.email, event.account_id
            )
            return Mail(
                event.email,
                f"You are invited to administer {tenant.slug}",
                f"Open this link to become an admin of {tenant.slug}:\n\n{link}\n\n"
                "It works once and expires in seven days.\n",
            )
    return None


def _verify_text(link: str) -> str:
    return (
        "Please confirm your email address by opening this link:\n\n"
        f"{link}\n\nThe link works once and expires in two days. "
        "If you did not sign up, ignore this mail.\n"
    )


def _existing_account_text(tenant: TenantRef) -> str:
    return (
        "Someone (probably you) tried to sign up with this email address, which already has an "
        f"account. Log in instead, or reset your password at {tenant.link_base}.\n"
        "If this was not you, ignore this mail.\n"
    )


def _reset_text(link: str) -> str:
    return (
        f"To set a new password, open this link:\n\n{link}\n\n"
        "The link works once and expires in one hour. If you did not ask for it, ignore it.\n"
    )

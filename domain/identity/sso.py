"""Tenant single sign-on: a verified ID token from the tenant's OIDC provider opens a session."""

from __future__ import annotations

from domain.identity.errors import InvalidToken
from domain.identity.model import Account, ExternalIdentity, normalise_email
from domain.identity.ports import IdentityUnitOfWork, IdTokenVerifier
from domain.identity.sessions import IdentityPorts, Session, TenantRef, open_session


async def sign_in_with_id_token(
    tenant: TenantRef,
    id_token: str,
    nonce: str,
    *,
    verifier: IdTokenVerifier,
    uow: IdentityUnitOfWork,
    ports: IdentityPorts,
    language: str | None = None,
) -> Session:
    """Link the provider's (issuer, subject) to an account and open a session.

    A known link wins. Otherwise an account with the same email is linked only when the
    provider says the email is verified; else a new account is made (without a password),
    preferring `language` (the request's, one of the tenant's locales)."""
    verified = await verifier.verify(id_token, nonce=nonce)
    now = ports.clock.now()
    async with uow:
        link = await uow.external_identities.get(verified.issuer, verified.subject)
        account = await uow.accounts.get(link.account_id) if link else None
        if account is None:
            if not verified.email:
                raise InvalidToken("the provider gave no email address")
            email = normalise_email(verified.email)
            account = await uow.accounts.get_by_email(email)
            if account is not None and not verified.email_verified:
                raise InvalidToken("the provider has not verified this email address")
            if account is None:
                account = Account(
                    id=ports.ids.new_id(),
                    email=email,
                    display_name=(verified.name or email.split("@")[0])[:80],
                    password_hash=None,
                    created_at=now,
                    email_verified_at=now if verified.email_verified else None,
                    preferred_language=language,
                )
                await uow.accounts.add(account)
            await uow.external_identities.add(
                ExternalIdentity(verified.issuer, verified.subject, account.id, now)
            )
        session = await open_session(uow, ports, account, tenant)
        await uow.commit()
    return session

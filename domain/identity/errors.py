"""Errors of identity and access. Unauthenticated and rate-limited get their own bases, so
the API can answer 401 and 429."""

from domain.errors import Conflict, DomainError, NotAllowed, NotFound, Unavailable


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "Authentication is required"


class InvalidCredentials(Unauthenticated):
    """The same answer for an unknown email and a wrong password."""

    code = "invalid-credentials"
    title = "Email or password is wrong"


class InvalidToken(Unauthenticated):
    code = "invalid-token"
    title = "The token is invalid or has expired"


class TooManyAttempts(DomainError):
    code = "too-many-requests"
    title = "Too many attempts"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(detail)


class LoginLocked(TooManyAttempts):
    """Too many failed logins to the account from clients it does not know; a client that
    logged in before (its device token) still may."""

    code = "login-locked"
    title = "Too many failed logins for this account"


class NotAMember(NotAllowed):
    code = "not-a-member"
    title = "The account is not a member of this tenant"


class RoleRequired(NotAllowed):
    code = "role-required"
    title = "A higher role in this tenant is required"


class ScopeRequired(NotAllowed):
    code = "scope-required"
    title = "The API key lacks the scope for this operation"


class AccountRequired(NotAllowed):
    code = "account-required"
    title = "This operation is for signed-in people, not API keys"


class ApiKeyRequired(NotAllowed):
    code = "api-key-required"
    title = "This operation is for partner API keys"


class ApiKeyNotFound(NotFound):
    code = "api-key-not-found"
    title = "No such API key in this tenant"


class MemberNotFound(NotFound):
    code = "member-not-found"
    title = "No such member in this tenant"


class LastAdmin(Conflict):
    code = "last-admin"
    title = "A tenant keeps at least one admin"


class EmailTaken(Conflict):
    code = "email-taken"
    title = "An account with this email exists"


class SsoNotConfigured(NotFound):
    code = "sso-not-configured"
    title = "This tenant has no single sign-on provider"


class MailNotSent(Unavailable):
    """The Mailer port could not hand a mail on (its server refused or was unreachable)."""

    code = "mail-not-sent"
    title = "The mail could not be sent; try again later"

"""Request and response models of accounts, sessions, members and API keys.

Request models list exactly what a caller may set; response models exactly what it may see
(never a password hash, never another person's email)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.identity.model import (
    DISPLAY_NAME_PATTERN,
    EMAIL_PATTERN,
    PASSWORD_MAX,
    PASSWORD_MIN,
    Role,
    Scope,
)

# The domain checks every rule; these shapes say the same in the contract, so a client (and
# schemathesis) can tell a valid request before sending it.
Email = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024, pattern=r"^[^\x00]*$")]
NewPassword = Annotated[
    str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX, pattern=r"^[^\x00]*$")
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=DISPLAY_NAME_PATTERN)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=4096, pattern=r"^[^\x00]*$")]
# A locale as tenants name theirs ("de", "de-AT"); which ones a tenant has, the domain checks.
Locale = Annotated[
    str, StringConstraints(min_length=2, max_length=16, pattern=r"^[A-Za-z]{2}(?:-[A-Za-z]{2})?$")
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SignUpIn(_In):
    email: Email
    password: NewPassword = Field(description="12 to 128 characters, not the email address")
    display_name: Name
    language: Locale | None = Field(
        default=None,
        description="The account's preferred language, one of the tenant's locales; without "
        "it, the request's (`?lang=`, else `Accept-Language`, else the tenant's first locale)",
    )


class LogInIn(_In):
    email: Email
    password: Password
    device_token: Token | None = Field(
        default=None,
        description="The `device_token` of this client's last login to the account, if any: "
        "failed logins by others then cannot lock this client out",
    )


class RefreshIn(_In):
    refresh_token: Token


class PasswordChangeIn(_In):
    current_password: Password
    new_password: NewPassword


class PasswordResetIn(_In):
    email: Email


class PasswordResetConfirmIn(_In):
    token: Token
    new_password: NewPassword


class VerifyEmailIn(_In):
    token: Token


class AcceptInviteIn(_In):
    token: Token
    display_name: Name | None = Field(default=None, description="For a new account")
    password: NewPassword | None = Field(default=None, description="For a new account")


class SsoIn(_In):
    id_token: Token = Field(description="The ID token the tenant's OIDC provider issued")
    nonce: Annotated[str, StringConstraints(min_length=8, max_length=255)] = Field(
        description="The nonce the app sent in its authorization request"
    )


class AcceptedOut(BaseModel):
    status: Literal["accepted"] = "accepted"
    detail: str


class SessionOut(_Out):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds the access token is valid")
    refresh_token: str = Field(description="Single use: each refresh returns a new one")
    device_token: str | None = Field(
        default=None,
        description="New logins only: keep it on this device (a year) and send it with the next "
        "login to the account",
    )


class MeOut(BaseModel):
    id: UUID
    email: str
    display_name: str
    email_verified: bool
    tenant: str = Field(description="The tenant this request is for")
    role: Role | None = Field(description="Role in this tenant; null when not a member")
    preferred_language: str | None = Field(
        description="The language of the account's mails; null: the tenant's first locale"
    )


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _not_null(description: str) -> Any:
    """A patch field that may be left out but not sent as null."""
    return Field(default=None, json_schema_extra=_no_default, description=description)


class MeUpdateIn(_In):
    """Only the fields sent change; null is refused."""

    display_name: Name = _not_null("The name other members see")
    preferred_language: Locale = _not_null(
        "The language of the account's mails: one of this tenant's locales"
    )


class ApiKeyCreateIn(_In):
    name: Name
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope))


class ApiKeyOut(_Out):
    id: UUID
    name: str
    prefix: str = Field(description="Public part of the key: sk_<prefix>_...")
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    secret: str = Field(description="The whole key. Shown this once; store it now.")


class MemberOut(_Out):
    account_id: UUID
    display_name: str
    role: Role
    since: datetime


class MemberRoleIn(_In):
    role: Role

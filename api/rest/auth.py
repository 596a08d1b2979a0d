"""/v1/auth: sign-up, login, refresh, logout, passwords, email verification, invitations, SSO;
and the public JWKS."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.auth import AuthAttemptLimit, SignedInPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.problem_catalog import problems
from api.rest.schemas.identity import (
    AcceptedOut,
    AcceptInviteIn,
    LogInIn,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RefreshIn,
    SessionOut,
    SignUpIn,
    SsoIn,
    VerifyEmailIn,
)
from domain.errors import NotFound
from domain.identity import members, sessions, sso
from domain.identity.errors import (
    AccountRequired,
    InvalidCredentials,
    InvalidToken,
    LoginLocked,
    MailNotSent,
    SsoNotConfigured,
)
from domain.identity.policies import require_person
from domain.languages import choose_language
from domain.tenancy.model import Tenant

router = APIRouter(prefix="/v1/auth", tags=["auth"])
jwks_router = APIRouter(tags=["auth"])


def _new_account_language(request: Request, tenant: Tenant) -> str:
    """What a new account prefers: the request's language among the tenant's locales."""
    return choose_language(
        request.query_params.get("lang"),
        request.headers.get("accept-language"),
        tenant.config.locales,
    )


@router.post(
    "/signup",
    status_code=202,
    response_model=AcceptedOut,
    dependencies=[AuthAttemptLimit],
    responses=problems(MailNotSent),
    summary="Create an account; a verification link is mailed",
)
async def sign_up(
    body: SignUpIn, request: Request, tenant: CurrentTenant, services: ServicesDep
) -> AcceptedOut:
    """The answer is the same whether or not the email already has an account (that
    address gets a mail saying so instead). Login works at once; verification follows.
    The account's mails are in `language`, else in the request's language."""
    await sessions.sign_up(
        sessions.SignUp(
            services.tenant_ref(tenant),
            body.email,
            body.password,
            body.display_name,
            language=body.language or _new_account_language(request, tenant),
        ),
        uow=services.identity_uow(tenant.id),
        ports=services.identity,
    )
    return AcceptedOut(detail="check your mailbox to confirm the address")


@router.post(
    "/login",
    response_model=SessionOut,
    dependencies=[AuthAttemptLimit],
    responses=problems(InvalidCredentials, LoginLocked),
    summary="Log in with email and password",
)
async def log_in(body: LogInIn, tenant: CurrentTenant, services: ServicesDep) -> SessionOut:
    session = await sessions.log_in(
        sessions.LogIn(services.tenant_ref(tenant), body.email, body.password, body.device_token),
        uow=services.identity_uow(tenant.id),
        ports=services.identity,
        throttle=services.login_throttle,
    )
    return SessionOut.model_validate(session)


@router.post(
    "/refresh",
    response_model=SessionOut,
    responses=problems(InvalidToken),
    summary="Trade a refresh token for a new access and refresh token",
)
async def refresh_session(
    body: RefreshIn, tenant: CurrentTenant, services: ServicesDep
) -> SessionOut:
    session = await sessions.refresh_session(
        services.tenant_ref(tenant),
        body.refresh_token,
        uow=services.identity_uow(tenant.id),
        ports=services.identity,
    )
    return SessionOut.model_validate(session)


@router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    responses=problems(),
    summary="End the session of a refresh token",
)
async def log_out(body: RefreshIn, tenant: CurrentTenant, services: ServicesDep) -> Response:
    await sessions.log_out(
        body.refresh_token, uow=services.identity_uow(tenant.id), ports=services.identity
    )
    return Response(status_code=204)


@router.post(
    "/password",
    status_code=204,
    response_class=Response,
    responses=problems(AccountRequired, InvalidCredentials),
    summary="Change the password (ends every session of the account)",
)
async def change_password(
    body: PasswordChangeIn,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
) -> Response:
    person = require_person(principal)
    await sessions.change_password(
        sessions.ChangePassword(person.account_id, body.current_password, body.new_password),
        uow=services.identity_uow(tenant.id),
        ports=services.identity,
    )
    return Response(status_code=204)


@router.post(
    "/password-reset",
    status_code=202,
    response_model=AcceptedOut,
    dependencies=[AuthAttemptLimit],
    responses=problems(MailNotSent),
    summary="Mail a password-reset link (same answer for unknown addresses)",
)
async def request_password_reset(
    body: PasswordResetIn, tenant: CurrentTenant, services: ServicesDep
) -> AcceptedOut:
    await sessions.request_password_reset(
        services.tenant_ref(tenant),
        body.email,
        uow=services.identity_uow(tenant.id),
        ports=services.identity,
    )
    return AcceptedOut(detail="if the address has an account, a reset link is on its way")


@router.post(
    "/password-reset/confirm",
    status_code=204,
    response_class=Response,
    responses=problems(InvalidToken),
    summary="Set a new password with the mailed token",
)
async def reset_password(
    body: PasswordResetConfirmIn, tenant: CurrentTenant, services: ServicesDep
) -> Response:
    await sessions.reset_password(
        sessions.ResetPassword(body.token, body.new_password),
        uow=services.identity_uow(tenant.id),
        ports=services.identity,
    )
    return Response(status_code=204)


@router.post(
    "/verify-email",
    status_code=204,
    response_class=Response,
    responses=problems(InvalidToken),
    summary="Confirm the email address with the mailed token",
)
async def verify_email(
    body: VerifyEmailIn, tenant: CurrentTenant, services: ServicesDep
) -> Response:
    await sessions.verify_email(
        body.token, uow=services.identity_uow(tenant.id), ports=services.identity
    )
    return Response(status_code=204)


@router.post(
    "/verify-email/resend",
    status_code=202,
    response_model=AcceptedOut,
    responses=problems(AccountRequired, MailNotSent),
    summary="Mail a new verification link to the signed-in account",
)
async def resend_verification(
    principal: SignedInPrincipal, tenant: CurrentTenant, services: ServicesDep
) -> AcceptedOut:
    person = require_person(principal)
    await sessions.resend_verification(
        services.tenant_ref(tenant),
        person.account_id,
        uow=services.identity_uow(tenant.id),
        ports=services.identity,
    )
    return AcceptedOut(detail="unless the address is verified already, a new link is on its way")


@router.post(
    "/accept-invite",
    status_code=204,
    response_class=Response,
    responses=problems(InvalidToken, NotFound),
    summary="Become an admin of the tenant with a mailed invitation",
)
async def accept_invite(
    body: AcceptInviteIn, request: Request, tenant: CurrentTenant, services: ServicesDep
) -> Response:
    await members.accept_invite(
        members.AcceptInvite(
            body.token,
            body.display_name,
            body.password,
            language=_new_account_language(request, tenant),
        ),
        tenant.id,
        uow=services.identity_uow(tenant.id),
        ports=services.identity,
    )
    return Response(status_code=204)


@router.post(
    "/sso",
    response_model=SessionOut,
    dependencies=[AuthAttemptLimit],
    responses=problems(SsoNotConfigured, InvalidToken),
    summary="Log in with an ID token from the tenant's own OIDC provider",
)
async def log_in_with_sso(
    body: SsoIn, request: Request, tenant: CurrentTenant, services: ServicesDep
) -> SessionOut:
    settings = tenant.config.sso
    if settings is None:
        raise SsoNotConfigured()
    session = await sso.sign_in_with_id_token(
        services.tenant_ref(tenant),
        body.id_token,
        body.nonce,
        verifier=services.id_token_verifier(settings),
        uow=services.identity_uow(tenant.id),
        ports=services.identity,
        language=_new_account_language(request, tenant),
    )
    return SessionOut.model_validate(session)


@jwks_router.get(
    "/.well-known/jwks.json",
    summary="Public keys that verify Stadtkern's access tokens",
    response_model=dict[str, Any],
)
async def get_jwks(services: ServicesDep) -> dict[str, Any]:
    return services.tokens.public_jwks()

"""Every problem code the API can answer, in one place: the domain's errors (each class names
its code and title) and the refusals of the HTTP and GraphQL layers themselves.

Routes declare the domain errors they can answer with `problems(...)`; `document_problems`
adds the ones every route of a kind shares (tenant resolution, credentials, request bodies)
and writes each status's codes into the OpenAPI document as an enum, so a generated client
knows them. The README's table of codes is checked against this catalog by a test."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from api.rate_limits import RateLimited
from domain.directory import errors as directory
from domain.errors import (
    Conflict,
    DomainError,
    Gone,
    InvalidInput,
    NotAllowed,
    NotFound,
    StaleVersion,
    Unavailable,
)
from domain.funding import errors as funding
from domain.identity import errors as identity
from domain.media import errors as media
from domain.syndication import errors as syndication
from domain.syndication import webhook_errors as webhooks
from domain.tenancy import errors as tenancy

PROBLEM_MEDIA_TYPE = "application/problem+json"

_STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (identity.Unauthenticated, 401),
    (identity.TooManyAttempts, 429),
    (media.UnsupportedImage, 415),
    (media.ImageTooLarge, 413),
    (funding.IdempotencyKeyReused, 422),
    (funding.WebhookRefused, 400),
    (Unavailable, 503),
    (StaleVersion, 412),
    (NotFound, 404),
    (NotAllowed, 403),
    (Gone, 410),
    (Conflict, 409),
    (InvalidInput, 422),
]


def status_for(error: DomainError | type[DomainError]) -> int:
    kind = error if isinstance(error, type) else type(error)
    for error_type, status in _STATUS_BY_ERROR:
        if issubclass(kind, error_type):
            return status
    return 400


@dataclass(frozen=True)
class ProblemKind:
    code: str
    status: int
    title: str


def _kind(error: type[DomainError]) -> ProblemKind:
    return ProblemKind(error.code, status_for(error), error.title)


# Answered by the HTTP layer, not by a rule of the domain.
MALFORMED_JSON = ProblemKind("malformed-json", 400, "The request body is not valid JSON")
BAD_REQUEST = ProblemKind("bad-request", 400, "The request cannot be read")
NOT_FOUND = ProblemKind("not-found", 404, "Nothing is at this path (or the item is gone)")
METHOD_NOT_ALLOWED = ProblemKind("method-not-allowed", 405, "The path does not take this method")
NOT_ACCEPTABLE = ProblemKind("not-acceptable", 406, "No answer in a media type the client takes")
PAYLOAD_TOO_LARGE = ProblemKind("payload-too-large", 413, "The request body is too large")
UNSUPPORTED_MEDIA_TYPE = ProblemKind(
    "unsupported-media-type", 415, "The request body's media type is not taken here"
)
INTERNAL_ERROR = ProblemKind(
    "internal-error", 500, "A fault on our side; the request id names it in our logs"
)
HTTP_PROBLEMS = (
    MALFORMED_JSON,
    BAD_REQUEST,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    PAYLOAD_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    INTERNAL_ERROR,
)
# GraphQL's own refusals: `extensions.code` of errors in an answer (HTTP 200).
GRAPHQL_PROBLEMS = (
    ProblemKind("graphql-syntax-error", 200, "The GraphQL document does not parse"),
    ProblemKind("graphql-invalid-document", 200, "The document asks for what the schema lacks"),
    ProblemKind("graphql-limit-exceeded", 200, "Too deep, too many aliases or too many tokens"),
)

DOMAIN_ERRORS: tuple[type[DomainError], ...] = (
    InvalidInput,
    NotFound,
    NotAllowed,
    Conflict,
    Gone,
    Unavailable,
    StaleVersion,
    tenancy.UnknownTenant,
    tenancy.TenantSuspended,
    tenancy.TenantArchived,
    tenancy.HostnameTaken,
    tenancy.SlugTaken,
    tenancy.OriginNotAllowed,
    identity.Unauthenticated,
    identity.InvalidCredentials,
    identity.InvalidToken,
    identity.TooManyAttempts,
    identity.LoginLocked,
    identity.NotAMember,
    identity.RoleRequired,
    identity.ScopeRequired,
    identity.AccountRequired,
    identity.ApiKeyRequired,
    identity.ApiKeyNotFound,
    identity.MemberNotFound,
    identity.LastAdmin,
    identity.EmailTaken,
    identity.SsoNotConfigured,
    directory.FeatureOff,
    directory.BusinessNotFound,
    directory.CategoryNotFound,
    directory.OfferNotFound,
    directory.ClaimNotFound,
    directory.BusinessRoleRequired,
    directory.CategoryKeyTaken,
    directory.CategoryInUse,
    directory.ExternalIdTaken,
    directory.ClaimPending,
    directory.ClaimDecided,
    directory.AlreadyOnTeam,
    directory.LastOwner,
    RateLimited,
    identity.MailNotSent,
    media.MediaNotFound,
    media.UnsupportedImage,
    media.ImageTooLarge,
    media.MediaOwnerRequired,
    funding.CampaignNotFound,
    funding.RewardTierNotFound,
    funding.TransitionNotAllowed,
    funding.CampaignClosed,
    funding.RewardSoldOut,
    funding.RefundTooLarge,
    funding.PledgeNotFound,
    funding.RefundNotFound,
    funding.IdempotencyKeyReused,
    funding.WebhookRefused,
    funding.PaymentsUnavailable,
    funding.PaymentNotConfirmed,
    funding.CardNotReplaceable,
    funding.PledgesElsewhere,
    syndication.ListingNotFound,
    syndication.ListingMoveNotAllowed,
    syndication.PartnerCampaignConflict,
    webhooks.WebhookSubscriptionNotFound,
    webhooks.WebhookDeliveryNotFound,
    webhooks.WebhookSubscriptionDisabled,
    webhooks.WebhookTargetRefused,
)

CATALOG: dict[str, ProblemKind] = {
    kind.code: kind
    for kind in (*HTTP_PROBLEMS, *(_kind(e) for e in DOMAIN_ERRORS), *GRAPHQL_PROBLEMS)
}

# What every route of a kind can answer, added to the OpenAPI document by document_problems.
TENANT_ROUTE = (
    tenancy.UnknownTenant,
    tenancy.TenantSuspended,
    tenancy.TenantArchived,
    RateLimited,
)
CREDENTIALED_ROUTE = (identity.Unauthenticated, identity.InvalidToken, identity.NotAMember)


def problems(*errors: type[DomainError] | ProblemKind) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problems a route can answer, by status, each
    naming its codes (document_problems adds the ones shared by every route of a kind)."""
    by_status: dict[int, list[str]] = {}
    for error in errors:
        kind = error if isinstance(error, ProblemKind) else _kind(error)
        by_status.setdefault(kind.status, []).append(kind.code)
    return {status: problem_response_entry(codes) for status, codes in by_status.items()}


def problem_response_entry(codes: list[str]) -> dict[str, Any]:
    codes = sorted(set(codes))
    lines = "; ".join(f"`{code}`: {CATALOG[code].title}" for code in codes)
    status = CATALOG[codes[0]].status
    return {
        "description": f"{HTTPStatus(status).phrase}: {lines}",
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"type": "object", "properties": {"code": {"enum": codes}}},
                    ]
                }
            }
        },
    }


def declared_codes(response: dict[str, Any]) -> list[str]:
    """The codes a `problem_response_entry` names (none for other responses)."""
    schema = response.get("content", {}).get(PROBLEM_MEDIA_TYPE, {}).get("schema", {})
    for part in schema.get("allOf", []):
        enum = part.get("properties", {}).get("code", {}).get("enum")
        if enum:
            return list(enum)
    return []

"""Small factories for the entities the contract tests store; override only what a test is
about. Every id and unique text is fresh, so rows of one test never meet another's."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.directory.model import (
    Address,
    Business,
    BusinessClaim,
    BusinessKind,
    BusinessProfile,
    Category,
    GeoPoint,
    Offer,
)
from domain.identity.model import (
    Account,
    ApiKey,
    Membership,
    OneTimeToken,
    RefreshToken,
    Role,
    Scope,
    TokenPurpose,
)
from domain.languages import LocalizedText

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def later(minutes: int) -> datetime:
    return AT + timedelta(minutes=minutes)


def account(display_name: str = "Ada", **overrides: Any) -> Account:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "email": f"{uuid.uuid4().hex[:12]}@example.org",
        "display_name": display_name,
        "password_hash": "hashed:secret",
        "created_at": AT,
    }
    return Account(**(values | overrides))


def membership(
    tenant_id: UUID, account_id: UUID, role: Role = Role.MEMBER, created_at: datetime = AT
) -> Membership:
    return Membership(tenant_id, account_id, role, created_at)


def api_key(tenant_id: UUID, created_by: UUID, **overrides: Any) -> ApiKey:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "name": "Shop sync",
        "prefix": uuid.uuid4().hex[:8],
        "secret_hash": uuid.uuid4().hex * 2,
        "scopes": frozenset({Scope.BUSINESSES_READ, Scope.BUSINESSES_WRITE}),
        "created_by": created_by,
        "created_at": AT,
    }
    return ApiKey(**(values | overrides))


def one_time_token(
    tenant_id: UUID, account_id: UUID | None = None, **overrides: Any
) -> OneTimeToken:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "purpose": TokenPurpose.RESET_PASSWORD,
        "token_hash": uuid.uuid4().hex * 2,
        "tenant_id": tenant_id,
        "email": "ada@example.org",
        "expires_at": later(60),
        "account_id": account_id,
    }
    return OneTimeToken(**(values | overrides))


def refresh_token(tenant_id: UUID, account_id: UUID, **overrides: Any) -> RefreshToken:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "family_id": uuid.uuid4(),
        "account_id": account_id,
        "tenant_id": tenant_id,
        "token_hash": uuid.uuid4().hex * 2,
        "expires_at": later(60 * 24),
    }
    return RefreshToken(**(values | overrides))


def category(tenant_id: UUID, key: str, **overrides: Any) -> Category:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "key": key,
        "name": de(key.replace("-", " ").title()),
    }
    return Category(**(values | overrides))


def de(text: str) -> LocalizedText:
    """A text in German alone, as most of these entities' texts are."""
    return LocalizedText.single("de", text)


def business(tenant_id: UUID, name: str = "Bäckerei Zimt", **overrides: Any) -> Business:
    """Overrides of the profile's fields (category_ids, location, delivers, ...) go to the
    profile, the others to the business."""
    profile = {k: overrides.pop(k) for k in list(overrides) if k in _PROFILE_FIELDS}
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "profile": BusinessProfile(
            **{
                "name": name,
                "kind": BusinessKind.RETAIL,
                "description": de("Sauerteig und Zimtschnecken"),
                "address": Address("Marktplatz 1", "04109", "Leipzig"),
                "location": GeoPoint(51.3406, 12.3747),
            }
            | profile
        ),
        "created_at": AT,
        "updated_at": AT,
    }
    return Business(**(values | overrides))


_PROFILE_FIELDS = {f.name for f in fields(BusinessProfile)}


def offer(tenant_id: UUID, business_id: UUID, **overrides: Any) -> Offer:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "business_id": business_id,
        "title": de("Zwei Schnecken zum Preis von einer"),
        "text": LocalizedText.of({"de": "Nur diese Woche", "en": "This week only"}),
        "valid_from": AT,
        "valid_until": later(60 * 24 * 7),
        "created_at": AT,
    }
    return Offer(**(values | overrides))


def claim(tenant_id: UUID, business_id: UUID, account_id: UUID, **overrides: Any) -> BusinessClaim:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "business_id": business_id,
        "account_id": account_id,
        "message": "Das ist mein Laden.",
        "created_at": AT,
    }
    return BusinessClaim(**(values | overrides))

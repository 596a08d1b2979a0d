"""Small factories for funding's entities (as tests/contracts/entities.py for the others):
override only what a test is about; every id is fresh."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import timedelta
from typing import Any
from uuid import UUID

from domain.funding.model import (
    Campaign,
    CampaignContent,
    CampaignStatus,
    CampaignTerms,
    FundingModel,
    Money,
    Pledge,
    Refund,
    RewardKind,
    RewardTier,
)
from tests.contracts.entities import AT, de, later

DAY = timedelta(days=1)


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


_CONTENT_FIELDS = {f.name for f in fields(CampaignContent)}
_TERMS_FIELDS = {f.name for f in fields(CampaignTerms)}


def campaign(tenant_id: UUID, owner_id: UUID | None = None, **overrides: Any) -> Campaign:
    """Live from AT for 30 days by default. Overrides of content fields (title, location,
    ...) go to the content, of terms fields (goal, ends_at, ...) to the terms."""
    content = {k: overrides.pop(k) for k in list(overrides) if k in _CONTENT_FIELDS}
    terms = {k: overrides.pop(k) for k in list(overrides) if k in _TERMS_FIELDS}
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "owner_id": owner_id,
        "content": CampaignContent(**({"title": de("Ein Dorfladen für Gohlis")} | content)),
        "terms": CampaignTerms(
            **(
                {
                    "goal": eur(500_000),
                    "funding_model": FundingModel.ALL_OR_NOTHING,
                    "starts_at": AT,
                    "ends_at": AT + 30 * DAY,
                }
                | terms
            )
        ),
        "created_at": AT,
        "updated_at": AT,
        "status": CampaignStatus.LIVE,
    }
    return Campaign(**(values | overrides))


def tier(campaign_id: UUID, **overrides: Any) -> RewardTier:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "campaign_id": campaign_id,
        "title": de("Ein Gutschein über 25 Euro"),
        "minimum": eur(2_500),
        "kind": RewardKind.VOUCHER,
    }
    return RewardTier(**(values | overrides))


def pledge(campaign_id: UUID, **overrides: Any) -> Pledge:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "campaign_id": campaign_id,
        "backer_id": uuid.uuid4(),
        "amount": eur(5_000),
        "created_at": AT,
    }
    return Pledge(**(values | overrides))


def refund(pledge: Pledge, **overrides: Any) -> Refund:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "pledge_id": pledge.id,
        "campaign_id": pledge.campaign_id,
        "amount": eur(1_000),
        "created_at": later(10),
        "requested_by": None,
    }
    return Refund(**(values | overrides))

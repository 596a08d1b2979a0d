"""REST request and response models of outbound webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.syndication.webhooks import (
    MAX_DESCRIPTION_LENGTH,
    MAX_EVENT_TYPES,
    MAX_URL_LENGTH,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)

Url = Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH)]
EventPattern = Annotated[str, StringConstraints(min_length=1, max_length=80)]
EventPatterns = Annotated[
    list[EventPattern],
    Field(
        min_length=1,
        max_length=MAX_EVENT_TYPES,
        description="Public event types (`pledge.created`), groups (`campaign.*`) or `*`; "
        "see GET /v1/webhook-event-types",
    ),
]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION_LENGTH)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookSubscriptionIn(_In):
    url: Url = Field(description="https URL that receives the deliveries (POST)")
    event_types: EventPatterns
    description: Description = ""


class WebhookSubscriptionPatch(_In):
    url: Url | None = None
    event_types: EventPatterns | None = None
    description: Description | None = None
    active: bool | None = Field(
        default=None, description="false disables (nothing is sent), true enables again"
    )


class WebhookSubscriptionOut(BaseModel):
    id: UUID
    url: str
    event_types: list[str]
    description: str
    active: bool
    disabled_at: datetime | None
    disabled_reason: str | None = Field(
        description="Why it was disabled: by an admin, or the endpoint answered 410 Gone"
    )
    created_at: datetime
    updated_at: datetime


class WebhookSubscriptionWithSecretOut(WebhookSubscriptionOut):
    secret: str = Field(
        description="The signing secret (`whsec_...`). Shown this once; store it now."
    )


class WebhookDeliveryOut(BaseModel):
    id: UUID
    subscription_id: UUID
    webhook_id: str = Field(
        description="The `webhook-id` header: the same for every attempt and every replay"
    )
    event_type: str
    status: DeliveryStatus
    attempts: int
    payload: dict[str, Any] = Field(description="The JSON body sent")
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    succeeded_at: datetime | None
    replay_of: UUID | None = Field(description="The delivery this one replays")


class WebhookDeliveryPage(BaseModel):
    items: list[WebhookDeliveryOut]
    next_cursor: str | None


class WebhookEventTypeOut(BaseModel):
    name: str
    description: str


def subscription_out(s: WebhookSubscription) -> WebhookSubscriptionOut:
    return WebhookSubscriptionOut(
        id=s.id,
        url=s.url,
        event_types=list(s.event_types),
        description=s.description,
        active=s.active,
        disabled_at=s.disabled_at,
        disabled_reason=s.disabled_reason,
        created_at=s.created_at,
        updated_at=s.updated_at,
    )


def delivery_out(d: WebhookDelivery) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=d.id,
        subscription_id=d.subscription_id,
        webhook_id=d.message_id,
        event_type=d.event_type,
        status=d.status,
        attempts=d.attempts,
        payload=d.payload,
        created_at=d.created_at,
        next_attempt_at=d.next_attempt_at,
        last_attempt_at=d.last_attempt_at,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        succeeded_at=d.succeeded_at,
        replay_of=d.replay_of,
    )

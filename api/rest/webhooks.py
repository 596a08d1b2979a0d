"""/v1/webhook-subscriptions: outbound webhooks, managed by tenant admins (or partner keys
with `webhooks:manage`); their delivery logs and replays; /v1/webhook-event-types."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.auth import SignedInPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.problem_catalog import problems
from api.rest.schemas import webhooks as schemas
from api.rest.schemas.paging import CURSOR_TEXT
from domain.cursors import INSTANT_ID_PATTERN, MAX_CURSOR_LENGTH
from domain.identity.errors import AccountRequired, RoleRequired, ScopeRequired
from domain.syndication import webhook_subscriptions as use
from domain.syndication.webhook_errors import (
    WebhookDeliveryNotFound,
    WebhookSubscriptionDisabled,
    WebhookSubscriptionNotFound,
    WebhookTargetRefused,
)
from domain.syndication.webhook_events import PUBLIC_EVENTS

router = APIRouter(prefix="/v1/webhook-subscriptions", tags=["webhooks"])
event_types_router = APIRouter(tags=["webhooks"])
REFUSALS = (AccountRequired, RoleRequired, ScopeRequired)
NOT_FOUND = WebhookSubscriptionNotFound
Cursor = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR_LENGTH, pattern=INSTANT_ID_PATTERN, description=CURSOR_TEXT),
]


@event_types_router.get(
    "/v1/webhook-event-types",
    response_model=list[schemas.WebhookEventTypeOut],
    summary="The event types webhooks can subscribe to",
)
async def list_webhook_event_types(tenant: CurrentTenant) -> list[schemas.WebhookEventTypeOut]:
    return [
        schemas.WebhookEventTypeOut(name=e.name, description=e.description) for e in PUBLIC_EVENTS
    ]


@router.get(
    "",
    response_model=list[schemas.WebhookSubscriptionOut],
    responses=problems(*REFUSALS),
    summary="List the tenant's webhook subscriptions",
)
async def list_webhook_subscriptions(
    principal: SignedInPrincipal, tenant: CurrentTenant, services: ServicesDep
) -> list[schemas.WebhookSubscriptionOut]:
    found = await use.list_subscriptions(principal, uow=services.webhooks_uow(tenant.id))
    return [schemas.subscription_out(s) for s in found]


@router.post(
    "",
    status_code=201,
    response_model=schemas.WebhookSubscriptionWithSecretOut,
    responses=problems(*REFUSALS, WebhookTargetRefused),
    summary="Subscribe a URL to event types; the signing secret is in this answer only",
)
async def create_webhook_subscription(
    body: schemas.WebhookSubscriptionIn,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
) -> schemas.WebhookSubscriptionWithSecretOut:
    made = await use.subscribe(
        use.Subscribe(body.url, tuple(body.event_types), body.description),
        principal,
        uow=services.webhooks_uow(tenant.id),
        ports=services.webhook_ports,
        clock=services.clock,
        ids=services.ids,
    )
    out = schemas.subscription_out(made.subscription)
    return schemas.WebhookSubscriptionWithSecretOut(**out.model_dump(), secret=made.secret)


@router.get(
    "/{subscription_id}",
    response_model=schemas.WebhookSubscriptionOut,
    responses=problems(*REFUSALS, NOT_FOUND),
    summary="One webhook subscription (without its secret)",
)
async def get_webhook_subscription(
    subscription_id: UUID,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
) -> schemas.WebhookSubscriptionOut:
    found = await use.view_subscription(
        subscription_id, principal, uow=services.webhooks_uow(tenant.id)
    )
    return schemas.subscription_out(found)


@router.patch(
    "/{subscription_id}",
    response_model=schemas.WebhookSubscriptionOut,
    responses=problems(*REFUSALS, NOT_FOUND, WebhookTargetRefused),
    summary="Change the URL, event types or description; disable or enable",
)
async def update_webhook_subscription(
    subscription_id: UUID,
    body: schemas.WebhookSubscriptionPatch,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
) -> schemas.WebhookSubscriptionOut:
    changed = await use.change_subscription(
        use.ChangeSubscription(
            subscription_id,
            url=body.url,
            event_types=tuple(body.event_types) if body.event_types is not None else None,
            description=body.description,
            active=body.active,
        ),
        principal,
        uow=services.webhooks_uow(tenant.id),
        ports=services.webhook_ports,
        clock=services.clock,
    )
    return schemas.subscription_out(changed)


@router.delete(
    "/{subscription_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*REFUSALS, NOT_FOUND),
    summary="Delete a subscription and its delivery log",
)
async def delete_webhook_subscription(
    subscription_id: UUID,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
) -> Response:
    await use.remove_subscription(subscription_id, principal, uow=services.webhooks_uow(tenant.id))
    return Response(status_code=204)


@router.post(
    "/{subscription_id}/rotate-secret",
    response_model=schemas.WebhookSubscriptionWithSecretOut,
    responses=problems(*REFUSALS, NOT_FOUND),
    summary="A new signing secret, in this answer only; the old one also signs for 24 hours",
)
async def rotate_webhook_secret(
    subscription_id: UUID,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
) -> schemas.WebhookSubscriptionWithSecretOut:
    rotated = await use.rotate_secret(
        subscription_id,
        principal,
        uow=services.webhooks_uow(tenant.id),
        ports=services.webhook_ports,
        clock=services.clock,
    )
    out = schemas.subscription_out(rotated.subscription)
    return schemas.WebhookSubscriptionWithSecretOut(**out.model_dump(), secret=rotated.secret)


@router.post(
    "/{subscription_id}/test",
    status_code=202,
    response_model=schemas.WebhookDeliveryOut,
    responses=problems(*REFUSALS, NOT_FOUND, WebhookSubscriptionDisabled),
    summary="Queue a signed `webhook.ping` to the subscription's URL",
)
async def test_webhook_subscription(
    subscription_id: UUID,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
) -> schemas.WebhookDeliveryOut:
    ping = await use.send_ping(
        subscription_id,
        principal,
        uow=services.webhooks_uow(tenant.id),
        clock=services.clock,
        ids=services.ids,
    )
    return schemas.delivery_out(ping)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=schemas.WebhookDeliveryPage,
    responses=problems(*REFUSALS, NOT_FOUND),
    summary="The delivery log, newest first",
)
async def list_webhook_deliveries(
    subscription_id: UUID,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=use.MAX_PAGE)] = 20,
    cursor: Cursor = None,
) -> schemas.WebhookDeliveryPage:
    items, next_cursor = await use.list_deliveries(
        subscription_id,
        principal,
        uow=services.webhooks_uow(tenant.id),
        limit=limit,
        cursor=cursor,
    )
    return schemas.WebhookDeliveryPage(
        items=[schemas.delivery_out(d) for d in items], next_cursor=next_cursor
    )


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/replay",
    status_code=202,
    response_model=schemas.WebhookDeliveryOut,
    responses=problems(*REFUSALS, NOT_FOUND, WebhookDeliveryNotFound, WebhookSubscriptionDisabled),
    summary="Send a delivery again (same webhook-id and body), as a new entry of the log",
)
async def replay_webhook_delivery(
    subscription_id: UUID,
    delivery_id: UUID,
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
) -> schemas.WebhookDeliveryOut:
    replayed = await use.replay_delivery(
        subscription_id,
        delivery_id,
        principal,
        uow=services.webhooks_uow(tenant.id),
        clock=services.clock,
        ids=services.ids,
    )
    return schemas.delivery_out(replayed)

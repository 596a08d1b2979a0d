"""GraphQL for outbound webhooks: the same use cases as /v1/webhook-subscriptions (tenant
admins, or partner keys with `webhooks:manage`). The secret is in the payloads of
`createWebhookSubscription` and `rotateWebhookSecret` only."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api.graphql.context import GraphQLContext
from api.graphql.directory_types import PageInfo
from api.graphql.errors import UserError, or_graphql_error, user_errors
from domain.errors import DomainError, FieldProblem, InvalidInput
from domain.syndication import webhook_subscriptions as use
from domain.syndication.webhook_events import PUBLIC_EVENTS
from domain.syndication.webhook_ports import WebhookUnitOfWork
from domain.syndication.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription

Info = strawberry.Info[GraphQLContext, None]

WebhookDeliveryStatusEnum = strawberry.enum(
    DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="pending (not tried yet), failed (tried again later), succeeded, given_up",
)


@strawberry.type(
    name="WebhookSubscription",
    description="A URL that receives signed deliveries of the events it names",
)
class WebhookSubscriptionNode:
    id: UUID
    url: str
    event_types: list[str]
    description: str
    active: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime


@strawberry.type(name="WebhookDelivery", description="One message to one subscription")
class WebhookDeliveryNode:
    id: UUID
    subscription_id: UUID
    webhook_id: str = strawberry.field(description="The webhook-id header, stable on replays")
    event_type: str
    status: WebhookDeliveryStatusEnum  # type: ignore[valid-type]
    attempts: int
    payload: JSON
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    succeeded_at: datetime | None
    replay_of: UUID | None


@strawberry.type
class WebhookDeliveryEdge:
    cursor: str
    node: WebhookDeliveryNode


@strawberry.type
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge]
    page_info: PageInfo


@strawberry.type
class WebhookEventType:
    name: str
    description: str


def _subscription(s: WebhookSubscription) -> WebhookSubscriptionNode:
    return WebhookSubscriptionNode(
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


def _delivery(d: WebhookDelivery) -> WebhookDeliveryNode:
    return WebhookDeliveryNode(
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


def _uow(info: Info) -> WebhookUnitOfWork:
    return info.context.services.webhooks_uow(info.context.tenant.id)


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="The event types webhooks can subscribe to")
    def webhook_event_types(self) -> list[WebhookEventType]:
        return [WebhookEventType(name=e.name, description=e.description) for e in PUBLIC_EVENTS]

    @strawberry.field(description="The tenant's webhook subscriptions (admins)")
    async def webhook_subscriptions(self, info: Info) -> list[WebhookSubscriptionNode]:
        async def work() -> list[WebhookSubscription]:
            return await use.list_subscriptions(await info.context.principal(), uow=_uow(info))

        return [_subscription(s) for s in await or_graphql_error(work())]

    @strawberry.field(description="One webhook subscription (admins)")
    async def webhook_subscription(self, info: Info, id: UUID) -> WebhookSubscriptionNode:
        async def work() -> WebhookSubscription:
            return await use.view_subscription(id, await info.context.principal(), uow=_uow(info))

        return _subscription(await or_graphql_error(work()))

    @strawberry.field(description="A subscription's delivery log, newest first (admins)")
    async def webhook_deliveries(
        self, info: Info, subscription_id: UUID, first: int = 20, after: str | None = None
    ) -> WebhookDeliveryConnection:
        async def work() -> tuple[list[WebhookDelivery], str | None]:
            if not 1 <= first <= use.MAX_PAGE:
                raise InvalidInput([FieldProblem("first", f"must be 1 to {use.MAX_PAGE}")])
            return await use.list_deliveries(
                subscription_id,
                await info.context.principal(),
                uow=_uow(info),
                limit=first,
                cursor=after,
            )

        items, next_cursor = await or_graphql_error(work())
        return WebhookDeliveryConnection(
            edges=[WebhookDeliveryEdge(cursor=str(d.id), node=_delivery(d)) for d in items],
            page_info=PageInfo(has_next_page=next_cursor is not None, end_cursor=next_cursor),
        )


@strawberry.type
class WebhookSubscriptionPayload:
    subscription: WebhookSubscriptionNode | None = None
    secret: str | None = strawberry.field(
        default=None, description="The signing secret (whsec_...), shown this once"
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDeliveryNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteWebhookSubscriptionPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Subscribe a URL to event types (admins)")
    async def create_webhook_subscription(
        self, info: Info, url: str, event_types: list[str], description: str = ""
    ) -> WebhookSubscriptionPayload:
        services = info.context.services
        try:
            made = await use.subscribe(
                use.Subscribe(url, tuple(event_types), description),
                await info.context.principal(),
                uow=_uow(info),
                ports=services.webhook_ports,
                clock=services.clock,
                ids=services.ids,
            )
        except DomainError as error:
            return WebhookSubscriptionPayload(errors=user_errors(error))
        return WebhookSubscriptionPayload(
            subscription=_subscription(made.subscription), secret=made.secret
        )

    @strawberry.mutation(
        description="Change a subscription; an argument left out stays as it is (admins)"
    )
    async def update_webhook_subscription(
        self,
        info: Info,
        id: UUID,
        url: str | None = None,
        event_types: list[str] | None = None,
        description: str | None = None,
        active: bool | None = None,
    ) -> WebhookSubscriptionPayload:
        services = info.context.services
        try:
            changed = await use.change_subscription(
                use.ChangeSubscription(
                    id,
                    url=url,
                    event_types=tuple(event_types) if event_types is not None else None,
                    description=description,
                    active=active,
                ),
                await info.context.principal(),
                uow=_uow(info),
                ports=services.webhook_ports,
                clock=services.clock,
            )
        except DomainError as error:
            return WebhookSubscriptionPayload(errors=user_errors(error))
        return WebhookSubscriptionPayload(subscription=_subscription(changed))

    @strawberry.mutation(description="Delete a subscription and its delivery log (admins)")
    async def delete_webhook_subscription(
        self, info: Info, id: UUID
    ) -> DeleteWebhookSubscriptionPayload:
        try:
            await use.remove_subscription(id, await info.context.principal(), uow=_uow(info))
        except DomainError as error:
            return DeleteWebhookSubscriptionPayload(errors=user_errors(error))
        return DeleteWebhookSubscriptionPayload(ok=True)

    @strawberry.mutation(
        description="A new signing secret, shown this once; the old one signs for 24 hours"
    )
    async def rotate_webhook_secret(self, info: Info, id: UUID) -> WebhookSubscriptionPayload:
        services = info.context.services
        try:
            rotated = await use.rotate_secret(
                id,
                await info.context.principal(),
                uow=_uow(info),
                ports=services.webhook_ports,
                clock=services.clock,
            )
        except DomainError as error:
            return WebhookSubscriptionPayload(errors=user_errors(error))
        return WebhookSubscriptionPayload(
            subscription=_subscription(rotated.subscription), secret=rotated.secret
        )

    @strawberry.mutation(description="Send a delivery again, same webhook-id and body (admins)")
    async def replay_webhook_delivery(
        self, info: Info, subscription_id: UUID, delivery_id: UUID
    ) -> WebhookDeliveryPayload:
        services = info.context.services
        try:
            replayed = await use.replay_delivery(
                subscription_id,
                delivery_id,
                await info.context.principal(),
                uow=_uow(info),
                clock=services.clock,
                ids=services.ids,
            )
        except DomainError as error:
            return WebhookDeliveryPayload(errors=user_errors(error))
        return WebhookDeliveryPayload(delivery=_delivery(replayed))

    @strawberry.mutation(description="Queue a signed webhook.ping to the subscription (admins)")
    async def test_webhook_subscription(self, info: Info, id: UUID) -> WebhookDeliveryPayload:
        services = info.context.services
        try:
            ping = await use.send_ping(
                id,
                await info.context.principal(),
                uow=_uow(info),
                clock=services.clock,
                ids=services.ids,
            )
        except DomainError as error:
            return WebhookDeliveryPayload(errors=user_errors(error))
        return WebhookDeliveryPayload(delivery=_delivery(ping))

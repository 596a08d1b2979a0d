"""Errors of outbound webhooks."""

from domain.errors import Conflict, FieldProblem, InvalidInput, NotFound


class WebhookSubscriptionNotFound(NotFound):
    code = "webhook-subscription-not-found"
    title = "No such webhook subscription in this tenant"


class WebhookDeliveryNotFound(NotFound):
    code = "webhook-delivery-not-found"
    title = "No such delivery of this webhook subscription"


class WebhookSubscriptionDisabled(Conflict):
    """A disabled subscription sends nothing, replays included: enable it first."""

    code = "webhook-subscription-disabled"
    title = "The webhook subscription is disabled"


class WebhookTargetRefused(InvalidInput):
    """The URL's host is (or resolves to) an address webhooks may not reach: loopback,
    private, link-local, multicast, reserved or an IPv6 transition address."""

    code = "webhook-target-refused"
    title = "The webhook URL points to an address that webhooks may not reach"

    def __init__(self, reason: str) -> None:
        super().__init__([FieldProblem("url", reason)])

"""Errors of funding."""

from domain.errors import Conflict, DomainError, NotFound, Unavailable


class CampaignNotFound(NotFound):
    code = "campaign-not-found"
    title = "No such campaign in this tenant"


class RewardTierNotFound(NotFound):
    code = "reward-tier-not-found"
    title = "No such reward tier on this campaign"


class TransitionNotAllowed(Conflict):
    """A campaign asked to move to a status its lifecycle does not lead to from here."""

    code = "transition-not-allowed"
    title = "The campaign cannot move to that status from its current one"


class CampaignClosed(Conflict):
    code = "campaign-closed"
    title = "The campaign takes no pledges now"


class PledgesElsewhere(Conflict):
    """A partner platform's campaign is not on this ledger: backers pledge at its origin."""

    code = "pledges-elsewhere"
    title = "This campaign takes pledges on its own platform"


class RewardSoldOut(Conflict):
    code = "reward-sold-out"
    title = "No units of this reward are left"


class RefundTooLarge(Conflict):
    """More refunded than was captured: refunds never exceed what the backer paid."""

    code = "refund-too-large"
    title = "The refunds would exceed what was captured"


class PledgeNotFound(NotFound):
    code = "pledge-not-found"
    title = "No such pledge in this tenant"


class RefundNotFound(NotFound):
    code = "refund-not-found"
    title = "No such refund in this tenant"


class IdempotencyKeyReused(DomainError):
    """The same Idempotency-Key sent again with a different request (422)."""

    code = "idempotency-key-reused"
    title = "This Idempotency-Key was used for a different request"


class WebhookRefused(DomainError):
    """A payment provider's webhook whose signature is missing, wrong or stale (400)."""

    code = "webhook-refused"
    title = "The webhook's signature does not verify"


class PaymentsUnavailable(Unavailable):
    """The tenant's payment provider is not configured or does not answer (503)."""

    code = "payments-unavailable"
    title = "Payments cannot be taken right now"


class CardNotReplaceable(Conflict):
    """Another card is saved only for a pledge whose charge was declined (409)."""

    code = "card-not-replaceable"
    title = "Only a pledge whose card was declined takes another card"


class PaymentNotConfirmed(Conflict):
    """A pledge confirmed before the backer finished the payment (409)."""

    code = "payment-not-confirmed"
    title = "The payment has not been confirmed yet"


# Raised by repositories; use cases turn them into answers, they never reach a client.


class IdempotencyKeyTaken(Exception):
    """A racing request stored the same Idempotency-Key first."""


class PaymentReferenceTaken(Exception):
    """Two pledges drew the same payment reference: draw again."""


class RefundRefused(Exception):
    """The provider refused a refund for good (the charge is disputed, refunded elsewhere
    already): asking again would not help. The refund fails and its amount is refundable
    again."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)

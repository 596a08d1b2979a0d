"""Errors of funding."""

from domain.errors import Conflict, NotFound


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


class RewardSoldOut(Conflict):
    code = "reward-sold-out"
    title = "No units of this reward are left"


class RefundTooLarge(Conflict):
    """More refunded than was captured: refunds never exceed what the backer paid."""

    code = "refund-too-large"
    title = "The refunds would exceed what was captured"

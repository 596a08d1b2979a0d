"""What syndication refuses: mirroring's listings, the change feed and partner upserts
(webhooks' are in webhook_errors.py)."""

from __future__ import annotations

from domain.errors import Conflict, NotFound


class ListingNotFound(NotFound):
    code = "listing-not-found"
    title = "No such listing in this tenant"


class ListingMoveNotAllowed(Conflict):
    code = "listing-move-not-allowed"
    title = "The listing is not in a state that allows this"


class PartnerCampaignConflict(Conflict):
    """The external id names a campaign this tenant runs on its own ledger, or one another
    partner key synced."""

    code = "partner-campaign-conflict"
    title = "This external id belongs to another campaign"

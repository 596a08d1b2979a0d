"""What funding gives discovery: live campaigns with a location as map pins (a DiscoverySource,
registered under CAMPAIGN by the composition root). Search finds them through the documents
the campaign use cases keep in the index."""

from __future__ import annotations

from typing import NamedTuple
from uuid import UUID

from domain.discovery.model import Pin, PinFilter
from domain.discovery.ports import Taxonomy
from domain.funding.campaigns import CAMPAIGN
from domain.funding.model import Campaign
from domain.funding.ports import FundingReads
from domain.geo import BoundingBox, GeoPoint
from domain.identity.model import Principal
from domain.ports import Clock


class CampaignPinDetails(NamedTuple):
    """What a campaign's pin shows besides its title."""

    percent: int  # of the goal
    days_left: int


class CampaignPins:
    """The live campaigns of one tenant on the map. Pins are titled in the tenant's first
    language (a map shows many kinds at once; the item's page has every language)."""

    def __init__(
        self, reads: FundingReads, taxonomy: Taxonomy, *, locale: str, clock: Clock
    ) -> None:
        self._reads = reads
        self._taxonomy = taxonomy
        self._locale = locale
        self._clock = clock

    async def _categories(self, where: PinFilter) -> tuple[UUID, ...] | None:
        """The category ids asked for (with their children); None: nothing can match."""
        if where.item_kinds:
            return None  # the items' own kinds are businesses'; campaigns have none
        if not where.categories:
            return ()
        return await self._taxonomy.ids_within(where.categories) or None

    async def pins_in_box(
        self, box: BoundingBox, where: PinFilter, viewer: Principal, *, limit: int
    ) -> list[Pin]:
        categories = await self._categories(where)
        if categories is None:
            return []
        found = await self._reads.live_in_box(box, category_ids=categories, limit=limit)
        return [self._pin(c) for c in found]

    async def pins_near(
        self, centre: GeoPoint, radius_m: float, where: PinFilter, viewer: Principal, *, limit: int
    ) -> list[Pin]:
        categories = await self._categories(where)
        if categories is None:
            return []
        found = await self._reads.live_near(centre, radius_m, category_ids=categories, limit=limit)
        return [self._pin(n.campaign, n.distance_m) for n in found]

    def _pin(self, campaign: Campaign, distance_m: float | None = None) -> Pin:
        assert campaign.content.location is not None
        now = self._clock.now()
        return Pin(
            kind=CAMPAIGN,
            item_id=campaign.id,
            title=campaign.content.title.pick(self._locale, "").text,
            location=campaign.content.location,
            category_ids=(campaign.content.category_id,) if campaign.content.category_id else (),
            details=CampaignPinDetails(
                campaign.current_totals.percent_of(campaign.terms.goal), campaign.days_left(now)
            ),
            distance_m=distance_m,
        )

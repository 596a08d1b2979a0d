"""What the directory gives discovery: its businesses as map pins (a DiscoverySource, which
the composition root registers under BUSINESS), and its categories as the taxonomy search
filters by."""

from __future__ import annotations

from typing import NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.directory import queries
from domain.directory.model import BusinessKind
from domain.directory.ports import BusinessFilter, BusinessSummary, DirectoryReads
from domain.discovery.model import Pin, PinFilter
from domain.geo import BoundingBox, GeoPoint
from domain.identity.model import Principal
from domain.ports import Clock

BUSINESS = "business"  # the kind of businesses in search and on the map
_KINDS = {k.value: k for k in BusinessKind}


class BusinessPinDetails(NamedTuple):
    """What a business's pin shows besides its name and categories."""

    kind: str  # a BusinessKind's value: answers carry it as text
    verified: bool
    open_now: bool | None  # None: it has no opening hours


class BusinessPins:
    """The businesses of one tenant on the map, as discovery asks for them."""

    def __init__(self, reads: DirectoryReads, *, zone: ZoneInfo, clock: Clock) -> None:
        self._reads = reads
        self._zone = zone
        self._clock = clock

    def _filter(self, where: PinFilter) -> BusinessFilter | None:
        """None when the filter names only kinds that no business has."""
        kinds = tuple(_KINDS[k] for k in where.item_kinds if k in _KINDS)
        if where.item_kinds and not kinds:
            return None
        ids, keys = queries.category_refs(where.categories)
        return BusinessFilter(kinds=kinds, category_ids=ids, category_keys=keys)

    async def pins_in_box(
        self, box: BoundingBox, where: PinFilter, viewer: Principal, *, limit: int
    ) -> list[Pin]:
        wanted = self._filter(where)
        if wanted is None:
            return []
        prepared = await queries.prepared(wanted, viewer, self._reads)
        return self._pins(await self._reads.businesses_in_box(box, prepared, limit=limit))

    async def pins_near(
        self, centre: GeoPoint, radius_m: float, where: PinFilter, viewer: Principal, *, limit: int
    ) -> list[Pin]:
        wanted = self._filter(where)
        if wanted is None:
            return []
        prepared = await queries.prepared(wanted, viewer, self._reads)
        found = await self._reads.businesses_near(centre, radius_m, prepared, limit=limit)
        return self._pins(found)

    def _pins(self, found: list[BusinessSummary]) -> list[Pin]:
        open_now = queries.open_now_of(found, self._zone, self._clock.now())
        return [
            Pin(
                kind=BUSINESS,
                item_id=s.id,
                title=s.name,
                location=s.location,
                category_ids=s.category_ids,
                details=BusinessPinDetails(s.kind.value, s.verified, is_open),
                distance_m=s.distance_m,
            )
            for s, is_open in zip(found, open_now, strict=True)
            if s.location is not None
        ]


class DirectoryTaxonomy:
    """The directory's categories, as search filters by them."""

    def __init__(self, reads: DirectoryReads) -> None:
        self._reads = reads

    async def ids_within(self, refs: tuple[str, ...]) -> tuple[UUID, ...]:
        ids, keys = queries.category_refs(refs)
        return tuple(await self._reads.categories_within(ids, keys))

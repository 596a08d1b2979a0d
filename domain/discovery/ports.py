"""Ports of discovery: the search index (written by each capability in its own transaction),
its read side, the taxonomy that search filters by, and the source of pins that each
capability implements and registers under its kind (domain/discovery/kinds.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from domain.discovery.model import Pin, PinFilter, SearchDocument, SearchHit
from domain.geo import BoundingBox, GeoPoint
from domain.identity.model import Principal


class SearchIndex(Protocol):
    """Kept in the same transaction as the item it describes (a capability's unit of work
    holds one), so search never shows what a rolled-back write left behind."""

    async def put(self, document: SearchDocument) -> None: ...

    async def put_many(self, documents: Sequence[SearchDocument]) -> None: ...

    async def remove(self, kind: str, item_id: UUID) -> None: ...


class SearchReads(Protocol):
    """The index of one tenant, read."""

    async def search(
        self,
        text: str,
        *,
        kinds: tuple[str, ...],
        category_ids: tuple[UUID, ...],
        language: str,
        limit: int,
    ) -> list[SearchHit]:
        """Visible items of these kinds, best first; in one of the categories when some are
        given (the ids as they are: the taxonomy has added the children already). The text
        is looked for in every language of the tenant; each hit's snippet is in `language`
        (a locale of the tenant) when the item has a text in it, else in the tenant's first."""
        ...


class Taxonomy(Protocol):
    """The categories items are filed under (the directory's, per tenant)."""

    async def ids_within(self, refs: tuple[str, ...]) -> tuple[UUID, ...]:
        """The ids of the categories named by id or key and of their children; () when none
        of them exists."""
        ...


class DiscoverySource(Protocol):
    """How discovery finds one kind of item on the map, for one tenant. A capability
    implements it and registers it (DiscoveryKinds.register); its pins carry its kind."""

    async def pins_in_box(
        self, box: BoundingBox, where: PinFilter, viewer: Principal, *, limit: int
    ) -> list[Pin]:
        """At most `limit` pins inside the box (edges included) that `viewer` may see, those
        of the lowest ids (model.box_order). The box never crosses the antimeridian:
        discovery asks for each side of one that does."""
        ...

    async def pins_near(
        self, centre: GeoPoint, radius_m: float, where: PinFilter, viewer: Principal, *, limit: int
    ) -> list[Pin]:
        """At most `limit` pins within `radius_m` of the centre, the nearest (model.near_order),
        each with its `distance_m`; across the antimeridian too."""
        ...

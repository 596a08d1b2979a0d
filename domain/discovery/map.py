"""The map: the pins of every source a tenant has, in a box or around a point, cut at the
caller's limit in a documented order (model.box_order, model.near_order)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.discovery.model import Pin, PinFilter, Pins, box_order, near_order
from domain.discovery.ports import DiscoverySource
from domain.errors import FieldProblem, InvalidInput
from domain.geo import BoundingBox, GeoPoint
from domain.identity.model import Principal

MAX_MAP_PINS = 5000
MAX_NEAR_RADIUS_M = 25_000
MAX_NEAR_RESULTS = 200


def bounded_limit(limit: int, maximum: int) -> int:
    if not 1 <= limit <= maximum:
        raise InvalidInput([FieldProblem("limit", f"must be 1 to {maximum}")])
    return limit


def _cut(found: list[Pin], order: Callable[[Pin], Any], limit: int) -> Pins:
    found.sort(key=order)
    return Pins(found[:limit], truncated=len(found) > limit)


async def pins_in_box(
    box: BoundingBox,
    where: PinFilter,
    viewer: Principal,
    *,
    sources: Sequence[DiscoverySource],
    limit: int,
) -> Pins:
    """Up to `limit` pins in the box, those of the lowest ids, and whether more matched. Each
    source gives its first `limit` + 1 in that order, for each side of a box across the
    antimeridian; merged, they hold the first `limit` of all, and one more when there are."""
    limit = bounded_limit(limit, MAX_MAP_PINS)
    found: list[Pin] = []
    for part in box.parts():
        for source in sources:
            found += await source.pins_in_box(part, where, viewer, limit=limit + 1)
    return _cut(found, box_order, limit)


async def pins_near(
    centre: GeoPoint,
    radius_m: float,
    where: PinFilter,
    viewer: Principal,
    *,
    sources: Sequence[DiscoverySource],
    limit: int,
) -> Pins:
    """Up to `limit` pins within the radius, nearest first, and whether more matched."""
    if not 1 <= radius_m <= MAX_NEAR_RADIUS_M:
        raise InvalidInput([FieldProblem("radius", f"must be 1 to {MAX_NEAR_RADIUS_M} metres")])
    limit = bounded_limit(limit, MAX_NEAR_RESULTS)
    found: list[Pin] = []
    for source in sources:
        found += await source.pins_near(centre, radius_m, where, viewer, limit=limit + 1)
    return _cut(found, near_order, limit)

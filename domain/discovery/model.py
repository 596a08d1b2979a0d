"""What discovery holds and answers: search documents and hits, and map pins of any kind of
item, with the order that decides which pins a full map keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple
from uuid import UUID

from domain.geo import GeoPoint
from domain.languages import LocalizedText


@dataclass(frozen=True)
class SearchDocument:
    """What the search index holds for one item of any capability."""

    kind: str  # the kind its capability registered: "business", later "campaign", "event"
    item_id: UUID
    title: str  # a name: one for every language
    texts: LocalizedText  # what it says, per locale; each stemmed in its own language
    category_ids: tuple[UUID, ...] = ()
    visible: bool = True


@dataclass(frozen=True)
class SearchHit:
    kind: str
    item_id: UUID
    title: str
    snippet: str  # with <mark>...</mark> around matched words; other text HTML-escaped
    rank: float
    language: str  # the locale the snippet is in: the one asked for, else the tenant's first


@dataclass(frozen=True)
class PinFilter:
    """What a map asks of every source; each applies it to its own items."""

    # Categories named by id or key; a top-level one includes its children.
    categories: tuple[str, ...] = ()
    # The items' own kinds (a business's: retail, gastronomy, ...). A source keeps the items
    # of these kinds; one whose items have none of them shows nothing.
    item_kinds: tuple[str, ...] = ()


class Pin(NamedTuple):
    """One item on the map. `details` is what its source adds for a pin (a NamedTuple or a
    frozen dataclass of plain values: a business's kind, whether it is verified, open now);
    the edge shows its fields as they are. A tuple, not a dataclass: a full map builds
    thousands of them per request."""

    kind: str
    item_id: UUID
    title: str
    location: GeoPoint
    category_ids: tuple[UUID, ...] = ()
    details: object = None
    distance_m: float | None = None  # around a point: metres from it


@dataclass(frozen=True)
class Pins:
    items: list[Pin] = field(default_factory=list)
    truncated: bool = False  # more matched than the limit: zoom in or filter


# Which pins a full map keeps. In a box: the lowest ids (ids are random, so that is an even
# sample of the box, and the same one on every request: a pin does not flicker in and out as
# the map reloads). Around a point: the nearest, the lower id first at equal distance. The
# kind breaks the tie of two kinds' items with one id.


def box_order(pin: Pin) -> tuple[UUID, str]:
    return pin.item_id, pin.kind


def near_order(pin: Pin) -> tuple[float, UUID, str]:
    return (pin.distance_m or 0.0), pin.item_id, pin.kind

"""Places on the earth: a point and a map's box. Shared by the contexts that place things (the
directory's businesses) and by discovery, which finds them on the map."""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain.errors import FieldProblem, InvalidInput

EARTH_RADIUS_M = 6_371_008.8  # the mean radius: haversine distances and boxes around circles

_LON = r"-?(?:180(?:\.0+)?|(?:1[0-7][0-9]|[0-9]{1,2})(?:\.[0-9]+)?)"
_LAT = r"-?(?:90(?:\.0+)?|[0-8]?[0-9](?:\.[0-9]+)?)"
# The text forms of a box and a point, for callers to check before they send one.
BBOX_PATTERN = rf"^{_LON},{_LAT},{_LON},{_LAT}$"
POINT_PATTERN = rf"^{_LON},{_LAT}$"


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        problems = []
        if not (math.isfinite(self.lat) and -90 <= self.lat <= 90):
            problems.append(FieldProblem("location.lat", "must be between -90 and 90"))
        if not (math.isfinite(self.lon) and -180 <= self.lon <= 180):
            problems.append(FieldProblem("location.lon", "must be between -180 and 180"))
        if problems:
            raise InvalidInput(problems)

    def distance_to(self, other: GeoPoint) -> float:
        """Great-circle distance in metres (haversine)."""
        p1, p2 = math.radians(self.lat), math.radians(other.lat)
        dp, dl = p2 - p1, math.radians(other.lon - self.lon)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class BoundingBox:
    """A map viewport as RFC 7946 writes it: west, south, east, north. A box whose west edge
    lies east of its east edge crosses the antimeridian: `170,-10,-170,10` is the 20° of
    longitude around 180°, not the 340° between -170° and 170°. Any size: a list of pins in a
    large box is cut at the caller's limit (and says so)."""

    west: float
    south: float
    east: float
    north: float

    def __post_init__(self) -> None:
        values = (self.west, self.south, self.east, self.north)
        problems = []
        if not all(math.isfinite(v) for v in values):
            problems.append(FieldProblem("bbox", "needs four finite numbers"))
        elif not (-180 <= self.west <= 180 and -180 <= self.east <= 180):
            problems.append(FieldProblem("bbox", "longitudes must be between -180 and 180"))
        elif not (-90 <= self.south <= 90 and -90 <= self.north <= 90):
            problems.append(FieldProblem("bbox", "latitudes must be between -90 and 90"))
        elif self.south > self.north:
            problems.append(FieldProblem("bbox", "the south edge must not lie north of the north"))
        if problems:
            raise InvalidInput(problems)

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    def parts(self) -> tuple[BoundingBox, ...]:
        """The box as boxes that do not cross the antimeridian: itself, or its part west of
        180° and its part east of -180°."""
        if not self.crosses_antimeridian:
            return (self,)
        return (
            BoundingBox(self.west, self.south, 180, self.north),
            BoundingBox(-180, self.south, self.east, self.north),
        )

    def contains(self, point: GeoPoint) -> bool:
        """Edges included."""
        if not self.south <= point.lat <= self.north:
            return False
        if self.crosses_antimeridian:
            return point.lon >= self.west or point.lon <= self.east
        return self.west <= point.lon <= self.east

    @classmethod
    def parse(cls, text: str) -> BoundingBox:
        """`west,south,east,north`. The latitudes may come in either order (there is only one
        box between two of them); the longitudes may not: west east of east crosses the
        antimeridian."""
        parts = text.split(",")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = []
        if len(values) != 4:
            raise InvalidInput([FieldProblem("bbox", "must be west,south,east,north")])
        if not all(math.isfinite(v) for v in values):
            raise InvalidInput([FieldProblem("bbox", "needs four finite numbers")])
        west, lat_a, east, lat_b = values
        return cls(west, min(lat_a, lat_b), east, max(lat_a, lat_b))

    @classmethod
    def around(cls, centre: GeoPoint, radius_m: float) -> BoundingBox:
        """The smallest box holding the circle (on a sphere of the radius distances use): it
        crosses the antimeridian where the circle does, and spans every longitude where the
        circle holds a pole."""
        angle = radius_m / EARTH_RADIUS_M  # radians of arc
        dlat = math.degrees(angle)
        south, north = max(centre.lat - dlat, -90.0), min(centre.lat + dlat, 90.0)
        if south == -90 or north == 90 or angle >= math.pi / 2:
            return cls(-180, south, 180, north)
        # The meridians that touch the circle (well defined: the circle holds no pole).
        reach = math.sin(angle) / math.cos(math.radians(centre.lat))
        dlon = math.degrees(math.asin(min(1.0, reach)))
        if dlon >= 180:
            return cls(-180, south, 180, north)
        west, east = centre.lon - dlon, centre.lon + dlon
        if west < -180:
            west += 360
        if east > 180:
            east -= 360
        return cls(west, south, east, north)

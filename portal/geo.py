"""The geo toolkit: GeoJSON validation and distances without GDAL.

Geometry lives in JSON fields as RFC 7946 GeoJSON (WGS-84, [lon, lat] order). Everything here is
plain Python so the portal runs on any machine with no spatial libraries installed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARTH_RADIUS_KM = 6371.0088

LINE_TYPES = ("LineString", "MultiLineString")
POINT_TYPES = ("Point",)


def _check_position(pos: Any, where: str) -> None:
    if not isinstance(pos, (list, tuple)) or len(pos) < 2 or len(pos) > 3:
        raise ValidationError(_("%(where)s: each position must be [经度 lon, 纬度 lat] or [lon, lat, altitude].") % {"where": where})
    for v in pos:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValidationError(_("%(where)s: coordinates must be numbers, got %(value)r.") % {"where": where, "value": v})
    lon, lat = pos[0], pos[1]
    if not -180 <= lon <= 180:
        raise ValidationError(_("%(where)s: longitude %(lon)s is outside −180…180. (GeoJSON puts longitude first.)") % {"where": where, "lon": lon})
    if not -90 <= lat <= 90:
        raise ValidationError(_("%(where)s: latitude %(lat)s is outside −90…90. (GeoJSON puts longitude first.)") % {"where": where, "lat": lat})


def validate_geometry(value: Any, allowed: Iterable[str] = LINE_TYPES + POINT_TYPES) -> dict:
    """Validate a GeoJSON geometry dict and return it; raise ValidationError with a clear message."""
    allowed = tuple(allowed)
    if not isinstance(value, dict):
        raise ValidationError(_('The geometry must be a GeoJSON object, e.g. {"type": "LineString", "coordinates": [[101.5, 36.6], [101.6, 36.7]]}.'))
    gtype = value.get("type")
    if gtype not in allowed:
        raise ValidationError(_("Geometry type must be one of %(allowed)s, not %(got)r.") % {"allowed": ", ".join(allowed), "got": gtype})
    coords = value.get("coordinates")
    if gtype == "Point":
        _check_position(coords, _("Point"))
    elif gtype == "LineString":
        _check_line(coords, _("Line"))
    elif gtype == "MultiLineString":
        if not isinstance(coords, list) or not coords:
            raise ValidationError(_("A MultiLineString needs at least one line."))
        for i, line in enumerate(coords, 1):
            _check_line(line, _("Segment %(n)d") % {"n": i})
    return value


def _check_line(coords: Any, where: str) -> None:
    if not isinstance(coords, list) or len(coords) < 2:
        raise ValidationError(_("%(where)s: a line needs at least 2 points.") % {"where": where})
    for pos in coords:
        _check_position(pos, where)


def iter_lines(geometry: dict | None) -> Iterator[list[list[float]]]:
    """Yield each line of a LineString/MultiLineString as a list of positions."""
    if not geometry:
        return
    if geometry.get("type") == "LineString":
        yield geometry["coordinates"]
    elif geometry.get("type") == "MultiLineString":
        yield from geometry["coordinates"]


def haversine_km(a: Iterable[float], b: Iterable[float]) -> float:
    """Great-circle distance in km between two [lon, lat] positions."""
    lon1, lat1 = list(a)[:2]
    lon2, lat2 = list(b)[:2]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def line_length_km(geometry: dict | None) -> float:
    return sum(haversine_km(a, b) for line in iter_lines(geometry) for a, b in zip(line, line[1:]))


def _point_segment_km(p, a, b) -> float:
    # Equirectangular projection around p: accurate to well under 1% at route scales (< 100 km).
    lat0 = math.radians(p[1])
    kx = math.cos(lat0) * math.pi * EARTH_RADIUS_KM / 180
    ky = math.pi * EARTH_RADIUS_KM / 180
    ax, ay = (a[0] - p[0]) * kx, (a[1] - p[1]) * ky
    bx, by = (b[0] - p[0]) * kx, (b[1] - p[1]) * ky
    dx, dy = bx - ax, by - ay
    seg2 = dx * dx + dy * dy
    t = 0.0 if seg2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / seg2))
    return math.hypot(ax + t * dx, ay + t * dy)


def distance_to_geometry_km(point: Iterable[float], geometry: dict | None) -> float:
    """Shortest distance in km from a [lon, lat] point to a Point/LineString/MultiLineString."""
    p = list(point)[:2]
    if not geometry:
        return math.inf
    if geometry.get("type") == "Point":
        return haversine_km(p, geometry["coordinates"])
    best = math.inf
    for line in iter_lines(geometry):
        for a, b in zip(line, line[1:]):
            best = min(best, _point_segment_km(p, a, b))
    return best


def geometry_bounds(geometry: dict | None) -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) of a geometry, or None when empty."""
    if not geometry:
        return None
    if geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"][:2]
        return lon, lat, lon, lat
    pts = [pos for line in iter_lines(geometry) for pos in line]
    if not pts:
        return None
    lons = [p[0] for p in pts]
    lats = [p[1] for p in pts]
    return min(lons), min(lats), max(lons), max(lats)


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def feature(geometry: dict, **properties: Any) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}

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


def walk(geometry: dict | None) -> Iterator[tuple[float, list[float]]]:
    """(km from the start, position) for every vertex of the lines, in order; the gap between two
    lines of a MultiLineString is not walked."""
    km = 0.0
    for line in iter_lines(geometry):
        prev = None
        for pos in line:
            if prev is not None:
                km += haversine_km(prev, pos)
            prev = pos
            yield km, pos


def line_length_km(geometry: dict | None) -> float:
    return max((km for km, _pos in walk(geometry)), default=0.0)


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


def within_km(features: list[dict], geometry: dict, km: float) -> list[tuple[float, dict]]:
    corridor = Corridor(geometry, km) if geometry.get("type") in LINE_TYPES else None
    found = []
    for feat in features:
        fg = feat.get("geometry") or {}
        d = corridor.distance_km(fg["coordinates"]) if corridor and fg.get("type") == "Point" else feature_distance_km(feat, geometry)
        if d <= km:
            found.append((d, feat))
    found.sort(key=lambda pair: pair[0])
    return found


class Corridor:
    """A line's segments filed by grid cells at least `km` wide, so the distance from a point to
    the line, when it is within `km`, is measured against the few segments nearby instead of all of
    them: a long route against thousands of points costs what the points near it cost. Farther
    than `km`, the distance answered is infinite."""

    MAX_CELLS = 64  # a side of the grid at most, whatever `km` and the line's extent

    def __init__(self, geometry: dict, km: float):
        segments = [(a, b) for line in iter_lines(geometry) for a, b in zip(line, line[1:])]
        bounds = geometry_bounds(geometry) or (0.0, 0.0, 0.0, 0.0)
        widest = max(abs(bounds[1]), abs(bounds[3])) + km / 110.574
        self.cy = max(km / 110.574, (bounds[3] - bounds[1]) / self.MAX_CELLS, 1e-9)
        self.cx = max(km / (111.320 * max(0.01, math.cos(math.radians(min(89.0, widest))))), (bounds[2] - bounds[0]) / self.MAX_CELLS, 1e-9)
        self.cells: dict[tuple[int, int], list] = {}
        for a, b in segments:
            for i in range(math.floor(min(a[0], b[0]) / self.cx), math.floor(max(a[0], b[0]) / self.cx) + 1):
                for j in range(math.floor(min(a[1], b[1]) / self.cy), math.floor(max(a[1], b[1]) / self.cy) + 1):
                    self.cells.setdefault((i, j), []).append((a, b))

    def distance_km(self, point) -> float:
        i, j = math.floor(point[0] / self.cx), math.floor(point[1] / self.cy)
        nearby = {id(seg): seg for di in (-1, 0, 1) for dj in (-1, 0, 1) for seg in self.cells.get((i + di, j + dj), ())}
        return min((_point_segment_km(point, a, b) for a, b in nearby.values()), default=math.inf)


def feature_distance_km(feat: dict, geometry: dict) -> float:
    fg = feat.get("geometry") or {}
    if fg.get("type") == "Point":
        return distance_to_geometry_km(fg["coordinates"], geometry)
    if geometry.get("type") == "Point":
        return distance_to_geometry_km(geometry["coordinates"], fg)
    # line to line: the nearest vertex of one to the other is close enough at route scale
    best = math.inf
    for line in iter_lines(fg):
        for pos in line:
            best = min(best, distance_to_geometry_km(pos, geometry))
    return best


def widen(bounds: tuple[float, float, float, float], km: float) -> tuple[float, float, float, float]:
    """Bounds (west, south, east, north) grown by `km` on every side: a box that holds whatever lies
    within `km` of what they bound, for the database to narrow a distance search."""
    west, south, east, north = bounds
    dlat = km / 110.574
    dlon = km / max(1e-6, 111.320 * math.cos(math.radians(min(89.0, max(abs(south), abs(north)) + dlat))))
    return (west - dlon, south - dlat, east + dlon, north + dlat)


def in_bbox(feat: dict, bbox: tuple[float, float, float, float]) -> bool:
    """Whether a feature's bounds intersect the box (lines crossing the box count)."""
    b = geometry_bounds(feat.get("geometry"))
    if b is None:
        return False
    min_lon, min_lat, max_lon, max_lat = bbox
    return not (b[2] < min_lon or b[0] > max_lon or b[3] < min_lat or b[1] > max_lat)


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def feature(geometry: dict, **properties: Any) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


# --- clusters for a zoomed-out view ------------------------------------------------------------

CLUSTER_CELL_PX = 80  # a cluster stands for the points within about a finger's width on screen
MAX_ZOOM = 20


WORLD_PX = 256 * 2**MAX_ZOOM  # the width of the world in pixels at the deepest zoom


def world_pixel(lon: float, lat: float) -> tuple[int, int]:
    """The Web Mercator pixel of a position at MAX_ZOOM, as map tiles divide the world. A cluster
    cell at any zoom is a whole number of these pixels (cell_size), so Python and SQL
    (portal.layers) put a point in the same cell."""
    lat = max(-85.05112878, min(85.05112878, lat))
    sin = math.sin(math.radians(lat))
    x = (lon + 180.0) / 360.0
    y = 0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)
    return min(WORLD_PX - 1, int(x * WORLD_PX)), min(WORLD_PX - 1, max(0, int(y * WORLD_PX)))


def cell_size(zoom: int, cell_px: int = CLUSTER_CELL_PX) -> int:
    """A cluster cell's side at `zoom`, in MAX_ZOOM pixels."""
    return cell_px * 2 ** (MAX_ZOOM - zoom)


def cluster_feature(count: int, lon_sum: float, lat_sum: float, bounds, kinds: dict[str, int]) -> dict:
    """The feature that stands for `count` points: at their mean position, with their bounds
    ([west, south, east, north]) and the count of each kind."""
    return feature(
        point(round(lon_sum / count, 5), round(lat_sum / count, 5)),
        cluster=True,
        count=count,
        bbox=[round(b, 6) for b in bounds],
        kinds=kinds,
    )


def grid_clusters(features: list[dict], zoom: int, cell_px: int = CLUSTER_CELL_PX) -> list[dict]:
    """The features as a map at `zoom` shows them: the points that fall in one grid cell of
    `cell_px` screen pixels become one cluster feature (cluster_feature), a point alone in its cell
    stays itself, and lines pass through. A view of W × H pixels then holds at most about
    (W / cell_px) × (H / cell_px) features, however many points the layer has."""
    size = cell_size(zoom, cell_px)
    cells: dict[tuple[int, int], list[dict]] = {}
    out: list[dict] = []
    for feat in features:
        geometry = feat.get("geometry") or {}
        if geometry.get("type") != "Point":
            out.append(feat)
            continue
        x, y = world_pixel(*geometry["coordinates"][:2])
        cells.setdefault((x // size, y // size), []).append(feat)
    for members in cells.values():
        if len(members) == 1:
            out.append(members[0])
            continue
        lons = [m["geometry"]["coordinates"][0] for m in members]
        lats = [m["geometry"]["coordinates"][1] for m in members]
        kinds: dict[str, int] = {}
        for m in members:
            kind = str((m.get("properties") or {}).get("kind") or "")
            kinds[kind] = kinds.get(kind, 0) + 1
        out.append(cluster_feature(len(members), sum(lons), sum(lats), [min(lons), min(lats), max(lons), max(lats)], kinds))
    return out


# --- WGS-84 → GCJ-02 ---------------------------------------------------------------------------
# Chinese map services (高德 Gaode/AutoNavi, Tencent) draw their tiles in GCJ-02, a datum that
# offsets WGS-84 by up to several hundred metres (≈ 170 m in Xining). Our data stays WGS-84 everywhere;
# this shift is applied only for display on such tiles (map.js carries the same formula). It is the
# widely published algorithm (see googollee/eviltransform, wandergis/coordtransform), tested in
# tests/test_geo.py against their reference pairs.

_GCJ_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 algorithm
_GCJ_EE = 0.00669342162296594323  # its first eccentricity squared


def out_of_china(lon: float, lat: float) -> bool:
    """GCJ-02 applies only inside this rough box around China; elsewhere it is the identity."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _gcj_delta(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + common
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + common
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _GCJ_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """(lon, lat) in WGS-84 → (lon, lat) in GCJ-02; unchanged outside China."""
    if out_of_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _gcj_delta(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Inverse of wgs84_to_gcj02 by fixed-point iteration (the shift varies slowly): < 1 cm."""
    w_lon, w_lat = lon, lat
    for _step in range(6):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon, w_lat = w_lon - (g_lon - lon), w_lat - (g_lat - lat)
    return w_lon, w_lat


# --- the portal's region ---------------------------------------------------------------------
# Xining municipality (城东/城中/城西/城北区, 湟中区, 大通县, 湟源县) as a WGS-84 box
# (min_lon, min_lat, max_lon, max_lat), and how far beyond it a line may still run (a route to a
# pass on the border, such as 日月山, ends just outside). Deployments can move both in settings
# (PORTAL_REGION_BBOX, PORTAL_REGION_MARGIN_KM).
REGION_BBOX = (100.75, 36.20, 101.95, 37.45)
REGION_MARGIN_KM = 30.0


def region_margin_km() -> float:
    from django.conf import settings

    return float(getattr(settings, "PORTAL_REGION_MARGIN_KM", REGION_MARGIN_KM))


def region_box() -> tuple[float, float, float, float]:
    """The region's box widened by its margin, in degrees."""
    from django.conf import settings

    min_lon, min_lat, max_lon, max_lat = getattr(settings, "PORTAL_REGION_BBOX", REGION_BBOX)
    margin = region_margin_km()
    km_per_deg = math.pi * EARTH_RADIUS_KM / 180
    d_lat = margin / km_per_deg
    d_lon = margin / (km_per_deg * max(math.cos(math.radians(max(abs(min_lat), abs(max_lat)))), 0.01))
    return min_lon - d_lon, min_lat - d_lat, max_lon + d_lon, max_lat + d_lat


def share_outside_region(positions: Iterable[Iterable[float]]) -> float:
    """The fraction (0–1) of [lon, lat] positions outside the region box with its margin."""
    min_lon, min_lat, max_lon, max_lat = region_box()
    total = outside = 0
    for pos in positions:
        lon, lat = list(pos)[:2]
        total += 1
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            outside += 1
    return outside / total if total else 0.0

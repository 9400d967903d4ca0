"""Turning an uploaded GPS file (GPX, KML/KMZ or GeoJSON) into a route line and waypoints.

Uploads come from phones and GPS devices, and from anyone with an editor account, so every step
is defensive: a size cap, XML parsed with DTDs and entities forbidden (defusedxml) before gpxpy
sees it, and every failure turned into a `TrackImportError` with a message an editor can act on;
the form shows it, the server never answers 500.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass, field

import gpxpy
import gpxpy.gpx
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.geo import EARTH_RADIUS_KM, LINE_TYPES, validate_geometry

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# The admin map edits every vertex as a marker: beyond a few thousand it becomes unusable, and a
# phone logging once a second records far more points than a route page needs.
MAX_POINTS = 3000
SIMPLIFY_TOLERANCE_M = 4.0


class TrackImportError(Exception):
    """A message for the editor: what is wrong with the file and what to do."""


@dataclass
class Waypoint:
    name: str
    lon: float
    lat: float
    ele: float | None = None
    description: str = ""


@dataclass
class ImportedTrack:
    geometry: dict
    waypoints: list[Waypoint] = field(default_factory=list)
    name: str = ""
    source: str = ""
    has_elevation: bool = False
    point_count: int = 0


def read_track(upload) -> ImportedTrack:
    """Parse an uploaded file object (Django UploadedFile or any binary file) into a track."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise TrackImportError(_("文件太大（%(size)s MB），上限为 %(max)s MB。") % {"size": f"{size / 1048576:.1f}", "max": MAX_UPLOAD_BYTES // 1048576})
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise TrackImportError(_("文件太大，上限为 %(max)s MB。") % {"max": MAX_UPLOAD_BYTES // 1048576})
    return parse_track(data)


def parse_track(data: bytes) -> ImportedTrack:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:64]
    if not head:
        raise TrackImportError(_("文件是空的。"))
    if head.startswith(b"PK"):
        return _from_kml(_unzip_kmz(data), source="KMZ")
    if head.startswith((b"{", b"[")):
        return _from_geojson(data)
    if head.startswith(b"<"):
        root = _safe_xml(data)
        tag = root.tag.rsplit("}", 1)[-1].lower()
        if tag == "gpx":
            return _from_gpx(data)
        if tag == "kml":
            return _from_kml(data, source="KML", root=root)
        raise TrackImportError(_("无法识别的 XML 文件（根元素是 <%(tag)s>）：请上传 GPX 或 KML 文件。") % {"tag": tag})
    raise TrackImportError(_("无法识别的文件格式：请上传 GPX、KML/KMZ 或 GeoJSON 文件。"))


def _safe_xml(data: bytes):
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise TrackImportError(_("文件包含 DTD 或实体声明，出于安全原因不予处理。请从设备或应用重新导出 GPX/KML。"))
    except SafeET.ParseError as exc:
        raise TrackImportError(_("文件不是有效的 XML：%(error)s") % {"error": exc})


def _from_gpx(data: bytes) -> ImportedTrack:
    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise TrackImportError(_("GPX 文件必须是 UTF-8 编码。"))
    except Exception as exc:  # noqa: BLE001 - gpxpy raises many types on malformed files; all mean "bad file"
        raise TrackImportError(_("无法读取 GPX 文件：%(error)s") % {"error": exc})
    lines: list[list[list[float]]] = []
    source = "GPX track"
    for track in gpx.tracks:
        for segment in track.segments:
            line = [_pos(p.longitude, p.latitude, p.elevation) for p in segment.points]
            if len(line) >= 2:
                lines.append(line)
    if not lines:
        source = "GPX route"
        for route in gpx.routes:
            line = [_pos(p.longitude, p.latitude, p.elevation) for p in route.points]
            if len(line) >= 2:
                lines.append(line)
    if not lines:
        raise TrackImportError(_("GPX 文件里没有至少包含 2 个点的轨迹（<trk>）或路线（<rte>）。"))
    name = next((t.name for t in gpx.tracks if t.name), None) or next((r.name for r in gpx.routes if r.name), None) or gpx.name or ""
    waypoints = [
        Waypoint(name=(w.name or "").strip()[:120], lon=w.longitude, lat=w.latitude, ele=w.elevation, description=(w.description or w.comment or "").strip())
        for w in gpx.waypoints
    ]
    return _finish(lines, waypoints, name, source)


def _pos(lon, lat, ele=None) -> list[float]:
    if lon is None or lat is None:
        raise TrackImportError(_("有的点缺少经纬度。"))
    pos = [round(float(lon), 6), round(float(lat), 6)]
    if ele is not None and math.isfinite(float(ele)):
        pos.append(round(float(ele), 1))
    return pos


def _unzip_kmz(data: bytes) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as kmz:
            names = [i for i in kmz.infolist() if i.filename.lower().endswith(".kml")]
            if not names:
                raise TrackImportError(_("KMZ 文件里没有 .kml 文件。"))
            info = next((i for i in names if i.filename.lower() == "doc.kml"), names[0])
            if info.file_size > MAX_UPLOAD_BYTES:
                raise TrackImportError(_("KMZ 里的 KML 文件太大。"))
            with kmz.open(info) as fh:
                content = fh.read(MAX_UPLOAD_BYTES + 1)
            if len(content) > MAX_UPLOAD_BYTES:
                raise TrackImportError(_("KMZ 里的 KML 文件太大。"))
            return content
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError) as exc:
        raise TrackImportError(_("无法解压 KMZ 文件：%(error)s") % {"error": exc})


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _from_kml(data: bytes, source: str, root=None) -> ImportedTrack:
    if root is None:
        root = _safe_xml(data)
    lines: list[list[list[float]]] = []
    waypoints: list[Waypoint] = []
    doc_name = ""
    for placemark in root.iter():
        if _local(placemark.tag) == "name" and not doc_name and placemark.text:
            doc_name = placemark.text.strip()
        if _local(placemark.tag) != "Placemark":
            continue
        name = next((c.text or "" for c in placemark if _local(c.tag) == "name"), "").strip()
        description = next((c.text or "" for c in placemark if _local(c.tag) == "description"), "").strip()
        for el in placemark.iter():
            kind = _local(el.tag)
            if kind == "LineString":
                coords = next((c.text or "" for c in el if _local(c.tag) == "coordinates"), "")
                line = _kml_coords(coords)
                if len(line) >= 2:
                    lines.append(line)
            elif kind == "Track":  # gx:Track from Google Earth / phone apps: "lon lat alt" per gx:coord
                line = []
                for c in el:
                    if _local(c.tag) == "coord" and c.text:
                        parts = c.text.split()
                        line.append(_kml_position(parts, c.text))
                if len(line) >= 2:
                    lines.append(line)
            elif kind == "Point":
                coords = _kml_coords(next((c.text or "" for c in el if _local(c.tag) == "coordinates"), ""))
                if coords:
                    p = coords[0]
                    waypoints.append(Waypoint(name=name[:120], lon=p[0], lat=p[1], ele=p[2] if len(p) > 2 else None, description=description))
    if not lines:
        raise TrackImportError(_("KML 文件里没有线（LineString 或 gx:Track）。"))
    return _finish(lines, waypoints, doc_name, source)


def _kml_coords(text: str) -> list[list[float]]:
    return [_kml_position(chunk.split(","), chunk) for chunk in text.split()]


def _kml_position(parts: list[str], raw: str) -> list[float]:
    try:
        values = [float(v) for v in parts if v != ""]
    except ValueError:
        raise TrackImportError(_("KML 坐标无法读取：%(raw)s") % {"raw": raw[:60]})
    if len(values) < 2:
        raise TrackImportError(_("KML 坐标无法读取：%(raw)s") % {"raw": raw[:60]})
    ele = values[2] if len(values) > 2 and values[2] != 0 else None  # KML writes 0 when it has no altitude
    return _pos(values[0], values[1], ele)


def _from_geojson(data: bytes) -> ImportedTrack:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise TrackImportError(_("GeoJSON 文件无法解析：%(error)s") % {"error": exc})
    lines: list = []
    waypoints: list[Waypoint] = []

    def visit(obj, props=None):
        if not isinstance(obj, dict):
            return
        kind = obj.get("type")
        if kind == "FeatureCollection":
            for feat in obj.get("features") or []:
                visit(feat)
        elif kind == "Feature":
            visit(obj.get("geometry"), obj.get("properties") or {})
        elif kind == "GeometryCollection":
            for geom in obj.get("geometries") or []:
                visit(geom, props)
        elif kind == "LineString":
            lines.append(obj.get("coordinates"))
        elif kind == "MultiLineString":
            lines.extend(obj.get("coordinates") or [])
        elif kind == "Point":
            c = obj.get("coordinates")
            if isinstance(c, list) and len(c) >= 2 and all(isinstance(v, (int, float)) for v in c[:3]):
                name = str((props or {}).get("name") or "")[:120]
                waypoints.append(
                    Waypoint(name=name, lon=c[0], lat=c[1], ele=c[2] if len(c) > 2 else None, description=str((props or {}).get("description") or ""))
                )

    visit(doc)
    if not lines:
        raise TrackImportError(_("GeoJSON 文件里没有 LineString 或 MultiLineString。"))
    cleaned = []
    for line in lines:
        if not isinstance(line, list):
            raise TrackImportError(_("GeoJSON 线的坐标格式不对。"))
        try:
            cleaned.append([_pos(*p[:3]) for p in line if isinstance(p, list)])
        except (TypeError, ValueError):
            raise TrackImportError(_("GeoJSON 线的坐标必须是数字 [经度, 纬度(, 海拔)]。"))
    return _finish(cleaned, waypoints, "", "GeoJSON")


def _finish(lines: list[list[list[float]]], waypoints: list[Waypoint], name: str, source: str) -> ImportedTrack:
    # Small files are kept point for point; only a dense log is thinned, as gently as will do.
    total = sum(len(line) for line in lines)
    tolerance = SIMPLIFY_TOLERANCE_M
    while total > MAX_POINTS and tolerance <= 64:
        lines = [simplify(line, tolerance) for line in lines]
        total = sum(len(line) for line in lines)
        tolerance *= 2
    if total > MAX_POINTS:
        lines = [_stride(line, max(2, len(line) * MAX_POINTS // total)) for line in lines]
    geometry = {"type": "LineString", "coordinates": lines[0]} if len(lines) == 1 else {"type": "MultiLineString", "coordinates": lines}
    try:
        validate_geometry(geometry, LINE_TYPES)
    except ValidationError as exc:
        raise TrackImportError(" ".join(exc.messages))
    good_waypoints = [w for w in waypoints if -180 <= w.lon <= 180 and -90 <= w.lat <= 90]
    return ImportedTrack(
        geometry=geometry,
        waypoints=good_waypoints,
        name=(name or "").strip(),
        source=source,
        has_elevation=any(len(p) > 2 for line in lines for p in line),
        point_count=sum(len(line) for line in lines),
    )


def _stride(line: list, keep: int) -> list:
    if len(line) <= keep:
        return line
    step = (len(line) - 1) / (keep - 1)
    return [line[round(i * step)] for i in range(keep)]


def simplify(line: list[list[float]], tolerance_m: float = SIMPLIFY_TOLERANCE_M) -> list[list[float]]:
    """Douglas–Peucker in a local metric frame, elevation included as a third axis.

    Elevation counts so a straight road climbing a pass keeps the points that shape its
    profile. Iterative (an explicit stack) so tens of thousands of points cannot hit Python's
    recursion limit.
    """
    if len(line) <= 2:
        return line
    lat0 = math.radians(sum(p[1] for p in line) / len(line))
    k = math.pi * EARTH_RADIUS_KM * 1000 / 180
    last_ele = next((p[2] for p in line if len(p) > 2), 0.0)
    xyz = []
    for p in line:
        if len(p) > 2:
            last_ele = p[2]
        xyz.append((p[0] * k * math.cos(lat0), p[1] * k, last_ele))
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        a, b = stack.pop()
        worst, idx = -1.0, -1
        for i in range(a + 1, b):
            d = _dist_to_segment(xyz[i], xyz[a], xyz[b])
            if d > worst:
                worst, idx = d, i
        if idx != -1 and worst > tolerance_m:
            keep[idx] = True
            stack.append((a, idx))
            stack.append((idx, b))
    return [p for p, kept in zip(line, keep) if kept]


def _dist_to_segment(p, a, b) -> float:
    d = [b[i] - a[i] for i in range(3)]
    w = [p[i] - a[i] for i in range(3)]
    seg2 = sum(v * v for v in d)
    t = 0.0 if seg2 == 0 else max(0.0, min(1.0, sum(w[i] * d[i] for i in range(3)) / seg2))
    return math.sqrt(sum((w[i] - t * d[i]) ** 2 for i in range(3)))

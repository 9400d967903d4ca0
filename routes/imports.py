"""Turning an uploaded GPS file (GPX, KML/KMZ or GeoJSON) into a route line and waypoints.

Uploads come from phones and GPS devices, and from anyone with an editor account, so every step
is defensive: a size cap, XML parsed with DTDs and entities forbidden (defusedxml), and every
failure turned into a `TrackImportError` whose message is the portal's own sentence, one an editor
can act on (never a parser's internals); the form shows it, the server never answers 500.

GPX is read by gpxpy, from the tree defusedxml accepted, after a pass over its points that names
a bad one in the editor's words ("第 3 个轨迹点的纬度是“undefined”") and lets an unreadable <ele>
count as a missing altitude instead of failing the whole file.

What the import did is written down as it happens (`ImportReport`): the editor sees how many
points, segments, routes and waypoints were read, and what was merged, dropped or thinned and why.
"""

from __future__ import annotations

import heapq
import io
import json
import math
import re
import time
import zipfile
from dataclasses import dataclass, field

import gpxpy
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.geo import EARTH_RADIUS_KM, LINE_TYPES, haversine_km, region_margin_km, share_outside_region, validate_geometry
from routes.geometry import ZERO_NEIGHBOUR_M, ElevationFixes, clean_elevations

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# The admin map edits every vertex as a marker: beyond a few thousand it becomes unusable, and a
# phone logging once a second records far more points than a route page needs.
MAX_POINTS = 3000
SIMPLIFY_TOLERANCE_M = 4.0
# Points the simplification may examine in all (about a second of work on a busy 2-core machine); past
# it the remaining spans are thinned by even striding, so no file can keep a worker busy.
SIMPLIFY_WORK = 300_000
# And a wall-clock limit on it, for a machine far busier than that.
SIMPLIFY_SECONDS = 3.0
# Points a file may hold at all. A phone logging every second for a 12-hour day records 43,200; past
# this, reading alone (gpxpy builds an object per point) would hold a worker for many seconds.
MAX_READ_POINTS = 50_000
# A device that pauses and resumes starts a new segment where the old one ended: segments whose
# ends lie this close are one line.
MERGE_GAP_M = 30.0
# More than this share of points outside Xining's region (with its margin) means the file is not a
# Xining route, unless the editor says it is one that leaves Xining.
MAX_OUTSIDE_SHARE = 0.5


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
class ImportReport:
    """What was read from the file and what the import changed, in counts; `lines()` words it."""

    source: str = ""
    tracks: int = 0
    segments: int = 0
    routes: int = 0
    routes_skipped: int = 0
    waypoints: int = 0
    points_read: int = 0
    duplicates: int = 0
    one_point_segments: int = 0
    merged: int = 0
    thinned_from: int = 0
    thin_tolerance_m: float = 0.0
    strided: bool = False
    elevations: ElevationFixes = field(default_factory=ElevationFixes)
    points: int = 0
    lines_kept: int = 0
    has_elevation: bool = False
    outside_share: float = 0.0
    outside_allowed: bool = False

    def lines(self) -> list[str]:
        out = []
        read = {"source": self.source, "points": self.points_read, "segments": self.segments, "waypoints": self.waypoints}
        if self.source.startswith("GPX"):
            out.append(
                _("读取 GPX 文件：%(tracks)s 条轨迹（%(segments)s 段，共 %(points)s 个点）、%(routes)s 条路线、%(waypoints)s 个航点。")
                % {**read, "tracks": self.tracks, "routes": self.routes}
            )
        else:
            out.append(_("读取 %(source)s 文件：%(segments)s 条线，共 %(points)s 个点；%(waypoints)s 个地点标记。") % read)
        if self.routes_skipped:
            out.append(
                _(
                    "文件里另有 %(n)s 条路线（<rte>）没有导入：同时有轨迹时，路线通常是出发前规划的同一条路，两者一起导入会画出重复的线。只要路线时，请导出只含路线的 GPX。"
                )
                % {"n": self.routes_skipped}
            )
        elif self.routes and not self.tracks:
            out.append(_("文件里没有轨迹（<trk>），导入的是 %(n)s 条规划路线（<rte>）。") % {"n": self.routes})
        if self.duplicates:
            out.append(_("去掉了 %(n)s 个与前一个点位置相同的重复点。") % {"n": self.duplicates})
        if self.one_point_segments:
            out.append(_("去掉了 %(n)s 个空的或只有一个点的分段：一个点画不成线。") % {"n": self.one_point_segments})
        if self.merged:
            out.append(
                _("把 %(n)s 处首尾相距不到 %(m)s 米的分段连成了一条线（设备暂停后继续记录时会另起一段）。") % {"n": self.merged, "m": f"{MERGE_GAP_M:.0f}"}
            )
        if self.thinned_from:
            if self.strided:
                out.append(
                    _(
                        "原有 %(before)s 个点，超过地图编辑的上限 %(max)s 个：先用 Douglas–Peucker 算法（容差 %(tol)s 米）精简，仍然太多，又按间隔均匀抽取，最后保留 %(after)s 个点。"
                    )
                    % {"before": self.thinned_from, "max": MAX_POINTS, "tol": f"{self.thin_tolerance_m:g}", "after": self.points}
                )
            else:
                out.append(
                    _(
                        "原有 %(before)s 个点，超过地图编辑的上限 %(max)s 个：已用 Douglas–Peucker 算法按 %(tol)s 米的容差精简为 %(after)s 个点，线路形状和海拔起伏基本不变。"
                    )
                    % {"before": self.thinned_from, "max": MAX_POINTS, "tol": f"{self.thin_tolerance_m:g}", "after": self.points}
                )
        fixes = self.elevations
        if fixes.all_zero:
            out.append(_("所有点的海拔都是 0：这通常表示设备没有记录海拔，已按“没有海拔”处理。"))
        elif fixes.zeros:
            out.append(_("%(n)s 个海拔为 0 的读数与相邻点相差很大，多为设备暂时失去定位，已忽略。") % {"n": fixes.zeros})
        if fixes.impossible:
            out.append(_("%(n)s 个海拔读数超出地球上可能的范围（−430 到 8,900 米），已忽略。") % {"n": fixes.impossible})
        if fixes.spikes:
            out.append(_("%(n)s 个海拔读数与前后两点相比突然跳高或跳低，是测量误差，已忽略。") % {"n": fixes.spikes})
        if not self.has_elevation:
            out.append(_("文件里没有可用的海拔数据：线路页面不会显示海拔剖面、爬升和最高点。"))
        elif fixes.missing and fixes.missing < self.points_read:
            out.append(_("%(n)s 个点本来就没有海拔。") % {"n": fixes.missing})
        if self.outside_allowed and self.outside_share:
            out.append(_("%(pct)s%% 的点在西宁范围之外；已按“此线路超出西宁范围”导入。") % {"pct": round(self.outside_share * 100)})
        out.append(_("导入结果：%(points)s 个点，%(lines)s 段线。") % {"points": self.points, "lines": self.lines_kept})
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


@dataclass
class ImportedTrack:
    geometry: dict
    waypoints: list[Waypoint] = field(default_factory=list)
    name: str = ""
    source: str = ""
    has_elevation: bool = False
    point_count: int = 0
    report: ImportReport = field(default_factory=ImportReport)


def read_track(upload, allow_outside: bool = False) -> ImportedTrack:
    """Parse an uploaded file object (Django UploadedFile or any binary file) into a track."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise TrackImportError(_("文件太大（%(size)s MB），上限为 %(max)s MB。") % {"size": f"{size / 1048576:.1f}", "max": MAX_UPLOAD_BYTES // 1048576})
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise TrackImportError(_("文件太大，上限为 %(max)s MB。") % {"max": MAX_UPLOAD_BYTES // 1048576})
    return parse_track(data, allow_outside=allow_outside)


def parse_track(data: bytes, allow_outside: bool = False) -> ImportedTrack:
    """Any supported format → a track; `allow_outside` accepts a line that mostly leaves Xining."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:64]
    if not head:
        raise TrackImportError(_("文件是空的。"))
    if head.startswith(b"PK"):
        return _from_kml(_unzip_kmz(data), source="KMZ", allow_outside=allow_outside)
    if head.startswith((b"{", b"[")):
        return _from_geojson(data, allow_outside)
    if head.startswith(b"<"):
        root = _safe_xml(data)
        tag = _local(root.tag).lower()
        if tag == "gpx":
            return _from_gpx(root, allow_outside)
        if tag == "kml":
            return _from_kml(data, source="KML", root=root, allow_outside=allow_outside)
        raise TrackImportError(_("无法识别的 XML 文件（根元素是 <%(tag)s>）：请上传 GPX 或 KML 文件。") % {"tag": tag[:40]})
    raise TrackImportError(_("无法识别的文件格式：请上传 GPX、KML/KMZ 或 GeoJSON 文件。"))


_XML_ENCODING = re.compile(rb"""^(\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")


def _as_utf8_xml(data: bytes) -> bytes:
    """Re-encode a file declared in an encoding expat cannot read (GBK, GB18030, Big5…) as UTF-8.

    Chinese apps often save GPX as GBK; expat only knows UTF-8/16, Latin-1 and ASCII.
    """
    match = _XML_ENCODING.match(data[:200])
    if not match:
        return data
    name = match.group(2).decode("ascii").lower()
    if name.replace("_", "-") in ("utf-8", "utf8", "utf-16", "utf16", "iso-8859-1", "latin-1", "us-ascii", "ascii"):
        return data
    if name in ("gbk", "gb2312", "cp936", "gb-2312", "euc-cn", "x-gbk"):
        name = "gb18030"  # a superset: "GB2312" files usually hold GBK characters too
    try:
        text = data.decode(name)
    except LookupError:
        raise TrackImportError(_("文件声明的字符编码“%(enc)s”无法识别：请导出为 UTF-8 编码的文件。") % {"enc": match.group(2).decode("ascii")})
    except UnicodeDecodeError:
        raise TrackImportError(_("文件内容与声明的字符编码“%(enc)s”不符，可能已损坏：请重新导出。") % {"enc": match.group(2).decode("ascii")})
    start, end = match.span(2)
    return (data[:start].decode("latin-1") + "UTF-8").encode() + text[len(data[:end].decode(name)) :].encode("utf-8")


def _safe_xml(data: bytes):
    data = _as_utf8_xml(data)
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise TrackImportError(_("文件包含 DTD 或实体声明，出于安全原因不予处理。请从设备或应用重新导出 GPX/KML。"))
    except SafeET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise TrackImportError(
            _("文件不是有效的 XML（第 %(line)s 行第 %(column)s 列附近出错），可能没有下载完整或被编辑过。请从设备或应用重新导出。")
            % {"line": line, "column": column + 1}
        )


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(el, name: str) -> str:
    return next(((c.text or "").strip() for c in el if _local(c.tag) == name), "")


def _number(text: str | None) -> float | None:
    """A finite float, or None for an absent or unreadable value."""
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _lonlat(lon, lat, where) -> list:
    """[lon, lat] checked to be numbers within range, with the point named in the message."""
    values = []
    for raw, limit in ((lon, 180), (lat, 90)):
        value = raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else _number(raw if isinstance(raw, str) else None)
        if value is not None and math.isfinite(value) and -limit <= value <= limit:
            values.append(round(float(value), 6))
            continue
        # translated only on failure: gettext per point was most of the time on a large file
        label = _("经度") if limit == 180 else _("纬度")
        where = where() if callable(where) else where
        if value is None or not math.isfinite(value):
            shown = "" if raw is None else str(raw)[:30]
            if shown:
                raise TrackImportError(
                    _("%(where)s的%(label)s是“%(value)s”，不是数字。请在记录轨迹的应用里重新导出文件。") % {"where": where, "label": label, "value": shown}
                )
            raise TrackImportError(_("%(where)s缺少%(label)s。请在记录轨迹的应用里重新导出文件。") % {"where": where, "label": label})
        if not -limit <= value <= limit:
            raise TrackImportError(
                _("%(where)s的%(label)s %(value)s 超出 −%(limit)s 到 %(limit)s 的范围（经纬度是否写反了？）。")
                % {"where": where, "label": label, "value": f"{value:g}", "limit": limit}
            )
        values.append(round(float(value), 6))
    return values


# -- GPX ----------------------------------------------------------------------------------------
def _from_gpx(root, allow_outside: bool) -> ImportedTrack:
    """gpxpy reads the file, after the defused tree has been checked so a bad point can be named.

    On its own gpxpy says "Invalid value for <None>…" for a point like lat="undefined", and one
    unreadable <ele> fails the whole file. So `_check_gpx_points` names such a point in the
    editor's words first, and drops an unreadable <ele> (a missing altitude, as in KML and
    GeoJSON); gpxpy is then given that checked tree, serialised: no DTD, one encoding.
    """
    _check_gpx_points(root)
    try:
        gpx = gpxpy.parse(SafeET.tostring(root, encoding="unicode"))
    except Exception:  # noqa: BLE001 - gpxpy raises many types (GPXException, ValueError, lxml errors); all mean "bad file"
        raise TrackImportError(_("GPX 文件里有无法读取的内容（例如时间、精度等字段的格式不对），可能被编辑过。请在记录轨迹的应用里重新导出文件。"))

    def line(points) -> list[list]:
        return [[round(p.longitude, 6), round(p.latitude, 6), p.elevation] for p in points]

    report = ImportReport(source="GPX", tracks=len(gpx.tracks), routes=len(gpx.routes), waypoints=len(gpx.waypoints))
    tracks = [line(segment.points) for track in gpx.tracks for segment in track.segments]
    routes = [line(route.points) for route in gpx.routes]
    if any(len(t) >= 2 for t in tracks):
        lines, source = tracks, "GPX track"
        report.routes_skipped = report.routes
    else:
        lines, source = routes, "GPX route"
    report.segments = len(tracks) if source == "GPX track" else len(routes)
    report.points_read = sum(len(points) for points in lines)
    if not any(len(points) >= 2 for points in lines):
        raise TrackImportError(_("GPX 文件里没有至少包含 2 个点的轨迹（<trk>）或路线（<rte>）。"))
    waypoints = [
        Waypoint(
            name=(w.name or "").strip()[:120],
            lon=round(w.longitude, 6),
            lat=round(w.latitude, 6),
            ele=w.elevation,
            description=(w.description or w.comment or "").strip(),
        )
        for w in gpx.waypoints
    ]
    name = next((t.name for t in gpx.tracks if t.name), None) or next((r.name for r in gpx.routes if r.name), None) or gpx.name or ""
    return _finish(lines, waypoints, name, source, report, allow_outside)


def _check_gpx_points(root) -> None:
    """Raise on the first point (in file order) whose lat/lon is unusable; drop unreadable <ele>.

    The GPX namespace is taken off the tags on the way, as gpxpy does with the text itself, so
    the serialised tree reads as the file did.
    """
    namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    for el in root.iter():
        if namespace and isinstance(el.tag, str) and el.tag.startswith(namespace):
            el.tag = el.tag[len(namespace) :]
    counters = {"trkpt": 0, "rtept": 0, "wpt": 0}
    _check_read_points(sum(1 for el in root.iter() if el.tag in ("trkpt", "rtept")))
    labels = {"trkpt": _("第 %(n)s 个轨迹点"), "rtept": _("第 %(n)s 个路线点"), "wpt": _("第 %(n)s 个航点")}
    for child in root:
        if child.tag == "trk":
            points = child.findall("trkseg/trkpt")
        elif child.tag == "rte":
            points = child.findall("rtept")
        else:
            points = [child] if child.tag == "wpt" else []
        for point in points:
            counters[point.tag] += 1
            _lonlat(point.get("lon"), point.get("lat"), labels[point.tag] % {"n": counters[point.tag]})
            for ele in point.findall("ele"):
                try:
                    float((ele.text or "0").strip())
                except ValueError:
                    point.remove(ele)


# -- KML / KMZ ----------------------------------------------------------------------------------
def _check_read_points(count: int) -> None:
    if count > MAX_READ_POINTS:
        raise TrackImportError(
            _("文件里有 %(count)s 个点，超过了上限 %(max)s 个。请在记录轨迹的应用里把记录间隔调大，或按天分段导出后再上传。")
            % {"count": count, "max": MAX_READ_POINTS}
        )


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
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError):
        raise TrackImportError(_("无法解压 KMZ 文件：文件已损坏、加了密码或使用了不支持的压缩方式。请重新导出。"))


def _from_kml(data: bytes, source: str, root=None, allow_outside: bool = False) -> ImportedTrack:
    if root is None:
        root = _safe_xml(data)
        if _local(root.tag).lower() != "kml":
            raise TrackImportError(_("KMZ 里的文件不是 KML。"))
    report = ImportReport(source=source)
    lines: list[list[list]] = []
    waypoints: list[Waypoint] = []
    doc_name = ""
    read = [sum(1 for el in root.iter() if _local(el.tag) == "coord")]
    _check_read_points(read[0])
    for placemark in root.iter():
        if _local(placemark.tag) == "name" and not doc_name and placemark.text:
            doc_name = placemark.text.strip()
        if _local(placemark.tag) != "Placemark":
            continue
        name = _child_text(placemark, "name")
        description = _child_text(placemark, "description")
        for el in placemark.iter():
            kind = _local(el.tag)
            if kind == "LineString":
                chunks = _child_text(el, "coordinates").split()
                read[0] += len(chunks)
                _check_read_points(read[0])
                lines.append([_kml_position(chunk.split(","), chunk) for chunk in chunks])
            elif kind == "Track":  # gx:Track from Google Earth / phone apps: "lon lat alt" per gx:coord
                lines.append([_kml_position(c.text.split(), c.text) for c in el if _local(c.tag) == "coord" and c.text and c.text.strip()])
            elif kind == "Point":
                coords = _kml_coords(_child_text(el, "coordinates"))
                if coords:
                    lon, lat, ele = coords[0]
                    waypoints.append(Waypoint(name=name[:120], lon=lon, lat=lat, ele=ele, description=description))
    report.segments = len(lines)
    report.waypoints = len(waypoints)
    report.points_read = sum(len(line) for line in lines)
    if not any(len(line) >= 2 for line in lines):
        raise TrackImportError(_("KML 文件里没有线（LineString 或 gx:Track）。"))
    return _finish(lines, waypoints, doc_name, source, report, allow_outside)


def _kml_coords(text: str) -> list[list]:
    return [_kml_position(chunk.split(","), chunk) for chunk in text.split()]


def _kml_position(parts: list[str], raw: str) -> list:
    values = [_number(v) for v in parts if v.strip() != ""]
    if len(values) < 2 or values[0] is None or values[1] is None:
        raise TrackImportError(_("KML 坐标无法读取：“%(raw)s”。坐标应写成“经度,纬度[,海拔]”。") % {"raw": raw.strip()[:60]})
    lon, lat = _lonlat(values[0], values[1], lambda: _("KML 坐标“%(raw)s”") % {"raw": raw.strip()[:60]})
    return [lon, lat, values[2] if len(values) > 2 else None]


# -- GeoJSON ------------------------------------------------------------------------------------
def _from_geojson(data: bytes, allow_outside: bool) -> ImportedTrack:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise TrackImportError(_("GeoJSON 文件必须是 UTF-8 编码。"))
    except json.JSONDecodeError as exc:
        raise TrackImportError(_("GeoJSON 文件无法解析（第 %(line)s 行第 %(column)s 列附近出错）。") % {"line": exc.lineno, "column": exc.colno})
    except (ValueError, RecursionError):
        raise TrackImportError(_("GeoJSON 文件无法解析。"))
    report = ImportReport(source="GeoJSON")
    raw_lines: list = []
    waypoints: list[Waypoint] = []

    def visit(obj, props=None, depth=0):
        if not isinstance(obj, dict) or depth > 20:
            return
        kind = obj.get("type")
        if kind == "FeatureCollection":
            for feat in obj.get("features") or []:
                visit(feat, None, depth + 1)
        elif kind == "Feature":
            visit(obj.get("geometry"), obj.get("properties") or {}, depth + 1)
        elif kind == "GeometryCollection":
            for geom in obj.get("geometries") or []:
                visit(geom, props, depth + 1)
        elif kind == "LineString":
            raw_lines.append(obj.get("coordinates"))
        elif kind == "MultiLineString":
            coords = obj.get("coordinates")
            raw_lines.extend(coords if isinstance(coords, list) else [coords])
        elif kind == "Point":
            c = obj.get("coordinates")
            if isinstance(c, list) and len(c) >= 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in c[:3]):
                props = props if isinstance(props, dict) else {}
                lon, lat = _lonlat(c[0], c[1], _("GeoJSON 点"))
                waypoints.append(
                    Waypoint(
                        name=str(props.get("name") or "")[:120],
                        lon=lon,
                        lat=lat,
                        ele=c[2] if len(c) > 2 else None,
                        description=str(props.get("description") or ""),
                    )
                )

    visit(doc)
    if not raw_lines:
        raise TrackImportError(_("GeoJSON 文件里没有 LineString 或 MultiLineString。"))
    _check_read_points(sum(len(line) for line in raw_lines if isinstance(line, list)))
    lines = []
    n = 0
    for line in raw_lines:
        if not isinstance(line, list):
            raise TrackImportError(_("GeoJSON 线的坐标格式不对：应是 [[经度, 纬度(, 海拔)], …]。"))
        positions = []
        for p in line:
            n += 1
            if not isinstance(p, list) or len(p) < 2 or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in p[:2]):
                raise TrackImportError(_("GeoJSON 线的第 %(n)s 个坐标不是 [经度, 纬度(, 海拔)] 形式的数字。") % {"n": n})
            lon, lat = _lonlat(p[0], p[1], lambda n=n: _("GeoJSON 线的第 %(n)s 个坐标") % {"n": n})
            ele = p[2] if len(p) > 2 and isinstance(p[2], (int, float)) and not isinstance(p[2], bool) else None
            positions.append([lon, lat, ele])
        lines.append(positions)
    report.segments = len(lines)
    report.waypoints = len(waypoints)
    report.points_read = n
    return _finish(lines, waypoints, "", "GeoJSON", report, allow_outside)


# -- common to every format ---------------------------------------------------------------------
def _finish(lines: list[list[list]], waypoints: list[Waypoint], name: str, source: str, report: ImportReport, allow_outside: bool) -> ImportedTrack:
    """Raw [lon, lat, ele-or-None] lines → the stored geometry, recording each change in `report`."""
    all_points = [p for line in lines for p in line]
    share = share_outside_region(all_points)
    report.outside_share = share
    if share > MAX_OUTSIDE_SHARE and not allow_outside:
        raise TrackImportError(
            _(
                "这条线路有 %(pct)s%% 的点在西宁市范围（含周边约 %(km)s 公里）之外，看起来不是西宁的线路：文件可能选错了，或经纬度写反了。"
                "如果线路确实要离开西宁，请勾选“此线路超出西宁范围”后再上传。"
            )
            % {"pct": round(share * 100), "km": f"{region_margin_km():g}"}
        )
    report.outside_allowed = allow_outside

    deduped = []
    for line in lines:
        kept = []
        for p in line:
            if kept and p[0] == kept[-1][0] and p[1] == kept[-1][1]:
                report.duplicates += 1
                continue
            kept.append(p)
        deduped.append(kept)
    long_enough = [line for line in deduped if len(line) >= 2]
    report.one_point_segments = sum(1 for line in deduped if len(line) < 2)
    merged: list[list[list]] = []
    for line in long_enough:
        if merged and haversine_km(merged[-1][-1], line[0]) * 1000 <= MERGE_GAP_M:
            merged[-1].extend(line[1:] if line[0][:2] == merged[-1][-1][:2] else line)
            report.merged += 1
        else:
            merged.append(list(line))

    cleaned = []
    for line in merged:
        positions, fixes = clean_elevations(line)
        report.elevations += fixes
        cleaned.append(positions)
    lines = cleaned

    # Small files are kept point for point; only a dense log is thinned, as gently as will do.
    total = sum(len(line) for line in lines)
    if total > MAX_POINTS:
        report.thinned_from = total
        lines, report.thin_tolerance_m, report.strided = thin_lines(lines, MAX_POINTS)
    geometry = {"type": "LineString", "coordinates": lines[0]} if len(lines) == 1 else {"type": "MultiLineString", "coordinates": lines}
    try:
        validate_geometry(geometry, LINE_TYPES)
    except ValidationError:
        raise TrackImportError(_("文件里的线无法使用：请检查坐标后重新导出。"))
    has_elevation = any(len(p) > 2 for line in lines for p in line)
    report.points = sum(len(line) for line in lines)
    report.lines_kept = len(lines)
    report.has_elevation = has_elevation
    track_far_from_sea = any(abs(p[2]) > ZERO_NEIGHBOUR_M for line in lines for p in line if len(p) > 2)
    for w in waypoints:
        if w.ele is not None and not (math.isfinite(w.ele) and -430 <= w.ele <= 8900 and not (w.ele == 0 and track_far_from_sea)):
            w.ele = None
    return ImportedTrack(
        geometry=geometry,
        waypoints=waypoints,
        name=(name or "").strip(),
        source=source,
        has_elevation=has_elevation,
        point_count=report.points,
        report=report,
    )


def thin_lines(lines: list[list[list[float]]], limit: int) -> tuple[list[list[list[float]]], float, bool]:
    """Lines → at most `limit` points in all, the tolerance that took, and whether striding was needed.

    Douglas–Peucker refined in order of deviation (a heap of spans, largest first): it stops at
    the point cap, so its result is the gentlest DP simplification that fits. A plain DP scan is
    quadratic on a zigzag (every split peels one point off a long span); here the points scanned
    are counted, and past `SIMPLIFY_WORK` (or `SIMPLIFY_SECONDS`) the spans still open are filled by even striding, so
    any file finishes in bounded time. The tolerance reported is the largest deviation left out.
    """
    budget = [SIMPLIFY_WORK, time.monotonic() + SIMPLIFY_SECONDS]
    kept_lines = []
    worst_left = SIMPLIFY_TOLERANCE_M
    strided = False
    share = [max(2, len(line) * limit // sum(len(ln) for ln in lines)) for line in lines]
    for line, cap in zip(lines, share):
        kept, left, ran_out = _dp_capped(line, cap, budget)
        worst_left = max(worst_left, left)
        strided = strided or ran_out
        kept_lines.append(kept)
    return kept_lines, round(worst_left, 1), strided


def _dp_capped(line: list[list[float]], cap: int, budget: list) -> tuple[list[list[float]], float, bool]:
    if len(line) <= 2:
        return line, 0.0, False
    xyz = _local_xyz(line)
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    count = 2
    heap: list[tuple[float, int, int, int]] = []

    def push(a: int, b: int) -> None:
        if b - a < 2:
            return
        budget[0] -= b - a - 1
        worst, idx = -1.0, -1
        pa, pb = xyz[a], xyz[b]
        for i in range(a + 1, b):
            d = _dist_to_segment(xyz[i], pa, pb)
            if d > worst:
                worst, idx = d, i
        heapq.heappush(heap, (-worst, a, b, idx))

    push(0, len(line) - 1)
    ran_out = False
    while heap and count < cap:
        if -heap[0][0] <= SIMPLIFY_TOLERANCE_M:
            return [p for p, k in zip(line, keep) if k], 0.0, False
        if budget[0] <= 0 or time.monotonic() > budget[1]:
            ran_out = True
            break
        _neg, a, b, idx = heapq.heappop(heap)
        keep[idx] = True
        count += 1
        push(a, idx)
        push(idx, b)
    left = -heap[0][0] if heap else 0.0
    if ran_out:
        # spread the points still allowed over the open spans, in proportion to their length
        spans = sorted((a, b) for _n, a, b, _i in heap)
        room = max(0, cap - count)
        inner = sum(b - a - 1 for a, b in spans) or 1
        for a, b in spans:
            extra = room * (b - a - 1) // inner
            if extra:
                step = (b - a) / (extra + 1)
                for j in range(1, extra + 1):
                    keep[a + round(j * step)] = True
    return [p for p, k in zip(line, keep) if k], left, ran_out


def _local_xyz(line: list[list[float]]) -> list[tuple[float, float, float]]:
    lat0 = math.radians(sum(p[1] for p in line) / len(line))
    k = math.pi * EARTH_RADIUS_KM * 1000 / 180
    last_ele = next((p[2] for p in line if len(p) > 2), 0.0)
    xyz = []
    for p in line:
        if len(p) > 2:
            last_ele = p[2]
        xyz.append((p[0] * k * math.cos(lat0), p[1] * k, last_ele))
    return xyz


def _stride(line: list, keep: int) -> list:
    if len(line) <= keep:
        return line
    step = (len(line) - 1) / (keep - 1)
    return [line[round(i * step)] for i in range(keep)]


def _dist_to_segment(p, a, b) -> float:
    d = [b[i] - a[i] for i in range(3)]
    w = [p[i] - a[i] for i in range(3)]
    seg2 = sum(v * v for v in d)
    t = 0.0 if seg2 == 0 else max(0.0, min(1.0, sum(w[i] * d[i] for i in range(3)) / seg2))
    return math.sqrt(sum((w[i] - t * d[i]) ** 2 for i in range(3)))

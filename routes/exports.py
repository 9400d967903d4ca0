"""Route downloads: GPX 1.1 (gpxpy), KML 2.2 and GeoJSON, as files that navigation apps open.

GPX carries the track with its elevations and the stops as waypoints (OsmAnd, Garmin, 两步路,
六只脚); KML opens in Google Earth and 奥维互动地图; GeoJSON is for anyone re-using the data.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import quote

import gpxpy.gpx
from django.http import HttpResponse
from django.utils.text import slugify

from portal.geo import feature, iter_lines

KML_NS = "http://www.opengis.net/kml/2.2"


def _num(value: float, digits: int = 6) -> str:
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _stop_rows(page, stops, base):
    for number, stop in enumerate(stops, 1):
        if stop.location and stop.location.get("type") == "Point":
            lon, lat = stop.location["coordinates"][:2]
            yield number, stop, lon, lat, f"{base}#stop-{number}"


def to_gpx(page, stops, url: str) -> str:
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "西宁乡村文旅门户 Xining Rural Portal"
    gpx.name = page.title
    gpx.description = page.summary or None
    gpx.link = url
    gpx.link_text = page.title
    track = gpxpy.gpx.GPXTrack(name=page.title, description=page.summary or None)
    track.link = url
    gpx.tracks.append(track)
    for line in iter_lines(page.geometry):
        segment = gpxpy.gpx.GPXTrackSegment()
        for pos in line:
            segment.points.append(gpxpy.gpx.GPXTrackPoint(latitude=pos[1], longitude=pos[0], elevation=pos[2] if len(pos) > 2 else None))
        track.segments.append(segment)
    for number, stop, lon, lat, stop_url in _stop_rows(page, stops, url):
        wpt = gpxpy.gpx.GPXWaypoint(
            latitude=lat,
            longitude=lon,
            elevation=stop.altitude_m,
            name=f"{number}. {stop.name}",
            description=stop.description or None,
            symbol="Flag, Blue",
            type=stop.kind_label,
        )
        wpt.link = stop_url
        wpt.link_text = stop.name
        gpx.waypoints.append(wpt)
    return gpx.to_xml(version="1.1")


def _kml_colour(hex_colour: str, alpha: str = "ff") -> str:
    # KML writes colours as aabbggrr
    h = (hex_colour or "#c2410c").lstrip("#")
    if len(h) != 6:
        h = "c2410c"
    return f"{alpha}{h[4:6]}{h[2:4]}{h[0:2]}".lower()


def _coords(line) -> str:
    return " ".join(f"{_num(pos[0])},{_num(pos[1])},{_num(pos[2], 1) if len(pos) > 2 else 0}" for pos in line)


def to_kml(page, stops, url: str) -> bytes:
    def el(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, tag, attrs)
        if text is not None:
            node.text = str(text)
        return node

    # Unqualified tags under a literal default-namespace declaration: the output then does not
    # depend on prefixes that other code (gpxpy does) registers globally with ElementTree.
    root = ET.Element("kml", xmlns=KML_NS)
    doc = el(root, "Document")
    el(doc, "name", page.title)
    if page.summary:
        el(doc, "description", page.summary)
    style = el(doc, "Style", id="route")
    line_style = el(style, "LineStyle")
    el(line_style, "color", _kml_colour(page.colour))
    el(line_style, "width", "4")
    stop_style = el(doc, "Style", id="stop")
    icon_style = el(stop_style, "IconStyle")
    el(icon_style, "color", _kml_colour(page.colour))

    placemark = el(doc, "Placemark")
    el(placemark, "name", page.title)
    el(placemark, "description", f"{page.length_km:.1f} km · {url}")
    el(placemark, "styleUrl", "#route")
    lines = list(iter_lines(page.geometry))
    parent = el(placemark, "MultiGeometry") if len(lines) > 1 else placemark
    for line in lines:
        ls = el(parent, "LineString")
        el(ls, "tessellate", "1")
        el(ls, "altitudeMode", "clampToGround")
        el(ls, "coordinates", _coords(line))

    folder = el(doc, "Folder")
    el(folder, "name", "站点 Stops")
    for number, stop, lon, lat, stop_url in _stop_rows(page, stops, url):
        pm = el(folder, "Placemark", id=f"stop-{number}")
        el(pm, "name", f"{number}. {stop.name}")
        el(pm, "description", "\n".join(filter(None, [stop.kind_label, stop.description, stop_url])))
        el(pm, "styleUrl", "#stop")
        pt = el(pm, "Point")
        el(pt, "coordinates", f"{_num(lon)},{_num(lat)},{stop.altitude_m or 0}")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_geojson(page, stops, url: str) -> dict:
    features = [
        feature(
            page.geometry,
            name=page.title,
            kind="route",
            url=url,
            colour=page.colour,
            length_km=round(page.length_km, 2),
            ascent_m=page.ascent_m,
            descent_m=page.descent_m,
            max_alt_m=page.max_alt_m,
        )
    ]
    for number, stop, _lon, _lat, stop_url in _stop_rows(page, stops, url):
        features.append(
            feature(
                stop.location,
                name=stop.name,
                kind=stop.kind,
                number=number,
                url=stop_url,
                description=stop.description,
                altitude_m=stop.altitude_m,
                location_checked=stop.location_checked,
            )
        )
    return {"type": "FeatureCollection", "features": features}


def download_response(content: bytes | str, content_type: str, page, extension: str) -> HttpResponse:
    """An attachment named after the route: an ASCII slug for old clients, the Chinese title in filename*."""
    ascii_name = slugify(page.slug) or f"route-{page.pk}"
    utf8_name = f"{page.title}.{extension}".replace("/", "-").replace("\\", "-")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}.{extension}\"; filename*=UTF-8''{quote(utf8_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def geojson_bytes(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()

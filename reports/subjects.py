"""What a report is about, found from the URL of the place on a map layer, and which county answers it.

Any app's place can be reported without this app knowing the app: the page shows a "反馈问题" link
carrying the place's URL (registry.place_actions), and the place's name, point and county are read
from the layer feature with that URL. Only live, public places are on the layers, so a report can
never name a draft or a private page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from django.contrib.staticfiles import finders
from django.utils import translation

from portal.geo import haversine_km
from portal.layers import layer_payloads
from portal.places import County
from portal.registry import registry


@dataclass(frozen=True)
class Subject:
    url: str
    name: str
    lon: float
    lat: float
    county: str = ""
    layer: str = ""


def _point_of(geometry: dict) -> tuple[float, float] | None:
    gtype, coords = geometry.get("type"), geometry.get("coordinates")
    try:
        if gtype == "Point":
            return float(coords[0]), float(coords[1])
        if gtype == "LineString":
            return float(coords[0][0]), float(coords[0][1])
        if gtype == "MultiLineString":
            return float(coords[0][0][0]), float(coords[0][0][1])
    except (TypeError, IndexError, ValueError):
        return None
    return None


def clean_about(value: str) -> str:
    """A site-relative URL, or "" for anything else (another host, a scheme, garbage)."""
    value = (value or "").strip()[:300]
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return ""
    return value


def subject_for(url: str) -> Subject | None:
    """The layer feature whose URL is `url`, in the current language (a page's English copy has its
    own URL on the English layers)."""
    url = clean_about(url)
    if not url:
        return None
    payloads = layer_payloads([layer.name for layer in registry.ordered_layers() if layer.name != "alerts"])
    for name, payload in payloads.items():
        for feat in payload["features"]:
            props = feat.get("properties") or {}
            if props.get("url") != url:
                continue
            where = _point_of(feat.get("geometry") or {})
            if where is None:
                continue
            county = props.get("county") if props.get("county") in County.values else ""
            return Subject(url=url, name=str(props.get("name") or "")[:200], lon=where[0], lat=where[1], county=county or county_at(*where), layer=name)
    return None


@lru_cache(maxsize=1)
def _seats() -> tuple[tuple[str, float, float], ...]:
    """The county seats the portal's own basemap places (portal/static/portal/basemap), by county
    code. There is no boundary data in the portal, so a point belongs to the nearest seat; a
    handler reassigns the few reports near a border."""
    path = finders.find("portal/basemap/xining-places.geojson")
    if not path:
        return ()
    with open(path, encoding="utf-8") as fh:
        features = json.load(fh).get("features", [])
    with translation.override("zh-hans"):
        codes = {str(label): code for code, label in County.choices}
    seats = []
    for feat in features:
        props = feat.get("properties") or {}
        code = codes.get(props.get("name"))
        where = _point_of(feat.get("geometry") or {})
        if code and where and props.get("kind") in ("county", "district"):
            seats.append((code, where[0], where[1]))
    return tuple(seats)


def county_at(lon: float, lat: float) -> str:
    seats = _seats()
    if not seats:
        return County.CHENGZHONG.value
    return min(seats, key=lambda seat: haversine_km((lon, lat), (seat[1], seat[2])))[0]

"""Which background tiles the maps use, resolved per site.

Deployments pick a provider with environment settings (PORTAL_TILE_PROVIDER …); editors can
override it in 门户设置 Portal settings without a redeploy, e.g. to switch to 天地图 when a key
arrives. Mainland-China visitors often cannot reach OpenStreetMap, and Gaode's tiles are drawn in
GCJ-02, so the result also says which datum the tiles use: the map module then shifts our WGS-84
geometry to line up (see portal.geo.wgs84_to_gcj02 and map.js).

Offline packs (portal.offline) copy tiles only from a `custom` provider, the deployment's own tile
server: OpenStreetMap's tile usage policy forbids bulk downloading, and the commercial Chinese
services license tiles for online display. Without tiles a pack's map draws the portal's own
place-name basemap.

Misconfiguration never breaks a page: a provider that lacks its key or URL falls back to
OpenStreetMap, and the map module draws lines and markers on a plain background when tiles fail.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

from portal.models import PortalSettings

OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
TIANDITU_ATTRIBUTION = '© <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a>'
GAODE_ATTRIBUTION = '© <a href="https://www.amap.com/">高德地图 AutoNavi</a>'

TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TileMatrix={z}&TileRow={y}&TileCol={x}&tk=%(key)s"
)
GAODE_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

PROVIDERS = ("osm", "tianditu", "gaode", "custom")


def _osm() -> dict:
    return {
        "provider": "osm",
        "crs": "wgs84",
        "layers": [{"url": OSM_URL, "options": {"attribution": OSM_ATTRIBUTION, "maxZoom": 19}}],
    }


def _tianditu(key: str) -> dict:
    options = {"subdomains": "01234567", "maxZoom": 18}
    k = quote(key, safe="")
    return {
        "provider": "tianditu",
        "crs": "wgs84",  # CGCS2000, within centimetres of WGS-84: no shift
        "layers": [
            # vector base map, then the Chinese annotation (place names) layer on top
            {"url": TIANDITU_URL.replace("{layer}", "vec") % {"key": k}, "options": {**options, "attribution": TIANDITU_ATTRIBUTION}},
            {"url": TIANDITU_URL.replace("{layer}", "cva") % {"key": k}, "options": dict(options)},
        ],
    }


def _gaode() -> dict:
    return {
        "provider": "gaode",
        "crs": "gcj02",
        "layers": [{"url": GAODE_URL, "options": {"subdomains": "1234", "maxZoom": 18, "attribution": GAODE_ATTRIBUTION}}],
    }


def _custom(url: str, attribution: str) -> dict:
    return {
        "provider": "custom",
        "crs": "wgs84",
        "layers": [{"url": url, "options": {"attribution": attribution, "maxZoom": 19}}],
        # A deployment's own tile server may be copied into offline packs (portal.offline) unless
        # its licence says otherwise.
        "offline": bool(getattr(settings, "PORTAL_TILE_OFFLINE_PACKS", True)),
    }


def tile_config(portal_settings=None) -> dict:
    """The tile layers for a site: {"provider", "crs" ("wgs84" | "gcj02"), "layers": [{url, options}]}.

    `portal_settings` is the site's PortalSettings (or None); its non-empty fields win over the
    deployment settings.
    """
    provider = (getattr(portal_settings, "tile_provider", "") or settings.PORTAL_TILE_PROVIDER or "osm").strip().lower()
    key = (getattr(portal_settings, "tianditu_key", "") or settings.PORTAL_TIANDITU_KEY or "").strip()
    url = (getattr(portal_settings, "tile_url", "") or settings.PORTAL_TILE_URL or "").strip()
    attribution = getattr(settings, "PORTAL_TILE_ATTRIBUTION", "") or ""

    if provider == "tianditu" and key:
        return _tianditu(key)
    if provider == "gaode":
        return _gaode()
    if provider == "custom" and url.startswith(("https://", "http://", "/")):
        return _custom(url, attribution)
    return _osm()


def tile_config_for_request(request) -> dict:
    portal_settings = None
    if request is not None:
        try:
            portal_settings = PortalSettings.for_request(request)
        except PortalSettings.DoesNotExist:  # no Site matches the request host: deployment defaults
            portal_settings = None
    return tile_config(portal_settings)

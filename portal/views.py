import hashlib
import json
import math

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from portal import layers
from portal.geo import LINE_TYPES, MAX_ZOOM, grid_clusters, point, widen, within_km
from portal.middleware import database_is_down, database_unavailable_response
from portal.registry import registry


@require_GET
def healthz(request):
    """200 `ok` when the database answers, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return HttpResponse("database unavailable", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


class BadParameter(ValueError):
    """A query parameter the visitor can fix; answered with 400 and this message."""


def _floats(raw: str, count: int, name: str) -> list[float]:
    parts = raw.split(",")
    if len(parts) != count:
        raise BadParameter(_("%(name)s needs %(count)d comma-separated numbers.") % {"name": name, "count": count})
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise BadParameter(_("%(name)s must contain numbers only.") % {"name": name}) from None
    if not all(math.isfinite(v) for v in values):
        raise BadParameter(_("%(name)s must contain finite numbers.") % {"name": name})
    return values


def _geo_filters(params) -> tuple[tuple | None, tuple | None]:
    """Parse ?bbox= and ?near=&km= into ((minlon, minlat, maxlon, maxlat) | None, (lon, lat, km) | None)."""
    bbox = near = None
    if "bbox" in params:
        min_lon, min_lat, max_lon, max_lat = _floats(params["bbox"], 4, "bbox")
        if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
            raise BadParameter(_("bbox must be minlon,minlat,maxlon,maxlat within −180…180 and −90…90, with min ≤ max."))
        bbox = (min_lon, min_lat, max_lon, max_lat)
    if "near" in params or "km" in params:
        if "near" not in params:
            raise BadParameter(_("km needs near=lon,lat."))
        lon, lat = _floats(params["near"], 2, "near")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BadParameter(_("near must be lon,lat (longitude first) within −180…180 and −90…90."))
        try:
            km = float(params.get("km", "10"))
        except ValueError:
            raise BadParameter(_("km must be a number.")) from None
        if not (math.isfinite(km) and 0 < km <= MAX_NEAR_KM):
            raise BadParameter(_("km must be greater than 0 and at most %(max)d.") % {"max": MAX_NEAR_KM})
        near = (lon, lat, km)
    return bbox, near


MAX_NEAR_KM = 500


def _zoom(params) -> int | None:
    """?zoom=: the map's zoom level (0…20), for clusters; None when absent."""
    if "zoom" not in params:
        return None
    try:
        zoom = int(params["zoom"])
    except ValueError:
        raise BadParameter(_("zoom must be a whole number.")) from None
    if not 0 <= zoom <= MAX_ZOOM:
        raise BadParameter(_("zoom must be from 0 to %(max)d.") % {"max": MAX_ZOOM})
    return zoom


def filtered_etag(etag: str, bbox, near, selected=None, zoom=None, view=False) -> str:
    """The ETag of a filtered answer: the layer's ETag plus the parsed filter, hashed with SHA-256.

    Parsed numbers rather than the raw query string, so "101.50" and "101.5" agree; SHA-256 rather
    than hash(), which Python salts per process.
    """
    extra = {**({"selected": selected} if selected else {}), **({"zoom": zoom} if zoom is not None else {}), **({"view": True} if view else {})}
    key = json.dumps({"bbox": bbox, "near": near, **extra}, sort_keys=True)
    return '"' + hashlib.sha256((etag + key).encode()).hexdigest()[:32] + '"'


def _view(params) -> tuple | None:
    """?view=: the box a map shows (west,south,east,north), which ?zoom= must come with."""
    if "view" not in params:
        return None
    box = _geo_filters({"bbox": params["view"]})[0]
    if "zoom" not in params:
        raise BadParameter(_("view needs zoom= too."))
    return box


def _near_box(near) -> tuple:
    """A box around ?near= wide enough for its radius, for the database to narrow the search."""
    lon, lat, km = near
    return widen((lon, lat, lon, lat), km)


def _intersect(a, b):
    if a is None or b is None:
        return a or b
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


@require_safe
def geo_layer(request, name):
    """/api/geo/<layer>.geojson: a cached RFC 7946 FeatureCollection, 304-aware, filterable.

    `?lang=en` gives the English layer (English names and /en/ links where pages are translated);
    the default is Chinese. The English pages' maps ask for it (portal_map_config).

    Filtered answers get their own ETag derived from the layer's state and the normalised filter,
    with a stable hash, so every worker process agrees on it and browsers can revalidate them; the
    database filters them (portal.layers.view_features), so their cost follows the answer.

    `?zoom=` (with `bbox=`) below the layer's `cluster_below` merges the points that would overlap
    on screen into clusters with counts, so the answer's size depends on the view, not on how many
    features the layer holds. `?view=…&zoom=` is how map.js asks: a layer of at most
    PORTAL_LAYER_WHOLE features comes whole, once, with `"complete": true` (the map clusters it
    itself and never asks again); a larger one comes for that view and zoom, `"complete": false`,
    and the map asks again as it moves. Either way `bbox` gives the layer's extent.
    """
    if name not in registry.layers:
        known = ", ".join(sorted(registry.layers)) or "—"
        return JsonResponse({"error": _("Unknown layer %(name)s. Known layers: %(known)s.") % {"name": name, "known": known}}, status=404)
    layer = registry.layers[name]
    try:
        bbox, near = _geo_filters(request.GET)
        view = _view(request.GET)
        zoom = _zoom(request.GET)
        selection = layer.select(request.GET) if layer.select else None
    except ValueError as exc:  # BadParameter, or the layer's own message
        return JsonResponse({"error": str(exc)}, status=400, json_dumps_params={"ensure_ascii": False})

    # The language is the URL's (?lang=), never the visitor's headers, so one answer per URL can be
    # shared by a cache.
    lang = request.GET.get("lang", "")
    selected_key, keys = selection if selection else (None, None)
    with translation.override(lang if lang in {code for code, _label in settings.LANGUAGES} else settings.LANGUAGE_CODE):
        if not (bbox or near or selection or zoom is not None or view):
            return _whole_layer(request, layers.layer_payload(name))
        state = layers.layer_state(name)
        complete = None
        if view is not None:
            complete = state["count"] <= settings.PORTAL_LAYER_WHOLE
            if not complete:
                bbox = _intersect(bbox, view)
        clustered = zoom is not None and zoom < layer.cluster_below and not complete
        # Closer than cluster_below points come alone, unless a view holds more than
        # PORTAL_VIEW_POINTS of them (a whole county asked for at street zoom): the answer's size
        # stays bounded at every zoom.
        bounded = zoom is not None and not complete and not clustered
        etag = filtered_etag(state["etag"], bbox, near, selected_key, zoom if clustered or bounded else None, view=complete is not None)
        response = get_conditional_response(request, etag=etag, last_modified=int(state["last_modified"].timestamp()))
        if response is None:
            area = _intersect(bbox, _near_box(near)) if near else bbox
            if near:
                features = layers.view_features(name, bbox=area, keys=keys)
            else:
                features = layers.view_features(
                    name, bbox=area, keys=keys, zoom=zoom if clustered or bounded else None, cluster_over=settings.PORTAL_VIEW_POINTS if bounded else None
                )
            if near:
                lon, lat, km = near
                features = [{**f, "properties": {**f.get("properties", {}), "distance_km": round(d, 2)}} for d, f in within_km(features, point(lon, lat), km)]
                if clustered:
                    features = grid_clusters(features, zoom)
            collection = {"type": "FeatureCollection", "features": features}
            if complete is not None:
                collection.update({"complete": complete, **({"bbox": state["bbox"]} if state["bbox"] else {})})
            body = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
            response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    return _cacheable(response, etag, state["last_modified"])


def _whole_layer(request, payload: dict) -> HttpResponse:
    response = get_conditional_response(request, etag=payload["etag"], last_modified=int(payload["last_modified"].timestamp()))
    if response is None:
        response = HttpResponse(payload["body"], content_type="application/geo+json; charset=utf-8")
    return _cacheable(response, payload["etag"], payload["last_modified"])


def _cacheable(response, etag: str, last_modified) -> HttpResponse:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = "public, max-age=0, must-revalidate"
    return response


def ratelimited(request, exception=None):
    """settings.RATELIMIT_VIEW: the friendly 429 page for every rate limit (django-ratelimit's
    decorator and portal.middleware.RateLimitMiddleware), rendered without touching the database."""
    from django.conf import settings
    from django.template import loader

    body = loader.get_template("429.html").render({"STATIC_URL": settings.STATIC_URL})
    response = HttpResponse(body, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: a database outage anywhere in the request (middleware included, where
    DatabaseUnavailableMiddleware cannot see it) becomes the 503 page; anything else the 500 page.
    Neither page needs the database."""
    import sys

    from django.conf import settings
    from django.template import loader

    if database_is_down(sys.exc_info()[1]):
        return database_unavailable_response()
    body = loader.get_template("500.html").render({"STATIC_URL": settings.STATIC_URL})
    return HttpResponse(body, status=500, content_type="text/html; charset=utf-8")


def login_locked_out(request, original_response=None, credentials=None):
    """settings.AXES_LOCKOUT_CALLABLE: the lockout page (429) after too many failed logins for one
    username from one address, saying how long the lock lasts."""
    from axes.helpers import get_cool_off
    from django.shortcuts import render

    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0
    # Rendered now, not a TemplateResponse: axes returns it from its middleware, after the
    # point where Django renders template responses.
    response = render(request, "portal/lockout.html", {"cooloff_minutes": minutes}, status=429)
    response["Cache-Control"] = "no-store"
    return response


# A layer too large to send whole is listed on the map page by its first features and its count;
# the map shows the rest view by view.
MAP_LIST_LIMIT = 50


def map_page_context(page, request) -> dict:
    """The registered layers with their features, for the map page's toggles, legend and text list.

    Features come from the stored layers the map itself fetches, so the list and the map agree; a
    layer too large to list whole (portal.layers.layer_lists) gives its first MAP_LIST_LIMIT.
    """
    context = {}
    groups = []
    names = layers.map_page_layers()
    lists = layers.layer_lists(names, MAP_LIST_LIMIT)
    for info in layers.layer_info(names):
        shown = lists.get(info["name"], {"features": [], "count": 0, "complete": True})
        items = []
        for feat in shown["features"]:
            props = feat.get("properties") or {}
            geometry = feat.get("geometry") or {}
            position = geometry.get("coordinates") if geometry.get("type") == "Point" else None
            items.append({**props, "kind_label": layers.kind_label(props), "geometry_type": geometry.get("type", ""), "position": position})
        lines = any(item["geometry_type"] in LINE_TYPES for item in items)
        groups.append({**info, "items": items, "lines": lines, "count": shown["count"], "more": shown["count"] - len(items)})
    context["map_layers"] = groups
    # "near here" lists first the layers that have a listing by distance (where to stay)
    context["near_order"] = sorted(names, key=lambda name: not registry.layers[name].near_listing)
    context["map_layer_names"] = ",".join(names)
    # the lines that carry their own colour (each route its own) get a legend entry each
    context["route_legend"] = [item for group in groups if group["lines"] for item in group["items"] if item.get("colour")]
    return context

import json

from django.db import connection
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal import layers
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


def _floats(raw: str, count: int, name: str) -> list[float]:
    parts = raw.split(",")
    if len(parts) != count:
        raise ValueError(_("%(name)s needs %(count)d comma-separated numbers.") % {"name": name, "count": count})
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(_("%(name)s must contain numbers only.") % {"name": name}) from None
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise ValueError(_("%(name)s must contain finite numbers.") % {"name": name})
    return values


@require_GET
def geo_layer(request, name):
    """/api/geo/<layer>.geojson: a cached RFC 7946 FeatureCollection, 304-aware, filterable."""
    if name not in registry.layers:
        return JsonResponse(
            {"error": _("Unknown layer %(name)s. Known layers: %(known)s.") % {"name": name, "known": ", ".join(sorted(registry.layers))}}, status=404
        )
    payload = layers.layer_payload(name)
    features = payload["features"]
    filtered = False
    try:
        if "bbox" in request.GET:
            min_lon, min_lat, max_lon, max_lat = _floats(request.GET["bbox"], 4, "bbox")
            if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
                raise ValueError(_("bbox must be minlon,minlat,maxlon,maxlat within −180…180 and −90…90, min ≤ max."))
            features = [f for f in features if layers.in_bbox(f, (min_lon, min_lat, max_lon, max_lat))]
            filtered = True
        if "near" in request.GET or "km" in request.GET:
            lon, lat = _floats(request.GET.get("near", ""), 2, "near")
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(_("near must be lon,lat within −180…180 and −90…90."))
            try:
                km = float(request.GET.get("km", "10"))
            except ValueError:
                raise ValueError(_("km must be a number.")) from None
            if not (0 < km <= 500):
                raise ValueError(_("km must be greater than 0 and at most 500."))
            from portal.geo import point

            near = [(d, f) for d, f in layers.nearby(name, point(lon, lat), km)]
            keep = {id(f) for f in features}
            features = []
            for d, f in near:
                if id(f) in keep:
                    f = {**f, "properties": {**f["properties"], "distance_km": round(d, 2)}}
                    features.append(f)
            filtered = True
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)

    etag = payload["etag"]
    if filtered:
        etag = etag[:-1] + "-" + str(abs(hash(request.GET.urlencode())) % 10**8) + '"'
    last_modified = payload["last_modified"]
    inm = request.headers.get("If-None-Match")
    ims = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if (inm and etag in [t.strip() for t in inm.split(",")]) or (not inm and ims and ims >= int(last_modified.timestamp())):
        response = HttpResponseNotModified()
    else:
        body = payload["body"] if not filtered else json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
        response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = "public, max-age=0, must-revalidate"
    return response

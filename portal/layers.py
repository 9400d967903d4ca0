"""Serving registered layers as cached GeoJSON: model → layer → cached endpoint → map module.

A layer's FeatureCollection is built once and kept in the cache (Redis in production, shared by
all workers) together with its ETag and Last-Modified, until a signal in portal.signals drops it.
"""

from __future__ import annotations

import hashlib
import json
import math

from django.core.cache import cache
from django.utils import timezone

from portal.geo import distance_to_geometry_km, geometry_bounds
from portal.registry import registry

CACHE_PREFIX = "portal:geo:"
CACHE_SECONDS = 60 * 60 * 24


def cache_key(name: str) -> str:
    return f"{CACHE_PREFIX}{name}"


def layer_payload(name: str) -> dict:
    """{"features": [...], "etag": str, "last_modified": datetime} for a registered layer."""
    key = cache_key(name)
    payload = cache.get(key)
    if payload is None:
        layer = registry.layers[name]
        features = layer.features()
        body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
        payload = {
            "features": features,
            "body": body,
            "etag": '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"',
            "last_modified": timezone.now().replace(microsecond=0),
        }
        cache.set(key, payload, CACHE_SECONDS)
    return payload


def invalidate(name: str | None = None) -> None:
    """Drop one layer's cached GeoJSON, or every layer's when name is None."""
    names = [name] if name else list(registry.layers)
    cache.delete_many([cache_key(n) for n in names])


def layers_for_model(label: str) -> list[str]:
    return [layer.name for layer in registry.layers.values() if label in layer.models]


def nearby(name: str, geometry: dict, km: float) -> list[tuple[float, dict]]:
    """Features of a layer within `km` of a geometry, nearest first, as (distance_km, feature).

    This is how one app asks about another's objects ("homestays near this route") without
    importing its models.
    """
    if name not in registry.layers or not geometry:
        return []
    found = []
    for feat in layer_payload(name)["features"]:
        d = _feature_distance(feat, geometry)
        if d <= km:
            found.append((d, feat))
    found.sort(key=lambda pair: pair[0])
    return found


def _feature_distance(feat: dict, geometry: dict) -> float:
    fg = feat.get("geometry") or {}
    if fg.get("type") == "Point":
        return distance_to_geometry_km(fg["coordinates"], geometry)
    if geometry.get("type") == "Point":
        return distance_to_geometry_km(geometry["coordinates"], fg)
    # line to line: the nearest vertex of one to the other is close enough at route scale
    from portal.geo import iter_lines

    best = math.inf
    for line in iter_lines(fg):
        for pos in line:
            best = min(best, distance_to_geometry_km(pos, geometry))
    return best


def in_bbox(feat: dict, bbox: tuple[float, float, float, float]) -> bool:
    b = geometry_bounds(feat.get("geometry"))
    if b is None:
        return False
    min_lon, min_lat, max_lon, max_lat = bbox
    return not (b[2] < min_lon or b[0] > max_lon or b[3] < min_lat or b[1] > max_lat)

"""Serving registered layers as GeoJSON: model → layer → stored features → endpoint → map module.

A layer's features are built once by its app and kept in one place, the LayerFeature table (shared
by every worker and every process), until portal.cache drops them after a change. Building a layer
runs the owning app's queries; reading it back is one query for every layer a page draws, which is
what lets every map, the "near me" search and the cross-app "nearby" relations lean on it. Within
a request the read is memoised; across requests the HTTP caches (the ETag, the proxy) serve it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language

from portal.geo import cell_size, cluster_feature, feature_distance_km, geometry_bounds, widen, within_km, world_pixel
from portal.models import LayerFeature
from portal.perf import changes_at, request_memo_forget, request_memoised
from portal.registry import registry

# A stored layer older than this is rebuilt: the bound on a build that raced an editor's commit.
REBUILD_SECONDS = 60 * 60 * 24
MEMO_KEY = "layers"  # the request memo's entries: (MEMO_KEY, language) -> {name: payload}


def map_page_layers() -> list[str]:
    """The map page's layers: every registered one, in the apps' order."""
    return [layer.name for layer in registry.ordered_layers()]


def kind_label(properties: dict) -> str:
    kind = properties.get("kind") or ""
    return str(properties.get("kind_label") or registry.kind_labels().get(kind, kind))


def _dumps(obj) -> str:
    # Keys sorted: a layer read back from its stored rows must give the same body (and ETag) as when
    # it was built, and PostgreSQL's jsonb does not keep key order.
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _payload(features: list[dict], built, valid_until=None) -> dict:
    body = _dumps({"type": "FeatureCollection", "features": features})
    return {
        "features": features,
        "body": body,
        "etag": '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"',
        "last_modified": built,
        # when the layer changes by itself (Layer.changes_at), or None
        "valid_until": valid_until,
    }


def _stale(payload: dict) -> bool:
    until = payload.get("valid_until")
    return until is not None and timezone.now() >= until


def layer_payload(name: str) -> dict:
    """{"features", "body", "etag", "last_modified"} for a registered layer, built at most once per invalidation."""
    return layer_payloads([name])[name]


def layer_payloads(names) -> dict[str, dict]:
    """The payloads of several registered layers: from the stored layers (one query for all of
    them, portal.models.LayerFeature), else built by their apps and stored."""
    language = get_language() or settings.LANGUAGE_CODE
    names = [n for n in dict.fromkeys(names) if n in registry.layers]
    # The layers asked for, with every small one (Layer.grows), in one query kept for the request:
    # a page drawing one layer usually draws another next (a route's stops, then its nearby
    # homestays). A layer that grows with the content is read only when asked for.
    payloads = request_memoised((MEMO_KEY, language), dict)
    wanted = [name for name in names if name not in payloads]
    if wanted:
        small = [name for name, layer in registry.layers.items() if not layer.grows and name not in payloads and name not in wanted]
        payloads.update(_stored_layers(wanted + small, language))
    for name in names:
        if name not in payloads or _stale(payloads[name]):
            payloads[name] = _build_and_store(name, language)
    for name in names:
        changes_at(payloads[name].get("valid_until"))
    return {name: payloads[name] for name in names}


def _stored_layers(names: list[str], language: str) -> dict[str, dict]:
    rows: dict[str, list] = {}
    built: dict[str, object] = {}
    until: dict[str, object] = {}
    for row in LayerFeature.objects.filter(layer__in=names, language=language).order_by("layer", "position"):
        if row.position < 0:
            built[row.layer] = parse_datetime(row.feature.get("built", "")) or timezone.now().replace(microsecond=0)
            until[row.layer] = parse_datetime(row.feature.get("valid_until") or "")
        else:
            rows.setdefault(row.layer, []).append(row.feature)
    # A layer built from a read that raced an editor's commit is rebuilt within REBUILD_SECONDS at worst.
    fresh_after = timezone.now() - datetime.timedelta(seconds=REBUILD_SECONDS)
    payloads = {name: _payload(rows.get(name, []), when, until.get(name)) for name, when in built.items() if when >= fresh_after}
    return {name: payload for name, payload in payloads.items() if not _stale(payload)}


def _row(name: str, language: str, position: int, feat: dict) -> LayerFeature:
    """A feature's stored row: its object's key (the feature's `id`, which is not served), its bounds,
    its point's world pixel and its kind, for the queries of a view."""
    key = str(feat.pop("id", "") or "")[:64]
    geometry = feat.get("geometry") or {}
    west, south, east, north = geometry_bounds(geometry) or (None, None, None, None)
    px, py = world_pixel(*geometry["coordinates"][:2]) if geometry.get("type") == "Point" else (None, None)
    kind = str((feat.get("properties") or {}).get("kind") or "")[:40]
    return LayerFeature(
        layer=name, language=language, position=position, feature=feat, key=key, west=west, south=south, east=east, north=north, px=px, py=py, kind=kind
    )


def _extent(rows) -> list[float] | None:
    bounds = [(r.west, r.south, r.east, r.north) for r in rows if r.west is not None]
    if not bounds:
        return None
    return [min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds), max(b[3] for b in bounds)]


def _build_and_store(name: str, language: str) -> dict:
    layer = registry.layers[name]
    valid_until = layer.changes_at() if layer.changes_at else None
    rows = [_row(name, language, i, f) for i, f in enumerate(layer.features())]
    features = [row.feature for row in rows]
    built = timezone.now().replace(microsecond=0)
    marker = {"built": built.isoformat(), "version": 0, "count": len(rows), "bbox": _extent(rows)}
    if valid_until:
        marker["valid_until"] = valid_until.isoformat()
    try:
        with transaction.atomic():
            LayerFeature.objects.filter(layer=name, language=language).delete()
            LayerFeature.objects.bulk_create([LayerFeature(layer=name, language=language, position=-1, feature=marker), *rows])
    except (IntegrityError, DatabaseError):  # another request stored it first, or a read-only replica
        pass
    return _payload(features, built, valid_until)


# --- one layer's state and a view of it, read by the database ----------------------------------


def layer_state(name: str) -> dict:
    """What a view's ETag and a map's first answer need, without reading the features: the built
    layer's {"etag", "last_modified", "valid_until", "count", "bbox"}. Builds the layer if it is not
    stored (one query when it is)."""
    language = get_language() or settings.LANGUAGE_CODE
    state = _marker_state(name, language)
    if state is None:
        payload = _build_and_store(name, language)
        request_memoised((MEMO_KEY, language), dict)[name] = payload
        state = _marker_state(name, language) or _state_of(payload)
    changes_at(state["valid_until"])
    return state


def _marker_state(name: str, language: str) -> dict | None:
    marker = LayerFeature.objects.filter(layer=name, language=language, position=-1).first()
    if marker is None:
        return None
    info = marker.feature
    if not _marker_fresh(info):
        return None
    built = parse_datetime(info["built"])
    until = parse_datetime(info.get("valid_until") or "")
    version = f"{name}|{language}|{info.get('built')}|{info.get('version', 0)}"
    return {
        "etag": '"' + hashlib.sha256(version.encode()).hexdigest()[:32] + '"',
        "last_modified": built,
        "valid_until": until,
        "count": int(info.get("count", 0)),
        "bbox": info.get("bbox"),
    }


def _state_of(payload: dict) -> dict:
    """The state of a layer that could not be stored (a read-only database): from its payload."""
    return {**payload, "count": len(payload["features"]), "bbox": None}


def view_features(name: str, *, bbox=None, keys=None, zoom: int | None = None, cluster_over: int | None = None) -> list[dict]:
    """The stored features of a layer inside `bbox` (west, south, east, north), of the objects
    `keys` when given; with `zoom`, the points that share a cluster cell at that zoom come as one
    cluster feature (portal.geo.cluster_feature), counted by the database, so the answer's cost
    follows the view, not the layer; with `cluster_over` too, only when more points than that are
    in the view (close up, a view of one village comes point by point, a whole county at the same
    zoom still clustered). Lines always come whole."""
    language = get_language() or settings.LANGUAGE_CODE
    rows = LayerFeature.objects.filter(layer=name, language=language, position__gte=0)
    if keys is not None:
        rows = rows.filter(key__in=list(keys))
    if bbox is not None:
        west, south, east, north = bbox
        rows = rows.filter(east__gte=west, west__lte=east, north__gte=south, south__lte=north)
    if zoom is None:
        return list(rows.order_by("position").values_list("feature", flat=True))
    size = cell_size(zoom)
    cells: dict[tuple[int, int], dict] = {}
    counted = (
        rows.filter(px__isnull=False)
        .annotate(cx=F("px") / size, cy=F("py") / size)
        .values("cx", "cy", "kind")
        .annotate(n=Count("id"), first=Min("id"), w=Min("west"), s=Min("south"), e=Max("east"), nn=Max("north"), lons=Sum("west"), lats=Sum("south"))
        .order_by("cy", "cx", "kind")
    )
    for group in counted:
        cell = cells.setdefault((group["cx"], group["cy"]), {"n": 0, "first": group["first"], "bounds": [], "lons": 0.0, "lats": 0.0, "kinds": {}})
        cell["n"] += group["n"]
        cell["bounds"].append((group["w"], group["s"], group["e"], group["nn"]))
        cell["lons"] += group["lons"]
        cell["lats"] += group["lats"]
        cell["kinds"][group["kind"]] = group["n"]
    if cluster_over is not None and sum(cell["n"] for cell in cells.values()) <= cluster_over:
        return list(rows.order_by("position").values_list("feature", flat=True))
    alone = [cell["first"] for cell in cells.values() if cell["n"] == 1]
    features = list(rows.filter(Q(px__isnull=True) | Q(pk__in=alone)).order_by("position").values_list("feature", flat=True))
    for cell in cells.values():
        if cell["n"] > 1:
            b = cell["bounds"]
            extent = [min(x[0] for x in b), min(x[1] for x in b), max(x[2] for x in b), max(x[3] for x in b)]
            features.append(cluster_feature(cell["n"], cell["lons"], cell["lats"], extent, cell["kinds"]))
    return features


def selection(keys) -> tuple[str, set[str]]:
    """What a layer's `select` returns for the objects `keys`: a hash of them (the answer's ETag
    changes exactly when the selection does, whoever changed it) and the set the database filters on."""
    keys = {str(key) for key in keys}
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16], keys


def distances(name: str, geometry: dict, km: float) -> dict[str, float]:
    """{key: km} of the layer's objects within `km` of a geometry (a route's line, a place), from
    the rows near it alone (_rows_near)."""
    found: dict[str, float] = {}
    for key, feat in _rows_near([name], geometry, km)[name]:
        d = feature_distance_km(feat, geometry)
        if key and d <= km and d < found.get(key, math.inf):
            found[key] = d
    return found


def refresh(name: str, keys) -> dict[str, tuple[list[dict], list[dict]]]:
    """Replace the rows of the objects `keys` (Layer.keys_of) in every language the layer is
    stored in, from Layer.features_for: an edit costs one object's features, not the layer's.
    Returns {language: (features before, features after)}, for the purge of what shows them. A
    layer not stored in a language is left to be built on its next read."""
    layer = registry.layers[name]
    keys = sorted(set(keys))
    changed: dict[str, tuple[list[dict], list[dict]]] = {}
    for language in LayerFeature.objects.filter(layer=name, position=-1).values_list("language", flat=True):
        with translation.override(language):
            new = list(layer.features_for(keys))
        try:
            with transaction.atomic():
                marker = LayerFeature.objects.select_for_update().filter(layer=name, language=language, position=-1).first()
                if marker is None:  # dropped meanwhile: the next read builds it whole
                    continue
                stored = LayerFeature.objects.filter(layer=name, language=language, key__in=keys)
                old = list(stored.order_by("position"))
                stored.delete()
                top = LayerFeature.objects.filter(layer=name, language=language).aggregate(top=Max("position"))["top"]
                after = max([top if top is not None else -1] + [row.position for row in old]) + 1
                # Where its rows were (a list beside the map keeps its order), new ones at the end.
                positions = [row.position for row in old] + list(range(after, after + len(new)))
                rows = [_row(name, language, positions[i], f) for i, f in enumerate(new)]
                LayerFeature.objects.bulk_create(rows)
                extent = LayerFeature.objects.filter(layer=name, language=language, position__gte=0).aggregate(
                    n=Count("id"), w=Min("west"), s=Min("south"), e=Max("east"), nn=Max("north")
                )
                marker.feature = {
                    **marker.feature,
                    "version": int(marker.feature.get("version", 0)) + 1,
                    "count": extent["n"],
                    "bbox": [extent["w"], extent["s"], extent["e"], extent["nn"]] if extent["w"] is not None else None,
                }
                marker.save(update_fields=["feature"])
        except (IntegrityError, DatabaseError):  # a concurrent refresh: build it whole on the next read
            LayerFeature.objects.filter(layer=name, language=language).delete()
            continue
        changed[language] = ([row.feature for row in old], [row.feature for row in rows])
    request_memo_forget(lambda key: key[0] == MEMO_KEY)
    return changed


def invalidate(name: str | None = None) -> None:
    """Drop one layer (in every language), or every layer when name is None: its stored features,
    so the next read rebuilds it from the models."""
    stored = LayerFeature.objects.all() if name is None else LayerFeature.objects.filter(layer=name)

    def drop():
        stored.delete()
        request_memo_forget(lambda key: key[0] == MEMO_KEY)  # this request's copy, read before the edit

    drop()
    # Again once the edit is committed: a visitor's read that started before the commit may have
    # stored the old content in between.
    transaction.on_commit(drop)


def existing_payload(name: str, language: str) -> dict | None:
    """The layer as it was last built (its stored rows), or None; never builds it."""
    return _stored_layers([name], language).get(name)


def layers_for_model(label: str) -> list[str]:
    return [layer.name for layer in registry.layers.values() if label in layer.models]


def layer_info(names) -> list[dict]:
    """Label and colour of each named layer, for toggles, legends and map.js."""
    info = []
    for name in names:
        layer = registry.layers.get(name)
        info.append(
            {
                "name": name,
                "label": str(layer.label if layer else name),
                "colour": layer.colour if layer else "#1f6f5c",
                "glyph": layer.glyph if layer else "•",
                "registered": layer is not None,
                "clusterBelow": layer.cluster_below if layer else 14,
            }
        )
    return info


def layer_lists(names, limit: int) -> dict[str, dict]:
    """What a page lists of each layer beside its map, bounded: {name: {"features", "count",
    "complete"}}. A layer of at most PORTAL_LAYER_WHOLE features comes whole (as the map gets it);
    a larger one gives its first `limit` features and its count, and the map shows the rest by
    view. Three queries, whatever the layers hold: the layers' states, the small ones, the first
    rows of the large ones."""
    language = get_language() or settings.LANGUAGE_CODE
    names = [n for n in dict.fromkeys(names) if n in registry.layers]
    counts = {}
    for marker in LayerFeature.objects.filter(layer__in=names, language=language, position=-1):
        if _marker_fresh(marker.feature):
            counts[marker.layer] = int(marker.feature.get("count", 0))
    large = [name for name in names if counts.get(name, 0) > settings.PORTAL_LAYER_WHOLE]
    found = {}
    for name, payload in layer_payloads([n for n in names if n not in large]).items():
        # a layer built just now (not stored before) is cut here when it turns out large
        whole = len(payload["features"]) <= settings.PORTAL_LAYER_WHOLE
        found[name] = {"features": payload["features"] if whole else payload["features"][:limit], "count": len(payload["features"]), "complete": whole}
    firsts: dict[str, list] = {name: [] for name in large}
    if large:
        rows = LayerFeature.objects.filter(layer__in=large, language=language, position__gte=0, position__lt=limit).order_by("layer", "position")
        for layer, feat in rows.values_list("layer", "feature"):
            firsts[layer].append(feat)
    for name in large:
        found[name] = {"features": firsts[name], "count": counts[name], "complete": False}
    return {name: found[name] for name in names}


def near(names, geometry: dict, km: float) -> dict[str, list[tuple[float, dict]]]:
    """Each named layer's features within `km` of a geometry, nearest first, as (distance_km,
    feature), from the rows near it alone (_rows_near): the cost follows the neighbourhood, not
    the layers."""
    return {name: within_km([feat for _key, feat in rows], geometry, km) for name, rows in _rows_near(names, geometry, km).items()}


def _rows_near(names, geometry: dict, km: float) -> dict[str, list[tuple[str, dict]]]:
    """(key, feature) of each named layer's rows in a box `km` around a geometry: one query, which
    also reads the layers' markers, so a layer not stored is seen and built (then read again)."""
    language = get_language() or settings.LANGUAGE_CODE
    names = [n for n in dict.fromkeys(names) if n in registry.layers]
    bounds = geometry_bounds(geometry)
    rows: dict[str, list[tuple[str, dict]]] = {name: [] for name in names}
    if not names or bounds is None:
        return rows
    west, south, east, north = widen(bounds, km)
    box = Q(position__gte=0, east__gte=west, west__lte=east, north__gte=south, south__lte=north)

    def read(wanted) -> set[str]:
        stored = set()
        for row in LayerFeature.objects.filter(Q(position=-1) | box, layer__in=wanted, language=language).order_by("layer", "position"):
            if row.position >= 0:
                rows[row.layer].append((row.key, row.feature))
            elif _marker_fresh(row.feature):
                stored.add(row.layer)
        return stored

    stored = read(names)
    missing = [name for name in names if name not in stored]
    if missing:
        for name in missing:
            rows[name] = []
        layer_payloads(missing)  # built and stored
        read(missing)
    return rows


def _marker_fresh(info: dict) -> bool:
    built = parse_datetime(info.get("built", ""))
    until = parse_datetime(info.get("valid_until") or "")
    now = timezone.now()
    if until is not None:
        changes_at(until)
    return built is not None and built >= now - datetime.timedelta(seconds=REBUILD_SECONDS) and (until is None or now < until)


def nearby(name: str, geometry: dict, km: float) -> list[tuple[float, dict]]:
    """Features of a layer within `km` of a geometry, nearest first, as (distance_km, feature).

    This is how one app asks about another's objects ("homestays near this route") without
    importing its models. Unknown layers answer an empty list, so an app can ask before the
    other app is installed.
    """
    if name not in registry.layers or not geometry:
        return []
    return within_km(layer_payload(name)["features"], geometry, km)

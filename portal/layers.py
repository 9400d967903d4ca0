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

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language

from portal.geo import within_km
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
    # Every stored layer at once, kept for the request: a page drawing one layer usually draws
    # another next (a route's nearby homestays, then products).
    payloads = request_memoised((MEMO_KEY, language), dict)
    if any(name not in payloads for name in names):
        payloads.update(_stored_layers([name for name in registry.layers if name not in payloads], language))
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


def _build_and_store(name: str, language: str) -> dict:
    layer = registry.layers[name]
    valid_until = layer.changes_at() if layer.changes_at else None
    features = list(layer.features())
    built = timezone.now().replace(microsecond=0)
    marker = {"built": built.isoformat(), **({"valid_until": valid_until.isoformat()} if valid_until else {})}
    rows = [LayerFeature(layer=name, language=language, position=-1, feature=marker)]
    rows += [LayerFeature(layer=name, language=language, position=i, feature=f) for i, f in enumerate(features)]
    try:
        with transaction.atomic():
            LayerFeature.objects.filter(layer=name, language=language).delete()
            LayerFeature.objects.bulk_create(rows)
    except (IntegrityError, DatabaseError):  # another request stored it first, or a read-only replica
        pass
    return _payload(features, built, valid_until)


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
            }
        )
    return info


def nearby(name: str, geometry: dict, km: float) -> list[tuple[float, dict]]:
    """Features of a layer within `km` of a geometry, nearest first, as (distance_km, feature).

    This is how one app asks about another's objects ("homestays near this route") without
    importing its models. Unknown layers answer an empty list, so an app can ask before the
    other app is installed.
    """
    if name not in registry.layers or not geometry:
        return []
    return within_km(layer_payload(name)["features"], geometry, km)

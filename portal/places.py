"""Xining's administrative divisions, shared by every subject app that files things by county, and the
gazetteer of stops and sights that "near this sight" (search, /homestays/?near=, the map) measures from."""

import re
import unicodedata
from dataclasses import dataclass, field, replace

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.geo import haversine_km
from portal.layers import kind_label, layer_payloads, near
from portal.registry import registry
from portal.search.text import query_words


class County(models.TextChoices):
    """The seven county-level divisions of Xining; ASCII codes keep filter URLs and CSV codes readable."""

    CHENGDONG = "chengdong", _("城东区")
    CHENGZHONG = "chengzhong", _("城中区")
    CHENGXI = "chengxi", _("城西区")
    CHENGBEI = "chengbei", _("城北区")
    HUANGZHONG = "huangzhong", _("湟中区")
    DATONG = "datong", _("大通县")
    HUANGYUAN = "huangyuan", _("湟源县")


# --- the gazetteer: "near this sight" ----------------------------------------------------------
#
# Places are the features of the layers registered with `places=True` (the route stops: sights,
# villages, towns), read from the cached layer payloads, so the gazetteer grows with the content and
# costs no query once the layers are cached. What lies near a place comes from every other layer of
# points (homestays, product origins, service stations), nearest first. Nothing here names an app.

NEAR_KM = 30  # "near": a short drive in the Huangshui valley; search and /homestays/?near= both say so

# Words that say "near" rather than name a place ("塔尔寺附近的民宿", "homestays near Kumbum").
NEAR_WORDS = frozenset("附近 周边 周围 旁边 附近的 最近 离 距离 靠近 近 一带 near nearby around close to from".split())
# A visitor may add the kind of place to its name ("卡阳村" for the stop 乡趣卡阳): tried without it.
PLACE_SUFFIXES = ("村", "镇", "乡")
_NON_WORD = re.compile(r"[\W_]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ALIAS = re.compile(r"[（(]([^）)]*)[）)]")
SAME_PLACE_KM = 0.05  # a stop in another language sits at the same point


def compact(text: str) -> str:
    """Lower case, full-width folded, letters, digits and Han only: "Dan'gaer Old Town" → "dangaeroldtown"."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", str(text or "")).lower())


def _min_len(text: str) -> int:
    # Two Han characters name a place (卡阳); Latin needs a few letters (not "mo" for Monastery).
    return 2 if _HAN.search(text) else 3


@dataclass(frozen=True)
class Place:
    """A stop, sight, village or town a visitor can look things up around."""

    name: str
    kind: str
    kind_label: str
    routes: tuple[str, ...]
    url: str
    lon: float
    lat: float
    layer: str
    summary: str = ""

    @property
    def geometry(self) -> dict:
        return {"type": "Point", "coordinates": [self.lon, self.lat]}

    def forms(self) -> list[str]:
        """The name and what it gives in brackets, compacted: 西宁市区（出发地）, Kumbum Monastery (Ta'er Si)."""
        aliases = _ALIAS.findall(self.name)
        return [f for f in (compact(_ALIAS.sub("", self.name)), *(compact(a) for a in aliases), compact(self.name)) if f]


@dataclass
class PlaceMatch:
    place: Place
    others: list[Place] = field(default_factory=list)  # other places the words name (窎沟 → 窎沟村 …)
    layers: list[str] = field(default_factory=list)  # layers the words asked for (民宿 → homestays); [] = all


@dataclass
class NearGroup:
    """One layer's features within `km` of a place, nearest first, each with `distance_km`."""

    name: str
    label: str
    colour: str
    items: list[dict]
    listing: str = ""  # model label of the page listing them all by distance (Layer.near_listing)


def place_layers() -> list:
    return sorted((layer for layer in registry.layers.values() if layer.places), key=lambda layer: layer.order)


def near_layers() -> list:
    """Layers listed around a place: every layer of points that is not itself a gazetteer, in the
    registry's order (homestays, then products, then stations)."""

    return sorted((layer for layer in registry.layers.values() if not layer.places and layer.near), key=lambda layer: layer.order)


def places() -> list[Place]:
    """Every place in the active language, once per name (a stop on two routes lists both routes)."""

    layers = place_layers()
    payloads = layer_payloads([layer.name for layer in layers])
    found: dict[str, Place] = {}
    for layer in layers:
        for feat in payloads[layer.name]["features"]:
            geometry, props = feat.get("geometry") or {}, feat.get("properties") or {}
            name = str(props.get("name") or "").strip()
            if geometry.get("type") != "Point" or not name:
                continue
            route = str(props.get("route") or "")
            known = found.get(compact(name))
            if known is not None:
                if route and route not in known.routes:
                    found[compact(name)] = replace(known, routes=(*known.routes, route))
                continue
            lon, lat = geometry["coordinates"][:2]
            found[compact(name)] = Place(
                name=name,
                kind=str(props.get("kind") or ""),
                kind_label=kind_label(props),
                routes=(route,) if route else (),
                url=str(props.get("url") or ""),
                lon=float(lon),
                lat=float(lat),
                layer=layer.name,
                summary=str(props.get("summary") or ""),
            )
    return list(found.values())


def place_choices() -> list:
    """Choices for a "离…最近" select: places grouped by route (a place on no route at the end)."""
    groups: dict[str, list] = {}
    for place in places():
        groups.setdefault(place.routes[0] if place.routes else "", []).append((place.name, place.name))
    return [(route or _("其他地点"), items) for route, items in groups.items()]


def _score(core: str, form: str) -> int:
    """How well the visitor's words name a place: 4 exactly, 3 its beginning (丹噶尔 → 丹噶尔古城),
    2 the words hold the name (塔尔寺景区), 1 a good part of it (卡阳 → 乡趣卡阳); 0 not at all."""
    if len(form) < _min_len(form) or len(core) < _min_len(core):
        return 0
    if core == form:
        return 4
    if form.startswith(core):
        return 3
    if form in core:
        return 2
    if core in form and len(core) * 2 >= len(form):
        return 1
    return 0


def _layer_words() -> dict[str, set[str]]:
    """Each near layer's label in every language, compacted, to the layer's name (民宿 → its layer)."""
    from django.conf import settings
    from django.utils import translation

    words: dict[str, set[str]] = {}
    for layer in near_layers():
        for code, _label in settings.LANGUAGES:
            with translation.override(code):
                words.setdefault(layer.name, set()).add(compact(str(layer.label)))
    return words


def asked_layers(word: str) -> list[str]:
    """The near layers a word asks for: 民宿 → homestays, 特产 → products, homestay → homestays."""
    word = compact(word)
    if len(word) < 2:
        return []
    found = []
    for name, labels in _layer_words().items():
        for label in labels:
            if word == label or (len(word) >= _min_len(word) and (word in label or (len(label) >= 3 and label in word))):
                found.append(name)
                break
    return found


def split_words(words: list[str]) -> tuple[str, list[str]]:
    """The visitor's words → (the place part, compacted; the layers asked for)."""
    core, layers = [], []
    for word in words:
        if compact(word) in NEAR_WORDS:
            continue
        asked = asked_layers(word)
        if asked:
            layers.extend(n for n in asked if n not in layers)
        else:
            core.append(word)
    return compact("".join(core)), layers


def _ranked(core: str, candidates: list[Place]) -> list[Place]:
    scored = []
    for order, place in enumerate(candidates):
        best = max((_score(core, form), -abs(len(form) - len(core))) for form in place.forms())
        if best[0]:
            scored.append((best, -order, place))
    scored.sort(key=lambda row: row[:2], reverse=True)
    return [row[2] for row in scored]


def find_place(words: list[str]) -> PlaceMatch | None:
    """The place the visitor's words name, best match first, or None.

    Tried in the active language, then in the others (塔尔寺 typed on the English site): a place
    found there is shown as the active language's stop at the same point, when there is one.
    """
    from django.conf import settings
    from django.utils import translation

    core, layers = split_words(words)
    if not core:
        return None
    tries = [core] + [core[: -len(s)] for s in PLACE_SUFFIXES if core.endswith(s) and len(core) > len(s) + 1]
    here = places()
    for attempt in tries:
        ranked = _ranked(attempt, here)
        if ranked:
            return PlaceMatch(ranked[0], ranked[1:5], layers)
    active = translation.get_language()
    for code, _label in settings.LANGUAGES:
        if code == active:
            continue
        with translation.override(code):
            there = places()
        for attempt in tries:
            ranked = [_same_place(p, here) for p in _ranked(attempt, there)]
            if ranked:
                return PlaceMatch(ranked[0], [p for p in ranked[1:5] if p != ranked[0]], layers)
    return None


def _same_place(place: Place, candidates: list[Place]) -> Place:
    for other in candidates:
        if haversine_km((place.lon, place.lat), (other.lon, other.lat)) <= SAME_PLACE_KM:
            return other
    return place


def place_named(text: str) -> PlaceMatch | None:
    """The place a visitor typed or picked (?near=塔尔寺), segmented as search segments it."""

    return find_place(query_words(text)) if compact(text) else None


def near_place(place: Place, km: float = NEAR_KM, layers: list[str] | None = None) -> list[NearGroup]:
    """Each near layer's points within `km` of the place, nearest first, an object listed once
    (a product grown in two villages counts at the nearer one)."""

    wanted = [layer for layer in near_layers() if not layers or layer.name in layers]
    found = near([layer.name for layer in wanted], place.geometry, km)
    groups = []
    for layer in wanted:
        points = [(d, f) for d, f in found[layer.name] if (f.get("geometry") or {}).get("type") == "Point"]
        if not points:
            continue
        items, seen = [], set()
        for distance, feat in points:
            props = feat.get("properties") or {}
            key = props.get("url") or id(feat)
            if key in seen:
                continue
            seen.add(key)
            items.append({**props, "distance_km": round(distance, 1)})
        groups.append(NearGroup(layer.name, str(layer.label), layer.colour, items, layer.near_listing))
    return groups


def place_name(*parts) -> str:
    """County, township and village as one place name, in the active language's way of writing it.

    Chinese runs them together, largest first (湟中区拦隆口镇卡阳村); English separates them with
    commas ("Huangzhong District, Lanlongkou Town, Kayang Village"). Blanks and repeats (a township
    entered again as the village) are skipped. The parts come translated: the county from its
    choice label, the rest from the page or snippet in its own language.
    """
    from django.utils.translation import get_language

    seen: list[str] = []
    for part in parts:
        part = str(part or "").strip()
        if part and part not in seen:
            seen.append(part)
    return "".join(seen) if (get_language() or "zh").startswith("zh") else ", ".join(seen)

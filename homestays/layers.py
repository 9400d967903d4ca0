"""What the homestays app offers the rest of the portal: the "homestays" map layer and the
"featured_homestays" home-page collection, registered from HomestaysConfig.ready()."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.http import QueryDict
from django.utils.translation import gettext

from homestays.availability import with_free_capacity
from homestays.forms import HomestayFilterForm
from homestays.models import THUMB_SPEC, HomestayPage
from portal.geo import feature
from portal.i18n import in_active_language
from portal.images import rendition_url
from portal.layers import distances, layer_payload, selection
from portal.perf import public
from portal.places import NEAR_KM
from portal.registry import registry


def homestay_feature(page, url: str, thumbnail: str | None = None) -> dict:
    summary = " · ".join(p for p in (page.place, str(page.get_grade_display()) if page.grade != "unrated" else "") if p)
    props = {
        "name": page.title,
        "url": url,
        "kind": "homestay",
        "summary": summary,
        "county": page.county,
        "grade": page.grade,
        "capacity": page.total_capacity,
    }
    if page.min_price is not None:
        props["price_from"] = page.min_price
        props["meta"] = props["price"] = page.price_label + gettext("/晚")
    if page.phone:
        props["phone"] = page.phone  # the listing's public number: tap-to-call from a route's cards, offline too
    if thumbnail:
        props["thumbnail"] = thumbnail
    return feature(page.location, **props)


def public_listings():
    """Live listings outside private sections, each once: in the active language, else the default one."""
    return in_active_language(public(HomestayPage.objects.live()))


def homestay_features(keys: list[str] | None = None) -> list[dict]:
    """The "homestays" layer, or the listings of the translation keys `keys` alone (a publish)."""
    listings = public_listings().exclude(location__isnull=True)
    if keys is not None:
        listings = listings.filter(translation_key__in=keys)
    features = []
    for page in listings.for_cards().order_by("path"):
        url = page.get_url()
        if page.location and url:
            feat = homestay_feature(page, url, rendition_url(page.image, THUMB_SPEC))
            feat["id"] = str(page.translation_key)  # one key for a listing in every language
            features.append(feat)
    return features


def homestay_keys(instance) -> list[str] | None:
    """The layer features a changed listing shows: its own, in every language."""
    return [str(instance.translation_key)] if isinstance(instance, HomestayPage) else None


def featured_homestays(limit: int = 3, request=None) -> list:
    """The home page's 河湟精品民宿 section: live, public, featured listings in tree order."""
    return list(public_listings().filter(featured=True).order_by("path")[:limit])  # the block attaches the pictures


def route_options() -> dict[str, dict]:
    """The routes a visitor can pick, from the "routes" map layer (never the routes app's models):
    {slug: {"name", "url", "colour", "geometry"}} keyed by the last part of the route's URL."""
    if "routes" not in registry.layers:
        return {}
    options = {}
    for feat in layer_payload("routes")["features"]:
        props = feat.get("properties") or {}
        url = props.get("url") or ""
        key = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        if key and feat.get("geometry") and key not in options:
            options[key] = {"name": props.get("name") or key, "url": url, "colour": props.get("colour") or "#c2410c", "geometry": feat["geometry"]}
    return options


def matching(listings, filters: dict, route: dict | None, place) -> tuple:
    """The listings of `listings` that the index's filters keep, as a query (so a page of them is
    read, never all), with the distances the route and place filters measured, {key: km} or None.
    Distances come from the stored "homestays" layer, the rows near the line or place alone."""
    if "county" in filters:
        listings = listings.filter(county=filters["county"])
    if "grade" in filters:
        listings = listings.filter(grade=filters["grade"])
    # A listing matches a price range when one of its rooms could: its own range overlaps.
    if "price_min" in filters:
        listings = listings.filter(max_price__gte=filters["price_min"])
    if "price_max" in filters:
        listings = listings.filter(min_price__lte=filters["price_max"])
    if "checkin" in filters:
        # A room type free for every night of the stay, with beds enough among the free ones.
        listings = with_free_capacity(listings, filters["checkin"], filters["checkout"], filters.get("guests"))
    elif "guests" in filters:
        listings = listings.filter(total_capacity__gte=filters["guests"])
    for code in filters.get("amenities", []):
        listings = listings.filter(amenities__has=code)
    route_km = place_km = None
    if route:
        route_km = distances("homestays", route["geometry"], filters["km"])
        listings = listings.filter(translation_key__in=list(route_km))
    if place:
        place_km = distances("homestays", place.geometry, NEAR_KM)
        listings = listings.filter(translation_key__in=list(place_km))
    return listings, route_km, place_km


# The index's filters that narrow the map's layer too (sorting and paging do not), by their names
# on the layer API, where `near` and `km` already mean a position and a radius.
FILTERS = {"county": "county", "grade": "grade", "price_min": "price_min", "price_max": "price_max", "checkin": "checkin", "checkout": "checkout"}
FILTERS.update({"guests": "guests", "amenities": "amenities", "route": "route", "km": "route_km", "near": "near_place"})


def map_query(filters: dict) -> str:
    """The index's accepted filters as the query its map adds to the layer requests."""
    return urlencode({FILTERS[name]: value for name, value in filters.items() if name in FILTERS}, doseq=True)


def select_listings(params):
    """The index's filters on /api/geo/homestays.geojson (?county=…&checkin=…&route=…&route_km=…&near_place=…, map_query): the houses
    the index lists for them, so its map shows the matches through the layer API, not inline. The
    key is a hash of the matching listings, so the ETag changes exactly when the answer does,
    whoever changed the nights."""
    index_names = {api: name for name, api in FILTERS.items()}
    data = QueryDict(mutable=True)
    for api, name in index_names.items():
        if api in params:
            data.setlist(name, params.getlist(api))
    if not data:
        return None
    routes = route_options()
    form = HomestayFilterForm(data, routes=routes)
    filters = form.filters()
    if form.has_invalid_values():
        raise ValueError(" ".join(form.notes()) or gettext("筛选条件无效。"))
    listings, _route_km, _place_km = matching(public_listings(), filters, routes.get(filters.get("route", "")), form.near_place if "near" in filters else None)
    return selection(listings.values_list("translation_key", flat=True))

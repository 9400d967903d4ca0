"""Public views: the index (filters, sorting, list and map), a listing, and the inquiry form.

Query budget: the index runs a fixed handful of queries whatever the number of listings (one for
the matching pages, one for their images, one for the renditions, plus Wagtail's site and privacy
look-ups); a listing page fetches its rooms, gallery and every picture in bulk.
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from wagtail.models import Page

from homestays.forms import HomestayFilterForm, InquiryForm
from homestays.layers import homestay_feature
from homestays.models import (
    NEARBY_ROUTES_KM,
    THUMB_SPEC,
    Amenity,
    HomestayIndexPage,
    HomestayPage,
    Inquiry,
)
from homestays.notifications import send_inquiry_notice
from portal.geo import distance_to_geometry_km, feature, haversine_km
from portal.i18n import children_in_language
from portal.images import load_images, rendition_url, set_images
from portal.layers import layer_payload, nearby
from portal.middleware import client_ip
from portal.perf import public
from portal.places import NEAR_KM
from portal.registry import registry

logger = logging.getLogger(__name__)

DEFAULT_INQUIRY_RATE = "5/10m"


def feature_collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


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


def index_context(index: HomestayIndexPage, request) -> dict:
    routes = route_options()
    form = HomestayFilterForm(request.GET, routes=routes)
    filters = form.filters()

    listings = children_in_language(public(HomestayPage.objects.live()), index)
    if "county" in filters:
        listings = listings.filter(county=filters["county"])
    if "grade" in filters:
        listings = listings.filter(grade=filters["grade"])
    # A listing matches a price range when one of its rooms could: its own range overlaps.
    if "price_min" in filters:
        listings = listings.filter(max_price__gte=filters["price_min"])
    if "price_max" in filters:
        listings = listings.filter(min_price__lte=filters["price_max"])
    if "guests" in filters:
        listings = listings.filter(total_capacity__gte=filters["guests"])
    for code in filters.get("amenities", []):
        listings = listings.filter(amenities__has=code)

    sort = filters.get("sort", "")
    if sort == "price":
        listings = listings.order_by(F("min_price").asc(nulls_last=True), "path")
    elif sort == "-price":
        listings = listings.order_by(F("min_price").desc(nulls_last=True), "path")
    else:
        listings = listings.order_by("-featured", "path")
    listings = list(listings.for_cards())

    route = routes.get(filters.get("route", ""))
    place = form.near_place if "near" in filters else None
    if route:
        # No GIS: the distance to a line is computed here, on the few hundred listings at most.
        km = filters["km"]
        near = []
        for item in listings:
            if item.location:
                item.distance_km = distance_to_geometry_km(item.location["coordinates"], route["geometry"])
                if item.distance_km <= km:
                    near.append(item)
        listings = near
        if sort == "distance" and not place:
            listings.sort(key=lambda item: item.distance_km)
    if place:
        # "Near 塔尔寺": within NEAR_KM of the stop, nearest first unless a price order was asked for.
        within = []
        for item in listings:
            if item.location:
                item.near_km = haversine_km(item.location["coordinates"], place.geometry["coordinates"])
                if item.near_km <= NEAR_KM:
                    within.append(item)
        listings = within
        if sort in ("", "distance"):
            listings.sort(key=lambda item: item.near_km)

    features = []
    if route:
        features.append(feature(route["geometry"], name=route["name"], url=route["url"], kind="route", colour=route["colour"]))
    if place:
        features.append(feature(place.geometry, name=place.name, url=place.url, kind=place.kind, kind_label=place.kind_label, summary=" · ".join(place.routes)))
    for item in listings:
        item.thumb_url = rendition_url(item.image, THUMB_SPEC)
        if item.location:
            features.append(homestay_feature(item, item.get_url(request), item.thumb_url))

    page_obj = Paginator(listings, index.per_page).get_page(request.GET.get("page"))
    removable = []
    labels = {
        "county": _("县区"),
        "grade": _("等级"),
        "price_min": _("最低价"),
        "price_max": _("最高价"),
        "guests": _("人数"),
        "amenities": _("设施"),
        "route": _("线路"),
        "near": _("离…最近"),
    }
    for name, label in labels.items():
        if name in filters:
            removable.append({"label": label, "query": form.querystring(without=name)})
    return {
        "filter_form": form.clean_form(),
        "filters": filters,
        **form.context(),
        "filter_query": form.querystring(),
        "removable_filters": removable,
        "homestays": page_obj,
        "paginator": page_obj.paginator,
        "homestay_count": len(listings),
        "homestays_geo": feature_collection(features),
        "selected_route": route,
        "near_place": place,
        "near_km": NEAR_KM,
        "route_count": len(routes),
        "amenity_choices": Amenity.choices,
    }


def homestay_context(page: HomestayPage, request, form: InquiryForm | None = None) -> dict:
    rooms = list(page.rooms.all())
    gallery = list(page.gallery_images.all())
    image_ids = [page.image_id, page.share_image_id, *(g.image_id for g in gallery)]
    for room in rooms:
        image_ids.extend(room.photo_ids)
    images = load_images(image_ids)  # every picture on the page with its renditions, one query
    set_images([page], images)  # so the share image and JSON-LD in <head> reuse them
    for room in rooms:
        room.pictures = [images[i] for i in room.photo_ids if i in images]
    for item in gallery:
        item.picture = images.get(item.image_id)

    url = page.get_url(request) or ""
    features = []
    nearby_routes = []
    if page.location:
        for distance, feat in nearby("routes", page.location, NEARBY_ROUTES_KM):
            props = feat.get("properties") or {}
            nearby_routes.append({**props, "distance_km": round(distance, 1)})
            features.append(feat)
        features.append(homestay_feature(page, url))
    from portal.perf import ancestor_page

    index = ancestor_page(page)
    return {
        "rooms": rooms,
        "gallery": [g for g in gallery if g.picture is not None],
        "hero": images.get(page.image_id),
        "nearby_routes": nearby_routes,
        "nearby_km": NEARBY_ROUTES_KM,
        "homestay_geo": feature_collection(features),
        "inquiry_form": form or InquiryForm(listing=page),
        "inquire_url": page.inquire_url(request),
        "index_url": index.get_url(request) if index else "",
    }


# --------------------------------------------------------------------------------- inquiries


def _client_ip(request) -> str | None:
    # Behind the proxies PORTAL_TRUSTED_PROXY_COUNT describes; the rate limit keys on the same.
    return client_ip(request) or None


def _inquiry_rate(group, request) -> str:
    return getattr(settings, "HOMESTAYS_INQUIRY_RATE", DEFAULT_INQUIRY_RATE)


def _base_context(page, request) -> dict:
    """Wagtail's own page context without the listing's rooms, gallery and map."""
    return Page.get_context(page, request)


def _render_form_page(page, request, form, status=200):
    """The inquiry form on a page of its own: what visitors without JavaScript use, and where a
    form with errors comes back. Never cached: it carries this visitor's CSRF token."""
    context = _base_context(page, request)
    context.update({"inquiry_form": form, "inquire_url": page.inquire_url(request)})
    response = TemplateResponse(request, "homestays/inquiry_form_page.html", context, status=status)
    add_never_cache_headers(response)
    return response


def inquire(page: HomestayPage, request):
    """GET: the form page (or, for the listing page's script, a CSRF token and a form token as
    JSON). POST: rate limit → honeypot → validate → save once per form token → e-mail the owner →
    thank-you page.

    The listing page itself carries no tokens so that it can be cached for everyone; its script
    fetches them from here before the visitor submits. The form token is what makes a double
    submit one inquiry; the form page renders its own.
    """
    if request.method == "POST":
        return _inquiry_post(page, request)
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse({"error": "method not allowed"}, status=405)
        response["Allow"] = "GET, POST"
        return response
    if request.GET.get("format") == "token":
        response = JsonResponse({"csrfToken": get_token(request), "formToken": str(uuid.uuid4())})
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        return response
    return _render_form_page(page, request, InquiryForm(listing=page, initial={"form_token": uuid.uuid4()}))


def _save_once(inquiry: Inquiry, token) -> bool:
    """Save a new inquiry under its form token; False when that token was already used for this
    listing (a double submit). The unique constraint decides, not a look-up first: two submits
    racing on PostgreSQL both pass any check, and only one INSERT can win. The savepoint keeps a
    surrounding transaction usable after the losing INSERT."""
    if token is not None:
        inquiry.form_token = token
        try:
            with transaction.atomic():
                inquiry.save()
            return True
        except IntegrityError:
            listing_id = Inquiry.objects.filter(form_token=token).values_list("listing_id", flat=True).first()
            if listing_id == inquiry.listing_id:
                return False
            # The token was issued for another listing: it must not hide this inquiry, which is
            # kept without one.
            logger.warning("Inquiry form token reused across listings (now listing %s)", inquiry.listing_id)
            inquiry.pk = None
            inquiry.form_token = None
    inquiry.save()
    return True


def _inquiry_post(page, request):
    if is_ratelimited(request, group="homestays.inquiry", key="ip", rate=_inquiry_rate, method="POST", increment=True):
        logger.info("Inquiry rate limit hit for %s on listing %s", _client_ip(request), page.pk)
        response = TemplateResponse(request, "homestays/inquiry_limited.html", _base_context(page, request), status=429)
        response["Retry-After"] = "600"
        add_never_cache_headers(response)
        return response

    form = InquiryForm(request.POST, listing=page)
    if form.honeypot_triggered():
        # A bot filled the hidden field: answer as if it worked, keep nothing.
        logger.info("Inquiry honeypot filled from %s on listing %s", _client_ip(request), page.pk)
        return redirect(page.get_url(request) + page.reverse_subpage("inquiry_sent").lstrip("/"))
    if not form.is_valid():
        return _render_form_page(page, request, form, status=400)
    inquiry = form.save(commit=False)
    inquiry.listing = page
    inquiry.ip = _client_ip(request)
    # Saved first: whatever happens to the e-mail, the inquiry is kept. A repeated form token
    # answers like the first submit did and stores and sends nothing.
    if _save_once(inquiry, form.cleaned_data.get("form_token")):
        send_inquiry_notice(inquiry)
    return redirect(page.get_url(request) + page.reverse_subpage("inquiry_sent").lstrip("/"))


def inquiry_sent(page: HomestayPage, request):
    context = _base_context(page, request)
    return TemplateResponse(request, "homestays/inquiry_sent.html", context)

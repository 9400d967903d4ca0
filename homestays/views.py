"""Public views: the index (filters, sorting, list and map), a listing, and the inquiry form.

Query budget: the index runs a fixed handful of queries whatever the number of listings (one for
the matching pages, one for their images, one for the renditions, plus Wagtail's site and privacy
look-ups); a listing page fetches its rooms, gallery and every picture in bulk.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from wagtail.models import Page

from homestays.availability import CALENDAR_DAYS, calendar_days, night_status, quotes, season_map, source_rooms
from homestays.forms import HomestayFilterForm, InquiryForm, StayForm
from homestays.layers import homestay_feature, map_query, matching, route_options
from homestays.licences import local_midnight, next_badge_change, public_licences
from homestays.models import (
    NEARBY_ROUTES_KM,
    THUMB_SPEC,
    Amenity,
    HomestayIndexPage,
    HomestayPage,
    HomestayRoom,
    Inquiry,
    RoomNight,
    SeasonPeriod,
)
from homestays.notifications import send_inquiry_notice
from portal.geo import feature
from portal.i18n import children_in_language, default_language
from portal.images import load_images, rendition_url, set_images
from portal.layers import nearby
from portal.middleware import client_ip
from portal.perf import ancestor_page, changes_at, public
from portal.places import NEAR_KM
from portal.registry import registry

logger = logging.getLogger(__name__)

DEFAULT_INQUIRY_RATE = "5/10m"


def feature_collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def index_context(index: HomestayIndexPage, request) -> dict:
    routes = route_options()
    form = HomestayFilterForm(request.GET, routes=routes)
    filters = form.filters()
    route = routes.get(filters.get("route", ""))
    place = form.near_place if "near" in filters else None
    stay = (filters["checkin"], filters["checkout"]) if "checkin" in filters else None
    listings, route_km, place_km = matching(children_in_language(public(HomestayPage.objects.live()), index), filters, route, place)

    sort = filters.get("sort", "")
    if sort == "price":
        listings = listings.order_by(F("min_price").asc(nulls_last=True), "path")
    elif sort == "-price":
        listings = listings.order_by(F("min_price").desc(nulls_last=True), "path")
    else:
        listings = listings.order_by("-featured", "path")
    # "Near 塔尔寺": nearest first unless a price order was asked for; "by distance" to a route.
    by_distance = place_km if place and sort in ("", "distance") else route_km if route and sort == "distance" else None
    if by_distance is not None:
        # The matches' keys (one column), ordered by the distance measured; then that page's listings.
        keys = sorted((str(key) for key in listings.values_list("translation_key", flat=True)), key=lambda key: (by_distance.get(key, 0.0), key))
        page_obj = index.paginate(request, keys)
        found = {str(item.translation_key): item for item in listings.filter(translation_key__in=list(page_obj)).for_cards()}
        page_obj.object_list = [found[key] for key in page_obj if key in found]
    else:
        page_obj = index.paginate(request, listings.for_cards())
    for item in page_obj:
        item.thumb_url = rendition_url(item.image, THUMB_SPEC)
        if route_km is not None:
            item.distance_km = route_km.get(str(item.translation_key), 0.0)
        if place_km is not None:
            item.near_km = place_km.get(str(item.translation_key), 0.0)

    # The map draws the matches from the layer API with these filters; the page carries only the
    # route or the place they were measured from.
    features = []
    if route:
        features.append(feature(route["geometry"], name=route["name"], url=route["url"], kind="route", colour=route["colour"]))
    if place:
        features.append(feature(place.geometry, name=place.name, url=place.url, kind=place.kind, kind_label=place.kind_label, summary=" · ".join(place.routes)))

    if stay:
        attach_stay_quotes(list(page_obj), *stay, filters.get("guests"))
        # Dates are only accepted from today on: a shared copy must not outlive the day.
        changes_at(local_midnight(timezone.localdate() + dt.timedelta(days=1)))
    removable = []
    labels = {
        "county": _("县区"),
        "grade": _("等级"),
        "price_min": _("最低价"),
        "price_max": _("最高价"),
        "checkin": _("日期"),
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
        "homestay_count": page_obj.paginator.count,
        "homestays_geo": feature_collection(features),
        "map_query": map_query(filters),
        "stay": stay,
        "stay_query": urlencode({k: filters[k] for k in ("checkin", "checkout", "guests") if k in filters}) if stay else "",
        "selected_route": route,
        "near_place": place,
        "near_km": NEAR_KM,
        "route_count": len(routes),
        "amenity_choices": Amenity.choices,
    }


def attach_stay_quotes(listings: list, checkin, checkout, guests=None) -> None:
    """`stay_price` (the cheapest free room type's total for the stay) on each listing shown: three
    queries for the whole page of results (rooms, seasons, taken nights), never one per listing."""

    ids = [item.pk for item in listings]
    rooms, seasons, sources = {}, {}, {}
    for room in HomestayRoom.objects.filter(page_id__in=ids).order_by("sort_order", "pk"):
        rooms.setdefault(room.page_id, []).append(room)
    for period in SeasonPeriod.objects.filter(page_id__in=ids, end__gte=checkin, start__lt=checkout):
        seasons.setdefault(period.page_id, []).append(period)
    # Nights are kept on the default-language page's rooms (availability.source_rooms): matched
    # by translation key and position, so an English listing shows the same free rooms.
    keys = {item.translation_key for item in listings}
    source = HomestayRoom.objects.filter(page__translation_key__in=keys, page__locale__language_code=default_language())
    for room_id, key in source.order_by("sort_order", "pk").values_list("pk", "page__translation_key"):
        sources.setdefault(key, []).append(room_id)
    nights_of: dict = {}
    for room_id, date, status in RoomNight.objects.filter(
        room_id__in=[r for ids_ in sources.values() for r in ids_], date__gte=checkin, date__lt=checkout
    ).values_list("room_id", "date", "status"):
        nights_of.setdefault(room_id, {})[date] = status
    taken: dict = {}
    for item in listings:
        for position, room in enumerate(rooms.get(item.pk, [])):
            source_ids = sources.get(item.translation_key, [])
            if position < len(source_ids):
                taken[room.pk] = nights_of.get(source_ids[position], {})
    for item in listings:
        free = [q for q in quotes(rooms.get(item.pk, []), seasons.get(item.pk, []), checkin, checkout, taken) if q.free]
        fitting = [q for q in free if not guests or q.room.capacity >= guests] or free
        item.stay_quote = min(fitting, key=lambda q: q.total) if fitting else None


def stay_context(page: HomestayPage, request, rooms: list) -> dict:
    """The listing's next CALENDAR_DAYS nights, and for ?checkin=&checkout= the price and the free
    room types for those dates. Four queries at most, whatever the number of rooms."""
    form = StayForm(request.GET)
    filters = form.filters()
    today = timezone.localdate()
    end = today + dt.timedelta(days=CALENDAR_DAYS)
    checkin, checkout = filters.get("checkin"), filters.get("checkout")
    last = max(end, checkout) if checkout else end
    sources = source_rooms(page, rooms)
    found = night_status(list(sources.values()), today, last)
    taken = {room.pk: found.get(sources[room.pk].pk, {}) for room in rooms if room.pk in sources}
    # 旺季 and 节庆 periods change a price only for rooms that have such a price.
    seasons = list(page.seasons.all()) if any(r.peak_price or r.festival_price for r in rooms) else []
    days = calendar_days(rooms, today, taken=taken)
    # One read of the festivals for the calendar and the chosen stay, which may run past it.
    found_marks = registry.marks_between(today, last - dt.timedelta(days=1))
    marks = [m for m in found_marks if m["start"] < end]
    festival = {}
    for mark in marks:
        day = max(mark["start"], today)
        while day <= mark["end"] and day < end:
            festival.setdefault(day, mark["title"])
            day += dt.timedelta(days=1)
    priced = season_map(seasons, today, end)
    for day in days:
        kind = priced.get(day["date"], ("", ""))[0]
        free_prices = [r.price_on(day["date"], kind or None) for r in rooms if day["date"] not in taken.get(r.pk, {})]
        day["price"] = min(free_prices) if free_prices else None
        day["festival"] = festival.get(day["date"], "")
        day["season"] = kind
        day["weekend"] = day["date"].weekday() >= 5
    months = []
    for day in days:
        if not months or months[-1]["first"].month != day["date"].month:
            months.append({"first": day["date"].replace(day=1), "lead": range(day["date"].weekday()), "days": []})
        months[-1]["days"].append(day)
    stay = None
    if checkin:
        stay_quotes = quotes(rooms, seasons, checkin, checkout, taken)
        guests = filters.get("guests")
        free = [q for q in stay_quotes if q.free]
        stay = {
            "checkin": checkin,
            "checkout": checkout,
            "guests": guests,
            "nights": (checkout - checkin).days,
            "quotes": stay_quotes,
            "free": free,
            "full": not free,
            "too_many": bool(guests) and sum(q.room.capacity for q in free) < guests,
            "festival": [m for m in found_marks if m["start"] < checkout and m["end"] >= checkin],
        }
    # The calendar starts today: a shared copy must not outlive the day (Xining's midnight).
    changes_at(local_midnight(today + dt.timedelta(days=1)))
    blocked = {r.pk: sorted(d.isoformat() for d in taken.get(r.pk, {})) for r in rooms}
    return {
        "stay_form": form.clean_form(),
        "stay_notes": form.notes(),
        "stay": stay,
        "availability_months": months,
        "availability_data": {"from": today.isoformat(), "to": last.isoformat(), "rooms": {str(k): v for k, v in blocked.items()}},
        "festival_marks": marks,
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

    index = ancestor_page(page)
    context = stay_context(page, request, rooms)
    licences, licence_notes = public_licences(page)
    changes_at(next_badge_change(page))  # a badge goes when its licence expires, with no purge
    if form is None:
        stay = context["stay"]
        initial = {"arrival": stay["checkin"], "departure": stay["checkout"], "guests": stay["guests"]} if stay else {}
        form = InquiryForm(listing=page, rooms=rooms, initial=initial)
    return {
        **context,
        "licences": licences,
        "licence_notes": licence_notes,
        "rooms": rooms,
        "gallery": [g for g in gallery if g.picture is not None],
        "hero": images.get(page.image_id),
        "nearby_routes": nearby_routes,
        "nearby_km": NEARBY_ROUTES_KM,
        "homestay_geo": feature_collection(features),
        "inquiry_form": form,
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
    sent = page.get_url(request) + page.reverse_subpage("inquiry_sent").lstrip("/")
    return redirect(sent + ("?full=1" if form.full_warning else ""))


def inquiry_sent(page: HomestayPage, request):
    context = _base_context(page, request)
    context["dates_full"] = request.GET.get("full") == "1"
    return TemplateResponse(request, "homestays/inquiry_sent.html", context)

"""The routes' map layers and home-page collection, registered with portal.registry in apps.py."""

from __future__ import annotations

from django.db.models import Prefetch

from portal.geo import feature
from portal.i18n import in_active_language
from portal.perf import public
from routes.models import THUMB_RENDITION, RoutePage, RouteStop, _renditions


def _live_routes():
    """Live, public routes, each once: in the active language, else in the default one (portal.i18n)."""
    return in_active_language(public(RoutePage.objects.live()))


def _thumb(image) -> str:
    return image.get_rendition(THUMB_RENDITION).url if image else ""


def route_features() -> list[dict]:
    routes = (
        _live_routes()
        .exclude(geometry__isnull=True)
        .select_related("hero_image", "locale")
        .prefetch_related(Prefetch("hero_image__renditions", queryset=_renditions(THUMB_RENDITION)))
        .order_by("path")
    )
    return [
        feature(
            r.geometry,
            name=r.title,
            url=r.get_url(),
            kind="route",
            colour=r.colour,
            length_km=round(r.length_km, 1),
            max_alt_m=r.max_alt_m,
            nearby_km=float(r.nearby_km or 5),
            summary=r.summary,
            thumbnail=_thumb(r.hero_image),
        )
        for r in routes
    ]


def stop_features() -> list[dict]:
    pages = _live_routes()
    stops = (
        RouteStop.objects.filter(page__in=pages)
        .select_related("page", "page__locale", "image")
        .prefetch_related(Prefetch("image__renditions", queryset=_renditions(THUMB_RENDITION)))
        .order_by("page__path", "sort_order", "pk")
    )
    features, numbers, urls = [], {}, {}
    for stop in stops:
        n = numbers[stop.page_id] = numbers.get(stop.page_id, 0) + 1
        if not stop.location:
            continue
        if stop.page_id not in urls:
            urls[stop.page_id] = stop.page.get_url()
        features.append(
            feature(
                stop.location,
                name=stop.name,
                url=f"{urls[stop.page_id]}#stop-{n}",
                kind=stop.kind,
                number=n,
                route=stop.page.title,
                colour=stop.page.colour,
                summary=stop.description[:120],
                location_checked=stop.location_checked,
                thumbnail=_thumb(stop.image),
            )
        )
    return features


def featured_routes(limit: int = 3, request=None) -> list:
    """The home page's routes section; its block attaches the cards' pictures (portal.images)."""
    return list(_live_routes().select_related("locale").order_by("path")[:limit])


def routes_linking(instance) -> list:
    """Routes whose itinerary links the page (a stop's homestay or product shows its title there)."""
    from wagtail.models import Page

    if not isinstance(instance, Page):
        return []
    return list(RoutePage.objects.filter(stops__link_page=instance.pk).distinct())

"""Where an alert shows: its map layer, the pages of the routes it touches, the home page, and
which pages to purge when an editor saves one.

An alert on a route is tied to the route's page in any language (its translation key), so the
English copy warns too. An area alert shows on every route whose line passes within its radius,
read from the layers like any "nearby" relation.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from portal.geo import distance_to_geometry_km, feature, iter_lines, point
from portal.layers import layer_payloads
from portal.perf import changes_at
from portal.registry import registry
from reports.models import SHOWN_AHEAD as AHEAD
from reports.models import Alert, next_change_of


def _features_by_url() -> dict[str, dict]:
    names = [layer.name for layer in registry.ordered_layers() if layer.name != "alerts"]
    return {(f.get("properties") or {}).get("url"): f for payload in layer_payloads(names).values() for f in payload["features"]}


def _line_middle(geometry: dict) -> list[float] | None:
    lines = list(iter_lines(geometry))
    if not lines or not lines[0]:
        return None
    line = max(lines, key=len)
    return line[len(line) // 2][:2]


def localized_pages(alerts, known=()) -> dict:
    """translation_key → the live page in the active language (else the alert's own page), for
    every alert on a page, in one query; `known` pages (the page being shown) need none."""
    from django.utils.translation import get_language
    from wagtail.models import Locale

    found = {page.translation_key: page for page in known}
    language = (get_language() or "").lower()
    for alert in alerts:  # an alert on a page of the visitor's language needs no look-up
        if alert.page_id and alert.page.live and alert.page.locale.language_code.lower() == language:
            found.setdefault(alert.page.translation_key, alert.page)
    keys = {a.page.translation_key for a in alerts if a.page_id} - set(found)
    if keys:
        try:
            locale = Locale.get_active()
        except Locale.DoesNotExist:  # pragma: no cover - a site with no locale row
            locale = None
        if locale is not None:
            for page in Page.objects.live().filter(translation_key__in=keys, locale=locale):
                found[page.translation_key] = page
        for alert in alerts:
            if alert.page_id and alert.page.live:
                found.setdefault(alert.page.translation_key, alert.page)
    return found


def where(alert: Alert, features: dict[str, dict], pages: dict) -> tuple[dict | None, dict | None]:
    """(point to mark the alert at, geometry of the route it is on) for the active language."""
    if alert.area:
        return alert.area, None
    page = pages.get(alert.page.translation_key) if alert.page_id else None
    url = page.url if page else None
    if not url:
        return None, None
    route = features.get(url)
    if alert.stop:
        stop = features.get(f"{url}#stop-{alert.stop}")
        if stop and (stop.get("geometry") or {}).get("type") == "Point":
            return stop["geometry"], (route or {}).get("geometry")
    if route:
        middle = _line_middle(route.get("geometry") or {})
        return (point(*middle) if middle else None), route.get("geometry")
    return None, None


def alert_url(alert: Alert, pages: dict) -> str:
    from django.urls import reverse

    page = pages.get(alert.page.translation_key) if alert.page_id else None
    if page is not None and page.url:
        return f"{page.url}#alert-{alert.pk}"
    return reverse("alert_list") + f"#alert-{alert.pk}"


def when_text(alert: Alert) -> str:
    start, end = timezone.localtime(alert.starts_at), timezone.localtime(alert.ends_at)
    return _("%(start)s 至 %(end)s") % {"start": start.strftime("%m-%d %H:%M"), "end": end.strftime("%m-%d %H:%M")}


def alert_features() -> list[dict]:
    """The `alerts` layer: alerts in force or starting within two days, at their stop, area or route."""
    features = _features_by_url()
    found = []
    alerts = list(Alert.objects.shown().select_related("page", "page__locale").order_by("starts_at", "pk"))
    pages = localized_pages(alerts)
    for alert in alerts:
        geometry, _line = where(alert, features, pages)
        if geometry is None:
            continue
        props = {
            "name": alert.display_title,
            "kind": f"alert-{alert.kind}",
            "url": alert_url(alert, pages),
            "summary": f"{when_text(alert)} · {alert.display_body[:120]}".strip(" ·"),
            "starts": alert.starts_at.isoformat(),
            "ends": alert.ends_at.isoformat(),
        }
        if alert.area:
            props["radius_km"] = float(alert.radius_km)
        if alert.upcoming:
            props["meta"] = _("即将开始")
        found.append(feature(geometry, **props))
    return found


def next_change():
    return Alert.objects.next_change()


CACHE_KEY = "reports:alerts-pending"
CACHE_SECONDS = 300


def forget_cached(**kwargs) -> None:
    """post_save/post_delete of an alert: the next page reads the alerts again (after the commit
    too, so a read racing the editor's transaction cannot keep the old list)."""
    from django.db import transaction

    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def pending(now, keep=None) -> tuple[list[Alert], object]:
    """(alerts shown now, the next time that changes); `keep(alerts)` chooses the alerts that
    matter (those of one route), so another route's alert does not shorten its cache.

    The alerts not yet ended are read once and kept in the cache (Redis in production) until one is
    saved or deleted, or CACHE_SECONDS pass: every page shows them, and without this each page's
    render would pay a query for what rarely changes."""
    ahead = AHEAD
    alerts = cache.get(CACHE_KEY)
    if alerts is None:
        alerts = list(Alert.objects.filter(ends_at__gt=now).select_related("page", "page__locale").order_by("starts_at", "pk"))
        cache.set(CACHE_KEY, alerts, CACHE_SECONDS)
    alerts = [a for a in alerts if a.ends_at > now]
    if keep is not None:
        alerts = keep(alerts)
    return [a for a in alerts if a.starts_at <= now + ahead], next_change_of([(a.starts_at, a.ends_at) for a in alerts], now)


def _touches(alert: Alert, page: Page, features: dict) -> bool:
    if alert.page_id:
        return alert.page.translation_key == page.translation_key
    route = features.get(page.url)
    if route is None or not alert.area:
        return False
    lon, lat = alert.area["coordinates"][:2]
    return distance_to_geometry_km((lon, lat), route.get("geometry")) <= float(alert.radius_km)


def alerts_for(page, limit: int = 5) -> list[Alert]:
    """The alerts a page shows: every one on a site's home page, else those on this route (its
    stops included) or on an area its line passes through. The response is shared by the proxy
    only until the next of them starts or ends."""
    cached = getattr(page, "_portal_alerts", None)  # the page's template and its offline pack both ask
    if cached is None:

        def on_this_page(alerts):
            if page.depth <= 2:  # a home page shows every alert
                return alerts
            features = _features_by_url() if any(a.area for a in alerts) else {}
            return [a for a in alerts if _touches(a, page, features)]

        shown, until = pending(timezone.now(), on_this_page)
        pages = localized_pages(shown, known=[page])
        for alert in shown:
            alert.url = alert_url(alert, pages)
        cached = page._portal_alerts = (shown, until)
    shown, until = cached
    changes_at(until)
    return shown[:limit] if limit else list(shown)


def pages_showing(alert: Alert) -> list:
    """What to purge when an alert is saved or deleted: its route in every language, the routes
    its area touches, and the home pages."""
    pages = []
    if alert.page_id:
        pages.extend(alert.page.get_translations(inclusive=True).live())
    if alert.area:
        lon, lat = alert.area["coordinates"][:2]
        line_layers = [layer.name for layer in registry.ordered_layers() if layer.name != "alerts"]
        for payload in layer_payloads(line_layers).values():
            for feat in payload["features"]:
                geometry = feat.get("geometry") or {}
                if geometry.get("type") in ("LineString", "MultiLineString") and distance_to_geometry_km((lon, lat), geometry) <= float(alert.radius_km):
                    url = (feat.get("properties") or {}).get("url")
                    if url:
                        pages.append(url)
    pages.extend(Page.objects.filter(depth=2).live())
    from django.urls import reverse
    from django.utils import translation

    for code in ("zh-hans", "en"):
        with translation.override(code):
            pages.extend([reverse("alert_list"), reverse("alert_feed")])
    return pages

"""What the homestays app offers the rest of the portal: the "homestays" map layer and the
"featured_homestays" home-page collection, registered from HomestaysConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext

from homestays.availability import with_free_capacity
from homestays.forms import StayForm
from homestays.models import THUMB_SPEC, HomestayPage
from portal.geo import feature
from portal.i18n import in_active_language
from portal.images import rendition_url
from portal.perf import public


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


def homestay_features() -> list[dict]:
    features = []
    for page in public_listings().exclude(location__isnull=True).for_cards().order_by("path"):
        url = page.get_url()
        if page.location and url:
            features.append(homestay_feature(page, url, rendition_url(page.image, THUMB_SPEC)))
    return features


def featured_homestays(limit: int = 3, request=None) -> list:
    """The home page's 河湟精品民宿 section: live, public, featured listings in tree order."""
    return list(public_listings().filter(featured=True).order_by("path")[:limit])  # the block attaches the pictures


def select_free(params):
    """?checkin=&checkout=&guests= on /api/geo/homestays.geojson: only the houses with a room free
    for the whole stay (the same rule as the index). The key is a hash of the matching URLs, so the
    ETag changes exactly when the answer does, whoever changed the nights."""
    import hashlib

    from django.utils.translation import gettext as _

    if not params.get("checkin") and not params.get("checkout"):
        return None
    form = StayForm(params)
    filters = form.filters()
    if form.has_invalid_values() or "checkin" not in filters:
        raise ValueError(" ".join(form.notes()) or _("入住和离店日期无效。"))
    free = with_free_capacity(public_listings(), filters["checkin"], filters["checkout"], filters.get("guests"))
    urls = {page.get_url() for page in free.defer_streamfields().order_by("path")}
    key = hashlib.sha256("\n".join(sorted(u for u in urls if u)).encode()).hexdigest()[:16]
    return key, lambda feat: (feat.get("properties") or {}).get("url") in urls

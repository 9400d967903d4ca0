"""Being found and shared: JSON-LD, Open Graph, hreflang, sitemap, robots.txt and QR codes.

Pages describe themselves (`BasePage.get_structured_data`); base.html renders it for every page, so
the subject apps never repeat the markup plumbing.
"""

from __future__ import annotations

import io
import json

import segno
from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page

SCHEMA = "https://schema.org"


def json_ld(data) -> str:
    """A <script type="application/ld+json"> block; '<', '>' and '&' escaped so text can't end it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 - escaped above


def breadcrumb_list(page, request, trail=()) -> dict:
    """The page's ancestors and itself as a BreadcrumbList; `trail` adds (name, full URL) pairs after
    it, for the routes a page serves below its own URL (a station under /products/stations/)."""
    frame = getattr(page, "portal_frame", None)
    if frame is not None and frame.page is not None and frame.page.pk == page.pk and frame.home.depth == 2:
        crumbs = frame.ancestors  # fetched with the page itself (portal/perf.py)
    else:
        crumbs = list(page.get_ancestors(inclusive=True).filter(depth__gt=1).only("id", "title", "url_path", "depth", "path"))
    items = [(crumb.title, crumb.get_full_url(request)) for crumb in crumbs] + list(trail)
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [{"@type": "ListItem", "position": i, "name": name, "item": url} for i, (name, url) in enumerate(items, 1)],
    }


def geo(location: dict | None) -> dict | None:
    if not location or location.get("type") != "Point":
        return None
    lon, lat = location["coordinates"][:2]
    return {"@type": "GeoCoordinates", "latitude": round(lat, 6), "longitude": round(lon, 6)}


def postal_address(street: str = "", locality: str = "") -> dict:
    """A schema.org PostalAddress for a place the portal lists, all of which lie in Xining, Qinghai:
    rich results want the locality, region and country as fields, not one line of text. `locality`
    overrides the city (e.g. a county); names follow the page's language."""
    from django.utils.translation import get_language

    city, region = ("Xining", "Qinghai") if (get_language() or "").startswith("en") else ("西宁市", "青海省")
    address = {"@type": "PostalAddress", "addressLocality": locality or city, "addressRegion": region, "addressCountry": "CN"}
    if street:
        address["streetAddress"] = street
    return address


def place(name: str, street: str = "", location: dict | None = None, locality: str = "") -> dict:
    """A schema.org Place with its PostalAddress and, when the point is known, its coordinates."""
    data = {"@type": "Place", "name": name, "address": postal_address(street, locality)}
    if geo(location):
        data["geo"] = geo(location)
    return data


def local_iso(value) -> str:
    """An aware datetime as ISO 8601 in the site's zone (+08:00), as rich results want dates with a zone."""
    from django.utils import timezone

    return timezone.localtime(value).isoformat(timespec="seconds")


def image_url(image, request, spec="fill-1200x630") -> str | None:
    if not image:
        return None
    rendition = image.get_rendition(spec)
    return request.build_absolute_uri(rendition.url) if request else rendition.url


def provider_organization(request, ps=None) -> dict:
    """The portal itself as a schema.org Organization, named in the active language; `ps` is the
    site's PortalSettings (BasePage.provider_organization), None for the default names."""
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    if english:
        name = (ps.site_name_en if ps else "") or "Xining Rural Portal"
    else:
        name = (ps.site_name if ps else "") or "西宁乡村文旅门户"
    home = reverse("wagtail_serve", args=[""])
    return {"@type": "Organization", "name": name, "url": request.build_absolute_uri(home) if request is not None else home}


def hreflang(language_code: str) -> str:
    """The hreflang value of a content language: "zh-Hans" for Chinese (the site's default), else the code."""
    return "zh-Hans" if language_code.lower().startswith("zh") else language_code


class PortalSitemap(Sitemap):
    """Every live public page in every language (Wagtail's own lists only the default tree), with
    each URL's copies in the other languages as <xhtml:link rel="alternate" hreflang> links.

    Pages list their URLs with Wagtail's `get_sitemap_urls` (a page that serves routes, such as a
    list of snippets below its own URL, adds them there: `BasePage.sitemap_url`); each entry carries
    its language and a key that its copies share (the page's translation_key), from which the
    alternates are paired here.
    """

    def items(self):
        root = self.get_wagtail_site().root_page
        roots = Page.objects.filter(translation_key=root.translation_key)
        qs = Page.objects.none()
        for r in roots:
            qs = qs | Page.objects.descendant_of(r, inclusive=True)
        return qs.live().public().order_by("path").defer_streamfields().specific()

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        copies: dict[str, dict[str, str]] = {}
        for url in urls:
            if url.get("alternate_key") and url.get("language"):
                copies.setdefault(url["alternate_key"], {}).setdefault(url["language"], url["location"])
        default = hreflang(settings.LANGUAGE_CODE)
        for url in urls:
            found = copies.get(url.get("alternate_key"), {})
            alternates = [{"lang_code": code, "location": found[code]} for code in sorted(found)]
            if default in found:
                alternates.append({"lang_code": "x-default", "location": found[default]})
            url["alternates"] = alternates
        return urls


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /en/search/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


QR_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


@require_GET
@cache_control(public=True, max_age=86400)
def page_qr(request, page_id: int, fmt: str):
    """A printable QR code of a live public page's URL, for village posters and packaging."""
    if fmt not in QR_FORMATS:
        raise Http404
    page = Page.objects.live().public().filter(pk=page_id).specific().first()
    if page is None or not getattr(page, "show_qr", False):
        raise Http404
    url = page.get_full_url(request)
    qr = segno.make(url, error="m", micro=False)
    buf = io.BytesIO()
    if fmt == "png":
        scale = request.GET.get("scale", "")
        scale = int(scale) if scale.isdigit() and 1 <= int(scale) <= 20 else 8
        qr.save(buf, kind="png", scale=scale, border=4)
    else:
        qr.save(buf, kind="svg", scale=4, border=4, xmldecl=True, title=page.title)
    response = HttpResponse(buf.getvalue(), content_type=QR_FORMATS[fmt])
    response["Content-Disposition"] = f'inline; filename="qr-{page.slug}.{fmt}"'
    return response

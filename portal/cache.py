"""Full-page cache for anonymous visitors, purged whenever published content changes.

Why our own: wagtail-cache does not support Wagtail 8 yet, and Django's per-site cache cannot be
purged selectively. Rather than tracking which pages list which (an index, the home page, the map
and search all list other pages), every publish, unpublish, move or delete of a page, and every
save or delete of a snippet or setting, bumps one *generation* number; cached pages are keyed by it,
so the next anonymous request after an editor publishes is rendered fresh. Time-dependent sections
(upcoming events) are bounded by PAGE_CACHE_SECONDS.

Requests with a session or messages cookie (logged-in users, people who just submitted a form)
are never served from or stored in the cache; neither are responses that set a cookie.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, HttpResponseNotModified

GENERATION_KEY = "portal:pagecache:generation"
KEY_PREFIX = "portal:page:"
SKIP_PREFIXES = ("/admin/", "/django-admin/", "/documents/", "/healthz", "/api/", "/i18n/", "/static/", "/media/")
STORED_HEADERS = ("Content-Type", "Content-Language", "Content-Security-Policy", "Link", "Cache-Control", "X-Robots-Tag")


def page_cache_seconds() -> int:
    return getattr(settings, "PAGE_CACHE_SECONDS", 300)


def current_generation() -> str | None:
    gen = cache.get(GENERATION_KEY)
    if gen is None:
        gen = str(time.time_ns())
        # add() so that concurrent workers agree on one value; None if the cache is down.
        cache.add(GENERATION_KEY, gen, None)
        gen = cache.get(GENERATION_KEY)
    return gen


def purge() -> None:
    """Invalidate every cached page (a new generation); old entries simply expire."""
    cache.set(GENERATION_KEY, str(time.time_ns()), None)


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.bypass_cookies = {settings.SESSION_COOKIE_NAME, "messages"}

    def _cacheable_request(self, request) -> bool:
        if not getattr(settings, "PAGE_CACHE_ENABLED", True) or request.method not in ("GET", "HEAD"):
            return False
        if request.path.startswith(SKIP_PREFIXES) or "preview" in request.GET:
            return False
        return not (self.bypass_cookies & request.COOKIES.keys())

    def __call__(self, request):
        if not self._cacheable_request(request):
            return self.get_response(request)
        gen = current_generation()
        if gen is None:  # cache unavailable: serve uncached
            return self.get_response(request)
        key = KEY_PREFIX + hashlib.sha1(f"{gen}|{request.scheme}|{request.get_host()}|{request.get_full_path()}".encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            status, headers, content, etag = hit
            if etag in request.headers.get("If-None-Match", ""):
                response = HttpResponseNotModified()
            else:
                response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["ETag"] = etag
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self._cacheable_response(response):
            etag = '"' + hashlib.sha1(response.content).hexdigest()[:24] + '"'
            headers = [(h, response[h]) for h in STORED_HEADERS if response.has_header(h)]
            cache.set(key, (response.status_code, headers, response.content, etag), page_cache_seconds())
            response["ETag"] = etag
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def _cacheable_response(response) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )


PURGING_APPS = {"portal", "routes", "homestays", "products", "news", "wagtailimages", "taggit"}


def _purge_on_page_signal(sender, **kwargs):
    purge()


def _purge_on_model_change(sender, instance=None, **kwargs):
    """Snippets, settings, images and inline rows have no publish step: a save is their publish.

    Page saves are skipped (drafts must not purge); pages purge on publish/unpublish/move/delete.
    Models that never show on public pages (e.g. inquiries) set `page_cache_ignore = True`.
    """
    from wagtail.models import Page

    meta = sender._meta
    if meta.app_label not in PURGING_APPS or getattr(sender, "page_cache_ignore", False):
        return
    if issubclass(sender, Page) and kwargs.get("signal") is not post_delete:
        return
    if meta.model_name == "rendition":
        return
    purge()


def connect_signals():
    from wagtail.signals import page_published, page_unpublished, post_page_move

    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(_purge_on_page_signal, dispatch_uid=f"portal-page-cache-{id(signal)}")
    post_save.connect(_purge_on_model_change, dispatch_uid="portal-page-cache-save")
    post_delete.connect(_purge_on_model_change, dispatch_uid="portal-page-cache-delete")

"""Full-page cache for anonymous visitors, purged whenever published content changes.

Why our own: wagtail-cache does not support Wagtail 8 yet, and Django's per-site cache cannot be
purged selectively. Rather than tracking which pages list which (an index, the home page, the map
and search all list other pages), every publish, unpublish, move or delete of a page, and every
save or delete of a snippet or setting, bumps one *generation* number; cached pages are keyed by it,
so the next anonymous request after an editor publishes is rendered fresh. Time-dependent sections
(upcoming events) are bounded by PAGE_CACHE_SECONDS.

Requests with a session or messages cookie (logged-in users, people who just submitted a form)
are never served from or stored in the cache; neither are responses that set a cookie. Pages with
forms carry no CSRF token (the inquiry form fetches one when the visitor starts typing), so one
cached copy serves everybody.

Two ways in, one format:

- `AnonymousPageCacheMiddleware`, the first middleware, stores a page with every header the rest
  of the stack added (security headers, CSP, Permissions-Policy), compressed once with gzip and
  Brotli, and serves hits (the test client and `manage.py runserver` go this way);
- `PageCacheWSGI` (portal/wsgi.py) serves hits before Django builds a request at all: one Redis
  GET for the generation, then a per-process copy of the page (L1, keyed by the generation, so a
  purge is seen by every worker on its next request), no database, no middleware. Misses go on to
  Django, where the middleware stores them.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, HttpResponseNotModified

try:  # Brotli is installed with WhiteNoise's extra; gzip alone is fine without it.
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

GENERATION_KEY = "portal:pagecache:generation"
KEY_PREFIX = "portal:page:"
# /api/geo/ (the map layers) is cached like a page; the rest of /api/ (Wagtail's API) is not.
SKIP_PREFIXES = ("/admin/", "/django-admin/", "/documents/", "/healthz", "/api/v2/", "/i18n/", "/static/", "/media/")
# Recomputed per response, never replayed from the cache.
NOT_STORED_HEADERS = {"set-cookie", "date", "content-length", "etag", "x-page-cache", "content-encoding", "vary"}
COMPRESS_MIN_BYTES = 512
# Anonymous pages may be kept by browsers but must be revalidated (ETag → 304), so a published
# edit shows on the next request.
DEFAULT_CACHE_CONTROL = "no-cache"
L1_MAX_ENTRIES = 300


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
    _L1.clear()


# --- keys and entries: shared by the middleware and the WSGI fast path -------------------------


def _scheme(environ) -> str:
    header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if header and environ.get(header[0]) is not None:
        return "https" if environ.get(header[0]) == header[1] else "http"
    return environ.get("wsgi.url_scheme", "http")


def _host(environ) -> str:
    host = environ.get("HTTP_HOST")
    if host:
        return host
    port = str(environ.get("SERVER_PORT", ""))
    name = environ.get("SERVER_NAME", "")
    return name if port in ("", "80", "443") else f"{name}:{port}"


def cache_key(environ, gen: str) -> str:
    """From the raw WSGI environ (request.META), so both ways in compute the same key."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    raw = f"{gen}|{_scheme(environ)}|{_host(environ)}|{path}?{environ.get('QUERY_STRING', '')}"
    return KEY_PREFIX + hashlib.sha1(raw.encode("utf-8", "surrogateescape")).hexdigest()


def environ_is_cacheable(environ, bypass_cookies) -> bool:
    if not getattr(settings, "PAGE_CACHE_ENABLED", True) or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    if environ.get("PATH_INFO", "").startswith(SKIP_PREFIXES):
        return False
    query = environ.get("QUERY_STRING", "")
    if query and "preview" in query and any(k == "preview" for k, _ in parse_qsl(query, keep_blank_values=True)):
        return False
    if getattr(settings, "SECURE_SSL_REDIRECT", False) and _scheme(environ) != "https":
        return False  # SecurityMiddleware redirects these
    raw_cookie = environ.get("HTTP_COOKIE")
    if raw_cookie and any(name in raw_cookie for name in bypass_cookies):
        try:
            names = SimpleCookie(raw_cookie).keys()
        except Exception:  # noqa: BLE001 - an unparsable cookie: play safe, no cache
            return False
        if bypass_cookies & set(names):
            return False
    return True


def make_entry(status: int, headers: list[tuple[str, str]], content: bytes, etag: str | None = None) -> dict:
    """etag: the view's own (e.g. a map layer's), else a hash of the content."""
    etag = (etag or "").removeprefix("W/").strip('"') or hashlib.sha1(content).hexdigest()[:24]
    entry = {"status": status, "headers": headers, "etag": etag, "identity": content}
    if len(content) >= COMPRESS_MIN_BYTES:
        entry["gzip"] = gzip.compress(content, compresslevel=6, mtime=0)
        if brotli is not None:
            entry["br"] = brotli.compress(content, quality=6)
    return entry


def choose_encoding(entry: dict, accept_encoding: str) -> str:
    accept = accept_encoding.lower()
    if "br" in entry and "br" in accept:
        return "br"
    if "gzip" in entry and "gzip" in accept:
        return "gzip"
    return "identity"


def response_parts(entry: dict, environ) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of a hit, for the request described by environ (META)."""
    encoding = choose_encoding(entry, environ.get("HTTP_ACCEPT_ENCODING", ""))
    etag = f'"{entry["etag"]}"' if encoding == "identity" else f'"{entry["etag"]}-{encoding}"'
    headers = list(entry["headers"])
    headers.append(("ETag", etag))
    headers.append(("Vary", "Accept-Encoding, Cookie"))
    headers.append(("X-Page-Cache", "hit"))
    if entry["etag"] in environ.get("HTTP_IF_NONE_MATCH", ""):
        return 304, headers, b""
    body = entry[encoding]
    if encoding != "identity":
        headers.append(("Content-Encoding", encoding))
    headers.append(("Content-Length", str(len(body))))
    return entry["status"], headers, body


class _LocalCache:
    """A small per-process copy of recent entries; keys include the generation, so it never serves
    a purged page (a purge changes every key)."""

    def __init__(self, size: int):
        self.size = size
        self.data: OrderedDict[str, dict] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.data.get(key)
            if entry is not None:
                self.data.move_to_end(key)
            return entry

    def set(self, key, entry):
        with self.lock:
            self.data[key] = entry
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)

    def clear(self):
        with self.lock:
            self.data.clear()


_L1 = _LocalCache(L1_MAX_ENTRIES)


def lookup(key: str) -> dict | None:
    entry = _L1.get(key)
    if entry is None:
        entry = cache.get(key)
        if isinstance(entry, dict) and "identity" in entry:
            if entry.get("expires", 0) < time.time():
                return None
            _L1.set(key, entry)
        else:
            return None
    elif entry.get("expires", 0) < time.time():
        return None
    return entry


def store(key: str, entry: dict) -> None:
    seconds = page_cache_seconds()
    entry["expires"] = time.time() + seconds
    cache.set(key, entry, seconds)
    _L1.set(key, entry)


def _bypass_cookies() -> set[str]:
    return {settings.SESSION_COOKIE_NAME, "messages"}


# --- the Django middleware (first in MIDDLEWARE) -------------------------------------------------


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.bypass_cookies = _bypass_cookies()

    def _cacheable_request(self, request) -> bool:
        if not environ_is_cacheable(request.META, self.bypass_cookies):
            return False
        request.get_host()  # DisallowedHost (400) before any cache work
        return True

    def __call__(self, request):
        if not self._cacheable_request(request):
            return self.get_response(request)
        gen = current_generation()
        if gen is None:  # cache unavailable: serve uncached
            return self.get_response(request)
        key = cache_key(request.META, gen)
        entry = lookup(key)
        if entry is not None:
            return self._to_response(*response_parts(entry, request.META))
        response = self.get_response(request)
        if not self._cacheable_response(response):
            return response
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = DEFAULT_CACHE_CONTROL
        headers = [(h, v) for h, v in response.items() if h.lower() not in NOT_STORED_HEADERS]
        entry = make_entry(response.status_code, headers, response.content, response.get("ETag"))
        store(key, entry)
        status, headers, body = response_parts(entry, request.META)
        fresh = self._to_response(status, headers, body)
        fresh["X-Page-Cache"] = "miss"
        return fresh

    @staticmethod
    def _to_response(status, headers, body):
        response = HttpResponseNotModified() if status == 304 else HttpResponse(body, status=status)
        for name, value in headers:
            if name.lower() == "content-type" and status == 304:
                continue
            response[name] = value
        return response

    @staticmethod
    def _cacheable_response(response) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
            and not response.has_header("Content-Encoding")
        )


# --- the WSGI fast path (portal/wsgi.py) ---------------------------------------------------------

_REASONS = {200: "200 OK", 304: "304 Not Modified"}


class PageCacheWSGI:
    """Serves cache hits straight from WSGI; everything else goes to Django unchanged."""

    def __init__(self, app):
        self.app = app
        self.bypass_cookies = _bypass_cookies()

    def __call__(self, environ, start_response):
        try:
            if environ_is_cacheable(environ, self.bypass_cookies) and environ.get("HTTP_HOST"):
                gen = cache.get(GENERATION_KEY)
                if gen is not None:
                    entry = lookup(cache_key(environ, gen))
                    if entry is not None and entry["status"] in _REASONS:
                        status, headers, body = response_parts(entry, environ)
                        start_response(_REASONS[status], headers)
                        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]
        except Exception:  # noqa: BLE001 - the fast path must never break a request
            pass
        return self.app(environ, start_response)


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

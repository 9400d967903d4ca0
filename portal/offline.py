"""Offline packs: what a page needs to work where the signal ends, listed with its size before the
visitor downloads it, and the service worker that serves it back.

Why the documents are rendered here rather than their files listed by hand: a pack must hold
exactly what the browser asks for offline (stylesheets, scripts, the pictures the page shows, the
map's layers and place names), and the page's own HTML is the only complete list of that. Each
document is rendered through the whole middleware stack as an anonymous visitor with no cookie,
so a pack can only hold what any visitor may see (live, public pages), and the size shown before
downloading is the size of the bytes the browser will store.

A page offers a pack by answering `pack_manifest()` from one of its own URLs; the map tiles of its
corridor are listed too when the tile provider allows offline copies (`portal.tiles`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from functools import lru_cache
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlsplit

import mercantile
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from portal.geo import iter_lines, wgs84_to_gcj02
from portal.tiles import tile_config_for_request

# The corridor Geotrek stores, zooms 11 (the valley) to 15 (the paths) 1.5 km either side, and zoom
# 10, at which a phone's route map opens on a whole route: a handful of tiles more.
TILE_ZOOMS = range(10, 16)
CORRIDOR_KM = 1.5
MAX_TILES = 4000  # about 60 MB at typical tile sizes: a bound, whatever line an editor draws
# A phone is about 360–430 CSS pixels wide at two or three device pixels each: the smallest
# rendition at least this wide is the picture a pack keeps.
PHONE_PICTURE_WIDTH = 720
PICTURE_TYPES = ("image/webp", "image/jpeg", "image/png", "image/avif")  # widest support first


# --- documents and what they load ------------------------------------------------------------------


class _Subresources(HTMLParser):
    """Same-origin URLs a document loads: styles, scripts, icons, pictures (one phone-size file
    each, with every other candidate of the same picture as an alias) and its maps' data."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.aliases: dict[str, str] = {}
        self._picture: list[tuple[str, int, str]] | None = None

    def _add(self, url: str | None) -> None:
        if url and url not in self.urls:
            self.urls.append(url)

    @staticmethod
    def _candidates(srcset: str, type_: str) -> list[tuple[str, int, str]]:
        found = []
        for part in srcset.split(","):
            bits = part.strip().split()
            if not bits:
                continue
            width = 0
            if len(bits) > 1 and bits[1].endswith("w") and bits[1][:-1].isdigit():
                width = int(bits[1][:-1])
            found.append((bits[0], width, type_))
        return found

    def _keep_picture(self, candidates) -> None:
        if not candidates:
            return
        ranked = sorted({c[2] for c in candidates}, key=lambda t: PICTURE_TYPES.index(t) if t in PICTURE_TYPES else len(PICTURE_TYPES))
        best_type = [c for c in candidates if c[2] == ranked[0]]
        wide_enough = sorted((c for c in best_type if c[1] >= PHONE_PICTURE_WIDTH), key=lambda c: c[1])
        chosen = (wide_enough or sorted(best_type, key=lambda c: c[1], reverse=True))[0][0]
        self._add(chosen)
        for url, _width, _type in candidates:
            if url != chosen:
                self.aliases.setdefault(url, chosen)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "picture":
            self._picture = []
        elif tag == "source" and self._picture is not None and a.get("srcset"):
            self._picture.extend(self._candidates(a["srcset"], a.get("type", "")))
        elif tag == "img":
            src = a.get("src", "")
            type_ = _type_of(src)
            candidates = self._candidates(a["srcset"], type_) if a.get("srcset") else []
            if src and not any(c[0] == src for c in candidates):
                candidates.append((src, 0, type_))
            if self._picture is not None:
                self._picture.extend(candidates)
            else:
                self._keep_picture(candidates)
        elif tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower().split()
            if {"stylesheet", "icon", "apple-touch-icon", "modulepreload", "preload"} & set(rel):
                self._add(a["href"])
        elif tag == "script" and a.get("src"):
            self._add(a["src"])
        if a.get("data-config", "").startswith("{"):
            self._map_data(a["data-config"])

    def handle_endtag(self, tag):
        if tag == "picture" and self._picture is not None:
            self._keep_picture(self._picture)
            self._picture = None

    def _map_data(self, raw: str) -> None:
        try:
            config = json.loads(raw)
        except ValueError:
            return
        api = config.get("api") or ""
        for layer in config.get("layers") or []:
            if layer.get("registered") and "__layer__" in api:
                self._add(api.replace("__layer__", layer["name"]))
        self._add((config.get("basemap") or {}).get("url"))


def _type_of(url: str) -> str:
    ext = urlsplit(url).path.rsplit(".", 1)[-1].lower()
    return {"webp": "image/webp", "avif": "image/avif", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "svg": "image/svg+xml"}.get(ext, "")


def subresources(html: str) -> tuple[list[str], dict[str, str]]:
    """(urls, aliases) of a document: the same-origin files it loads, and for each picture the
    candidates the pack does not keep mapped to the one it keeps (the service worker answers any
    of them with that one)."""
    parser = _Subresources()
    parser.feed(html)
    parser.close()
    local = [u for u in parser.urls if _same_origin(u)]
    aliases = {k: v for k, v in parser.aliases.items() if _same_origin(k) and v in local}
    return local, aliases


def _same_origin(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


class _Anonymous:
    """Renders site URLs as a visitor without cookies would get them, through every middleware."""

    def __init__(self, request):
        self.handler = BaseHandler()
        self.handler.load_middleware()
        self.meta = {
            "REQUEST_METHOD": "GET",
            "SERVER_NAME": request.META.get("SERVER_NAME", "localhost"),
            "SERVER_PORT": request.META.get("SERVER_PORT", "80"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": request.get_host(),
            "HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*",
            "REMOTE_ADDR": request.META.get("REMOTE_ADDR", "127.0.0.1"),
            "wsgi.input": BytesIO(),
            "wsgi.errors": BytesIO(),
            "wsgi.url_scheme": request.scheme,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        if proxy_header and proxy_header[0] in request.META:
            self.meta[proxy_header[0]] = request.META[proxy_header[0]]

    def get(self, url: str) -> HttpResponse | None:
        parts = urlsplit(url)
        request = WSGIRequest({**self.meta, "PATH_INFO": parts.path, "QUERY_STRING": parts.query})
        response = self.handler.get_response(request)
        if response.status_code != 200 or getattr(response, "streaming", False):
            return None
        return response


def _file_size(url: str) -> int | None:
    """Bytes of a static or media file, read from storage rather than served."""
    path = urlsplit(url).path
    if path.startswith(settings.STATIC_URL):
        name = path[len(settings.STATIC_URL) :]
        found = finders.find(name)
        if found:
            return os.path.getsize(found)
        if staticfiles_storage.exists(name):
            return staticfiles_storage.size(name)
        return None
    if path.startswith(settings.MEDIA_URL):
        name = path[len(settings.MEDIA_URL) :]
        try:
            return default_storage.size(name)
        except (OSError, NotImplementedError):
            return None
    return None


def _is_file(url: str) -> bool:
    path = urlsplit(url).path
    return path.startswith((settings.STATIC_URL, settings.MEDIA_URL))


# --- map tiles -------------------------------------------------------------------------------------


def corridor_tiles(geometry: dict | None, *, shift: bool = False, km: float = CORRIDOR_KM, zooms=TILE_ZOOMS) -> list[tuple[int, int, int]]:
    """The (z, x, y) tiles within `km` of a line at each zoom, in zoom order (mercantile's tile maths).

    The line is walked in steps of half the corridor's width, and the box around each step gives
    the tiles: enough overlap that no stretch of the corridor falls between two boxes. `shift`
    draws the line in GCJ-02 first, for providers whose tiles are (Gaode).
    """
    tiles: list[tuple[int, int, int]] = []
    seen = set()
    step = km / 2
    for line in iter_lines(geometry):
        points = []
        for a, b in zip(line, line[1:] or line):
            points.extend(_walk(a, b, step))
        points.append(line[-1])
        for lon, lat in ((p[0], p[1]) for p in points):
            if shift:
                lon, lat = wgs84_to_gcj02(lon, lat)
            dlat = km / 111.32
            dlon = km / (111.32 * max(math.cos(math.radians(lat)), 0.01))
            for zoom in zooms:
                for t in mercantile.tiles(lon - dlon, lat - dlat, lon + dlon, lat + dlat, [zoom]):
                    key = (t.z, t.x, t.y)
                    if key not in seen:
                        seen.add(key)
                        tiles.append(key)
    tiles.sort()
    return tiles[:MAX_TILES]


def _walk(a, b, step_km: float) -> list:
    dlat = (b[1] - a[1]) * 111.32
    dlon = (b[0] - a[0]) * 111.32 * math.cos(math.radians((a[1] + b[1]) / 2))
    n = max(1, math.ceil(math.hypot(dlat, dlon) / step_km))
    return [(a[0] + (b[0] - a[0]) * i / n, a[1] + (b[1] - a[1]) * i / n) for i in range(n)]


def tile_source(request) -> dict | None:
    """The tile layers a pack may copy for this site, or None when the provider does not allow it
    (portal.tiles: OpenStreetMap's tile policy forbids bulk downloads)."""
    config = tile_config_for_request(request)
    if not config.get("offline"):
        return None
    return {
        "crs": config["crs"],
        "layers": [{"url": layer["url"], "subdomains": (layer.get("options") or {}).get("subdomains") or "abc"} for layer in config["layers"]],
    }


# --- the manifest ------------------------------------------------------------------------------------


def pack_manifest(request, *, key: str, title: str, url: str, version: str, published: str = "", documents: list[dict], geometry: dict | None = None) -> dict:
    """What a visitor's browser downloads for a pack, with every size known in advance.

    `version` is opaque and changes with every publication (a stored pack of another version has an
    update); `published` is when, for people. `documents` are {"url", "lang", "kind"} of the pages the pack stores (a page, its print view,
    its GPX …); each is rendered anonymously, and its files are found in its HTML. Files shared
    by several documents are listed once, with every language that needs them, so the browser can
    leave out a language's documents and what only they load.
    """
    anonymous = _Anonymous(request)
    stored_docs, files, aliases = [], {}, {}
    for doc in documents:
        response = anonymous.get(doc["url"])
        if response is None:
            continue  # not public or not live: never in a pack
        body = response.content
        stored_docs.append({**doc, "bytes": len(body)})
        if "html" not in response.get("Content-Type", ""):
            continue
        urls, found_aliases = subresources(body.decode(response.charset or "utf-8", "replace"))
        aliases.update(found_aliases)
        for sub in urls:
            files.setdefault(sub, set()).add(doc["lang"])
    resources = []
    for sub, langs in files.items():
        size = _file_size(sub) if _is_file(sub) else None
        if size is None and not _is_file(sub):
            response = anonymous.get(sub)
            size = len(response.content) if response is not None else None
        if size is None:
            continue  # the browser could not fetch it either
        resources.append({"url": sub, "bytes": size, "langs": sorted(langs)})
    source = tile_source(request)
    tiles = corridor_tiles(geometry, shift=source["crs"] == "gcj02") if source and geometry else []
    return {
        "key": key,
        "title": title,
        "url": url,
        "version": version,
        "published": published,
        "documents": stored_docs,
        "resources": resources,
        "aliases": {k: v for k, v in aliases.items() if k not in files},
        "tiles": {"source": source, "zooms": [min(TILE_ZOOMS), max(TILE_ZOOMS)], "corridor_km": CORRIDOR_KM, "list": tiles} if tiles else None,
        "bytes": sum(d["bytes"] for d in stored_docs) + sum(r["bytes"] for r in resources),
    }


# --- the service worker and the offline page ---------------------------------------------------------

# What every visitor's browser keeps once the worker installs: the offline page in both languages
# and what it needs. Static names are hashed in production, so a new deployment is a new worker.
SHELL_STATIC = ("portal/css/portal.css", "portal/js/offline.js", "portal/js/worker.js", "portal/icons/icon.svg", "portal/icons/icon-192.png")


@lru_cache(maxsize=1)
def _static_digest() -> str:
    digest = hashlib.sha256()
    for name in SHELL_STATIC:
        found = finders.find(name)
        if found:
            with open(found, "rb") as f:
                digest.update(f.read())
        digest.update(static(name).encode())
    return digest.hexdigest()[:16]


@require_safe
@cache_control(no_cache=True, max_age=0)
def service_worker(request):
    """/sw.js: at the root so its scope is the whole site. `no-cache`: the browser, the page cache
    and the proxy revalidate it every time (CacheControlMiddleware keeps it out of shared caches),
    so a new deployment's worker is the one that installs."""
    from django.urls import reverse
    from django.utils import translation

    offline_pages = []
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            offline_pages.append(reverse("offline"))
    shell = list(dict.fromkeys(offline_pages + [static(name) for name in SHELL_STATIC]))
    version = hashlib.sha256((_static_digest() + json.dumps(shell)).encode()).hexdigest()[:12]
    response = render(
        request,
        "portal/sw.js",
        {
            "config": json.dumps(
                {
                    "version": version,
                    "shell": shell,
                    "offline": {code: page for (code, _label), page in zip(settings.LANGUAGES, offline_pages)},
                    "media": settings.MEDIA_URL,
                    "never": [getattr(settings, "PORTAL_ADMIN_URL_PREFIX", "/admin/"), "/django-admin/", "/sw.js"],
                },
                ensure_ascii=False,
            )
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    return response


def offline_page(request):
    """我的离线线路: the packs this browser holds (read by offline.js from its Cache Storage), and
    the page the worker shows for an address that was not downloaded."""
    return render(request, "portal/offline.html", {})

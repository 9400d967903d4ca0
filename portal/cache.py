"""HTTP caching: what a shared cache may keep, and the one path by which a change reaches it.

The page cache is a reverse proxy (Varnish in production, deploy/varnish/portal.vcl; a CDN works
the same way), never the application: Django only says, per response, whether it may be shared
(`CacheControlMiddleware`), and tells the proxy what to forget through Wagtail's frontend cache
(`wagtail.contrib.frontend_cache`, `WAGTAILFRONTENDCACHE`). Without a proxy (`make run`, tests)
nothing is cached and nothing needs purging.

Invalidation, the one path: page events (publish, unpublish, move, delete), privacy changes and
saves of snippets, settings and images are collected during the editor's transaction and handled
once it commits (`transaction.on_commit`), never inside it, where a visitor's request could read
the old rows and store them again:

1. the map layers of the changed models are dropped and, when a proxy is configured, rebuilt, so
   the features that really changed are known;
2. the URLs that show the change are gathered: the page and its translations, its ancestors (the
   index that lists it, the home page), every map page, search and the sitemap, the layer
   endpoints, the pages that list a changed feature nearby (`registry.nearby`) and whatever the
   apps registered (`registry.dependents`); a change whose reach nobody can tell (a setting, an
   image, a privacy rule, a moved section) purges everything;
3. the content version is bumped and the URLs purged, then purged once more a moment later.

Why the version and the second purge: a visitor's request that read the database just before the
commit can reach the proxy just after the purge and be stored there as if fresh. The middleware
reads the version when a request starts and again when its response leaves; a response that saw
the version change is marked private, and the second purge catches one that was already on its way.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from wagtail.contrib.frontend_cache.backends import HTTPBackend
from wagtail.contrib.frontend_cache.backends.http import PurgeRequest
from wagtail.contrib.frontend_cache.utils import PurgeBatch, get_backends

from portal import layers
from portal.geo import feature_distance_km
from portal.perf import changes_at_var, request_scope
from portal.registry import registry

logger = logging.getLogger(__name__)

VERSION_KEY = "portal:content-version"
# Never shared, whoever asks: the admin, the API of drafts and images, health checks, forms posts.
PRIVATE_PREFIXES = ("/admin/", "/django-admin/", "/documents/", "/healthz", "/api/v2/", "/i18n/")
SHAREABLE_STATUS = {200, 301, 404, 410}


def cache_seconds() -> int:
    """How long a shared cache may keep a page without a purge: the bound on time-based sections
    (upcoming events, "in season now")."""
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 600))


def _shared_seconds() -> int:
    seconds = cache_seconds()
    until = changes_at_var.get()
    if until is not None:
        from django.utils import timezone

        seconds = min(seconds, max(0, int((until - timezone.now()).total_seconds())))
    return seconds


def content_version():
    return cache.get(VERSION_KEY)


def proxies() -> dict:
    """The configured frontend cache backends (WAGTAILFRONTENDCACHE); empty without a proxy."""
    return get_backends()


# --- responses ----------------------------------------------------------------------------------


class CacheControlMiddleware:
    """Marks each response shareable (`Cache-Control: public, s-maxage=…`) or private.

    First in MIDDLEWARE, so it sees the cookies every other middleware set. Django decides who is
    anonymous: a request with a session or flash-message cookie (as Django's own parser reads the
    header), a response that sets a cookie, an error, or a view that said private gets `private`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        candidate = request.method in ("GET", "HEAD") and not request.path_info.startswith(PRIVATE_PREFIXES)
        version = content_version() if candidate else None
        with request_scope():
            response = self.get_response(request)
            seconds = _shared_seconds()
        if not candidate:
            return response
        if seconds > 0 and self.shareable(request, response) and content_version() == version:
            patch_cache_control(response, public=True, s_maxage=seconds)
            if "max-age" not in response.get("Cache-Control", ""):
                patch_cache_control(response, max_age=0)
        else:
            patch_cache_control(response, private=True)
        return response

    @staticmethod
    def shareable(request, response) -> bool:
        if response.status_code not in SHAREABLE_STATUS or response.cookies:
            return False
        if any(word in response.get("Cache-Control", "") for word in ("private", "no-store", "no-cache")):
            return False
        if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
            return False
        user = getattr(request, "user", None)
        return not (user is not None and user.is_authenticated)


# --- the proxy ----------------------------------------------------------------------------------


class VarnishBackend(HTTPBackend):
    """Wagtail's HTTP purger, plus "purge everything" (deploy/varnish/portal.vcl bans every object
    on `PURGE` with `X-Purge-All`)."""

    def purge_all(self):
        request = PurgeRequest(url=f"{self.cache_scheme}://{self.cache_netloc}/", headers={"X-Purge-All": "1", "User-Agent": "Wagtail-frontendcache"})
        try:
            urlopen(request, timeout=5)  # noqa: S310 - the configured LOCATION
        except (URLError, OSError) as exc:
            logger.error("Couldn't purge everything from %s: %s", self.cache_netloc, exc)


# --- collecting changes during a transaction ----------------------------------------------------


class _Changes:
    def __init__(self):
        self.everything = False
        self.pages = {}  # pk -> page (as it was at the event)
        self.deleted = set()  # pks of deleted pages: only their ancestors still exist
        self.objects = []  # snippets: (instance) for registry.dependents
        self.layers = {}  # name -> {language: payload before the change, or None}
        self.keyed = {}  # name -> {key: {language: that object's features before the change}}
        self.urls = set()  # full URLs known at the event (a deleted page's)


_local = threading.local()


def _changes() -> _Changes:
    """The changes of the current transaction (a rolled-back one's are dropped with it)."""
    found = getattr(_local, "changes", None)
    connection = transaction.get_connection()
    if found is not None and connection.in_atomic_block and not any(entry[1] is _flush for entry in connection.run_on_commit):
        found = None  # collected in a transaction that rolled back: its callback is gone
    if found is None:
        found = _local.changes = _Changes()
    return found


def _schedule() -> None:
    """Flush once the transaction commits (at once outside one). After every change, so the
    callback is there whichever savepoint the change was made in."""
    transaction.on_commit(_flush)


def forget_pending() -> None:
    """Drop collected changes without flushing them (tests, whose transactions never commit)."""
    _local.changes = None


def _note_layers(changes: _Changes, names, instance=None) -> None:
    """Keep each layer as it was (to tell which features changed), then drop it: now, so this
    transaction reads its own change, and again after commit (portal.layers.invalidate). A layer
    that can tell which of its features show `instance` (Layer.keys_of) replaces those alone
    (portal.layers.refresh), now and again after commit."""
    languages = [code for code, _label in settings.LANGUAGES]
    for name in names:
        layer = registry.layers.get(name)
        keys = layer.keys_of(instance) if layer and layer.keys_of and instance is not None and name not in changes.layers else None
        if keys is not None:
            known = changes.keyed.setdefault(name, {})
            for language, (before, _after) in layers.refresh(name, keys).items():
                for key in keys:  # the first change of the transaction holds what was there before it
                    known.setdefault(key, {}).setdefault(language, before)
            for key in keys:
                known.setdefault(key, {})
            continue
        if name not in changes.layers:
            changes.layers[name] = {lang: layers.existing_payload(name, lang) for lang in languages}
        changes.keyed.pop(name, None)
        layers.invalidate(name)


def everything_changed() -> None:
    _changes().everything = True
    layers.invalidate()
    _schedule()


def page_changed(page, deleted: bool = False) -> None:
    changes = _changes()
    if deleted:
        changes.deleted.add(page.pk)
    changes.pages[page.pk] = page
    _note_layers(changes, layers.layers_for_model(page._meta.label), page)
    if page.numchild:  # its descendants' URLs or visibility may have changed too
        changes.everything = True
        layers.invalidate()
    _schedule()


def object_changed(instance) -> None:
    changes = _changes()
    if registry.knows_model(instance._meta.label):
        changes.objects.append(instance)
        _note_layers(changes, layers.layers_for_model(instance._meta.label), instance)
    else:
        changes.everything = True
        layers.invalidate()
    _schedule()


# Beyond this many objects in one bulk change, asking each for the pages that show it costs more
# than purging everything once.
BULK_PURGE_EVERYTHING = 100


def objects_changed(instances) -> None:
    """Many objects written at once (bulk_create/bulk_update send no post_save): noted in one step,
    so an import of thousands of rows invalidates the layers and purges the proxy once, not per row."""
    instances = list(instances)
    if not instances:
        return
    if len(instances) > BULK_PURGE_EVERYTHING or not all(registry.knows_model(i._meta.label) for i in instances):
        everything_changed()
        return
    changes = _changes()
    changes.objects.extend(instances)
    _note_layers(changes, {name for i in instances for name in layers.layers_for_model(i._meta.label)})
    _schedule()


def _flush() -> None:
    changes = getattr(_local, "changes", None)
    _local.changes = None
    if changes is None:
        return
    backends = proxies()
    if changes.everything:
        layers.invalidate()
    for name in changes.layers:
        layers.invalidate(name)
    after = {}
    if not changes.everything:
        for name, keyed in changes.keyed.items():
            after[name] = layers.refresh(name, list(keyed))
    if not backends:
        return
    if changes.everything:
        _purge_everything(backends)
        return
    paths, pages = _gather(changes, after)
    _purge(backends, pages, paths, changes.urls)


def _gather(changes: _Changes, refreshed: dict | None = None) -> tuple[set[str], list]:
    """(URL paths, pages) that show what changed."""
    from wagtail.models import Page, Site

    pages: dict[int, Page] = {}

    def add_page(page):
        if page is not None and page.pk and page.depth > 1:
            pages[page.pk] = page

    paths: set[str] = set()
    for page in changes.pages.values():
        if page.pk in changes.deleted:
            for ancestor in Page.objects.ancestor_of(page).filter(depth__gt=1):
                add_page(ancestor)
            continue
        for one in page.get_translations(inclusive=True):
            add_page(one)
            for ancestor in one.get_ancestors().filter(depth__gt=1):
                add_page(ancestor)
        for item in registry.dependents_of(page):
            (paths.add if isinstance(item, str) else add_page)(item)
    for instance in changes.objects:
        for item in registry.dependents_of(instance):
            (paths.add if isinstance(item, str) else add_page)(item)

    # What lists everything: the home pages, every map page, search and the sitemap.
    for site in Site.objects.select_related("root_page"):
        for root in site.root_page.get_translations(inclusive=True):
            add_page(root)
    for model in apps.get_models():
        if issubclass(model, Page) and getattr(model, "shows_all_layers", False):
            for page in model.objects.live():
                add_page(page)
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            paths.update({reverse("search"), reverse("search_autocomplete")})
    paths.add(reverse("sitemap"))

    # The layers themselves, and the pages that list a changed feature nearby.
    for name, before in changes.layers.items():
        paths.add(reverse("geo_layer", args=[name]))
        changed = {}
        for code, old in before.items():
            with translation.override(code):
                changed[code] = _changed_features(old, layers.layer_payload(name))
        paths.update(_nearby_pages(name, changed))
    for name, keyed in changes.keyed.items():
        paths.add(reverse("geo_layer", args=[name]))
        changed = {}
        now = (refreshed or {}).get(name, {})
        for code, _label in settings.LANGUAGES:
            before = [by_language.get(code) for by_language in keyed.values()]
            if code not in now or any(old is None for old in before):  # the layer was not stored: all may have changed
                changed[code] = None
            else:
                changed[code] = _changed_features({"features": [f for old in before for f in old]}, {"features": now[code][1]})
        paths.update(_nearby_pages(name, changed))
    return paths, list(pages.values())


def _nearby_pages(name: str, changed_features: dict) -> set[str]:
    """Paths of pages listing a feature of layer `name` that changed (old or new position), given
    {language: the changed features, or None when all may have}."""
    found: set[str] = set()
    relations = [r for r in registry.nearby if name in r.shows and r.consumer in registry.layers]
    if not relations:
        return found
    for code, changed in changed_features.items():
        with translation.override(code):
            consumers = {r.consumer: layers.layer_payload(r.consumer)["features"] for r in relations}
        for relation in relations:
            for consumer in consumers[relation.consumer]:
                url = (consumer.get("properties") or {}).get("url")
                if not url or (changed is not None and not any(_within(consumer, f, relation.km_for(consumer)) for f in changed)):
                    continue
                found.add(urlsplit(url).path)
    return found


def _changed_features(old, new) -> list | None:
    """Features in one payload and not the other; None when the old one is unknown (all changed)."""
    if old is None:
        return None
    dump = lambda f: json.dumps(f, sort_keys=True, ensure_ascii=False)  # noqa: E731
    before = {dump(f): f for f in old["features"]}
    after = {dump(f): f for f in new["features"]}
    return [f for key, f in before.items() if key not in after] + [f for key, f in after.items() if key not in before]


def _within(consumer: dict, feature: dict, km: float) -> bool:
    return feature_distance_km(feature, consumer.get("geometry") or {}) <= km


def _purge(backends, pages, paths, urls) -> None:
    batch = PurgeBatch(urls)
    batch.add_pages(pages)
    roots = {site.root_url for site in _sites()}
    batch.add_urls(root.rstrip("/") + path for root in roots for path in paths)
    _bump_and_purge(lambda: batch.purge())


def _purge_everything(backends) -> None:
    def purge():
        rest = {}
        for name, backend in backends.items():
            if hasattr(backend, "purge_all"):
                backend.purge_all()
            else:
                rest[name] = backend
        if rest:  # a CDN without "purge all" here: every live page and the shared paths
            from wagtail.models import Page

            batch = PurgeBatch()
            batch.add_pages(Page.objects.live().filter(depth__gt=1).specific(defer=True))
            batch.purge(backends=list(rest))

    _bump_and_purge(purge)


def _bump_and_purge(purge) -> None:
    cache.set(VERSION_KEY, time.time_ns(), None)
    purge()
    # A response rendered from the old rows may have passed the version check just before the
    # bump and be on its way into the proxy: purge again once it has surely arrived.
    time.sleep(float(getattr(settings, "PORTAL_PURGE_REPEAT_SECONDS", 0.2)))
    purge()


def _sites():
    from wagtail.models import Site

    return list(Site.objects.all())


# --- signals ------------------------------------------------------------------------------------


def _is_page(model) -> bool:
    from wagtail.models import Page

    return issubclass(model, Page)


def _is_inline_row(model) -> bool:
    """A page's inline rows (stops, rooms, gallery) are saved when the page is published."""
    from modelcluster.fields import ParentalKey

    return any(isinstance(f, ParentalKey) and _is_page(f.related_model) for f in model._meta.fields)


def _watched(model) -> bool:
    """Models whose saves change public pages: the project's own (not pages, not inline rows), and
    Wagtail's images, sites and view restrictions."""
    from wagtail.images import get_image_model
    from wagtail.models import PageViewRestriction, Site

    if model in (get_image_model(), Site, PageViewRestriction):
        return True
    config = apps.get_containing_app_config(model.__module__)
    if config is None or not config.path.startswith(str(settings.BASE_DIR)) or ".venv" in config.path:
        return False
    if getattr(model, "page_cache_ignore", False):
        return False
    return not _is_page(model) and not _is_inline_row(model)


def _on_page_event(sender, instance=None, **kwargs):
    if instance is not None:
        page_changed(instance)


def _on_move(sender, instance=None, **kwargs):
    everything_changed()  # the old URL and every descendant's changed


def _on_page_delete(sender, instance=None, **kwargs):
    if not _is_page(sender) or instance is None or not instance.live:
        return
    if instance.numchild:
        everything_changed()
        return
    if proxies():  # its URLs now, while the page and its translations still exist
        batch = PurgeBatch()
        batch.add_pages(instance.get_translations(inclusive=True))
        _changes().urls.update(batch.urls)
    page_changed(instance, deleted=True)


def _on_save(sender, instance=None, created=False, **kwargs):
    if not _watched(sender):
        return
    from wagtail.images import get_image_model
    from wagtail.models import PageViewRestriction, Site

    if sender is get_image_model():
        if not created:  # a new image is on no page yet
            everything_changed()
    elif sender in (Site, PageViewRestriction):
        everything_changed()
    else:
        object_changed(instance)


def _on_delete(sender, instance=None, **kwargs):
    if _watched(sender):
        _on_save(sender, instance=instance, created=False)


def connect_signals():
    from wagtail.signals import page_published, page_unpublished, post_page_move

    page_published.connect(_on_page_event, dispatch_uid="portal-cache-publish")
    page_unpublished.connect(_on_page_event, dispatch_uid="portal-cache-unpublish")
    post_page_move.connect(_on_move, dispatch_uid="portal-cache-move")
    pre_delete.connect(_on_page_delete, dispatch_uid="portal-cache-page-delete")
    post_save.connect(_on_save, dispatch_uid="portal-cache-save")
    post_delete.connect(_on_delete, dispatch_uid="portal-cache-delete")

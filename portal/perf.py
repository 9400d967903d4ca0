"""Per-request memoisation of lookups Wagtail repeats while one page renders.

A cold render of a Wagtail page asks the database the same few things many times over: which
site, which locale, each level of the URL (`route()` fetches every ancestor and its specific
row), the site's root paths (for every `page.url`), the site settings, the menu, the breadcrumb,
the page's translations (hreflang, language switcher) and the private sections (`.public()`).
During one GET or HEAD of a public URL (not the admin) this module answers them from a dict that
lives as long as the request, filled by a handful of combined queries:

1. `sites()`: every Site with its root page, locale and PortalSettings (one query; sites are few);
2. `chrome(request, path)`: ONE query for the page at the URL, its ancestors, the menu (the
   localized home page's children), the page's translations and every translation of the site
   roots (which also gives the site root paths and the locales), each row marked private or not;
3. the page's specific row (and pages of its model that it lists, `serve_companions`);
4. every picture the page shows, with all its renditions (portal.images.load_images), which a
   StreamField's image chooser then finds in the memo, as its page choosers find the chrome rows.

Privacy needs no query at all: `PageQuerySet.private_q()` becomes a correlated NOT EXISTS on
wagtailcore_pageviewrestriction, so `.public()` costs nothing extra anywhere, and the page that
`chrome()` found already knows whether a restriction covers it.

Nothing is kept between requests, so there is nothing to invalidate: a page, locale or restriction
saved by an editor is seen by the next request (and a save during the request drops the memo).
Outside a request (shell, management commands, tests calling the ORM) nothing is memoised and
Wagtail behaves as usual. When the fast path cannot answer (a URL that matches no page exactly,
e.g. a routable page's sub-route), Wagtail's own routing runs unchanged.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.core.signals import request_finished, request_started
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

_memo: ContextVar[dict | None] = ContextVar("portal_request_memo", default=None)
MEMO_PATH_EXCLUDES = ("/admin/", "/django-admin/")


def request_memo() -> dict | None:
    """The current request's memo, or None outside an anonymous-safe request."""
    return _memo.get()


def memoised(key, compute):
    memo = _memo.get()
    if memo is None:
        return compute()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = compute()
        return value


ENABLED = True  # tests switch it off to compare every page with Wagtail's own lookups


def _start(sender, environ=None, **kwargs):
    environ = environ or {}
    safe = ENABLED and environ.get("REQUEST_METHOD") in ("GET", "HEAD") and not environ.get("PATH_INFO", "").startswith(MEMO_PATH_EXCLUDES)
    _memo.set({} if safe else None)


def _finish(sender, **kwargs):
    _memo.set(None)


def _forget(sender, **kwargs):
    memo = _memo.get()
    if memo is not None:
        memo.clear()


def all_restrictions():
    """Every view restriction with its page: one query per request, none when chrome() has seen
    that there are none (the common case)."""
    from wagtail.models import PageViewRestriction

    return memoised("restrictions", lambda: list(PageViewRestriction.objects.select_related("page")))


def private_exists():
    """True for a page under (or at) a page with a view restriction: a correlated subquery, so
    filtering a listing by privacy costs no query of its own."""
    from django.db.models import Exists, OuterRef
    from django.db.models.functions import Length, Substr
    from wagtail.models import PageViewRestriction

    return Exists(PageViewRestriction.objects.filter(page__path=Substr(OuterRef("path"), 1, Length("page__path"))))


# --- sites, the page at the URL and the page chrome ----------------------------------------------


def sites() -> list:
    """Every Site with its root page, the root's locale and its PortalSettings: one query."""
    from wagtail.models import Site

    def compute():
        return list(Site.objects.select_related("root_page__locale", "portalsettings").order_by("-root_page__url_path", "-is_default_site", "hostname"))

    return memoised("sites", compute)


def _site_for(hostname: str, port: int):
    """wagtail.models.sites.get_site_for_hostname's choice, made in Python from `sites()`."""
    from wagtail.models import Site

    def rank(site):
        if site.hostname == hostname and site.port == port:
            return 0
        if site.hostname == hostname and site.is_default_site:
            return 1
        if site.is_default_site:
            return 2
        return 3

    candidates = sorted((s for s in sites() if s.hostname == hostname or s.is_default_site), key=rank)
    if not candidates:
        raise Site.DoesNotExist()
    if len(candidates) == 1 or rank(candidates[0]) in (0, 1):
        return candidates[0]
    return candidates[len(candidates) == 2]  # Wagtail's rule: the one hostname match, else the default


class Chrome:
    """What one page's frame needs, from one query (see the module docstring)."""

    def __init__(self, site, language: str, rows: list, target_url: str | None, localized_root):
        self.site = site
        self.language = language
        self.rows = rows
        self.localized_root = localized_root
        by_url = {row.url_path: row for row in rows if localized_root and row.path.startswith(localized_root.path)}
        self.page = by_url.get(target_url) if target_url else None
        self.ancestors = []  # the page's ancestors below the tree root, itself included
        if self.page is not None:
            self.ancestors = [row for row in rows if row.path.startswith(localized_root.path) and self.page.path.startswith(row.path)]
        self.menu = []
        if localized_root is not None:
            self.menu = [
                row
                for row in rows
                if row.depth == localized_root.depth + 1
                and row.path.startswith(localized_root.path)
                and row.show_in_menus
                and row.live
                and not row._portal_private
            ]

    def translations(self, translation_key) -> list:
        """Live, public pages with this translation key, by language code (as live_translations)."""
        found = [r for r in self.rows if r.translation_key == translation_key and r.live and not r._portal_private]
        return sorted(found, key=lambda r: r.locale.language_code)


def _chrome_query(site, language: str, components: list[str] | None):
    from django.db.models import CharField, Exists, Subquery, TextField, Value
    from django.db.models.functions import Coalesce, Concat
    from wagtail.models import Page, PageViewRestriction

    root = site.root_page
    root_keys = {s.root_page.translation_key for s in sites()}
    localized = Page.objects.filter(translation_key=root.translation_key, locale__language_code=language, live=True)
    if language == root.locale.language_code:
        root_url, root_path = Value(root.url_path), Value(root.path)
    else:
        # output_field: url_path is a TextField and path a CharField; PostgreSQL wants one type
        root_url = Coalesce(Subquery(localized.values("url_path")[:1]), Value(root.url_path), output_field=TextField())
        root_path = Coalesce(Subquery(localized.values("path")[:1]), Value(root.path), output_field=CharField())
    in_localized_tree = Q(path__startswith=root_path)
    condition = Q(translation_key__in=root_keys)
    condition |= in_localized_tree & Q(depth=root.depth + 1, show_in_menus=True, live=True)
    if components is not None:
        prefixes = ["".join(f"{c}/" for c in components[:k]) for k in range(len(components) + 1)]
        on_the_way = Q()
        for prefix in prefixes:  # the page and its ancestors below the (localized) home page
            on_the_way |= Q(url_path=Concat(root_url, Value(prefix), output_field=TextField()))
        condition |= in_localized_tree & on_the_way
        target = Page.objects.filter(path__startswith=root_path, url_path=Concat(root_url, Value(prefixes[-1]), output_field=TextField()))
        condition |= Q(translation_key=Subquery(target.values("translation_key")[:1]))
    return list(
        Page.objects.filter(condition)
        .select_related("locale")
        .annotate(_portal_private=private_exists(), _portal_any_restriction=Exists(PageViewRestriction.objects.all()))
        .order_by("path")
    )


def chrome(request, path: str | None = None) -> Chrome | None:
    """The request's Chrome (memoised); `path` (the URL path below the home page) is given by the
    router, which runs first: later callers (menu, breadcrumb, switcher) get the same object."""
    from wagtail.models import Site

    memo = _memo.get()
    if memo is None or request is None:
        return None
    if "chrome" in memo:
        return memo["chrome"]
    site = Site.find_for_request(request)
    if site is None:
        memo["chrome"] = None
        return None
    from portal.i18n import active_language

    language = active_language()
    components = [c for c in path.split("/") if c] if path is not None else None
    rows = _chrome_query(site, language, components)
    root = site.root_page
    localized_root = next((r for r in rows if r.translation_key == root.translation_key and r.locale.language_code == language and r.live), None)
    localized_root = localized_root or next((r for r in rows if r.pk == root.pk), None)
    target_url = None
    if components is not None and localized_root is not None:
        target_url = localized_root.url_path + "".join(f"{c}/" for c in components)
    result = Chrome(site, language, rows, target_url, localized_root)
    memo["chrome"] = result
    if rows and not rows[0]._portal_any_restriction:
        memo["restrictions"] = []  # no private section anywhere: .public() needs no query
    for row in rows:  # the locales of every root translation: Locale.get_for_language needs no query
        memo.setdefault(("locale", row.locale.language_code), row.locale)
    root_keys = {s.root_page.translation_key for s in sites()}
    for key in root_keys | ({result.page.translation_key} if result.page is not None else set()):
        memo[("translations", key)] = result.translations(key)
    memo["site_root_paths"] = _site_root_paths(rows)
    memo["pages"] = {row.pk: row for row in rows}  # for page choosers in StreamFields (the menu's sections)
    return result


def _site_root_paths(rows) -> list:
    """Site.get_site_root_paths() from `sites()` and the root translations already fetched."""
    from wagtail.models.sites import SiteRootPath

    result = []
    for site in sites():
        for root in sorted((r for r in rows if r.translation_key == site.root_page.translation_key), key=lambda r: r.path):
            result.append(SiteRootPath(site.id, root.url_path, site.root_url, root.locale.language_code))
    return result


def ancestor_page(page, model=None, request=None):
    """The nearest ancestor of `page` (of `model`, if given) as a specific instance, from the
    chrome query when `page` is the page at the URL (no query: its own fields are loaded on first
    use), else from the database. For "back to the section" links and a section's sub-routes."""
    from wagtail.models import Page

    memo = _memo.get()
    found = memo.get("chrome") if memo else None
    if found is not None and found.page is not None and found.page.pk == page.pk:
        for ancestor in reversed(found.ancestors[:-1]):
            cls = ancestor.specific_class
            if cls is not None and (model is None or issubclass(cls, model)):
                return ancestor.specific_deferred
        return None
    if model is None:
        return page.get_parent().specific if page.depth > 1 else None
    qs = model.objects.ancestor_of(page) if issubclass(model, Page) else None
    return qs.last() if qs is not None else None


def loaded_pages(model) -> list:
    """Live, public pages of `model` that this request has already fetched (the menu's sections,
    the breadcrumb, the page's translations), as specific instances, in tree order; [] outside a
    request. For links to a section (e.g. the news feeds in the home page's head) without a query."""
    memo = _memo.get()
    rows = (memo or {}).get("pages", {}).values()
    return [
        row.specific_deferred
        for row in sorted(rows, key=lambda r: r.path)
        if row.live and not row._portal_private and row.specific_class is not None and issubclass(row.specific_class, model)
    ]


def localized_root(request):
    """site.root_page.localized for the request, from the chrome query (no query of its own)."""
    from wagtail.models import Site

    found = chrome(request)
    if found is not None:
        return found.localized_root
    site = Site.find_for_request(request) if request is not None else None
    return site.root_page.localized if site else None


def _fast_route(request, path: str):
    """The page at `path` from the chrome query, routed as Wagtail would; None to let Wagtail's
    own routing decide (no exact page, or an ancestor's sub-routes could claim the URL)."""
    from wagtail.contrib.routable_page.models import RoutablePageMixin
    from wagtail.models import Page

    found = chrome(request, path)
    if found is None or found.page is None:
        return None
    remaining = [c for c in path.split("/") if c]
    for ancestor in found.ancestors[:-1]:  # routing passes through each ancestor below the root
        cls = ancestor.specific_class
        if cls is None:
            return None
        if cls.route is not Page.route and not issubclass(cls, RoutablePageMixin):
            return None  # a custom route() decides for itself
        depth_below_root = ancestor.depth - found.localized_root.depth
        rest = remaining[depth_below_root:]
        if issubclass(cls, RoutablePageMixin) and ancestor.live:
            try:
                cls().resolve_subpage("/" + "/".join(rest) + "/")
                return None  # one of its sub-routes matches: Wagtail's walk will take it
            except Exception:  # noqa: BLE001 - Http404/Resolver404: no sub-route matches
                pass
    page = _specific(found.page)
    return page.route(request, [])


def _specific(base):
    """The page's specific row (one query) and every picture it shows with all their renditions
    (one more, only if it has any): its `serve_images` fields and the images chosen in its
    StreamFields (BasePage.serve_image_ids), so the hero, body pictures, the share image and the
    JSON-LD image cost no query each. Pages of the same model that it lists (`serve_companions`)
    come in the page's own query."""
    from django.db.models import Case, IntegerField, Value, When

    from portal.images import load_images

    cls = base.specific_class
    image_names = list(getattr(cls, "serve_images", ()))
    own_images = getattr(cls, "serve_renditions", True)  # False: the page's view attaches them with its other pictures
    companions = cls.serve_companions(base.pk) if hasattr(cls, "serve_companions") else None
    condition, limit = companions if companions else (Q(pk__in=[]), 0)
    qs = cls._default_manager.filter(Q(pk=base.pk) | (condition & ~Q(pk=base.pk)))
    if getattr(cls, "serve_related", ()):  # (select_related() with no names would follow every foreign key)
        qs = qs.select_related(*cls.serve_related)
    if companions:  # the page first, then its companions in tree order
        qs = qs.annotate(_portal_companion=Case(When(pk=base.pk, then=Value(0)), default=Value(1), output_field=IntegerField()))
        qs = qs.order_by("_portal_companion", "path")
    rows = list(qs[: limit + 1])
    if not rows or rows[0].pk != base.pk:  # deleted between the two queries
        return base.specific
    page = rows[0]
    page._portal_private = base._portal_private
    if companions:
        page.served_companions = rows[1:]
    if own_images and hasattr(page, "serve_image_ids"):
        images = load_images(page.serve_image_ids())
        for name in image_names:
            field = cls._meta.get_field(name)
            image = images.get(getattr(page, field.attname))
            if image is not None:
                field.set_cached_value(page, image)
    return page


def _chooser_bulk_to_python(original):
    """ChooserBlock.bulk_to_python that, during a request, takes pages and images this request
    has already loaded (the menu's sections from chrome(), the pictures a page gathered) instead
    of fetching them again; whatever is missing is fetched in one query, as Wagtail does."""
    import copy

    from wagtail.images.models import AbstractImage
    from wagtail.models import Page

    def bulk_to_python(self, values):
        memo = _memo.get()
        model = self.model_class
        if memo is None or not isinstance(model, type) or not issubclass(model, (Page, AbstractImage)):
            return original(self, values)
        if issubclass(model, AbstractImage):
            from portal.images import load_images

            objects = load_images(values)
        else:
            objects = {}
            for pk, row in memo.get("pages", {}).items():
                if pk not in values:
                    continue
                if model is Page:
                    objects[pk] = row
                elif row.specific_class is not None and issubclass(row.specific_class, model):
                    objects[pk] = row.specific_deferred
            missing = [pk for pk in values if pk is not None and pk not in objects]
            if missing:
                objects.update(model.objects.in_bulk(missing))
        result, seen = [], set()
        for pk in values:
            obj = objects.get(pk)
            if obj is not None and pk in seen:
                obj = copy.copy(obj)  # as Wagtail: a distinct instance per repeat
            result.append(obj)
            seen.add(pk)
        return result

    return bulk_to_python


def request_site(request):
    """Site.find_for_request from the memoised site list; sets the site's PortalSettings on the
    request as Wagtail's settings accessor would, so templates ask no query for them."""
    from django.http.request import split_domain_port

    hostname = split_domain_port(request._get_raw_host())[0]
    site = _site_for(hostname, request.get_port())
    settings_row = getattr(site, "portalsettings", None)
    if settings_row is not None:
        settings_row._request = request
        setattr(request, "_portal.portalsettings", settings_row)
    return site


def install():
    """Called once from PortalConfig.ready()."""
    from django.http import Http404
    from wagtail.models import Locale, Page, PageViewRestriction, Site
    from wagtail.models.i18n import LocaleManager
    from wagtail.query import PageQuerySet

    original_get_for_language = LocaleManager.get_for_language
    original_view_restrictions = Page.get_view_restrictions
    original_find_site = Site._find_for_request
    original_root_paths = Site.get_site_root_paths
    original_route_for_request = Page.route_for_request

    def get_for_language(self, language_code):
        return memoised(("locale", language_code), lambda: original_get_for_language(self, language_code))

    def private_q(self):
        # Paths, not a subquery: search backends (Wagtail's database search, the API's ?search=)
        # can only filter on indexed fields such as path.
        q = Q()
        for restriction in all_restrictions():
            q |= self.descendant_of_q(restriction.page, inclusive=True)
        return q if q else Q(pk__in=[])

    def get_view_restrictions(self):
        if getattr(self, "_portal_private", None) is False:
            return PageViewRestriction.objects.none()
        return original_view_restrictions(self)

    def find_for_request(request):
        if _memo.get() is None:
            return original_find_site(request)
        try:
            return request_site(request)
        except Site.DoesNotExist:
            return None

    def get_site_root_paths():
        memo = _memo.get()
        if memo is None:
            return original_root_paths()
        if "site_root_paths" not in memo:
            memo["site_root_paths"] = original_root_paths()
        return memo["site_root_paths"]

    def route_for_request(request, path):
        if _memo.get() is not None and not hasattr(request, "_wagtail_route_for_request"):
            try:
                result = _fast_route(request, path)
            except Http404:
                request._wagtail_route_for_request = None
            else:
                if result is not None:
                    request._wagtail_route_for_request = result
        return original_route_for_request(request, path)

    from wagtail.blocks.field_block import ChooserBlock

    ChooserBlock.bulk_to_python = _chooser_bulk_to_python(ChooserBlock.bulk_to_python)
    LocaleManager.get_for_language = get_for_language
    PageQuerySet.private_q = private_q
    Page.get_view_restrictions = get_view_restrictions
    Site._find_for_request = staticmethod(find_for_request)
    Site.get_site_root_paths = staticmethod(get_site_root_paths)
    Page.route_for_request = staticmethod(route_for_request)

    request_started.connect(_start, dispatch_uid="portal-perf-start")
    request_finished.connect(_finish, dispatch_uid="portal-perf-finish")
    for model in (Locale, PageViewRestriction, Site, Page):
        post_save.connect(_forget, sender=model, dispatch_uid=f"portal-perf-save-{model.__name__}")
        post_delete.connect(_forget, sender=model, dispatch_uid=f"portal-perf-delete-{model.__name__}")


def live_translations(page) -> list:
    """The page's live, public translations, itself included, with their locales: one query per
    page per request (none for the page at the URL and the home page: chrome() has them), shared
    by the hreflang links and the language switcher."""
    if page is None or not getattr(page, "pk", None) or not hasattr(page, "get_translations"):
        return []
    from wagtail.models import Page

    def compute():
        return list(Page.objects.filter(translation_key=page.translation_key).live().public().select_related("locale").order_by("locale__language_code"))

    return memoised(("translations", page.translation_key), compute)

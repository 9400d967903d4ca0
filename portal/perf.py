"""What a cold page render asks the database, in as few queries as Wagtail's public hooks allow.

Left alone, Wagtail routes a URL one level at a time (two queries a level) and checks the view
restrictions of the page and of each ancestor; our templates then ask again for the menu, the
breadcrumb, the page's translations (hreflang, language switcher), and every `.public()` reads all
view restrictions first. Instead:

1. `HomePage.route()` (every URL of the site starts there) asks ONE query for the page's `Frame`:
   the pages on the way to the URL (by slug, level by level, as Wagtail's routing finds them),
   the menu (the home page's children shown in menus), the translations of the home page and of
   the page at the URL, and the pages the home page's StreamField chooses; each row is marked
   private or not by a correlated EXISTS on the view restrictions. An ancestor whose own `route()`
   could claim the rest of the URL (a routable page's sub-route) routes it itself, as in Wagtail.
   The frame is kept on the request (`request.portal_frame`) and on the page it found, for the
   menu, the breadcrumb, hreflang and the language switcher; a view outside the page tree (search)
   builds one on first use, without a page.
2. `Frame.serving_page()`: the page's specific row, with what its model names in `serve_related`
   and the pages of its model it lists (`serve_companions`); then every picture it shows
   (`BasePage.pictured()`, the images chosen in its StreamFields) with all their renditions in one
   query (portal.images.load_images), and its StreamFields converted at once, so their choosers
   (portal.blocks) take these pictures and the frame's pages instead of asking again (`preloaded`).
3. Privacy: `public()` filters with the same correlated EXISTS (`private_exists()`), so a listing
   costs no query for it; `BasePage.get_view_restrictions()` needs none for a page the frame found
   public.

Everything lives as long as the request (on the request, or on the page routing serves for it:
`memoised`), so nothing needs invalidating: the next request sees what an editor saved.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q
from django.http import Http404

from portal.i18n import active_language
from portal.images import image_ids, load_images, set_images, stream_chooser_ids

# The earliest time at which what the current response shows changes by itself (an alert starts
# or ends), noted by whatever code reads such content while the response is built.
changes_at_var: ContextVar = ContextVar("portal_changes_at", default=None)
# What the request being served has read once and reads again (the stored map layers), keyed by
# name; None outside a request, where nothing is kept.
request_memo_var: ContextVar = ContextVar("portal_request_memo", default=None)


@contextmanager
def request_scope():
    """Around one request (portal.cache.CacheControlMiddleware, the first middleware): a fresh
    `changes_at` and a fresh request memo, dropped when the response is made."""
    changes_token = changes_at_var.set(None)
    memo_token = request_memo_var.set({})
    try:
        yield
    finally:
        request_memo_var.reset(memo_token)
        changes_at_var.reset(changes_token)


def request_memoised(key, compute):
    """compute() once per request (every time outside one)."""
    memo = request_memo_var.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def request_memo_forget(matches) -> None:
    """Drop what this request has memoised under the keys `matches(key)` accepts, so that a later
    read in the same request (an edit's after-commit purge) sees the change."""
    memo = request_memo_var.get()
    for key in [key for key in memo or () if matches(key)]:
        del memo[key]


def changes_at(when) -> None:
    """Say that the response being built shows content that changes by itself at `when` (a datetime
    or None): shared caches keep it at most until then, so it changes with no purge and no timer."""
    if when is not None:
        current = changes_at_var.get()
        changes_at_var.set(min(current, when) if current else when)


# --- small helpers -----------------------------------------------------------------------------


def memoised(owner, key, compute):
    """compute() once per `owner`: the request, or the page routing serves (see `Frame.prepare`),
    both as long-lived as the request; for any other owner (a page loaded in a shell, a test, a
    preview), every time."""
    from django.http import HttpRequest

    if owner is None or (not isinstance(owner, HttpRequest) and getattr(owner, "portal_frame", None) is None):
        return compute()
    memo = owner.__dict__.setdefault("_portal_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def private_exists():
    """True for a page under (or at) a page with a view restriction: a correlated subquery, so
    filtering by privacy costs no query of its own (Wagtail's `private_q()` reads every restriction
    first). Restrictions count by tree path, as in `private_q()`."""
    from django.db.models import Exists, OuterRef
    from django.db.models.functions import Length, Substr
    from wagtail.models import PageViewRestriction

    return Exists(PageViewRestriction.objects.filter(page__path=Substr(OuterRef("path"), 1, Length("page__path"))))


def public(qs):
    """`qs.public()` in the same query: pages outside every private section."""
    return qs.filter(~private_exists())


_preloaded: ContextVar[dict | None] = ContextVar("portal_preloaded", default=None)


@contextmanager
def preloaded(pages: dict | None = None, images: dict | None = None):
    """Within the block: pages and images (by id) that portal.blocks' choosers take instead of
    fetching them again."""
    token = _preloaded.set({"pages": pages or {}, "images": images or {}})
    try:
        yield
    finally:
        _preloaded.reset(token)


def preloaded_objects(kind: str) -> dict:
    found = _preloaded.get()
    return found[kind] if found else {}


def in_order(values, objects: dict) -> list:
    """Chooser values in order, None kept, a distinct instance for each repeat (as Wagtail's
    ChooserBlock.bulk_to_python)."""
    result, seen = [], set()
    for pk in values:
        obj = objects.get(pk)
        if obj is not None and pk in seen:
            obj = copy.copy(obj)
        result.append(obj)
        seen.add(pk)
    return result


# --- the frame --------------------------------------------------------------------------------


class Frame:
    """The page at the URL, its ancestors, the menu and the translations: one query."""

    def __init__(self, home, rows: list):
        self.home = home  # the home page in the request's language
        self.rows = rows
        self.pages = {row.pk: row for row in rows}
        self.page = None  # the page at the URL (a base row), once routing found it
        self.ancestors = []  # home … page, once routing found it
        self.menu = [
            row for row in rows if row.depth == home.depth + 1 and row.path.startswith(home.path) and row.show_in_menus and row.live and not row._portal_private
        ]
        self._translation_keys = {home.translation_key}

    @classmethod
    def build(cls, home, components=(), page_ids=()) -> Frame:
        from wagtail.models import Page

        condition = Q(translation_key=home.translation_key) | Q(depth=home.depth + 1, show_in_menus=True, live=True, path__startswith=home.path)
        for level, slug in enumerate(components, 1):
            condition |= Q(depth=home.depth + level, slug=slug, path__startswith=home.path)
        if components:  # the translations of whatever page is at the URL
            at_url = Page.objects.filter(depth=home.depth + len(components), slug=components[-1], path__startswith=home.path)
            condition |= Q(translation_key__in=at_url.values("translation_key"))
        if page_ids:
            condition |= Q(pk__in=list(page_ids))
        rows = list(Page.objects.filter(condition).select_related("locale").annotate(_portal_private=private_exists()).order_by("path"))
        frame = cls(home, rows)
        by_pk = frame.pages.get(home.pk)
        home._portal_private = by_pk._portal_private if by_pk is not None else None
        return frame

    @classmethod
    def for_request(cls, request) -> Frame | None:
        """The frame routing built, else one without a page (views outside the page tree)."""
        if request is None:
            return None
        frame = getattr(request, "portal_frame", None)
        if frame is not None:
            return frame
        from wagtail.models import Page, Site

        site = Site.find_for_request(request)
        if site is None:
            return None
        root = site.root_page
        rows = list(
            Page.objects.filter(Q(translation_key=root.translation_key) | Q(depth=root.depth + 1, show_in_menus=True, live=True))
            .select_related("locale")
            .annotate(_portal_private=private_exists())
            .order_by("path")
        )
        language = active_language()
        homes = [row for row in rows if row.translation_key == root.translation_key]
        home = next((row for row in homes if row.locale.language_code == language and row.live), None)
        home = home or next((row for row in homes if row.pk == root.pk), root)
        frame = request.portal_frame = cls(home, rows)
        return frame

    def translations(self, translation_key) -> list | None:
        """Live, public pages with this key, by language code; None when the frame does not know."""
        if translation_key not in self._translation_keys:
            return None
        found = [row for row in self.rows if row.translation_key == translation_key and row.live and not row._portal_private]
        return sorted(found, key=lambda row: row.locale.language_code)

    # routing

    def route(self, request, components: list):
        """Wagtail's Page.route() walk below the home page, from the frame's rows."""
        parent = self.home
        ancestors = [parent]
        for level, slug in enumerate(components):
            if level and _claims(parent, components[level:]):
                return parent.specific.route(request, components[level:])
            child = next((row for row in self.rows if row.depth == parent.depth + 1 and row.slug == slug and row.path.startswith(parent.path)), None)
            if child is None:
                raise Http404
            ancestors.append(child)
            parent = child
        self.page, self.ancestors = parent, ancestors
        self._translation_keys.add(parent.translation_key)
        page = self.serving_page(parent)
        page.portal_public = not parent._portal_private and all(row.alias_of_id is None for row in ancestors)
        return page.route(request, [])

    def serving_page(self, base):
        """The page at the URL as a specific instance, ready to render (see the module docstring)."""
        from django.db.models import Case, IntegerField, Value, When

        cls = base.specific_class
        if cls is None:
            return base.specific
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
        if companions:
            page.served_companions = rows[1:]
        self.prepare(page)
        return page

    def prepare(self, page):
        """Load every picture `page` shows and convert its StreamFields with what is loaded."""
        from wagtail.fields import StreamField

        page.portal_frame = self
        streams = [getattr(page, field.attname) for field in page._meta.concrete_fields if isinstance(field, StreamField)]
        images = {}
        if getattr(page, "serve_renditions", True) and hasattr(page, "pictured"):
            objects = page.pictured()
            ids = image_ids(objects)
            for stream in streams:
                ids.extend(stream_chooser_ids(stream, "image"))
            images = load_images(ids)
            set_images(objects, images)
        with preloaded(pages=self.pages, images=images):
            for stream in streams:
                list(stream)


def _claims(row, rest: list) -> bool:
    """Whether the page `row`'s own route() may answer `rest` other than by its child `rest[0]`."""
    from wagtail.contrib.routable_page.models import RoutablePageMixin
    from wagtail.models import Page

    cls = row.specific_class
    if cls is None:
        return True
    if cls.route is Page.route:
        return False
    if issubclass(cls, RoutablePageMixin) and cls.route is RoutablePageMixin.route and cls.resolve_subpage is RoutablePageMixin.resolve_subpage:
        if not row.live:
            return False
        try:
            cls.get_resolver().resolve("/" + "/".join(rest) + "/")
        except Http404:  # Resolver404 too: no sub-route matches
            return False
        return True
    return True  # a custom route() decides for itself


# --- what templates and views ask the frame -----------------------------------------------------


def ancestor_page(page, model=None):
    """The nearest ancestor of `page` (of `model`, if given) as a specific instance: from the frame
    when `page` is the page routing found (no query: its own fields load on first use), else from
    the database. For "back to the section" links and a section's sub-routes."""
    from wagtail.models import Page

    frame = getattr(page, "portal_frame", None)
    if frame is not None and frame.page is not None and frame.page.pk == page.pk:
        for ancestor in reversed(frame.ancestors[:-1]):
            cls = ancestor.specific_class
            if cls is not None and (model is None or issubclass(cls, model)):
                return ancestor if ancestor is frame.home else ancestor.specific_deferred
        return None
    if model is None:
        return page.get_parent().specific if page.depth > 1 else None
    qs = model.objects.ancestor_of(page) if issubclass(model, Page) else None
    return qs.last() if qs is not None else None


def menu_pages(page, model) -> list:
    """Live, public pages of `model` in the menu of the page routing found, as specific instances,
    in tree order (no query): e.g. the feeds another app links in the home page's head. [] for a page
    that was not routed (a preview)."""
    frame = getattr(page, "portal_frame", None)
    if frame is None:
        return []
    return [row.specific_deferred for row in frame.menu if row.specific_class is not None and issubclass(row.specific_class, model)]


def live_translations(page, request=None) -> list:
    """The page's live, public translations, itself included, with their locales: from the frame
    for the page at the URL and the home page, else one query per page and request; shared by the
    hreflang links and the language switcher."""
    if page is None or not getattr(page, "pk", None) or not hasattr(page, "get_translations"):
        return []
    from wagtail.models import Page

    frame = Frame.for_request(request)
    known = frame.translations(page.translation_key) if frame is not None else None
    if known is not None:
        return known

    def compute():
        return list(public(Page.objects.filter(translation_key=page.translation_key).live()).select_related("locale").order_by("locale__language_code"))

    return memoised(request, ("translations", page.translation_key), compute)

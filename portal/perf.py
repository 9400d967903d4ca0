"""Per-request memoisation of lookups Wagtail repeats while one page renders.

A page's header, menu, language links, hreflang tags and every collection on it each ask for the
active `Locale` and for the list of private sections (`PageQuerySet.public()`), and Wagtail's own
serve hook asks for the page's view restrictions: a dozen identical queries on a cold render. During
one anonymous GET or HEAD of a public URL (not the admin) this module answers them from a dict
that lives as long as the request:

- `Locale.objects.get_for_language(code)`: one query per language per request;
- `PageQuerySet.private_q()` (used by `.public()`): the restrictions are read once per request;
- `Page.get_view_restrictions()`: no query at all when the site has no restricted section (the
  common case); otherwise Wagtail's own lookup.

Nothing is kept between requests, so there is nothing to invalidate: a locale or restriction saved
by an editor is seen by the next request (and a save during the request drops the memo as well).
Outside a request (shell, management commands, tests calling the ORM) nothing is memoised.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.core.signals import request_finished, request_started
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

_memo: ContextVar[dict | None] = ContextVar("portal_request_memo", default=None)
MEMO_PATH_EXCLUDES = ("/admin/", "/django-admin/")
_NO_RESTRICTIONS = object()


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


def _start(sender, environ=None, **kwargs):
    environ = environ or {}
    safe = environ.get("REQUEST_METHOD") in ("GET", "HEAD") and not environ.get("PATH_INFO", "").startswith(MEMO_PATH_EXCLUDES)
    _memo.set({} if safe else None)


def _finish(sender, **kwargs):
    _memo.set(None)


def _forget(sender, **kwargs):
    memo = _memo.get()
    if memo is not None:
        memo.clear()


def _all_restrictions():
    from wagtail.models import PageViewRestriction

    return memoised("restrictions", lambda: list(PageViewRestriction.objects.select_related("page")))


def install():
    """Called once from PortalConfig.ready()."""
    from wagtail.models import Locale, Page, PageViewRestriction
    from wagtail.models.i18n import LocaleManager
    from wagtail.query import PageQuerySet

    original_get_for_language = LocaleManager.get_for_language
    original_view_restrictions = Page.get_view_restrictions

    def get_for_language(self, language_code):
        return memoised(("locale", language_code), lambda: original_get_for_language(self, language_code))

    def private_q(self):
        q = Q()
        for restriction in _all_restrictions():
            q |= self.descendant_of_q(restriction.page, inclusive=True)
        return q if q else Q(pk__in=[])

    def get_view_restrictions(self):
        if _memo.get() is not None and not _all_restrictions():
            return PageViewRestriction.objects.none()
        return original_view_restrictions(self)

    LocaleManager.get_for_language = get_for_language
    PageQuerySet.private_q = private_q
    Page.get_view_restrictions = get_view_restrictions

    request_started.connect(_start, dispatch_uid="portal-perf-start")
    request_finished.connect(_finish, dispatch_uid="portal-perf-finish")
    for model in (Locale, PageViewRestriction):
        post_save.connect(_forget, sender=model, dispatch_uid=f"portal-perf-save-{model.__name__}")
        post_delete.connect(_forget, sender=model, dispatch_uid=f"portal-perf-delete-{model.__name__}")


def live_translations(page) -> list:
    """The page's live, public translations, itself included, with their locales: one query per
    page per request, shared by the hreflang links and the language switcher."""
    if page is None or not getattr(page, "pk", None) or not hasattr(page, "get_translations"):
        return []
    from wagtail.models import Page

    def compute():
        return list(Page.objects.filter(translation_key=page.translation_key).live().public().select_related("locale").order_by("locale__language_code"))

    return memoised(("translations", page.translation_key), compute)

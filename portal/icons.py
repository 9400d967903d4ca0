"""The icons browsers and WeChat fetch from fixed paths at the site root (/favicon.ico,
/apple-touch-icon.png), whatever the page's <head> links to.

The files are static files (portal/static/portal/icons/, drawn by scripts/make_icons.py); pages link
to them by their static URLs (portal/includes/icons_head.html). These root paths serve the same
bytes, read once per process: no template, no database, and a long max-age, because crawlers, chat
apps and every browser tab without a cached copy ask for them on every visit.
"""

from __future__ import annotations

from functools import lru_cache

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# root path -> (static file, content type)
ROOT_ICONS = {
    "favicon.ico": ("portal/icons/favicon.ico", "image/x-icon"),
    "apple-touch-icon.png": ("portal/icons/apple-touch-icon.png", "image/png"),
    "apple-touch-icon-precomposed.png": ("portal/icons/apple-touch-icon.png", "image/png"),  # older iOS asks for this name first
}
MAX_AGE = 30 * 24 * 3600  # a month: the file name never changes, so not "forever" like a hashed static URL


@lru_cache(maxsize=len(ROOT_ICONS))
def _icon_bytes(static_path: str) -> bytes | None:
    """The file from the app's static directory (as `runserver` finds it), else from STATIC_ROOT
    (collectstatic's copy, for a deployment that ships only that)."""
    found = finders.find(static_path)
    if found:
        with open(found, "rb") as f:
            return f.read()
    if staticfiles_storage.exists(static_path):
        with staticfiles_storage.open(static_path) as f:
            return f.read()
    return None


@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def root_icon(request, name: str):
    static_path, content_type = ROOT_ICONS[name]
    data = _icon_bytes(static_path)
    if data is None:
        raise Http404(f"{static_path} is missing: run scripts/make_icons.py")
    return HttpResponse(data, content_type=content_type)

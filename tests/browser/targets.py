"""Which pages the browser suite visits: one of every page type, found in the demo content.

The list is data-driven: every concrete Wagtail page model in the project is a target, so a page
type added by any app is visited as soon as its demo content exists, with no edit here. A few
targets are not page models: variants of a model that render differently (an event is a NewsPage),
routable sub-pages (the service-station list) and plain views (search results).

This module is imported twice: by pytest at collection time (target keys only, no database) and by
prepare.py inside the server's environment (resolving each key to a URL).
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldError
from django.urls import NoReverseMatch

# key -> field filters choosing among instances of a model (a model listed here is visited once per variant)
VARIANTS = {
    "news.NewsPage": {"news.NewsPage": {"is_event": False}, "news.NewsPage:event": {"is_event": True}},
}

# key -> (model label, routable sub-page name, callable giving its args, or None)
SUBPAGES = {
    "routes.RoutePage:print": ("routes.RoutePage", "print", None),
    "products.ProductIndexPage:stations": ("products.ProductIndexPage", "stations", None),
    "products.ProductIndexPage:station": ("products.ProductIndexPage", "station", lambda: _first_pk("products.ServiceStation")),
}

# key -> path of a plain (non-page) view
VIEWS = {
    "search": "/search/?q=民宿",
}


def page_model_labels() -> list[str]:
    from wagtail.models import Page, get_page_models

    return sorted(m._meta.label for m in get_page_models() if m is not Page and not m._meta.abstract)


def target_keys() -> list[str]:
    keys = []
    for label in page_model_labels():
        keys.extend(VARIANTS.get(label, {label: {}}).keys())
    keys.extend(SUBPAGES)
    keys.extend(VIEWS)
    return keys


def _first_pk(label):
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    pk = model.objects.order_by("pk").values_list("pk", flat=True).first()
    return None if pk is None else [pk]


def _first_live_page(label: str, filters: dict):
    """The first live, public page of a type (in tree order), or None."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    try:
        qs = model.objects.live().public().filter(**filters).order_by("path")
        return next((p for p in qs[:20] if p.get_url()), None)
    except FieldError:
        return None


def resolve(key: str) -> tuple[str | None, int | None, str]:
    """(path or None, page id or None, why not) for a target key; runs with the server's database."""
    if key in VIEWS:
        return VIEWS[key], None, ""
    if key in SUBPAGES:
        label, name, args = SUBPAGES[key]
        page = _first_live_page(label, {})
        if page is None:
            return None, None, f"the demo content has no live public {label}"
        arguments = args() if args else []
        if arguments is None:
            return None, None, f"no object to show at {label} sub-page {name!r}"
        try:
            return page.get_url() + page.reverse_subpage(name, args=arguments), page.pk, ""
        except (NoReverseMatch, AttributeError):
            return None, None, f"{label} has no sub-page {name!r} (not built yet)"
    label = key.split(":")[0]
    filters = VARIANTS.get(label, {}).get(key, {})
    page = _first_live_page(label, filters)
    if page is None:
        return None, None, f"the demo content has no live public {key}" + (f" ({filters})" if filters else "")
    return page.get_url(), page.pk, ""

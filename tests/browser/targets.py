"""Which pages the browser suite visits: one of every page type, found in the demo content.

The list is data-driven: every concrete Wagtail page model in the project is a target, so a page
type added by any app is visited as soon as its demo content exists, with no edit here. A few
targets are not page models: variants of a model that render differently (an event is a NewsPage),
routable sub-pages (the service-station list) and plain views (search results).

Every target is visited in Chinese (the key as it is) and in English (the key + "@en": the same page
type's English copy, under /en/), so the checks of test_pages.py hold for the English site too.

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
    "products.ProductIndexPage:station": ("products.ProductIndexPage", "station", lambda language: _first_pk("products.ServiceStation", language)),
}

# key -> path of a plain (non-page) view
VIEWS = {
    "search": "/search/?q=民宿",
    "search@en": "/en/search/?q=homestay",
    "offline": "/offline/",
    "offline@en": "/en/offline/",
    "report": "/reports/new/?about=/routes/diaogou/%23stop-2",
    "report@en": "/en/reports/new/",
    "alerts": "/alerts/",
    "alerts@en": "/en/alerts/",
}

# The languages every target is visited in: "" is Chinese, the default (keys without a suffix).
LANGUAGES = {"": "zh-hans", "en": "en"}


def split_key(key: str) -> tuple[str, str]:
    """("products.ProductPage", "en") for "products.ProductPage@en"; the language code for no suffix."""
    base, _, suffix = key.partition("@")
    return base, LANGUAGES.get(suffix, suffix)


def page_model_labels() -> list[str]:
    from wagtail.models import Page, get_page_models

    return sorted(m._meta.label for m in get_page_models() if m is not Page and not m._meta.abstract)


def target_keys() -> list[str]:
    keys = []
    for label in page_model_labels():
        keys.extend(VARIANTS.get(label, {label: {}}).keys())
    keys.extend(SUBPAGES)
    keys.extend(key for key in VIEWS if "@" not in key)
    return [f"{key}{'@' + suffix if suffix else ''}" for suffix in LANGUAGES for key in keys]


def _first_pk(label, language: str = "zh-hans"):
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    qs = model.objects.order_by("pk")
    if any(f.name == "locale" for f in model._meta.get_fields()):  # a translatable snippet
        qs = qs.filter(locale__language_code=language)
    pk = qs.values_list("pk", flat=True).first()
    return None if pk is None else [pk]


def _first_live_page(label: str, filters: dict, language: str = "zh-hans"):
    """The first live, public page of a type in a language (in tree order), or None."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    try:
        qs = model.objects.live().public().filter(locale__language_code=language, **filters).order_by("path")
        return next((p for p in qs[:20] if p.get_url()), None)
    except FieldError:
        return None


def resolve(key: str) -> tuple[str | None, int | None, str]:
    """(path or None, page id or None, why not) for a target key; runs with the server's database."""
    if key in VIEWS:
        return VIEWS[key], None, ""
    key, language = split_key(key)
    if key in SUBPAGES:
        label, name, args = SUBPAGES[key]
        page = _first_live_page(label, {}, language)
        if page is None:
            return None, None, f"the demo content has no live public {label} in {language}"
        arguments = args(language) if args else []
        if arguments is None:
            return None, None, f"no object to show at {label} sub-page {name!r}"
        try:
            return page.get_url() + page.reverse_subpage(name, args=arguments), page.pk, ""
        except (NoReverseMatch, AttributeError):
            return None, None, f"{label} has no sub-page {name!r} (not built yet)"
    label = key.split(":")[0]
    filters = VARIANTS.get(label, {}).get(key, {})
    page = _first_live_page(label, filters, language)
    if page is None:
        return None, None, f"the demo content has no live public {key} in {language}" + (f" ({filters})" if filters else "")
    return page.get_url(), page.pk, ""

"""Wagtail runs as shipped: no method of a Wagtail class is replaced at runtime.

The portal makes cold renders lean through Wagtail's public hooks only (its own page classes'
`route()`, `get_view_restrictions()`, its own chooser blocks: portal/perf.py), so a Wagtail upgrade
cannot silently break a private copy of Wagtail internals. These are the methods that were once
replaced at startup; each must still be the function Wagtail defines, in Wagtail's own module.
"""

from __future__ import annotations

import inspect

import pytest
from django.apps import apps

# (class as the portal imports it, attribute, the module and qualified name of Wagtail's function:
# Page's methods are defined on AbstractPage)
WAGTAIL_METHODS = [
    ("wagtail.models.Site", "_find_for_request", "wagtail.models.sites", "Site._find_for_request"),
    ("wagtail.models.Site", "get_site_root_paths", "wagtail.models.sites", "Site.get_site_root_paths"),
    ("wagtail.models.Page", "route_for_request", "wagtail.models.pages", "AbstractPage.route_for_request"),
    ("wagtail.models.Page", "get_view_restrictions", "wagtail.models.pages", "AbstractPage.get_view_restrictions"),
    ("wagtail.models.Page", "route", "wagtail.models.pages", "AbstractPage.route"),
    ("wagtail.query.PageQuerySet", "private_q", "wagtail.query", "PageQuerySet.private_q"),
    ("wagtail.query.PageQuerySet", "public", "wagtail.query", "PageQuerySet.public"),
    ("wagtail.models.i18n.LocaleManager", "get_for_language", "wagtail.models.i18n", "LocaleManager.get_for_language"),
    ("wagtail.blocks.field_block.ChooserBlock", "bulk_to_python", "wagtail.blocks.field_block", "ChooserBlock.bulk_to_python"),
    ("wagtail.blocks.PageChooserBlock", "bulk_to_python", "wagtail.blocks.field_block", "ChooserBlock.bulk_to_python"),
    ("wagtail.images.blocks.ImageChooserBlock", "bulk_to_python", "wagtail.blocks.field_block", "ChooserBlock.bulk_to_python"),
]


def _defined(class_path: str, attribute: str):
    """The function behind the attribute as the class holds it now (staticmethods unwrapped)."""
    from django.utils.module_loading import import_string

    raw = inspect.getattr_static(import_string(class_path), attribute)
    return raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw


@pytest.mark.parametrize(
    ("class_path", "attribute", "module_name", "qualname"), WAGTAIL_METHODS, ids=[f"{c.rsplit('.', 1)[1]}.{a}" for c, a, _m, _q in WAGTAIL_METHODS]
)
def test_wagtail_method_is_wagtails_own(class_path, attribute, module_name, qualname):
    assert apps.ready  # the portal's AppConfig.ready() has run
    function = _defined(class_path, attribute)
    module = inspect.getmodule(function)
    assert module is not None and module.__name__.split(".")[0] == "wagtail", f"{class_path}.{attribute} comes from {module}"
    assert (function.__module__, function.__qualname__) == (module_name, qualname), f"{class_path}.{attribute} is not Wagtail's"
    assert "/wagtail/" in inspect.getsourcefile(function)


def test_staticmethods_are_still_staticmethods():
    from wagtail.models import Page, Site

    for cls, attribute in ((Site, "_find_for_request"), (Site, "get_site_root_paths"), (Page, "route_for_request")):
        assert isinstance(inspect.getattr_static(cls, attribute), staticmethod), f"{cls.__name__}.{attribute}"


def test_after_a_request_too(client, db):
    """Serving a page (the first request wires up whatever a request wires up) changes nothing."""
    from portal.factories import make_site

    make_site()
    assert client.get("/").status_code == 200
    for class_path, attribute, module_name, qualname in WAGTAIL_METHODS:
        function = _defined(class_path, attribute)
        assert (function.__module__, function.__qualname__) == (module_name, qualname), f"{class_path}.{attribute}"

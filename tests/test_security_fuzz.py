"""Hypothesis-generated junk for every public URL that takes query parameters: never a 500.

Data-driven: TARGETS lists each URL with the parameters we know about, and every HTML target also
contributes the parameters its own GET forms and links use (tests.test_security_pages.query_params),
so a new filter is fuzzed without editing this file. Add a row to TARGETS for a new URL. Set
FUZZ_EXAMPLES to fuzz harder locally (default 30 examples per target).
"""

import os
from urllib.parse import quote, urlencode

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from portal.registry import registry
from tests.demo_db import load_demo
from tests.test_security_pages import query_params

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))

# (path, parameters known without looking at the page)
TARGETS = [
    ("/search/", ["q", "page", "type"]),
    ("/en/search/", ["q", "page"]),
    ("/search/autocomplete/", ["q"]),
    ("/", ["page", "preview"]),
    ("/routes/", ["page", "county", "season"]),
    ("/homestays/", ["page", "county", "route", "price_max", "guests", "near", "amenity"]),
    ("/products/", ["page", "category", "county", "certification", "in_season", "brand", "producer"]),
    ("/products/stations/", ["page", "county", "level"]),
    ("/news/", ["page", "show", "tag", "year", "month"]),
    ("/news/feed/rss/", ["tag"]),
    ("/news/events.ics", ["tag"]),
    ("/map/", ["layers", "map"]),
    ("/sitemap.xml", ["p", "page"]),
    (
        "/api/v2/pages/",
        "type fields order limit offset search search_operator child_of descendant_of ancestor_of locale translation_of html_path slug id show_in_menus title".split(),
    ),
    ("/api/v2/images/", ["fields", "order", "limit", "offset", "search", "title", "id"]),
]
GEO_PARAMS = ["bbox", "near", "km"]
# Public forms posted to: (a page type whose first live page has the form, the sub-path, the fields).
FORMS = [("homestays.HomestayPage", "inquire/", ["name", "phone", "arrival", "departure", "guests", "message", "consent", "website"])]
# URL paths that end in a visitor-controlled segment.
PATH_TEMPLATES = ["/{}/", "/products/stations/{}/", "/news/{}/", "/routes/{}/", "/homestays/{}/", "/qr/{}.png", "/api/geo/{}.geojson", "/en/{}/"]

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "-1e309",
    "nan",
    "inf",
    "99999999999999999999999",
    "0x10",
    "1,2",
    "101.5,36.6",
    "101.5,36.6,101.9,36.8",
    "181,91,-181,-91",
    "1,2,3,4,5",
    ",,,",
    "%",
    "%%",
    "'",
    '"',
    "\\",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\x00",
    "\u202e",
    "𠀀",
    "塔尔寺",
    "true",
    "null",
    "[]",
    "{}",
    "a" * 5000,
    "-title",
    "__all__",
    "*",
    "id,title,nonexistent",
    "wagtailcore.Page",
    "portal.HomePage",
    "nonexistent.Model",
]
# Every known parameter gets each of these once, deterministically, before the random examples.
SHARP = ["\x00", '"', "'", "\\", "%", "-1", "1e309", "nan", "99999999999999999999999", "181,91,-181,-91", ",,,", "<script>", "a" * 5000]
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
numberish = st.one_of(st.integers(-(2**70), 2**70).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr))
coords = st.lists(st.floats(-400, 400, allow_nan=False).map(lambda f: f"{f:.6g}"), min_size=0, max_size=6).map(",".join)
junk = st.one_of(st.sampled_from(NASTY), text, numberish, coords)


def query_strings(names):
    pair = st.tuples(st.sampled_from(sorted(names) + ["zz"]), junk)
    return st.lists(pair, max_size=5).map(lambda pairs: urlencode(pairs, quote_via=quote))


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture], database=None)


@override_settings(PORTAL_RATE_LIMITS={}, RATELIMIT_ENABLE=False)
@pytest.mark.slow
class FuzzTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo()

    def get(self, url):
        response = self.client.get(url)
        self.assertLess(response.status_code, 500, url)
        return response

    def params_for(self, path, known):
        names = set(known)
        response = self.client.get(path)
        if "html" in response.get("Content-Type", ""):
            names |= query_params(response.content.decode(), path)
        return names

    def fuzz_target(self, path, names):
        @FUZZ
        @given(qs=query_strings(names))
        def fuzz(qs):
            self.get(f"{path}?{qs}")

        fuzz()

    def test_query_parameters(self):
        for path, known in TARGETS:
            names = self.params_for(path, known)
            with self.subTest(path=path, params=sorted(names)):
                for name in sorted(names):
                    for value in SHARP:
                        self.get(f"{path}?{urlencode({name: value})}")
                self.fuzz_target(path, names)

    def test_geo_layers(self):
        layers = sorted(registry.layers)
        self.assertTrue(layers)

        @FUZZ
        @given(layer=st.sampled_from(layers), qs=query_strings(GEO_PARAMS))
        def fuzz(layer, qs):
            self.get(f"/api/geo/{layer}.geojson?{qs}")

        fuzz()

    def test_path_segments(self):
        segment = st.one_of(st.sampled_from(NASTY), text).map(lambda s: quote(s, safe=""))

        @FUZZ
        @given(template=st.sampled_from(PATH_TEMPLATES), value=segment)
        def fuzz(template, value):
            self.get(template.format(value))

        fuzz()

    def fuzz_form(self, url, fields):
        @FUZZ
        @given(data=st.dictionaries(st.sampled_from(fields), junk, max_size=len(fields)))
        def fuzz(data):
            response = self.client.post(url, data)
            self.assertLess(response.status_code, 500, (url, data))

        fuzz()

    def test_public_forms(self):
        from django.apps import apps
        from wagtail.models import Page

        for model_label, sub_path, fields in FORMS:
            page = Page.objects.live().public().type(apps.get_model(model_label)).first()
            self.assertIsNotNone(page, f"the demo has no live {model_label}")
            with self.subTest(url=page.url + sub_path):
                self.fuzz_form(page.url + sub_path, fields)

"""Wagtail API v2 on the demo site: bad filter values are 400s, URLs use the request's host, and
`find` works in both languages.

The filterable fields are not listed by hand: every page type's database-backed API fields are
read from the view set itself, so a field added to any app's `api_fields` is tried with junk too.
"""

import os
from urllib.parse import urlsplit

from django.apps import apps
from django.db import models
from django.test import TestCase, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import Page

from portal.api import PortalPagesAPIViewSet
from tests.demo_db import load_demo

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)

# Typed fields whose junk must be refused (not just survived): the values from issue 21 and more.
TYPED_JUNK = ["abc", "notadate", "2027-13-45", "1e309", "nan", "-inf", "12,5", "", " "]
TEXT_JUNK = ["99999999999999999999999999", "-1", "abc", "", "%", "'", "\\", "塔尔寺", "a" * 2000, "1e309", "[]", "{}", "null", "true"]

junk = st.one_of(
    st.sampled_from(TYPED_JUNK + TEXT_JUNK), st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
)


def page_models():
    return [m for m in apps.get_models() if issubclass(m, Page) and m is not Page and not m._meta.abstract]


def filter_fields(model):
    """(name, model field) for each query parameter the pages endpoint filters `model` by."""
    names = PortalPagesAPIViewSet.get_available_fields(model, db_fields_only=True)
    out = []
    for name in sorted(set(names) - {"locale"}):
        try:
            out.append((name, model._meta.get_field(name)))
        except LookupError:
            continue
    return out


TYPED = (models.DateField, models.DateTimeField, models.FloatField, models.DecimalField, models.IntegerField)


@override_settings(PORTAL_RATE_LIMITS={}, RATELIMIT_ENABLE=False)
class ApiTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo()

    def get(self, path, params=None, **extra):
        response = self.client.get(path, params or {}, **extra)
        self.assertLess(response.status_code, 500, (path, params, response.content[:300]))
        return response

    # -- bad filter values -----------------------------------------------------------------
    def test_the_reported_values_are_400_with_a_message(self):
        cases = [
            ({"search": "塔尔寺", "search_operator": "bad"}, "search_operator must be 'and' or 'or'"),
            ({"search_operator": "bad"}, "search_operator"),
            ({"type": "news.NewsPage", "event_start": "notadate"}, "event_start: expected a date and time"),
            ({"type": "news.NewsPage", "date": "abc"}, "date: expected a date"),
            ({"type": "products.ProductPage", "reference_price": "abc"}, "reference_price: expected a number"),
            ({"type": "routes.RoutePage", "length_km": "abc"}, "length_km: expected a number"),
            ({"type": "routes.RoutePage", "length_km": "nan"}, "length_km"),
            ({"type": "products.ProductPage", "reference_price": "1e309"}, "reference_price"),
        ]
        for params, message in cases:
            with self.subTest(params=params):
                response = self.get("/api/v2/pages/", params)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.json()["message"])

    def test_good_filter_values_still_filter(self):
        from routes.models import RoutePage

        route = RoutePage.objects.live().filter(locale__language_code="zh-hans").order_by("path").first()
        for params in [
            {"type": "routes.RoutePage", "length_km": str(route.length_km)},
            {"type": "routes.RoutePage", "max_alt_m": str(route.max_alt_m)},
        ]:
            with self.subTest(params=params):
                response = self.get("/api/v2/pages/", params)
                self.assertEqual(response.status_code, 200)
                self.assertIn(route.pk, [item["id"] for item in response.json()["items"]])
        news = self.get("/api/v2/pages/", {"type": "news.NewsPage", "date": "2000-01-01"})
        self.assertEqual((news.status_code, news.json()["items"]), (200, []))
        events = self.get("/api/v2/pages/", {"type": "news.NewsPage", "event_start": "2000-01-01T10:00:00+08:00"})
        self.assertEqual(events.status_code, 200)
        for operator in ("and", "or"):
            self.assertEqual(self.get("/api/v2/pages/", {"search": "塔尔寺", "search_operator": operator}).status_code, 200)

    def test_every_typed_filter_refuses_junk(self):
        """Each date, time and number field of every page type in the API answers 400 to junk."""
        tried = 0
        for model in page_models():
            for name, field in filter_fields(model):
                if not isinstance(field, TYPED) or isinstance(field, models.AutoField) or field.is_relation:
                    continue
                for value in TYPED_JUNK:
                    with self.subTest(model=model._meta.label, field=name, value=value):
                        response = self.get("/api/v2/pages/", {"type": model._meta.label, name: value})
                        self.assertEqual(response.status_code, 400)
                        self.assertIn(name, response.json()["message"])
                tried += 1
        self.assertGreaterEqual(tried, 8, "the portal's dates and numbers were all found")

    def test_every_filter_survives_random_junk(self):
        """Hypothesis: any value for any filterable field of any page type, never a 500."""
        cases = [(model._meta.label, name) for model in page_models() for name, _field in filter_fields(model)]
        self.assertTrue(cases)

        @FUZZ
        @given(case=st.sampled_from(cases), value=junk, searched=st.booleans())
        def fuzz(case, value, searched):
            label, name = case
            params = {"type": label, name: value}
            if searched:
                params["search"] = value or "塔尔寺"
            self.get("/api/v2/pages/", params)

        fuzz()
        for name in ("id", "title", "width", "height", "search_operator"):
            for value in TYPED_JUNK:
                self.get("/api/v2/images/", {name: value, "search": "x"} if name == "search_operator" else {name: value})

    # -- hosts -----------------------------------------------------------------------------
    def test_urls_use_the_request_host(self):
        response = self.get("/api/v2/pages/", {"type": "products.ProductPage", "fields": "image"}, HTTP_HOST="portal.example.cn")
        self.assertEqual(response.status_code, 200)
        items = response.json()["items"]
        self.assertTrue(items)
        for item in items:
            self.assertTrue(item["meta"]["detail_url"].startswith("http://portal.example.cn/api/v2/pages/"), item["meta"]["detail_url"])
        images = [item["image"] for item in items if item.get("image")]
        self.assertTrue(images, "the demo products have pictures")
        for image in images:
            self.assertTrue(image["full_url"].startswith("http://portal.example.cn/"), image["full_url"])
            self.assertEqual(urlsplit(image["full_url"]).path, image["url"])
        # (meta.html_url is the page's address on its Site, as configured in Wagtail's Sites)
        found = self.get("/api/v2/pages/find/", {"html_path": "/routes/"}, HTTP_HOST="portal.example.cn")
        self.assertEqual(found.status_code, 302)
        self.assertTrue(found["Location"].startswith("http://portal.example.cn/api/v2/pages/"), found["Location"])
        secure = self.get("/api/v2/pages/", {"limit": 1}, HTTP_HOST="portal.example.cn", secure=True)
        self.assertTrue(secure.json()["items"][0]["meta"]["detail_url"].startswith("https://portal.example.cn/"))

    def test_a_configured_base_url_wins(self):
        with override_settings(WAGTAILAPI_BASE_URL="https://xining-rural.example", WAGTAILADMIN_BASE_URL="https://xining-rural.example"):
            response = self.get("/api/v2/pages/", {"type": "products.ProductPage", "fields": "image", "limit": 3}, HTTP_HOST="other.example")
            for item in response.json()["items"]:
                self.assertTrue(item["meta"]["detail_url"].startswith("https://xining-rural.example/api/v2/pages/"))
                if item.get("image"):
                    self.assertTrue(item["image"]["full_url"].startswith("https://xining-rural.example/"))
            found = self.get("/api/v2/pages/find/", {"html_path": "/routes/"}, HTTP_HOST="other.example")
            self.assertTrue(found["Location"].startswith("https://xining-rural.example/api/v2/pages/"))

    # -- find ------------------------------------------------------------------------------
    def test_find_in_both_languages(self):
        from routes.models import RoutePage

        zh = RoutePage.objects.live().get(slug="xinachuan", locale__language_code="zh-hans")
        en = RoutePage.objects.live().get(slug="xinachuan", locale__language_code="en")
        for path, page in [
            ("/routes/xinachuan/", zh),
            ("/en/routes/xinachuan/", en),
            ("en/routes/xinachuan", en),
            ("/en/", en.get_parent().get_parent()),
            ("/routes/xinachuan/gpx/", zh),  # a routable page's sub-path is still that page
        ]:
            with self.subTest(path=path):
                response = self.get("/api/v2/pages/find/", {"html_path": path})
                self.assertEqual(response.status_code, 302, response.content[:200])
                self.assertTrue(response["Location"].rstrip("?").endswith(f"/api/v2/pages/{page.pk}/"), response["Location"])
                detail = self.client.get(response["Location"]).json()
                self.assertEqual((detail["id"], detail["meta"]["locale"]), (page.pk, page.locale.language_code))
        for path in ["/en/routes/no-such-route/", "/fr/routes/xinachuan/", "/en/en/", "/%E5%A1%94/"]:
            with self.subTest(path=path):
                self.assertEqual(self.get("/api/v2/pages/find/", {"html_path": path}).status_code, 404)
        self.assertEqual(self.get("/api/v2/pages/find/", {"id": str(en.pk)}).status_code, 302)

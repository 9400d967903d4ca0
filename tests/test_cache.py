"""HTTP caching inside Django (portal.cache): which responses a shared cache may keep, and which URLs
a change purges, when, and how often. The proxy itself is tested over HTTP in tests/stack."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory, TestCase, override_settings
from wagtail.contrib.frontend_cache.backends import BaseBackend
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import PageViewRestriction

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory
from portal import cache as page_cache
from portal.factories import MapPageFactory, StandardPageFactory, make_site
from portal.geo import point
from portal.models import PortalSettings
from products.factories import ProducerFactory, ProductIndexPageFactory, ProductPageFactory
from routes.factories import RouteIndexPageFactory, RoutePageFactory, straight_line

PURGED: list[str] = []


class RecordingBackend(BaseBackend):
    """A frontend cache that writes down what it is told to forget."""

    def purge(self, url):
        PURGED.append(url)

    def purge_all(self):
        PURGED.append("*")


RECORDING = {"test": {"BACKEND": "tests.test_cache.RecordingBackend"}}


def paths(urls) -> set[str]:
    from urllib.parse import urlsplit

    return {u if u == "*" else urlsplit(u).path for u in urls}


class CacheControlTests(TestCase):
    """Django says who may share a response; Varnish only obeys."""

    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.page = StandardPageFactory(parent=cls.home, title="游客须知", slug="advice", intro="第一版")
        cls.user = User.objects.create_superuser("editor", password="pw")  # the user bar shows to admin users

    def test_anonymous_pages_are_public_for_the_proxy_and_revalidated_by_browsers(self):
        response = self.client.get("/advice/")
        cc = response["Cache-Control"]
        self.assertIn("public", cc)
        self.assertIn("s-maxage=600", cc)
        self.assertIn("max-age=0", cc)
        self.assertTrue(response.has_header("ETag"))
        self.assertEqual(self.client.get("/advice/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code, 304)

    def test_not_found_is_shareable_too(self):
        self.assertIn("public", self.client.get("/no-such-page/")["Cache-Control"])

    def test_signed_in_users_get_private_pages(self):
        self.client.force_login(self.user)
        cc = self.client.get("/advice/")["Cache-Control"]
        self.assertIn("private", cc)
        self.assertNotIn("public", cc)

    def test_a_session_hidden_behind_odd_cookies_is_still_seen(self):
        """Django's own cookie parser reads the header: no cookie written before sessionid hides it."""
        self.client.force_login(self.user)
        session = self.client.cookies["sessionid"].value
        for before in ('prefs={"theme":"dark"}', "city=西宁", "a=b c"):
            with self.subTest(before=before):
                self.client.cookies.clear()
                raw = f"{before}; sessionid={session}".encode().decode("latin-1")  # as WSGI passes header bytes
                response = self.client.get("/advice/", HTTP_COOKIE=raw)
                self.assertIn("wagtail-userbar", response.content.decode())
                self.assertIn("private", response["Cache-Control"])

    def test_an_anonymous_session_or_a_flash_message_is_private(self):
        for cookie in ("sessionid=whatever", "messages=abc"):
            with self.subTest(cookie=cookie):
                self.assertIn("private", self.client.get("/advice/", HTTP_COOKIE=cookie)["Cache-Control"])

    def test_responses_that_set_a_cookie_are_private(self):
        request = RequestFactory().get("/advice/")
        response = HttpResponse("x")
        response.set_cookie("csrftoken", "abc")
        self.assertFalse(page_cache.CacheControlMiddleware.shareable(request, response))

    def test_admin_api_and_errors_are_never_public(self):
        for url in ("/admin/login/", "/api/v2/pages/", "/healthz"):
            with self.subTest(url=url):
                self.assertNotIn("public", self.client.get(url).get("Cache-Control", ""))

    def test_a_response_rendered_across_a_purge_is_not_shared(self):
        """The version is read when the request starts and when it ends (see portal.cache)."""

        def view(request):
            cache.set(page_cache.VERSION_KEY, "bumped by an editor's publish", None)
            return HttpResponse("rendered from the old rows")

        response = page_cache.CacheControlMiddleware(view)(RequestFactory().get("/advice/"))
        self.assertIn("private", response["Cache-Control"])
        self.assertIn("public", page_cache.CacheControlMiddleware(lambda r: HttpResponse("x"))(RequestFactory().get("/advice/"))["Cache-Control"])


@override_settings(WAGTAILFRONTENDCACHE=RECORDING, PORTAL_PURGE_REPEAT_SECONDS=0)
class PurgeTests(TestCase):
    """What a change purges: the page and whatever shows it, after commit, twice."""

    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.map = MapPageFactory(parent=cls.home)
        cls.about = StandardPageFactory(parent=cls.home, title="关于", slug="about")
        routes = RouteIndexPageFactory(parent=cls.home)
        homestays = HomestayIndexPageFactory(parent=cls.home)
        # A route whose line passes the house, and one 40 km away in Datong.
        cls.near = RoutePageFactory(parent=routes, slug="near", geometry=straight_line(start=(101.40, 36.60), end=(101.44, 36.72)))
        cls.far = RoutePageFactory(parent=routes, slug="far", geometry=straight_line(start=(101.68, 36.95), end=(101.70, 37.05)))
        cls.house = HomestayPageFactory(parent=homestays, title="卡阳花海民宿", slug="kayang", location=point(101.42, 36.66))
        products = ProductIndexPageFactory(parent=cls.home)
        cls.producer, cls.other_producer = ProducerFactory(), ProducerFactory()
        cls.product = ProductPageFactory(parent=products, slug="berries", producer=cls.producer)
        cls.other_product = ProductPageFactory(parent=products, slug="oil", producer=cls.other_producer)

    def setUp(self):
        PURGED.clear()
        from django.utils import translation

        from portal import layers

        for language in ("zh-hans", "en"):  # warm, as on a running site (a flush leaves them built)
            with translation.override(language):
                for name in ("routes", "homestays", "products", "stops", "stations"):
                    layers.layer_payload(name)

    def change(self, action) -> set[str]:
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            action()
        self.assertEqual(PURGED, [], "purged before the transaction committed")
        for callback in callbacks:
            callback()
        return paths(PURGED)

    def test_publishing_purges_the_page_its_lists_and_search_after_commit(self):
        page = self.about.specific
        page.title = "关于我们"
        purged = self.change(lambda: page.save_revision().publish())
        self.assertLessEqual({"/about/", "/", "/map/", "/search/", "/search/autocomplete/", "/en/search/", "/sitemap.xml"}, purged)
        self.assertNotIn("/routes/near/", purged)

    def test_every_url_is_purged_twice_around_a_new_content_version(self):
        before = cache.get(page_cache.VERSION_KEY)
        page = self.about.specific
        self.change(lambda: page.save_revision().publish())
        self.assertNotEqual(cache.get(page_cache.VERSION_KEY), before)
        self.assertEqual(PURGED.count("http://localhost/about/"), 2, PURGED)

    def test_a_draft_purges_nothing(self):
        page = self.about.specific
        page.title = "草稿"
        with self.captureOnCommitCallbacks(execute=True):
            page.save_revision()
        self.assertEqual(PURGED, [])

    def test_a_rolled_back_change_purges_nothing_until_the_next_commit(self):
        page = self.about.specific
        try:
            with transaction.atomic():
                page.save_revision().publish()
                raise RuntimeError("the editor's request failed")
        except RuntimeError:
            pass
        self.assertEqual(PURGED, [])

    def test_a_homestay_purges_the_route_that_lists_it_and_not_the_one_that_does_not(self):
        house = self.house.specific
        house.title = "卡阳花海民宿（新装修）"
        purged = self.change(lambda: house.save_revision().publish())
        self.assertLessEqual({"/homestays/kayang/", "/homestays/", "/routes/near/", "/api/geo/homestays.geojson", "/map/"}, purged)
        self.assertNotIn("/routes/far/", purged)

    def test_moving_a_route_purges_the_homestays_near_its_old_and_new_line(self):
        route = self.far.specific
        route.geometry = straight_line(start=(101.41, 36.62), end=(101.43, 36.70))  # now past the house
        purged = self.change(lambda: route.save_revision().publish())
        self.assertLessEqual({"/routes/far/", "/routes/", "/homestays/kayang/", "/api/geo/routes.geojson"}, purged)
        self.assertNotIn("/routes/near/", purged)

    def test_unpublish_and_delete_purge_the_page_and_its_index(self):
        purged = self.change(lambda: self.house.specific.unpublish())
        self.assertLessEqual({"/homestays/kayang/", "/homestays/", "/routes/near/"}, purged)
        PURGED.clear()
        purged = self.change(lambda: self.about.specific.delete())
        self.assertLessEqual({"/about/", "/"}, purged)

    def test_a_snippet_purges_the_pages_that_show_it(self):
        producer = self.producer
        producer.name = "新名字合作社"
        purged = self.change(lambda: producer.save())
        self.assertIn("/products/berries/", purged)
        self.assertNotIn("/products/oil/", purged)

    def test_changes_whose_reach_is_unknown_purge_everything(self):
        settings_row = PortalSettings.for_site(self.home.get_site())
        settings_row.icp_number = "青ICP备99999999号"
        for what, action in [
            ("site settings (the footer is on every page)", settings_row.save),
            ("a privacy rule", lambda: PageViewRestriction.objects.create(page=self.about, restriction_type=PageViewRestriction.LOGIN)),
            ("a move", lambda: self.about.specific.move(self.map, pos="last-child")),
        ]:
            with self.subTest(what):
                PURGED.clear()
                self.assertEqual(self.change(action), {"*"})

    def test_a_new_image_purges_nothing_an_edited_one_everything(self):
        Image = get_image_model()
        with self.captureOnCommitCallbacks(execute=True):
            image = Image.objects.create(title="新照片", file=get_test_image_file())
        self.assertEqual(PURGED, [])
        image.title = "改名"
        self.assertEqual(self.change(image.save), {"*"})


class NoProxyTests(TestCase):
    """Without WAGTAILFRONTENDCACHE (make run, the tests) a change only drops the map layers."""

    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.house = HomestayPageFactory(parent=HomestayIndexPageFactory(parent=cls.home), title="老屋", slug="old")

    def test_a_publish_drops_the_layer_and_purges_nothing(self):
        from portal import layers

        self.assertIn("老屋", layers.layer_payload("homestays")["body"])
        house = self.house.specific
        house.title = "新屋"
        PURGED.clear()
        with self.captureOnCommitCallbacks(execute=True):
            house.save_revision().publish()
        self.assertEqual(PURGED, [])
        self.assertIn("新屋", layers.layer_payload("homestays")["body"])

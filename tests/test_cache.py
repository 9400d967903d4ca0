from django.contrib.auth.models import User
from django.test import TestCase, override_settings

from portal.factories import StandardPageFactory, make_site
from portal.models import PortalSettings


@override_settings(PAGE_CACHE_ENABLED=True)
class AnonymousPageCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.page = StandardPageFactory(parent=cls.home, title="游客须知", slug="advice", intro="第一版")

    def test_second_anonymous_request_is_a_hit_without_queries(self):
        first = self.client.get("/advice/")
        self.assertEqual(first["X-Page-Cache"], "miss")
        with self.assertNumQueries(0):
            second = self.client.get("/advice/")
        self.assertEqual(second["X-Page-Cache"], "hit")
        self.assertEqual(first.content, second.content)
        self.assertEqual(second["Content-Type"], first["Content-Type"])

    def test_matching_etag_answers_304(self):
        etag = self.client.get("/advice/")["ETag"]
        response = self.client.get("/advice/", HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(response.status_code, 304)

    def test_publish_shows_on_next_anonymous_request(self):
        self.assertContains(self.client.get("/advice/"), "第一版")
        page = self.page.specific
        page.intro = "第二版"
        page.save_revision().publish()
        response = self.client.get("/advice/")
        self.assertContains(response, "第二版")
        self.assertEqual(response["X-Page-Cache"], "miss")

    def test_draft_does_not_purge_but_publish_of_a_listed_page_updates_its_parent(self):
        self.assertContains(self.client.get("/"), "西宁")
        self.client.get("/advice/")
        page = self.page.specific
        page.intro = "草稿修改"
        page.save_revision()  # a draft: the public page must not change
        self.assertEqual(self.client.get("/advice/")["X-Page-Cache"], "hit")
        self.assertNotContains(self.client.get("/advice/"), "草稿修改")

    def test_unpublish_removes_page_at_once(self):
        self.client.get("/advice/")
        self.page.specific.unpublish()
        self.assertEqual(self.client.get("/advice/").status_code, 404)

    def test_settings_save_purges(self):
        self.client.get("/advice/")
        ps = PortalSettings.for_site(self.home.get_site())
        ps.icp_number = "青ICP备99999999号"
        ps.save()
        self.assertContains(self.client.get("/advice/"), "青ICP备99999999号")

    def test_logged_in_users_are_never_served_cached_pages(self):
        self.client.get("/advice/")
        user = User.objects.create_user("visitor", password="pw")
        self.client.force_login(user)
        response = self.client.get("/advice/")
        self.assertNotIn("X-Page-Cache", response)

    def test_admin_and_api_are_not_cached(self):
        for url in ["/admin/login/", "/api/v2/pages/", "/healthz"]:
            self.client.get(url)
            self.assertNotIn("X-Page-Cache", self.client.get(url), url)

    def test_responses_setting_cookies_are_not_stored(self):
        from django.http import HttpResponse

        from portal.cache import AnonymousPageCacheMiddleware

        response = HttpResponse("x")
        response.set_cookie("csrftoken", "abc")
        self.assertFalse(AnonymousPageCacheMiddleware._cacheable_response(response))


@override_settings(PAGE_CACHE_ENABLED=True, CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
class CacheUnavailableTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_site()

    def test_pages_still_served_when_cache_is_down(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("X-Page-Cache", response)


@override_settings(PAGE_CACHE_ENABLED=True)
class PurgeOnEveryChangeTests(TestCase):
    """Publish, unpublish, move and delete of a page show on the next anonymous request, on the page
    itself and on every page that lists it (its index, the home page's menu)."""

    @classmethod
    def setUpTestData(cls):
        from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory

        cls.home = make_site()
        cls.index = HomestayIndexPageFactory(parent=cls.home, show_in_menus=True)
        cls.other = StandardPageFactory(parent=cls.home, title="其他栏目", slug="other")
        cls.listing = HomestayPageFactory(parent=cls.index, title="卡阳花海民宿", slug="kayang")

    def setUp(self):
        from django.core.cache import cache

        cache.clear()

    def warm(self, *urls):
        for url in urls:
            self.client.get(url)
            self.assertEqual(self.client.get(url)["X-Page-Cache"], "hit", url)

    def test_publishing_a_listed_page_updates_its_index(self):
        self.warm("/homestays/", "/homestays/kayang/")
        page = self.listing.specific
        page.title = "卡阳花海民宿（新）"
        page.save_revision().publish()
        for url in ("/homestays/", "/homestays/kayang/"):
            response = self.client.get(url)
            self.assertEqual(response["X-Page-Cache"], "miss", url)
            self.assertContains(response, "卡阳花海民宿（新）")

    def test_unpublish_removes_it_from_its_index(self):
        self.warm("/homestays/")
        self.listing.specific.unpublish()
        self.assertNotContains(self.client.get("/homestays/"), "卡阳花海民宿")
        self.assertEqual(self.client.get("/homestays/kayang/").status_code, 404)

    def test_move(self):
        self.warm("/homestays/", "/homestays/kayang/")
        self.listing.move(self.other, pos="last-child")
        self.assertNotContains(self.client.get("/homestays/"), "卡阳花海民宿")
        self.assertIn(self.client.get("/homestays/kayang/").status_code, (301, 404))  # Wagtail may add a redirect
        self.assertEqual(self.client.get("/other/kayang/").status_code, 200)

    def test_delete(self):
        self.warm("/homestays/", "/homestays/kayang/")
        self.listing.delete()
        self.assertNotContains(self.client.get("/homestays/"), "卡阳花海民宿")
        self.assertEqual(self.client.get("/homestays/kayang/").status_code, 404)

    def test_menu_on_every_page_follows_a_new_section(self):
        self.warm("/", "/other/")
        section = StandardPageFactory(parent=self.home, title="新栏目", slug="new-section", show_in_menus=True)
        section.save_revision().publish()
        for url in ("/", "/other/"):
            self.assertContains(self.client.get(url), "新栏目")

    def test_search_results_and_map_page_are_cached_too(self):
        from portal.factories import MapPageFactory

        MapPageFactory(parent=self.home)
        for url in ("/search/?q=%E8%8A%B1%E6%B5%B7", "/map/"):
            self.assertEqual(self.client.get(url)["X-Page-Cache"], "miss", url)
            self.assertEqual(self.client.get(url)["X-Page-Cache"], "hit", url)

    def test_listing_pages_carry_no_csrf_token(self):
        html = self.client.get("/homestays/kayang/").content.decode()
        self.assertNotIn("csrfmiddlewaretoken", html)

    def test_the_forms_token_is_never_cached(self):
        from django.test import Client

        tokens = []
        for _ in range(2):  # two visitors
            response = Client().get("/homestays/kayang/inquire/?format=token")
            self.assertNotIn("X-Page-Cache", response)
            tokens.append(response.json()["csrfToken"])
        self.assertNotEqual(tokens[0], tokens[1])


@override_settings(PAGE_CACHE_ENABLED=True)
class CompressionAndWsgiFastPathTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.page = StandardPageFactory(parent=cls.home, title="游客须知", slug="advice", intro="第一版" * 80)

    def setUp(self):
        from django.core.cache import cache

        cache.clear()

    def test_pages_are_sent_compressed(self):
        import brotli

        plain = self.client.get("/advice/").content
        for _ in range(2):  # the miss and the hit
            response = self.client.get("/advice/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
            self.assertEqual(response["Content-Encoding"], "br")
            self.assertIn("Accept-Encoding", response["Vary"])
            self.assertEqual(brotli.decompress(response.content), plain)
        etag = response["ETag"]
        self.assertEqual(self.client.get("/advice/", HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=etag).status_code, 304)

    def wsgi_get(self, path="/advice/", **extra):
        from portal.cache import PageCacheWSGI

        calls = []

        def django_app(environ, start_response):
            calls.append(environ["PATH_INFO"])
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"from django"]

        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver", "SERVER_PORT": "80"}
        environ.update({"HTTP_HOST": "testserver", "wsgi.url_scheme": "http"}, **extra)
        started = {}
        body = b"".join(PageCacheWSGI(django_app)(environ, lambda status, headers: started.update(status=status, headers=dict(headers))))
        return started, body, calls

    def test_wsgi_fast_path_serves_hits_without_django(self):
        stored = self.client.get("/advice/", HTTP_HOST="testserver")
        self.assertEqual(stored["X-Page-Cache"], "miss")
        started, body, calls = self.wsgi_get()
        self.assertEqual(calls, [])
        self.assertEqual(started["status"], "200 OK")
        self.assertEqual(body, stored.content)
        self.assertEqual(started["headers"]["Content-Security-Policy"], stored["Content-Security-Policy"])
        self.assertEqual(started["headers"]["X-Frame-Options"], "DENY")

    def test_wsgi_fast_path_never_serves_sessions_posts_or_purged_pages(self):
        self.client.get("/advice/", HTTP_HOST="testserver")
        self.assertEqual(self.wsgi_get(HTTP_COOKIE="sessionid=abc")[2], ["/advice/"])
        self.assertEqual(self.wsgi_get(REQUEST_METHOD="POST")[2], ["/advice/"])
        self.assertEqual(self.wsgi_get("/admin/")[2], ["/admin/"])
        self.assertEqual(self.wsgi_get(HTTP_COOKIE="csrftoken=x; theme=dark")[2], [])  # harmless cookies: still a hit
        page = self.page.specific
        page.intro = "第二版"
        page.save_revision().publish()
        self.assertEqual(self.wsgi_get()[2], ["/advice/"])  # purged: Django renders it again

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

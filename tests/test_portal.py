from django.db import connection
from django.test import TestCase
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from homestays.factories import HomestayIndexPageFactory
from homestays.models import HomestayIndexPage
from news.factories import NewsIndexPageFactory
from news.models import NewsIndexPage
from portal.factories import MapPageFactory, StandardPageFactory, make_site
from portal.models import HomePage, MapPage, StandardPage
from products.factories import ProductIndexPageFactory
from products.models import ProductIndexPage
from routes.factories import RouteIndexPageFactory
from routes.models import RouteIndexPage

INDEXES = [RouteIndexPage, HomestayIndexPage, ProductIndexPage, NewsIndexPage]


class PageTreeTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.routes = RouteIndexPageFactory(parent=cls.home)
        cls.homestays = HomestayIndexPageFactory(parent=cls.home)
        cls.products = ProductIndexPageFactory(parent=cls.home)
        cls.news = NewsIndexPageFactory(parent=cls.home)
        cls.map = MapPageFactory(parent=cls.home)
        cls.about = StandardPageFactory(parent=cls.home, title="关于我们", slug="about")
        cls.draft = StandardPageFactory(parent=cls.home, title="草稿页面", slug="draft", live=False)

    def test_every_section_renders(self):
        for page in [self.home, self.routes, self.homestays, self.products, self.news, self.map, self.about]:
            with self.subTest(page=page.title):
                self.assertPageIsRenderable(page)
                response = self.client.get(page.url)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, '<html lang="zh-Hans" ')

    def test_draft_is_not_served_or_listed(self):
        self.assertEqual(self.client.get("/draft/").status_code, 404)
        self.assertNotContains(self.client.get("/"), "草稿页面")

    def test_parent_and_subpage_types(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        for index in INDEXES + [MapPage]:
            self.assertAllowedParentPageTypes(index, {HomePage})
        self.assertAllowedSubpageTypes(MapPage, set())
        self.assertCanCreateAt(HomePage, StandardPage)
        self.assertCanNotCreateAt(MapPage, StandardPage)

    def test_single_instance_sections(self):
        for model in INDEXES + [MapPage, HomePage]:
            self.assertEqual(model.max_count, 1)

    def test_editor_can_create_standard_page(self):
        from django.contrib.auth.models import Group, User

        editor = User.objects.create_user("ed", password="pw")
        editor.groups.add(Group.objects.get(name="Editors"))
        self.client.force_login(editor)
        data = {"title": "游客须知", "slug": "advice", "intro": "高原旅行注意事项"} | _empty_stream("body")
        response = self.client.post(f"/admin/pages/add/portal/standardpage/{self.home.pk}/", data)
        self.assertEqual(response.status_code, 302)
        page = StandardPage.objects.get(slug="advice")
        self.assertEqual(page.get_parent().pk, self.home.pk)
        self.assertFalse(page.live)  # saved as a draft, not published by accident


def _empty_stream(name):
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    return nested_form_data({name: streamfield([])})


class HealthTests(TestCase):
    def test_healthz_ok(self):
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok")

    def test_healthz_database_down(self):
        from unittest import mock

        with mock.patch.object(connection, "cursor", side_effect=Exception("down")):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)


class AdminLanguageTests(TestCase):
    def test_admin_login_in_chinese(self):
        response = self.client.get("/admin/login/")
        self.assertContains(response, "登录")

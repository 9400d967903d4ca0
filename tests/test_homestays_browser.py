"""Homestays in a real browser (Playwright + Debian Chromium): a visitor at phone size sends an
inquiry from a listing page served out of the full-page cache (the form fetches its CSRF and form
tokens), a double click sends it once, a failed token fetch gives the button back, the index filters without horizontal scrolling, and owner1 logs in through the login form and
lands on the owner's dashboard. Requests to other hosts (map tiles) are aborted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from wagtail.models import Collection, Locale, Page

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory, point, room
from homestays.models import Inquiry
from homestays.owners import grant_listing
from portal.factories import make_site
from tests.transactional import BrowserTestCase

pytestmark = pytest.mark.browser

User = get_user_model()


@override_settings(HOMESTAYS_INQUIRY_RATE="100/m")
class HomestayBrowserTests(BrowserTestCase):
    def setUp(self):
        cache.clear()
        locale, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        if Page.get_first_root_node() is None:
            Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        if Collection.get_first_root_node() is None:
            Collection.add_root(name="Root")
        self.home = make_site()
        self.index = HomestayIndexPageFactory(parent=self.home)
        self.owner = User.objects.create_user("owner1", email="owner1@example.com", password="Gaoyuan-2026!", first_name="卓玛")
        self.kayang = HomestayPageFactory(
            parent=self.index,
            title="卡阳花海小院",
            slug="kayang",
            location=point(101.4175, 36.6628),
            amenities=["heating", "wifi", "parking", "breakfast", "mobile-pay"],
            rooms=[room("花园大床房", 368, 2), room("家庭房（一张1.8米大床 + 两张1.2米单人床）", 588, 4)],
            wechat_id="kayang-xiaoyuan-wechat",
        )
        HomestayPageFactory(
            parent=self.index, title="窎沟花儿院", slug="diaogou", county="datong", location=point(101.8377, 36.9786), rooms=[room("炕房", 520, 5)]
        )
        grant_listing(self.owner, self.kayang)

    def context(self, width=390, height=844):
        # No service worker: requests it makes for the page would bypass Playwright's routing (below and
        # in the network-failure test); the worker has its own suite (tests/browser/test_offline.py).
        context = self.browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", service_workers="block")
        self.addCleanup(context.close)
        context.route("**/*", lambda r: r.abort() if not r.request.url.startswith(self.live_server_url) else r.continue_())
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        self.addCleanup(lambda: self.assertEqual(errors, []))
        return page

    def assert_no_horizontal_scroll(self, page):
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        self.assertLessEqual(overflow, 0, "the page scrolls sideways at this width")

    def test_visitor_sends_an_inquiry_from_a_cached_listing_page(self):
        first = self.context()
        response = first.goto(self.live_server_url + "/homestays/kayang/")
        self.assertIn("public", response.headers.get("cache-control"))  # a proxy may share it
        visitor = self.context()
        shared = visitor.goto(self.live_server_url + "/homestays/kayang/")
        self.assertEqual(shared.body(), response.body())  # the same HTML for everyone: no token in it
        self.assert_no_horizontal_scroll(visitor)
        arrival = timezone.localdate() + dt.timedelta(days=14)
        visitor.fill("#id_name", "王女士")
        visitor.fill("#id_phone", "139 1234 5678")
        visitor.fill("#id_arrival", arrival.isoformat())
        visitor.fill("#id_departure", (arrival + dt.timedelta(days=2)).isoformat())
        visitor.fill("#id_guests", "3")
        visitor.fill("#id_message", "有停车位吗？")
        visitor.check("#id_consent")
        self.assertFalse(visitor.is_visible("#id_website"))  # the honeypot is for bots only
        with visitor.expect_navigation():
            visitor.click("form[data-inquiry-form] button[type=submit]")
        self.assertTrue(visitor.url.endswith("/homestays/kayang/inquire/sent/"), visitor.url)
        self.assertIn("咨询已发送", visitor.inner_text("h1"))
        inquiry = Inquiry.objects.get()
        self.assertEqual((inquiry.name, inquiry.phone, inquiry.guests, inquiry.arrival), ("王女士", "13912345678", 3, arrival))
        self.assertIsNotNone(inquiry.form_token)  # the script filled it in from ?format=token

    def fill_inquiry(self, page):
        arrival = timezone.localdate() + dt.timedelta(days=14)
        page.fill("#id_name", "王女士")
        page.fill("#id_phone", "13912345678")
        page.fill("#id_arrival", arrival.isoformat())
        page.fill("#id_departure", (arrival + dt.timedelta(days=2)).isoformat())
        page.fill("#id_guests", "2")
        page.check("#id_consent")

    def test_a_double_click_sends_one_inquiry(self):
        visitor = self.context()
        posts = []
        visitor.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        visitor.goto(self.live_server_url + "/homestays/kayang/")
        self.fill_inquiry(visitor)
        with visitor.expect_navigation():
            visitor.dblclick("form[data-inquiry-form] button[type=submit]")
        self.assertTrue(visitor.url.endswith("/homestays/kayang/inquire/sent/"), visitor.url)
        self.assertEqual(len(posts), 1, posts)
        self.assertEqual(Inquiry.objects.count(), 1)

    def test_the_button_comes_back_when_the_network_fails(self):
        visitor = self.context()
        visitor.goto(self.live_server_url + "/homestays/kayang/")
        visitor.route(lambda url: "format=token" in url, lambda r: r.abort())
        self.fill_inquiry(visitor)
        button = visitor.locator("form[data-inquiry-form] button[type=submit]")
        button.click()
        offline = visitor.locator("[data-inquiry-offline]")
        offline.wait_for(state="visible")
        self.assertIn("网络连接失败", offline.inner_text())
        self.assertTrue(button.is_enabled())
        self.assertEqual(visitor.input_value("#id_name"), "王女士")  # nothing typed is lost
        visitor.unroute_all()
        with visitor.expect_navigation():
            button.click()
        self.assertTrue(visitor.url.endswith("/homestays/kayang/inquire/sent/"), visitor.url)
        self.assertEqual(Inquiry.objects.count(), 1)

    def test_index_filters_at_phone_width(self):
        page = self.context()
        page.goto(self.live_server_url + "/homestays/")
        self.assert_no_horizontal_scroll(page)
        self.assertEqual(page.locator(".homestay-card").count(), 2)
        page.select_option("#id_county", "datong")
        with page.expect_navigation():
            page.click(".homestay-filters button[type=submit]")
        self.assertIn("county=datong", page.url)
        self.assertEqual(page.locator(".homestay-card").count(), 1)
        self.assertIn("窎沟花儿院", page.inner_text(".homestay-cards"))
        self.assert_no_horizontal_scroll(page)

    def test_listing_page_at_desktop_width(self):
        page = self.context(1280, 900)
        page.goto(self.live_server_url + "/homestays/kayang/")
        self.assert_no_horizontal_scroll(page)
        self.assertTrue(page.locator(".leaflet-container").count() >= 1)
        self.assertEqual(page.get_attribute(".contact-actions a.button", "href"), "tel:+8613912345678")

    def test_owner_logs_in_and_lands_on_the_dashboard(self):
        page = self.context(1280, 900)
        page.goto(self.live_server_url + "/admin/login/")
        page.fill("input[name=username]", "owner1")
        page.fill("input[name=password]", "Gaoyuan-2026!")
        with page.expect_navigation():
            page.click("button[type=submit]")
        self.assertIn("我的民宿", page.inner_text("main"))
        self.assertIn("卡阳花海小院", page.inner_text("#homestays-owner-panel-content, main"))
        with page.expect_navigation():
            page.click("a:has-text('编辑民宿信息')")
        self.assertIn(f"/admin/pages/{self.kayang.pk}/edit/", page.url)
        actions = " ".join(page.locator("footer button, footer a").all_inner_texts())
        self.assertTrue(actions.startswith("提交审核"), actions)  # the owner's main button
        self.assertNotIn("发布", actions)

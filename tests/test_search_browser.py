"""The search box's suggestions in a real browser (Playwright + Debian Chromium) at phone size:
typing Chinese shows matching titles from /search/autocomplete/, the arrow keys and Enter open one,
and the results page has no sideways scrolling. The page itself (axe-core, console errors, CSP) is
checked with every other page by tests/browser/test_pages.py."""

import pytest
from django.conf import settings
from django.core.cache import cache
from wagtail.models import Locale, Page

from tests.test_search import build_portal
from tests.transactional import BrowserTestCase

pytestmark = pytest.mark.browser

SCREENSHOTS = settings.BASE_DIR / "artifacts" / "screenshots"


class SearchBoxBrowserTests(BrowserTestCase):
    def setUp(self):
        cache.clear()
        locale, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        if Page.get_first_root_node() is None:
            Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        self.portal = build_portal()
        self.page = self.browser.new_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self.errors.append(f"request failed: {request.url}"))
        self.page.on("console", self.console)

    def console(self, message):
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.errors.append(message.text)

    def tearDown(self):
        self.page.close()

    def test_suggestions_as_one_types_and_keyboard_choice(self):
        page = self.page
        page.goto(f"{self.live_server_url}/search/")
        page.locator("#q").press_sequentially("西纳", delay=60)
        options = page.locator("#search-suggestions [role=option]")
        options.first.wait_for()
        titles = options.all_inner_texts()
        self.assertIn("湟中区西纳川休闲农业", titles)
        self.assertIn("西纳川青稞面粉", titles)
        self.assertEqual(page.get_attribute("#q", "aria-expanded"), "true")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "search-autocomplete-phone.png"))

        page.keyboard.press("ArrowDown")
        self.assertEqual(page.get_attribute("#q", "aria-activedescendant"), "search-suggestion-0")
        first = options.first.locator("a").get_attribute("href")
        self.assertEqual(self.errors, [])
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{first}")

    def test_escape_closes_and_the_form_still_submits(self):
        page = self.page
        page.goto(f"{self.live_server_url}/search/")
        page.locator("#q").press_sequentially("窎沟", delay=60)
        page.locator("#search-suggestions [role=option]").first.wait_for()
        page.keyboard.press("Escape")
        self.assertTrue(page.locator("#search-suggestions").is_hidden())
        page.keyboard.press("Enter")
        page.wait_for_url("**/search/?q=*")
        self.assertIn("窎沟民俗文化村", page.locator(".search-title").all_inner_texts())
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), 390)
        self.assertEqual(self.errors, [])

"""The Content-Security-Policy in a real browser (Playwright driving Debian's Chromium).

The HTML scan in tests/test_security_pages.py finds inline code in markup; this finds what only a
browser notices: script that injects inline styles or handlers, eval, a blob: worker, a font or
tile from a host the policy does not allow. Every page type of the demo site, and the Wagtail admin
pages editors use (page editor with InlinePanel and map widget, image upload), must load without a
single CSP violation. Requests to other hosts are aborted, as on a machine without internet.
"""

from urllib.parse import urlparse

import pytest
from wagtail.models import Page

from tests.demo_db import load_demo
from tests.transactional import BrowserTestCase

pytestmark = pytest.mark.browser

VIOLATION_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
"""


class CspInBrowserTests(BrowserTestCase):
    maxDiff = None

    def setUp(self):
        load_demo()
        from django.core.cache import cache

        cache.clear()

    def new_page(self, viewport=(390, 844)):
        context = self.browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN", service_workers="block"
        )  # routing sees every request
        self.addCleanup(context.close)
        own = urlparse(self.live_server_url).netloc
        context.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).netloc == own else r.abort())
        context.add_init_script(VIOLATION_LISTENER)
        page = context.new_page()
        page.console = []
        page.on("console", lambda m: page.console.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    def violations(self, page, path, wait_for=None):
        page.goto(self.live_server_url + path)
        page.wait_for_load_state("networkidle")
        if wait_for:
            page.wait_for_selector(wait_for, timeout=10000)
        page.wait_for_timeout(300)  # violation events are dispatched asynchronously
        return page.evaluate("() => window.__cspViolations") + page.console

    def test_public_pages_and_admin_have_no_csp_violations(self):
        paths = {"/": None, "/map/": ".leaflet-container", "/search/?q=塔尔寺": None, "/no-such-page/": None}
        seen_types = set()
        for page_obj in Page.objects.live().public().specific().filter(depth__gt=1).order_by("path"):
            if type(page_obj) not in seen_types:
                seen_types.add(type(page_obj))
                paths[page_obj.url] = None
        route = next(p for p in Page.objects.live().specific() if type(p).__name__ == "RoutePage")
        paths[route.url] = ".leaflet-container"
        paths[route.url + "print/"] = None

        page = self.new_page()
        found = {}
        for path, wait_for in paths.items():
            problems = self.violations(page, path, wait_for)
            if problems:
                found[path] = problems
        self.assertEqual(found, {})
        self.assertGreaterEqual(len(seen_types), 6)

        # The admin, as an editor works in it: log in through the form, edit a route (InlinePanel
        # rows, the map widget, StreamField), browse and upload images.
        admin = self.new_page(viewport=(1280, 900))
        admin.goto(self.live_server_url + "/admin/login/")
        admin.fill("#id_username", "admin")
        admin.fill("#id_password", "changeme")
        admin.click("button[type=submit]")
        admin.wait_for_url("**/admin/")
        for path, wait_for in {
            "/admin/": None,
            f"/admin/pages/{route.pk}/edit/": "[data-map-widget] .leaflet-container",
            "/admin/images/": None,
            "/admin/images/multiple/add/": None,
            "/admin/pages/": None,
        }.items():
            problems = self.violations(admin, path, wait_for)
            if problems:
                found[path] = problems
        self.assertEqual(found, {})

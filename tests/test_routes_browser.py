"""The route editor's map widget and a route page in a real browser (Playwright + Debian Chromium).

An editor draws a line with Leaflet.draw, adds a stop row and places it by clicking, drags a stop
on the route's map, and publishes; a visitor at phone size sees the numbered stops. Tile requests
are aborted, as on a machine without internet.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from wagtail.models import Locale, Page

from portal.factories import make_site
from portal.geo import point
from routes.factories import RouteIndexPageFactory, RoutePageFactory, RouteStopFactory, straight_line
from routes.models import RoutePage
from tests.transactional import BrowserTestCase

pytestmark = pytest.mark.browser
TRACKS = Path(__file__).parent / "data" / "tracks"


class RouteEditorBrowserTests(BrowserTestCase):
    def setUp(self):
        cache.clear()
        # TransactionTestCase flushes the tables between tests, migration data included
        locale, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        if Page.get_first_root_node() is None:
            Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        self.home = make_site()
        self.index = RouteIndexPageFactory(parent=self.home)
        self.route = RoutePageFactory(parent=self.index, title="湟中区西纳川休闲农业", slug="xinachuan", geometry=straight_line(points=20))
        for i, (lon, lat) in enumerate([(101.5671, 36.4901), (101.53, 36.58), (101.50, 36.66)]):
            RouteStopFactory(page=self.route, name=f"站点{i + 1}", location=point(lon, lat), sort_order=i, location_checked=i != 1)
        self.editor = User.objects.create_superuser("admin", password="pw")

    def open(self, path, width=1280, height=1000, login=False):
        context = self.browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", service_workers="block"
        )  # as tests/browser: routing sees every request
        self.addCleanup(context.close)
        context.route("**/*", lambda r: r.abort() if not r.request.url.startswith(self.live_server_url) else r.continue_())
        if login:
            self.client.force_login(self.editor)
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": self.client.cookies[settings.SESSION_COOKIE_NAME].value, "url": self.live_server_url}]
            )
        page = context.new_page()
        self.errors = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.goto(self.live_server_url + path, wait_until="load")
        page.locator("[data-map-widget-ready], .leaflet-container").first.wait_for(state="attached")
        return page

    def publish(self, page):
        # the publish button sits in the footer's dropdown menu: a DOM click submits it as an editor would
        with page.expect_navigation(wait_until="load"):
            page.evaluate("document.querySelector(\"button[name='action-publish']\").click()")

    def click_map(self, page, map_el, fx, fy):
        box = map_el.bounding_box()
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(150)

    def test_editor_draws_a_route_places_a_stop_and_publishes(self):
        page = self.open(f"/admin/pages/add/routes/routepage/{self.index.pk}/", login=True)
        page.fill("#id_title", "画出来的线路")
        page.fill("#id_summary", "在地图上画的线路。")
        line_map = page.locator(".map-widget--line [data-map-widget-map]")
        line_map.scroll_into_view_if_needed()
        page.click(".map-widget--line .leaflet-draw-draw-polyline")
        for fx, fy in [(0.3, 0.3), (0.5, 0.45), (0.7, 0.6)]:
            self.click_map(page, line_map, fx, fy)
        self.click_map(page, line_map, 0.7, 0.6)  # clicking the last point finishes the line
        drawn = json.loads(page.input_value("textarea[name=geometry]"))
        self.assertEqual(drawn["type"], "LineString")
        self.assertEqual(len(drawn["coordinates"]), 3)
        self.assertIn("km · 3", page.inner_text(".map-widget--line [data-map-widget-status]"))

        page.click("#id_stops-ADD")
        stop_map = page.locator("#inline_child_stops-0 [data-map-widget-map]")
        page.locator("#inline_child_stops-0 [data-map-widget][data-map-widget-ready]").wait_for(state="attached")
        page.fill("#id_stops-0-name", "新站点")
        stop_map.scroll_into_view_if_needed()
        self.click_map(page, stop_map, 0.5, 0.5)
        placed = json.loads(page.input_value("#id_stops-0-location"))
        self.assertEqual(placed["type"], "Point")
        # the stop appears, numbered, on the route's map; dragging it there moves the stop
        page.locator(".map-widget--line .map-widget-stop").first.wait_for(state="attached")
        assert page.locator(".map-widget--line .map-widget-stop").count() == 1
        marker = page.locator(".map-widget--line .map-widget-stop").first
        marker.scroll_into_view_if_needed()
        box = marker.bounding_box()
        page.mouse.move(box["x"] + 12, box["y"] + 12)
        page.mouse.down()
        page.mouse.move(box["x"] + 80, box["y"] + 50, steps=10)
        page.mouse.up()
        page.wait_for_timeout(300)
        moved = json.loads(page.input_value("#id_stops-0-location"))
        self.assertNotEqual(moved["coordinates"], placed["coordinates"])

        self.publish(page)
        created = RoutePage.objects.get(title="画出来的线路")
        self.assertTrue(created.live)
        self.assertEqual(created.geometry, drawn)
        self.assertEqual([s.location for s in created.stops.all()], [moved])
        self.assertGreater(created.length_km, 0)
        self.assertEqual(self.errors, [])

    def test_editing_an_untouched_line_posts_it_back_unchanged(self):
        original = json.loads(json.dumps(self.route.geometry))
        page = self.open(f"/admin/pages/{self.route.pk}/edit/", login=True)
        self.assertEqual(page.locator("[data-map-widget-ready]").count(), 4)  # line + three stops
        self.assertEqual(page.locator(".map-widget--line .map-widget-stop").count(), 3)
        self.assertEqual(page.locator(".map-widget--line .map-widget-stop--unchecked").count(), 1)
        page.fill("#id_summary", "只改了简介。")
        self.publish(page)
        self.route.refresh_from_db()
        self.assertEqual(self.route.summary, "只改了简介。")
        self.assertEqual(self.route.geometry, original)
        self.assertEqual(self.errors, [])

    def test_gaode_tiles_shift_the_display_not_the_data(self):
        """Gaode tiles are GCJ-02: the editor sees the line shifted onto them, the data stays WGS-84."""
        original = json.loads(json.dumps(self.route.geometry))
        with self.settings(PORTAL_TILE_PROVIDER="gaode"):
            cache.clear()
            page = self.open(f"/admin/pages/{self.route.pk}/edit/", login=True)
            shown = page.evaluate(
                "(() => { const w = document.querySelector('.map-widget--line').mapWidget;"
                " const ll = w.items.getLayers()[0].getLatLngs()[0]; return [ll.lng, ll.lat]; })()"
            )
            lon, lat = original["coordinates"][0][:2]
            # near Xining the GCJ-02 offset is a few hundred metres east and north-ish
            self.assertAlmostEqual(shown[0] - lon, 0.0025, delta=0.002)
            self.assertNotEqual(shown, [lon, lat])
            self.publish(page)
        self.route.refresh_from_db()
        self.assertEqual(self.route.geometry, original)
        self.assertEqual(self.errors, [])

    def test_upload_reports_what_the_import_did(self):
        """A file from abroad is refused with the portal's message; ticked, it imports and the
        editor reads the report, at desktop and phone widths."""
        shots = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        for width in (1280, 390):
            with self.subTest(width=width):
                page = self.open(f"/admin/pages/{self.route.pk}/edit/", width=width, login=True)
                failed = []
                page.on(
                    "response",
                    lambda r, failed=failed: failed.append((r.status, r.url)) if r.url.startswith(self.live_server_url) and r.status >= 400 else None,
                )
                # aborted tile requests (foreign hosts, see open()) log ERR_FAILED; same-origin failures are in `failed`
                page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" and "net::ERR_FAILED" not in m.text else None)
                page.set_input_files("input[name='track_file']", str(TRACKS / "gpxpy-Mojstrovka.gpx"))
                self.publish(page)
                refusal = page.locator("text=100% 的点在西宁市范围").first
                refusal.wait_for()
                refusal.scroll_into_view_if_needed()
                page.screenshot(path=str(shots / f"h7-import-refused-{width}.png"))
                page.check("input[name='leaves_xining']")
                page.set_input_files("input[name='track_file']", str(TRACKS / "gpxpy-Mojstrovka.gpx"))
                self.publish(page)
                report = page.locator(".messages").filter(has_text="读取 GPX 文件：1 条轨迹（1 段，共 184 个点）")
                report.wait_for()
                self.assertIn("已按“此线路超出西宁范围”导入", report.inner_text())
                page.screenshot(path=str(shots / f"h7-import-report-{width}.png"))
                self.route.refresh_from_db()
                self.assertEqual((len(self.route.geometry["coordinates"]), self.route.max_alt_m), (184, 2057))
                self.assertEqual(failed, [])
                self.assertEqual(self.errors, [])

    def test_route_page_at_phone_size(self):
        page = self.open("/routes/xinachuan/", width=390, height=844)
        page.locator(".map-marker--number, .leaflet-marker-icon").nth(2).wait_for(state="attached")
        self.assertEqual(page.evaluate("document.documentElement.scrollWidth"), 390)
        self.assertEqual(page.locator(".leaflet-overlay-pane path").count() >= 1, True)
        self.assertEqual(page.locator("#stop-3 .stop-title").inner_text().strip().endswith("站点3"), True)
        self.assertEqual(self.errors, [])

"""/map/ in a real browser (Playwright driving Debian's Chromium) at phone size.

Layers, clusters, toggles, the shareable URL, "near me" granted and declined, popups, the GCJ-02
shift for Gaode tiles and the plain background when tiles cannot load. Tile requests are aborted,
as on a machine without internet, and every other request must stay on our own host.
"""

from dataclasses import replace
from urllib.parse import urlparse

import pytest
from wagtail.models import Locale, Page

from portal.factories import MapPageFactory, StandardPageFactory, make_site
from portal.geo import feature, point, wgs84_to_gcj02
from portal.models import PortalSettings, StandardPage
from portal.registry import registry
from tests.transactional import BrowserTestCase

pytestmark = pytest.mark.browser

HOMESTAYS = {"homestay-0": (101.5671, 36.4901), "homestay-1": (101.5865, 36.4927), "homestay-2": (101.2635, 36.6876)}
ROUTE = {"type": "LineString", "coordinates": [[101.5671, 36.4901], [101.50, 36.66], [101.42, 36.66], [101.37, 36.76]]}


def homestay_features():
    pages = StandardPage.objects.live().public().filter(slug__in=HOMESTAYS).order_by("path")
    return [feature(point(*HOMESTAYS[p.slug]), name=p.title, url=p.url, kind="homestay", summary="河湟民宿") for p in pages]


def route_features():
    return [feature(ROUTE, name="湟中区西纳川休闲农业", url="/", kind="route", colour="#c2410c")]


class MapPageBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.saved = {name: registry.layers.get(name) for name in ("routes", "homestays")}
        # the apps' layers with test features, keeping their places on the map page
        registry.register_layer(replace(cls.saved["homestays"], features=homestay_features, models=("portal.StandardPage",), colour="#8a5a2b"))
        registry.register_layer(replace(cls.saved["routes"], features=route_features, colour="#c2410c"))

    @classmethod
    def tearDownClass(cls):
        for name, layer in cls.saved.items():
            if layer is None:
                registry.layers.pop(name, None)
            else:
                registry.layers[name] = layer
        super().tearDownClass()

    def setUp(self):
        # A live-server test flushes the database between tests, migrations' rows included.
        locale, _ = Locale.objects.get_or_create(language_code="zh-hans")
        if Page.get_first_root_node() is None:
            Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        self.home = make_site()
        MapPageFactory(parent=self.home, title="地图", slug="map")
        for slug in HOMESTAYS:
            StandardPageFactory(parent=self.home, title=f"民宿 {slug[-1]}", slug=slug)
        from django.core.cache import cache

        cache.clear()
        self.foreign = []

    def open(self, path="/map/", **context_options):
        context = self.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", **context_options)
        self.addCleanup(context.close)
        page = context.new_page()
        own = urlparse(self.live_server_url).netloc

        def route(r):
            host = urlparse(r.request.url).netloc
            if host == own:
                r.continue_()
            else:  # tiles and anything else: as if offline; anything but tiles is a failure
                self.foreign.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        self.addCleanup(lambda: self.assertEqual(errors, []))
        page.goto(self.live_server_url + path)
        page.wait_for_function("() => window.PortalMap && PortalMap.maps['portal-map'] && PortalMap.maps['portal-map'].ready")
        page.evaluate("() => PortalMap.maps['portal-map'].ready.then(() => true)")
        return page

    def assert_only_tiles_left_the_site(self):
        hosts = {urlparse(u).netloc for u in self.foreign}
        self.assertLessEqual(
            hosts, {"tile.openstreetmap.org", "webrd01.is.autonavi.com", "webrd02.is.autonavi.com", "webrd03.is.autonavi.com", "webrd04.is.autonavi.com"}
        )

    def test_layers_clusters_toggles_and_shareable_url(self):
        page = self.open()
        self.assertEqual(page.locator("path.map-line").count(), 1)  # the route line
        self.assertGreater(page.locator(".leaflet-marker-icon").count(), 0)  # markers or clusters
        self.assertEqual(page.evaluate("() => document.documentElement.scrollWidth"), 390)  # no sideways scroll
        # two homestays 1.7 km apart are clustered at the fitted zoom
        self.assertEqual(page.locator(".marker-cluster").count(), 1)

        page.locator("label.layer-toggle", has_text="路线").click()
        self.assertEqual(page.locator("path.map-line").count(), 0)
        self.assertTrue(page.locator('[data-layer-list="routes"]').is_hidden())
        hash_ = page.evaluate("() => location.hash")
        self.assertRegex(hash_, r"^#map=\d+/36\.\d+/101\.\d+&layers=stops,homestays,products,stations,alerts$")

        # the shared link reproduces the view and the layer choice
        page.evaluate("() => PortalMap.maps['portal-map'].map.setView([36.6, 101.5], 12, {animate: false})")
        page.wait_for_function("() => location.hash.startsWith('#map=12/36.6')")
        shared = page.evaluate("() => location.pathname + location.hash")
        page2 = self.open(shared)
        self.assertFalse(page2.locator('input[value="routes"]').is_checked())
        self.assertTrue(page2.locator('input[value="homestays"]').is_checked())
        view = page2.evaluate("() => { const m = PortalMap.maps['portal-map'].map; return [m.getZoom(), m.getCenter().lat, m.getCenter().lng]; }")
        self.assertEqual(view[0], 12)
        self.assertAlmostEqual(view[1], 36.6, places=3)
        self.assertAlmostEqual(view[2], 101.5, places=3)
        self.assertEqual(page2.locator("path.map-line").count(), 0)
        self.assert_only_tiles_left_the_site()

    def test_plain_background_when_tiles_fail(self):
        page = self.open()
        note = page.locator("[data-map-note]")
        note.wait_for(state="visible", timeout=10000)
        self.assertIn("底图", note.inner_text())
        self.assertIn("map-tiles-off", page.locator("#portal-map").get_attribute("class"))
        self.assertEqual(page.locator("path.map-line").count(), 1)

    def test_list_view_reveals_popup_built_from_text(self):
        page = self.open()
        button = page.locator('[data-layer-list="homestays"] [data-show-on-map="/homestay-2/"]')
        self.assertTrue(button.is_visible())
        button.click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible")
        self.assertEqual(popup.locator("a.map-popup-link").get_attribute("href"), "/homestay-2/")
        self.assertIn("民宿 2", popup.inner_text())
        self.assertIn("河湟民宿", popup.inner_text())

    def test_near_me_when_location_is_shared(self):
        page = self.open(geolocation={"latitude": 36.4901, "longitude": 101.5671}, permissions=["geolocation"])
        page.select_option("[data-near-km]", "5")
        page.click("[data-near-me]")
        items = page.locator("[data-near-results] li.near-item")
        items.first.wait_for()
        texts = items.all_inner_texts()
        self.assertEqual(len(texts), 3, texts)  # two homestays and the route starting here, within 5 km
        # homestays first (issue 20), nearest first within the group; then the route
        self.assertTrue("民宿 0" in texts[0] and "0.0" in texts[0], texts)
        self.assertIn("民宿 1", texts[1])
        self.assertIn("湟中区西纳川休闲农业", texts[2])
        groups = page.locator("[data-near-results] li.near-group-title").all_inner_texts()
        self.assertEqual(len(groups), 2, groups)
        self.assertIn("(2)", groups[0])
        self.assertNotIn("民宿 2", " ".join(texts))  # 丹噶尔 is 30 km away
        self.assertIn("3", page.locator("[data-near-status]").inner_text())

    def test_near_me_when_location_is_declined(self):
        page = self.open()  # no geolocation permission: the browser declines
        page.click("[data-near-me]")
        status = page.locator("[data-near-status]")
        page.wait_for_function("() => /地图中心/.test(document.querySelector('[data-near-status]').textContent)")
        self.assertIn("地图中心", status.inner_text())
        page.click("[data-near-centre]")
        page.locator("[data-near-results] li").first.wait_for()
        self.assertGreater(page.locator("[data-near-results] li").count(), 0)

    def test_gaode_tiles_shift_markers_to_gcj02(self):
        ps = PortalSettings.for_site(self.home.get_site())
        ps.tile_provider = "gaode"
        ps.save()
        page = self.open()
        got = page.evaluate(
            "() => PortalMap.maps['portal-map'].layers.homestays.markers.map(m => [m.getLatLng().lng, m.getLatLng().lat, m.feature.properties.url])"
        )
        by_url = {url: (lon, lat) for lon, lat, url in got}
        expected = wgs84_to_gcj02(*HOMESTAYS["homestay-0"])
        self.assertAlmostEqual(by_url["/homestay-0/"][0], expected[0], places=9)
        self.assertAlmostEqual(by_url["/homestay-0/"][1], expected[1], places=9)
        # the URL keeps WGS-84, so a shared view is the same place on any tile provider
        page.evaluate("() => PortalMap.maps['portal-map'].map.setView(PortalMap.maps['portal-map'].toLatLng([101.5, 36.6]), 12, {animate: false})")
        page.wait_for_function("() => location.hash.startsWith('#map=12/')")
        zoom, lat, lon = page.evaluate("() => location.hash").split("&")[0].removeprefix("#map=").split("/")
        self.assertAlmostEqual(float(lat), 36.6, places=4)  # not the shifted 36.599…/101.505…
        self.assertAlmostEqual(float(lon), 101.5, places=4)
        self.assert_only_tiles_left_the_site()

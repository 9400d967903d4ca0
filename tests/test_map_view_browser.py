"""Big layers loaded by view on /map/, in a real browser (Playwright + Debian Chromium) at phone size.

The server answers a layer request `?view=W,S,E,N&zoom=Z` with `"complete": true` (a small layer:
the whole of it, drawn once and clustered in the browser, as before) or `"complete": false` (only
that view, points that would overlap merged by the server into cluster features below the layer's
`clusterBelow`); map.js then asks again as the map moves. These tests answer /api/geo/ themselves
(page.route) with a synthetic layer of 3,000 homestays around Xining, filtered by view and
grid-clustered like portal.geo.grid_clusters, so they pin the browser's side of the protocol
whatever the server does; the page itself is served by the live server, its map config given the
members a view-capable server adds (each layer's clusterBelow, the page's filter query).
"""

import html
import json
import random
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from wagtail.models import Locale, Page

from portal.factories import MapPageFactory, make_site
from portal.geo import grid_clusters
from tests.transactional import BrowserTestCase

pytestmark = pytest.mark.browser

SCREENSHOTS = settings.BASE_DIR / "artifacts" / "screenshots"
MAP = "PortalMap.maps['portal-map']"
BIG = "homestays"  # answered by view
SMALL = "stops"  # answered whole
QUERY = "county=datong&grade=gold"  # an index page's filters: on every layer request
CLUSTER_BELOW = 14
MAX_MARKER_NODES = 1000


def _points():
    """3,000 homestays: most spread over Xining's counties, a village of 60 near 多巴 to zoom into."""
    rnd = random.Random(20240601)
    spread = [(round(rnd.uniform(100.9, 102.2), 5), round(rnd.uniform(36.3, 37.3), 5)) for _ in range(2940)]
    village = [(round(rnd.uniform(101.535, 101.555), 5), round(rnd.uniform(36.655, 36.670), 5)) for _ in range(60)]
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": f"民宿 {i}", "url": f"/stay-{i}/", "kind": "homestay"},
        }
        for i, (lon, lat) in enumerate(spread + village)
    ]


POINTS = _points()
VILLAGE = (101.545, 36.6625)
EXTENT = [
    min(f["geometry"]["coordinates"][0] for f in POINTS),
    min(f["geometry"]["coordinates"][1] for f in POINTS),
    max(f["geometry"]["coordinates"][0] for f in POINTS),
    max(f["geometry"]["coordinates"][1] for f in POINTS),
]
SMALL_LAYER = [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": c}, "properties": {"name": n, "url": u, "kind": "stop"}}
    for c, n, u in (([101.57, 36.49], "塔尔寺", "/stop-a/"), ([101.59, 36.50], "鲁沙尔", "/stop-b/"))
]


def in_view(coords, view):
    return view[0] <= coords[0] <= view[2] and view[1] <= coords[1] <= view[3]


def points_in(view):
    return [f for f in POINTS if in_view(f["geometry"]["coordinates"], view)]


class GeoStub:
    """Answers /api/geo/<layer>.geojson as a view-capable server would, recording every request.

    `hold` keeps the next answers of the big layer back (their routes are kept in `held`) so a test
    can deliver them late; `fail` answers the next request of the big layer with that status."""

    def __init__(self):
        self.requests = []  # (layer, params) in order
        self.hold = False
        self.held = []
        self.fail = None

    def big(self):
        return [params for name, params in self.requests if name == BIG]

    def handle(self, route):
        url = urlsplit(route.request.url)
        name = url.path.rsplit("/", 1)[-1].removesuffix(".geojson")
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.requests.append((name, params))
        if name != BIG:
            body = {"type": "FeatureCollection", "features": SMALL_LAYER if name == SMALL else [], "complete": True}
            route.fulfill(status=200, content_type="application/geo+json; charset=utf-8", body=json.dumps(body, ensure_ascii=False))
            return
        if self.fail:
            status, self.fail = self.fail, None
            route.fulfill(status=status, content_type="application/json", body='{"error": "down"}')
            return
        view = [float(v) for v in params["view"].split(",")]
        zoom = int(params["zoom"])
        features = points_in(view)
        if zoom < CLUSTER_BELOW:
            features = grid_clusters(features, zoom)
        body = json.dumps({"type": "FeatureCollection", "features": features, "complete": False, "bbox": EXTENT}, ensure_ascii=False)
        if self.hold:
            self.held.append((route, body))
            return
        route.fulfill(status=200, content_type="application/geo+json; charset=utf-8", body=body)


def with_view_config(html_text):
    """The page as a view-capable server renders it: clusterBelow on every layer, the page's filters."""

    def rewrite(match):
        config = json.loads(html.unescape(match.group(1)))
        config["query"] = config.get("query") or QUERY
        for layer in config.get("layers") or []:
            layer.setdefault("clusterBelow", CLUSTER_BELOW)
        return 'data-config="' + html.escape(json.dumps(config, ensure_ascii=False), quote=True) + '"'

    return re.sub(r'data-config="([^"]*)"', rewrite, html_text)


# Every portalmap:loaded event, from before map.js runs (a capturing listener sees non-bubbling events).
RECORD_LOADS = "window.__loads = []; document.addEventListener('portalmap:loaded', e => window.__loads.push(e.detail), true);"

# The big layer as drawn: each marker's count (1 for a place), whether it is a cluster, its element;
# its cluster bubbles in the DOM (the small layer's, made by Leaflet.markercluster, are not counted).
DRAWN_JS = f"""() => {{
  const s = {MAP};
  const e = s.layers[{BIG!r}];
  return {{
    zoom: s.map.getZoom(),
    shown: e.shown ? {{zoom: e.shown.zoom, box: e.shown.box}} : null,
    complete: e.complete,
    markers: e.markers.map(m => {{
      const p = m.feature.properties;
      return {{cluster: p.cluster === true, count: p.cluster ? p.count : 1, onMap: s.map.hasLayer(m), inClusterGroup: !!(s.cluster && s.cluster.hasLayer(m)),
               element: !!m.getElement(), focusable: !!m.getElement() && m.getElement().tabIndex === 0}};
    }}),
    bubbles: e.markers.filter(m => m.getElement() && m.getElement().matches('.leaflet-marker-pane > .portal-cluster')).length,
    nodes: s.map.getContainer().querySelectorAll('.leaflet-marker-pane > *').length,
  }};
}}"""


class MapViewBrowserTests(BrowserTestCase):
    def setUp(self):
        locale, _ = Locale.objects.get_or_create(language_code="zh-hans")
        if Page.get_first_root_node() is None:
            Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        self.home = make_site()
        MapPageFactory(parent=self.home, title="地图", slug="map")
        cache.clear()
        self.stub = GeoStub()
        self.cancelled = []  # URLs of the requests the page aborted

    def open(self, path="/map/", init_script=""):
        context = self.browser.new_context(
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
            locale="zh-CN",
            service_workers="block",  # the portal's worker would fetch /api/geo/ past page.route
        )
        self.addCleanup(context.close)
        context.add_init_script(RECORD_LOADS + init_script)
        page = context.new_page()
        own = urlsplit(self.live_server_url).netloc

        def offline(route):  # tiles and anything else off the site: as without internet
            if urlsplit(route.request.url).netloc == own:
                route.continue_()
            else:
                route.abort()

        def document(route):
            response = route.fetch()
            route.fulfill(response=response, body=with_view_config(response.text()))

        page.route("**/*", offline)
        page.route("**/api/geo/**", self.stub.handle)
        page.route(self.live_server_url + path, document)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: r.failure == "net::ERR_ABORTED" and self.cancelled.append(r.url))
        self.addCleanup(lambda: self.assertEqual(errors, []))
        page.goto(self.live_server_url + path)
        page.wait_for_function(f"() => window.PortalMap && {MAP} && {MAP}.ready")
        page.evaluate(f"() => {MAP}.ready.then(() => true)")
        return page

    def drawn(self, page):
        d = page.evaluate(DRAWN_JS)
        self.assertLess(d["nodes"], MAX_MARKER_NODES, "too many marker nodes in the DOM")
        return d

    def wait_loaded(self, page, zoom):
        page.wait_for_function(f"() => window.__loads.some(d => d.name === {BIG!r} && d.zoom === {zoom})")

    def settle(self, page, ms=700):
        """Longer than map.js's wait after a move (250 ms) plus an answer from the stub."""
        page.wait_for_timeout(ms)

    def assert_answer_drawn(self, d, params):
        """The big layer shows exactly the last answer: every point of its view, once."""
        view = [float(v) for v in params["view"].split(",")]
        self.assertEqual(d["shown"]["zoom"], int(params["zoom"]))
        self.assertEqual(sum(m["count"] for m in d["markers"]), len(points_in(view)))
        self.assertTrue(all(m["onMap"] and m["element"] and not m["inClusterGroup"] for m in d["markers"]), "server clusters go on the map directly")
        self.assertTrue(all(m["focusable"] for m in d["markers"]), "every marker is a tab stop")

    def test_clusters_by_view_zoom_in_and_small_pans(self):
        page = self.open()
        big = self.stub.big()
        self.assertGreaterEqual(len(big), 1)
        for name, params in self.stub.requests:
            self.assertIn("view", params, name)
            self.assertIn("zoom", params, name)
            self.assertEqual(params.get("county"), "datong", name)  # the page's filters on every request
            self.assertEqual(params.get("grade"), "gold", name)
            zoom = int(params["zoom"])
            step = 180 / 2**zoom
            for v in params["view"].split(","):  # snapped to the grid: nearby views share one URL
                self.assertAlmostEqual(float(v) / step, round(float(v) / step), places=3, msg=params["view"])

        # the first view is fitted to the whole layer (its bbox) and the small layer's places
        d = self.drawn(page)
        last = big[-1]
        self.assertEqual(int(last["zoom"]), d["zoom"])
        view = [float(v) for v in last["view"].split(",")]
        self.assertTrue(view[0] <= EXTENT[0] + 0.2 and view[2] >= EXTENT[2] - 0.2, f"not fitted to the layer: {view}")
        self.assert_answer_drawn(d, last)
        clusters = [m for m in d["markers"] if m["cluster"]]
        self.assertGreater(len(clusters), 5)
        self.assertEqual(d["bubbles"], len(clusters))
        self.assertLess(len(d["markers"]), 200)
        total = page.evaluate(f"() => {MAP}.layers.{BIG}.features.reduce((n, f) => n + (f.properties.count || 1), 0)")
        self.assertEqual(total, len(points_in(view)))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#portal-map").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "map-view-clusters-phone.png"))
        page.locator("#portal-map").screenshot(path=str(SCREENSHOTS / "map-view-clusters-map-phone.png"))

        # the small layer: one whole answer, clustered in the browser, never asked again
        small = page.evaluate(
            f"() => {{ const s = {MAP}; const e = s.layers.{SMALL}; return [e.complete, e.markers.length, e.markers.every(m => s.cluster.hasLayer(m))]; }}"
        )
        self.assertEqual(small, [True, 2, True])

        # a pan of a few pixels stays inside the snapped view that was loaded: no request
        before = len(self.stub.big())
        dx = page.evaluate(
            f"""() => {{
              const s = {MAP}, m = s.map, box = s.layers.{BIG}.shown.box, c = m.getCenter();
              const east = m.latLngToContainerPoint(s.toLatLng([box[2], c.lat])).x - m.getSize().x;
              return east > 12 ? 8 : -8;
            }}"""
        )
        page.evaluate(f"() => {MAP}.map.panBy([{dx}, 0], {{animate: false}})")
        self.settle(page)
        self.assertEqual(len(self.stub.big()), before, "a small pan asked again")

        # zooming in: a request at the new zoom, then the places themselves
        page.evaluate(f"() => {MAP}.map.setView({MAP}.toLatLng([{VILLAGE[0]}, {VILLAGE[1]}]), 14, {{animate: false}})")
        self.wait_loaded(page, 14)
        last = self.stub.big()[-1]
        self.assertEqual(last["zoom"], "14")
        d = self.drawn(page)
        self.assert_answer_drawn(d, last)
        self.assertFalse(any(m["cluster"] for m in d["markers"]))
        self.assertGreater(len(d["markers"]), 20)
        self.assertEqual(d["bubbles"], 0)
        # a village of 60 at one spot stays a crowd: no fan wider than the map, no leader lines off it
        moved = page.evaluate(
            f"() => Math.max(0, ...{MAP}.layers.{BIG}.markers.map(m => Math.hypot(m.options.icon.options.dx || 0, m.options.icon.options.dy || 0)))"
        )
        self.assertLess(moved, 120)
        page.locator("#portal-map").screenshot(path=str(SCREENSHOTS / "map-view-places-map-phone.png"))

        # zooming back out: clusters again, and every step stays well under the marker budget
        for zoom in (12, 10):
            page.evaluate(f"() => {MAP}.map.setZoom({zoom}, {{animate: false}})")
            self.wait_loaded(page, zoom)
            self.settle(page, 300)
            self.assert_answer_drawn(self.drawn(page), self.stub.big()[-1])
        self.assertEqual([name for name, _p in self.stub.requests if name == SMALL], [SMALL], "the complete layer was asked again")

    def test_a_cluster_zooms_in_by_tap_and_by_keyboard(self):
        page = self.open()
        zoom = page.evaluate(f"() => {MAP}.map.getZoom()")
        page.evaluate(f"() => {MAP}.layers.{BIG}.markers.find(m => m.feature.properties.cluster).getElement().id = 'a-bubble'")
        bubble = page.locator("#a-bubble")
        self.assertEqual(bubble.get_attribute("tabindex"), "0")
        self.assertEqual(bubble.get_attribute("role"), "button")
        self.assertRegex(bubble.inner_text(), r"^\d+\s*处")
        self.assertIn("个地点", bubble.text_content())  # the spoken hint
        bubble.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => {MAP}.map.getZoom() > {zoom}")
        zoomed = page.evaluate(f"() => {MAP}.map.getZoom()")
        self.wait_loaded(page, zoomed)
        self.assert_answer_drawn(self.drawn(page), self.stub.big()[-1])

        # a tap on a bubble of the layer that is inside the map and on top where it is drawn
        page.locator("#portal-map").scroll_into_view_if_needed()
        x, y = page.evaluate(
            f"""() => {{
              const s = {MAP}, frame = s.map.getContainer().getBoundingClientRect();
              for (const m of s.layers.{BIG}.markers) {{
                const el = m.getElement();
                if (!m.feature.properties.cluster || !el) continue;
                const r = el.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
                if (r.left < frame.left || r.right > frame.right || r.top < frame.top || r.bottom > frame.bottom - 30) continue;
                if (el.contains(document.elementFromPoint(x, y))) return [x, y];
              }}
              return null;
            }}"""
        )
        page.touchscreen.tap(x, y)
        page.wait_for_function(f"() => {MAP}.map.getZoom() > {zoomed}")
        self.wait_loaded(page, page.evaluate(f"() => {MAP}.map.getZoom()"))

    def check_stale_answer_is_dropped(self, page, delivered):
        page.evaluate(f"() => {MAP}.map.setView({MAP}.toLatLng([{VILLAGE[0]}, {VILLAGE[1]}]), 11, {{animate: false}})")
        self.wait_loaded(page, 11)
        self.stub.hold = True
        page.evaluate(f"() => {MAP}.map.setZoom(12, {{animate: false}})")
        while not self.stub.held:
            page.wait_for_timeout(50)
        self.stub.hold = False
        page.evaluate(f"() => {MAP}.map.setZoom(13, {{animate: false}})")
        self.wait_loaded(page, 13)
        newest = self.stub.big()[-1]
        self.assertEqual(newest["zoom"], "13")

        # the slower answer for zoom 12 arrives last
        route, body = self.stub.held.pop()
        route.fulfill(status=200, content_type="application/geo+json; charset=utf-8", body=body)
        self.settle(page, 500)
        self.assertEqual(route.request.url in self.cancelled, not delivered)
        self.assertFalse(page.evaluate(f"() => window.__loads.some(d => d.name === {BIG!r} && d.zoom === 12)"), "the stale answer was drawn")
        self.assert_answer_drawn(self.drawn(page), newest)

    def test_a_stale_answer_never_overwrites_a_newer_one(self):
        # the older request is aborted: its answer never reaches the page
        self.check_stale_answer_is_dropped(self.open(), delivered=False)

    def test_a_stale_answer_is_dropped_without_abort_controller(self):
        # a browser without AbortController gets both answers: the sequence number drops the older
        self.check_stale_answer_is_dropped(self.open(init_script="delete window.AbortController;"), delivered=True)

    def test_layer_toggle_failure_note_and_reveal(self):
        page = self.open()
        label = page.evaluate(f"() => {MAP}.meta.{BIG}.label")
        toggle = page.locator("label.layer-toggle", has=page.locator(f'input[value="{BIG}"]'))

        # off: its markers leave the map, and moving the map asks nothing for it
        toggle.click()
        d = self.drawn(page)
        self.assertFalse(any(m["onMap"] or m["element"] for m in d["markers"]))
        self.assertEqual(d["bubbles"], 0)
        before = len(self.stub.big())
        page.evaluate(f"() => {MAP}.map.setView({MAP}.toLatLng([101.0, 37.2]), 11, {{animate: false}})")
        self.settle(page)
        self.assertEqual(len(self.stub.big()), before)

        # on again: the view it missed is loaded
        toggle.click()
        self.wait_loaded(page, 11)
        self.assert_answer_drawn(self.drawn(page), self.stub.big()[-1])

        # a failed answer: the note says which layer, the map keeps what it shows, the next view loads
        shown = self.drawn(page)["markers"]
        self.stub.fail = 500
        page.evaluate(f"() => {MAP}.map.setView({MAP}.toLatLng([102.1, 36.4]), 11, {{animate: false}})")
        note = page.locator("[data-map-note]")
        page.wait_for_function("(label) => document.querySelector('[data-map-note]').textContent.includes(label)", arg=label)
        self.assertIn("图层加载失败", note.inner_text())
        self.assertEqual(len(self.drawn(page)["markers"]), len(shown))
        page.evaluate(f"() => {MAP}.map.setZoom(12, {{animate: false}})")
        self.wait_loaded(page, 12)
        page.wait_for_function("() => !document.querySelector('[data-map-note]').textContent.includes('图层加载失败')")

        # "在地图上查看" for a place that is inside a cluster, far from the view: the button's
        # position takes the map there, close enough for the place itself, and its popup opens
        target = POINTS[5]
        lon, lat = target["geometry"]["coordinates"]
        page.evaluate(f"() => {MAP}.map.setView({MAP}.toLatLng([101.9, 37.1]), 9, {{animate: false}})")
        self.settle(page)
        page.evaluate(
            """([url, lon, lat, layer]) => {
              const b = document.createElement('button');
              b.type = 'button';
              b.textContent = '在地图上查看';
              b.setAttribute('data-show-on-map', url);
              b.setAttribute('data-layer', layer);
              b.setAttribute('data-lon', String(lon));
              b.setAttribute('data-lat', String(lat));
              b.id = 'reveal-test';
              document.querySelector('main').appendChild(b);
            }""",
            [target["properties"]["url"], lon, lat, BIG],
        )
        page.click("#reveal-test")
        popup = page.locator("#portal-map .leaflet-popup-content")
        popup.wait_for(state="visible")
        self.assertIn(target["properties"]["name"], popup.inner_text())
        self.assertGreaterEqual(page.evaluate(f"() => {MAP}.map.getZoom()"), CLUSTER_BELOW)
        self.drawn(page)

    def test_layer_urls_keep_the_language_and_the_page_filters(self):
        page = self.open()
        urls = page.evaluate(
            f"""() => {{
              const s = {MAP}, api = s.config.api;
              const out = [s.layerUrl('a b'), s.layerUrl('x', '?near=1,2&km=5')];
              s.config.api = '/api/geo/__layer__.geojson?lang=en';
              out.push(s.layerUrl('x', 'view=1,2,3,4&zoom=9'));
              s.config.api = api;
              return out;
            }}"""
        )
        self.assertEqual(
            urls,
            [
                f"/api/geo/a%20b.geojson?{QUERY}",
                f"/api/geo/x.geojson?near=1,2&km=5&{QUERY}",
                f"/api/geo/x.geojson?lang=en&view=1,2,3,4&zoom=9&{QUERY}",
            ],
        )

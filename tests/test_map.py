"""The map module: tile provider resolution, the map includes (no inline script) and /map/."""

import json
import re
from dataclasses import replace
from html.parser import HTMLParser

from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from portal.factories import MapPageFactory, StandardPageFactory, make_site
from portal.geo import feature, point
from portal.models import PortalSettings, StandardPage
from portal.registry import registry
from portal.tiles import tile_config, tile_config_for_request


class FakeSettings:
    def __init__(self, tile_provider="", tile_url="", tianditu_key=""):
        self.tile_provider, self.tile_url, self.tianditu_key = tile_provider, tile_url, tianditu_key


@override_settings(PORTAL_TILE_PROVIDER="osm", PORTAL_TIANDITU_KEY="", PORTAL_TILE_URL="", PORTAL_TILE_ATTRIBUTION="")
class TileProviderTests(SimpleTestCase):
    def test_default_is_openstreetmap_with_attribution(self):
        cfg = tile_config()
        self.assertEqual((cfg["provider"], cfg["crs"]), ("osm", "wgs84"))
        self.assertEqual(cfg["layers"][0]["url"], "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
        self.assertIn("OpenStreetMap", cfg["layers"][0]["options"]["attribution"])

    @override_settings(PORTAL_TILE_PROVIDER="tianditu", PORTAL_TIANDITU_KEY="k&y 1")
    def test_tianditu_vector_and_label_layers_with_key(self):
        cfg = tile_config()
        self.assertEqual((cfg["provider"], cfg["crs"]), ("tianditu", "wgs84"))  # CGCS2000: no shift
        vec, cva = (layer["url"] for layer in cfg["layers"])
        self.assertIn("/vec_w/wmts?", vec)
        self.assertIn("LAYER=vec", vec)
        self.assertIn("/cva_w/wmts?", cva)
        self.assertIn("LAYER=cva", cva)
        self.assertTrue(vec.endswith("&tk=k%26y%201"))  # the key is URL-encoded
        self.assertIn("{s}", vec)
        self.assertEqual(cfg["layers"][0]["options"]["subdomains"], "01234567")
        self.assertIn("天地图", cfg["layers"][0]["options"]["attribution"])

    @override_settings(PORTAL_TILE_PROVIDER="tianditu")
    def test_tianditu_without_key_falls_back_to_osm(self):
        self.assertEqual(tile_config()["provider"], "osm")

    @override_settings(PORTAL_TILE_PROVIDER="gaode")
    def test_gaode_is_gcj02(self):
        cfg = tile_config()
        self.assertEqual((cfg["provider"], cfg["crs"]), ("gaode", "gcj02"))
        self.assertIn("webrd0{s}.is.autonavi.com", cfg["layers"][0]["url"])
        self.assertEqual(cfg["layers"][0]["options"]["subdomains"], "1234")
        self.assertIn("高德", cfg["layers"][0]["options"]["attribution"])

    @override_settings(PORTAL_TILE_PROVIDER="custom", PORTAL_TILE_URL="https://tiles.example.cn/{z}/{x}/{y}.png", PORTAL_TILE_ATTRIBUTION="© 西宁")
    def test_custom_url(self):
        cfg = tile_config()
        self.assertEqual(cfg["provider"], "custom")
        self.assertEqual(cfg["layers"][0]["url"], "https://tiles.example.cn/{z}/{x}/{y}.png")
        self.assertEqual(cfg["layers"][0]["options"]["attribution"], "© 西宁")

    @override_settings(PORTAL_TILE_PROVIDER="custom", PORTAL_TILE_URL="javascript:alert(1)")
    def test_custom_without_usable_url_falls_back(self):
        self.assertEqual(tile_config()["provider"], "osm")

    @override_settings(PORTAL_TILE_PROVIDER="nonsense")
    def test_unknown_provider_falls_back(self):
        self.assertEqual(tile_config()["provider"], "osm")

    def test_site_settings_override_deployment(self):
        self.assertEqual(tile_config(FakeSettings(tile_provider="gaode"))["provider"], "gaode")
        cfg = tile_config(FakeSettings(tile_provider="tianditu", tianditu_key="sitekey"))
        self.assertTrue(cfg["layers"][0]["url"].endswith("tk=sitekey"))
        cfg = tile_config(FakeSettings(tile_provider="custom", tile_url="/tiles/{z}/{x}/{y}.png"))
        self.assertEqual(cfg["layers"][0]["url"], "/tiles/{z}/{x}/{y}.png")
        # empty site fields keep the deployment setting
        with self.settings(PORTAL_TILE_PROVIDER="gaode"):
            self.assertEqual(tile_config(FakeSettings())["provider"], "gaode")


class TileProviderForRequestTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()

    def test_reads_portal_settings_of_the_site(self):
        ps = PortalSettings.for_site(Site.objects.get(is_default_site=True))
        ps.tile_provider, ps.tianditu_key = "tianditu", "abc"
        ps.save()
        request = RequestFactory().get("/", HTTP_HOST="localhost")
        self.assertEqual(tile_config_for_request(request)["provider"], "tianditu")

    def test_no_request_uses_deployment_defaults(self):
        self.assertEqual(tile_config_for_request(None)["provider"], "osm")


class ScriptAudit(HTMLParser):
    """Collects what a strict CSP would block: inline script code, style="", on* handlers."""

    def __init__(self):
        super().__init__()
        self.problems, self.scripts, self._in_script = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
        if tag == "script":
            self.scripts.append(attrs)
            self._in_script = attrs

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        script = self._in_script
        if script is not None and data.strip() and "src" not in script:
            if script.get("type") not in ("application/json", "application/ld+json"):
                self.problems.append(f"inline script: {data.strip()[:60]}")


def audit(html: str) -> ScriptAudit:
    parser = ScriptAudit()
    parser.feed(html)
    return parser


def data_config(html: str) -> dict:
    import html as htmllib

    match = re.search(r'data-config="([^"]*)"', html)
    return json.loads(htmllib.unescape(match.group(1)))


class MapIncludeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()

    def render(self, source, **context):
        request = RequestFactory().get("/", HTTP_HOST="localhost")
        return Template(source).render(Context({"request": request, **context}))

    def test_include_renders_data_attributes_not_script(self):
        html = self.render('{% include "portal/includes/map.html" with map_id="route-map" layers="homestays,stops" data_id="route-geo" size="small" %}')
        self.assertIn('id="route-map"', html)
        self.assertIn("data-leaflet-map", html)
        self.assertIn('data-callback="PortalMap.setup"', html)
        self.assertIn("portal-map--small", html)
        self.assertNotIn("<script", html)
        djoptions = json.loads(re.search(r'data-djoptions="([^"]*)"', html).group(1).replace("&quot;", '"'))
        self.assertEqual(djoptions["center"], [36.65, 101.55])
        cfg = data_config(html)
        self.assertEqual([layer["name"] for layer in cfg["layers"]], ["homestays", "stops"])
        self.assertEqual(cfg["data"], "route-geo")
        self.assertTrue(cfg["cluster"])
        self.assertEqual(cfg["api"], "/api/geo/__layer__.geojson")
        self.assertEqual(cfg["tiles"]["provider"], "osm")
        self.assertIn("查看详情", cfg["i18n"]["details"])

    def test_include_without_layers_does_not_cluster(self):
        cfg = data_config(self.render('{% include "portal/includes/map.html" with map_id="m" data_id="geo" %}'))
        self.assertEqual(cfg["layers"], [])
        self.assertFalse(cfg["cluster"])

    def test_leaflet_map_without_div(self):
        html = self.render('{% load leaflet_tags %}{% leaflet_map "elsewhere" creatediv=False callback="PortalMap.setup" %}')
        self.assertIn('data-leaflet-for="elsewhere"', html)
        self.assertIn("hidden", html)
        self.assertNotIn("<script", html)

    def test_head_and_scripts_are_local_and_deferred(self):
        html = self.render('{% include "portal/includes/map_head.html" %}{% include "portal/includes/map_scripts.html" %}')
        self.assertIn("/static/leaflet/leaflet.css", html)
        self.assertIn("/static/portal/vendor/markercluster/MarkerCluster.css", html)
        self.assertIn('<script src="/static/portal/js/map.js" defer></script>', html)
        self.assertIn('<script src="/static/portal/vendor/markercluster/leaflet.markercluster.js" defer></script>', html)
        self.assertNotRegex(html, r'(src|href)="(https?:)?//')  # nothing from another host
        self.assertEqual(audit(html).problems, [])

    def test_vendored_markercluster_is_served_with_licence(self):
        for path in ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css", "MIT-LICENCE.txt"):
            with self.subTest(path=path):
                response = self.client.get(f"/static/portal/vendor/markercluster/{path}")
                self.assertEqual(response.status_code, 200)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                self.assertGreater(len(body), 500)


class MapPageTests(TestCase):
    """/map/ with test layers standing in for the subject apps' routes and homestays."""

    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.map = MapPageFactory(parent=cls.home, title="地图", slug="map", intro="<p>全部地点</p>")
        for i in range(3):
            StandardPageFactory(parent=cls.home, title=f"民宿{i}", slug=f"homestay-{i}")
        StandardPageFactory(parent=cls.home, title="草稿民宿", slug="homestay-draft", live=False)

    def setUp(self):
        saved = {name: registry.layers.get(name) for name in ("routes", "homestays")}

        def restore():
            for name, layer in saved.items():
                if layer is None:
                    registry.layers.pop(name, None)
                else:
                    registry.layers[name] = layer

        self.addCleanup(restore)

        def homestays():
            pages = StandardPage.objects.live().public().filter(slug__startswith="homestay-").order_by("path")
            return [feature(point(101.5 + p.pk / 1000, 36.6), name=p.title, url=p.url, kind="homestay") for p in pages]

        def routes():
            line = {"type": "LineString", "coordinates": [[101.56, 36.49], [101.37, 36.76]]}
            return [feature(line, name="湟中区西纳川休闲农业", url="/routes/xinachuan/", kind="route", colour="#c2410c")]

        # the apps' layers with test features, in their registered places
        registry.register_layer(replace(saved["homestays"], features=homestays, models=("portal.StandardPage",)))
        registry.register_layer(replace(saved["routes"], features=routes, colour="#333333"))

    def test_page_shows_toggles_legend_and_list(self):
        response = self.client.get("/map/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        for name in ("routes", "stops", "homestays", "products", "stations", "alerts"):
            self.assertIn(f'value="{name}" data-layer-toggle checked', html)
            self.assertIn(f'data-layer-list="{name}"', html)
        # legend: route colour and name
        self.assertRegex(html, r'<rect [^>]*fill="#c2410c"/></svg><a href="/routes/xinachuan/">湟中区西纳川休闲农业</a>')
        # list view: live homestays with links, not the draft
        group = html.split('data-layer-list="homestays"')[1].split("</section>")[0]
        self.assertEqual(re.findall(r'<a href="(/homestay-\d/)">', group), ["/homestay-0/", "/homestay-1/", "/homestay-2/"])
        self.assertNotIn("草稿民宿", html)
        # layers nobody registered yet are listed empty, not an error
        self.assertIn("暂无内容", html.split('data-layer-list="stations"')[1].split("</section>")[0])
        # the map loads all five layers
        cfg = data_config(html)
        self.assertEqual([layer["name"] for layer in cfg["layers"]], ["routes", "stops", "homestays", "products", "stations", "alerts"])
        registered = {layer["name"]: layer["registered"] for layer in cfg["layers"]}
        self.assertTrue(registered["routes"] and registered["homestays"])
        self.assertEqual(registered["stations"], "stations" in registry.layers)  # lights up once registered
        self.assertTrue(cfg["cluster"])

    def test_near_me_controls_present(self):
        html = self.client.get("/map/").content.decode()
        self.assertIn('data-map-page="portal-map"', html)
        self.assertIn("data-near-me", html)
        self.assertIn("data-near-centre", html)  # the fallback when geolocation is declined
        self.assertIn('aria-live="polite"', html)

    def test_no_inline_script_or_style(self):
        html = self.client.get("/map/").content.decode()
        result = audit(html)
        self.assertEqual(result.problems, [])
        # nothing executed or styled from another host (canonical/hreflang links are fine)
        self.assertNotRegex(html, r'<(script|img)[^>]+src="(https?:)?//')
        self.assertNotRegex(html, r'<link rel="stylesheet"[^>]+href="(https?:)?//')

    def test_query_count(self):
        """With the layers cached the map page costs what a plain page costs; cold, it does not grow with the items."""
        from django.core.cache import cache

        def count(url):
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(ctx)

        self.client.get("/map/")  # builds and caches the layers
        self.client.get("/homestay-0/")
        # the layers' sizes, then the small layers whole (a large one would add its first rows)
        self.assertLessEqual(count("/map/") - count("/homestay-0/"), 2)

        cache.clear()
        few = count("/map/")
        for i in range(3, 12):
            StandardPageFactory(parent=self.home, title=f"民宿{i}", slug=f"homestay-{i}")
        cache.clear()
        self.assertEqual(count("/map/"), few)

    def test_geojson_of_the_listed_layer(self):
        data = self.client.get("/api/geo/homestays.geojson").json()
        self.assertEqual(len(data["features"]), 3)

"""Route pages for visitors: the index, a route page, downloads, print view, map layers, query counts."""

import json
import xml.etree.ElementTree as ET

import gpxpy
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction
from wagtail.test.utils import WagtailPageTestCase

from portal.factories import make_site
from portal.geo import feature, point
from portal.registry import Layer, registry
from routes.factories import RouteIndexPageFactory, RoutePageFactory, RouteStopFactory, straight_line
from routes.models import RouteIndexPage, RoutePage

KML = "{http://www.opengis.net/kml/2.2}"


def make_stops(route, n, start=0):
    """n stops spread along a route's line, with a checked/unchecked mix."""
    coords = route.geometry["coordinates"]
    for i in range(start, start + n):
        lon, lat = coords[min(i, len(coords) - 1)][:2]
        RouteStopFactory(page=route, name=f"{route.title} 站 {i + 1}", location=point(lon, lat), location_checked=i % 2 == 0, sort_order=i)


class RoutePagesTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = RouteIndexPageFactory(parent=cls.home)
        cls.route = RoutePageFactory(
            parent=cls.index,
            title="湟中区西纳川休闲农业",
            slug="xinachuan",
            colour="#c2410c",
            geometry=straight_line(points=20, ele=(2650.0, 2320.0)),
            by_car="沿宁湟公路约 25 公里。",
            accessibility="塔尔寺有台阶。",
            practical_advice="<p>请带外套。</p>",
            distance_from_xining_km=25,
        )
        make_stops(cls.route, 3)
        cls.second = RoutePageFactory(parent=cls.index, title="湟源县历史文化", slug="huangyuan", colour="#1d4ed8")
        cls.draft = RoutePageFactory(parent=cls.index, title="草稿线路", slug="draft-route", live=False)
        make_stops(cls.draft, 2)
        cls.private = RoutePageFactory(parent=cls.index, title="内部线路", slug="private-route")
        make_stops(cls.private, 2)
        PageViewRestriction.objects.create(page=cls.private, restriction_type=PageViewRestriction.PASSWORD, password="secret")

    def test_page_types(self):
        self.assertAllowedSubpageTypes(RouteIndexPage, {RoutePage})
        self.assertAllowedParentPageTypes(RoutePage, {RouteIndexPage})
        self.assertPageIsRenderable(self.route)
        self.assertPageIsRoutable(self.route, "gpx/")
        self.assertPageIsRoutable(self.route, "print/")

    def test_draft_without_line_or_stops_previews(self):
        empty = RoutePageFactory(parent=self.index, slug="empty", geometry=None, live=False)
        response = empty.make_preview_request()
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "站点信息正在整理中")
        self.assertEqual(empty.length_km, 0)
        self.assertIsNone(empty.profile)

    def test_facts_are_computed_on_save(self):
        self.route.refresh_from_db()
        self.assertAlmostEqual(self.route.length_km, 19.5, delta=0.5)
        self.assertEqual((self.route.max_alt_m, self.route.min_alt_m), (2650, 2320))
        self.assertEqual((self.route.ascent_m, self.route.descent_m), (0, 330))
        self.assertEqual(self.route.best_months_display, "6–8月")

    def test_index_lists_live_public_routes_with_map_data(self):
        response = self.client.get("/routes/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "湟中区西纳川休闲农业")
        self.assertContains(response, "湟源县历史文化")
        self.assertNotContains(response, "草稿线路")
        self.assertNotContains(response, "内部线路")
        geo = json.loads(response.context["routes_geo"] and json.dumps(response.context["routes_geo"]))
        self.assertEqual([f["properties"]["name"] for f in geo["features"]], ["湟中区西纳川休闲农业", "湟源县历史文化"])
        self.assertEqual({f["properties"]["colour"] for f in geo["features"]}, {"#c2410c", "#1d4ed8"})
        self.assertContains(response, 'id="routes-geo"')
        self.assertContains(response, 'fill="#1d4ed8"')  # legend swatch

    def test_route_page_shows_facts_stops_map_and_downloads(self):
        response = self.client.get("/routes/xinachuan/")
        self.assertEqual(response.status_code, 200)
        for text in ("全程", "最高点", "2650", "沿途站点", 'id="stop-1"', 'id="stop-3"', "距起点", "沿宁湟公路约 25 公里", "塔尔寺有台阶", "请带外套"):
            self.assertContains(response, text)
        self.assertContains(response, 'href="/routes/xinachuan/gpx/"')
        self.assertContains(response, 'href="/routes/xinachuan/kml/"')
        self.assertContains(response, 'href="/routes/xinachuan/geojson/"')
        self.assertContains(response, 'href="/routes/xinachuan/print/"')
        self.assertContains(response, '<svg class="profile-svg"')
        # stop 2 is an estimate: the page says so, once
        self.assertContains(response, "位置是估计的", count=1)
        geo = response.context["route_geo"]
        numbers = [f["properties"].get("number") for f in geo["features"] if f["properties"]["kind"] != "route"]
        self.assertEqual(numbers, [1, 2, 3])
        self.assertEqual(geo["features"][1]["properties"]["url"], "/routes/xinachuan/#stop-1")
        self.assertNotContains(response, "<script>")  # data goes through json_script only
        self.assertNotContains(response, " style=")

    def test_draft_and_private_routes_are_not_served(self):
        self.assertEqual(self.client.get("/routes/draft-route/").status_code, 404)
        self.assertEqual(self.client.get("/routes/draft-route/gpx/").status_code, 404)
        # a private route answers Wagtail's password form, not the file
        response = self.client.get("/routes/private-route/gpx/")
        self.assertNotIn("gpx", response["Content-Type"])
        self.assertNotIn("Content-Disposition", response)

    def test_gpx_download(self):
        response = self.client.get("/routes/xinachuan/gpx/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/gpx+xml; charset=utf-8")
        disposition = response["Content-Disposition"]
        self.assertIn('attachment; filename="xinachuan.gpx"', disposition)
        self.assertIn("filename*=UTF-8''%E6%B9%9F%E4%B8%AD", disposition)  # 湟中… percent-encoded
        gpx = gpxpy.parse(response.content.decode())
        points = gpx.tracks[0].segments[0].points
        self.assertEqual(len(points), 20)
        self.assertEqual((points[0].elevation, points[-1].elevation), (2650.0, 2320.0))
        self.assertEqual(points[0].longitude, self.route.geometry["coordinates"][0][0])
        self.assertEqual([w.name for w in gpx.waypoints], [f"{i}. 湟中区西纳川休闲农业 站 {i}" for i in (1, 2, 3)])
        self.assertTrue(gpx.waypoints[0].link.endswith("/routes/xinachuan/#stop-1"))

    def test_kml_download(self):
        response = self.client.get("/routes/xinachuan/kml/")
        self.assertEqual(response["Content-Type"], "application/vnd.google-earth.kml+xml; charset=utf-8")
        self.assertIn('filename="xinachuan.kml"', response["Content-Disposition"])
        root = ET.fromstring(response.content)
        self.assertEqual(root.tag, f"{KML}kml")
        line = root.find(f"{KML}Document/{KML}Placemark/{KML}LineString/{KML}coordinates").text.split()
        self.assertEqual(len(line), 20)
        lon, lat, ele = (float(v) for v in line[0].split(","))
        self.assertEqual([lon, lat, ele], self.route.geometry["coordinates"][0])
        stops = root.findall(f"{KML}Document/{KML}Folder/{KML}Placemark")
        self.assertEqual(len(stops), 3)
        self.assertEqual(root.find(f"{KML}Document/{KML}Style/{KML}LineStyle/{KML}color").text, "ff0c41c2")  # aabbggrr

    def test_geojson_download(self):
        response = self.client.get("/routes/xinachuan/geojson/")
        self.assertEqual(response["Content-Type"], "application/geo+json; charset=utf-8")
        doc = json.loads(response.content)
        self.assertEqual(doc["type"], "FeatureCollection")
        self.assertEqual(doc["features"][0]["geometry"], self.route.geometry)
        self.assertEqual([f["properties"]["number"] for f in doc["features"][1:]], [1, 2, 3])
        self.assertEqual(doc["features"][2]["properties"]["location_checked"], False)

    def test_non_ascii_slug_gets_an_ascii_fallback_name(self):
        route = RoutePageFactory(parent=self.index, title="日月山线路", slug="日月山")  # a slug an editor chose in Chinese
        response = self.client.get(route.url + "gpx/")
        self.assertIn(f'filename="route-{route.pk}.gpx"', response["Content-Disposition"])
        self.assertIn("filename*=UTF-8''%E6%97%A5%E6%9C%88%E5%B1%B1%E7%BA%BF%E8%B7%AF.gpx", response["Content-Disposition"])

    def test_print_view(self):
        response = self.client.get("/routes/xinachuan/print/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "行程")
        self.assertContains(response, 'class="route-sketch"')
        self.assertContains(response, "3. 湟中区西纳川休闲农业 站 3")
        self.assertContains(response, "（估计位置）", count=1)
        self.assertContains(response, "routes/print.js")

    def test_layers_hold_live_public_routes_only(self):
        routes = json.loads(self.client.get("/api/geo/routes.geojson").content)
        self.assertEqual([f["properties"]["name"] for f in routes["features"]], ["湟中区西纳川休闲农业", "湟源县历史文化"])
        first = routes["features"][0]
        self.assertEqual(first["geometry"]["type"], "LineString")
        self.assertEqual(first["properties"]["kind"], "route")
        self.assertEqual(first["properties"]["url"], "/routes/xinachuan/")
        self.assertIn("length_km", first["properties"])
        stops = json.loads(self.client.get("/api/geo/stops.geojson").content)
        self.assertEqual(len(stops["features"]), 3)
        self.assertEqual({f["properties"]["route"] for f in stops["features"]}, {"湟中区西纳川休闲农业"})
        self.assertEqual(stops["features"][1]["properties"]["url"], "/routes/xinachuan/#stop-2")
        self.assertEqual(stops["features"][1]["properties"]["number"], 2)
        self.assertEqual(stops["features"][1]["properties"]["kind"], "village")

    def test_layer_cache_drops_on_unpublish(self):
        self.client.get("/api/geo/routes.geojson")
        self.second.unpublish()
        names = [f["properties"]["name"] for f in json.loads(self.client.get("/api/geo/routes.geojson").content)["features"]]
        self.assertEqual(names, ["湟中区西纳川休闲农业"])

    def test_home_collection(self):
        label, provider = registry.collections["routes"]
        self.assertEqual([r.slug for r in provider(5)], ["xinachuan", "huangyuan"])
        self.assertEqual(len(provider(1)), 1)


class RelatedContentTests(WagtailPageTestCase):
    """Homestays, products and events come from other apps through the registry, never imports."""

    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = RouteIndexPageFactory(parent=cls.home)
        cls.route = RoutePageFactory(parent=cls.index, slug="r", nearby_km=5, geometry=straight_line(start=(101.0, 36.0), end=(101.0, 36.5)))

    def setUp(self):
        self.saved_layers = dict(registry.layers)
        self.saved_related = dict(registry.related)
        near = feature(point(101.03, 36.2), name="近处民宿", url="/homestays/near/", kind="homestay")  # ~2.7 km east of the line
        far = feature(point(101.2, 36.2), name="远处民宿", url="/homestays/far/", kind="homestay")  # ~18 km
        registry.register_layer(Layer("homestays", "民宿", features=lambda: [far, near]))
        registry.register_related("events", lambda page, limit: [{"title": f"{page.title} 花儿会", "url": "/news/huaer/"}])
        cache.clear()

    def tearDown(self):
        registry.layers.clear()
        registry.layers.update(self.saved_layers)
        registry.related.clear()
        registry.related.update(self.saved_related)
        cache.clear()

    def test_nearby_homestays_within_the_configured_distance(self):
        response = self.client.get("/routes/r/")
        self.assertContains(response, "近处民宿")
        self.assertNotContains(response, "远处民宿")
        self.assertContains(response, "距线路 2.7 公里")
        self.assertContains(response, "花儿会")
        RoutePage.objects.filter(pk=self.route.pk).update(nearby_km=20)
        self.assertContains(self.client.get("/routes/r/"), "远处民宿")


class QueryCountTests(WagtailPageTestCase):
    """Pages cost a fixed number of queries however many routes and stops they show.

    The shared base template (site, menu, settings, SEO links) has its own cost, so the routes'
    share is measured against a plain StandardPage at the same depth.
    """

    @classmethod
    def setUpTestData(cls):
        from portal.factories import StandardPageFactory

        cls.home = make_site()
        cls.index = RouteIndexPageFactory(parent=cls.home)
        cls.routes = [RoutePageFactory(parent=cls.index, slug=f"r{i}") for i in range(2)]
        for r in cls.routes:
            make_stops(r, 2)
        cls.about = StandardPageFactory(parent=cls.home, slug="about")
        cls.deeper = StandardPageFactory(parent=cls.about, slug="deeper")

    def _count(self, url):
        # As on a running site: renditions and the stored map layers (portal.models.LayerFeature)
        # exist once a page has been shown; then cold: page cache, layer cache, site root paths.
        self.client.get(url)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(ctx.captured_queries)

    def test_index_queries_do_not_grow_with_routes(self):
        few = self._count("/routes/")
        for i in range(2, 6):
            make_stops(RoutePageFactory(parent=self.index, slug=f"r{i}"), 3)
        cache.clear()
        with self.assertNumQueries(few):
            response = self.client.get("/routes/")
        self.assertEqual(len(response.context["routes"]), 6)
        # routes query, hero renditions, view restrictions
        self.assertLessEqual(few - self._count("/about/"), 4)

    def test_route_page_queries_do_not_grow_with_stops(self):
        url = self.routes[0].url
        few = self._count(url)
        make_stops(self.routes[0], 6, start=2)
        cache.clear()
        with self.assertNumQueries(few):
            response = self.client.get(url)
        self.assertContains(response, 'id="stop-8"')
        # stops, their renditions, the hero image, and the other apps' layers and related items
        self.assertLessEqual(few - self._count("/about/deeper/"), 12)

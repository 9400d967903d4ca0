"""The GeoJSON layer API (/api/geo/<layer>.geojson) and the WGS-84 → GCJ-02 transform.

The endpoint is exercised through a test layer registered over StandardPage, so these tests do not
depend on which subject apps have registered their layers yet.
"""

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase, TestCase
from django.utils.http import http_date
from wagtail.models import PageViewRestriction

from portal import layers
from portal.factories import StandardPageFactory, make_site
from portal.geo import feature, gcj02_to_wgs84, haversine_km, out_of_china, point, wgs84_to_gcj02
from portal.models import StandardPage
from portal.registry import Layer, registry

BASE_DIR = Path(__file__).resolve().parent.parent

# slug -> [lon, lat]: the test layer places these StandardPages on the map (seed coordinates).
POSITIONS = {
    "kumbum": [101.5671, 36.4901],  # 塔尔寺
    "laoye": [101.6883, 36.9317],  # 老爷山
    "dangar": [101.2635, 36.6876],  # 丹噶尔古城
    "riyue": [101.0936, 36.4421],  # 日月山
    "draft": [101.60, 36.60],
    "private": [101.61, 36.61],
}


def standard_page_features():
    pages = StandardPage.objects.live().public().filter(slug__in=POSITIONS).order_by("path")
    return [feature(point(*POSITIONS[p.slug]), name=p.title, url=p.url, kind="test") for p in pages]


class LayerTestMixin:
    """Registers the "testpoints" layer for the duration of a test class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        registry.register_layer(Layer("testpoints", "测试点", standard_page_features, models=("portal.StandardPage",)))

    @classmethod
    def tearDownClass(cls):
        registry.layers.pop("testpoints", None)
        super().tearDownClass()


class GeoLayerEndpointTests(LayerTestMixin, TestCase):
    url = "/api/geo/testpoints.geojson"

    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.kumbum = StandardPageFactory(parent=cls.home, title="塔尔寺", slug="kumbum")
        cls.laoye = StandardPageFactory(parent=cls.home, title="老爷山", slug="laoye")
        cls.dangar = StandardPageFactory(parent=cls.home, title="丹噶尔古城", slug="dangar")
        cls.draft = StandardPageFactory(parent=cls.home, title="草稿", slug="draft", live=False)
        cls.private = StandardPageFactory(parent=cls.home, title="内部", slug="private")
        PageViewRestriction.objects.create(page=cls.private, restriction_type=PageViewRestriction.LOGIN)

    def get(self, query="", **headers):
        return self.client.get(self.url + query, headers=headers)

    def names(self, response):
        return [f["properties"]["name"] for f in json.loads(response.content)["features"]]

    def test_feature_collection_shape(self):
        response = self.get()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/geo+json; charset=utf-8")
        data = json.loads(response.content)
        self.assertEqual(data["type"], "FeatureCollection")
        self.assertEqual(len(data["features"]), 3)
        first = data["features"][0]
        self.assertEqual(first["type"], "Feature")
        self.assertEqual(first["geometry"], {"type": "Point", "coordinates": [101.5671, 36.4901]})  # lon, lat
        self.assertEqual(first["properties"], {"name": "塔尔寺", "url": "/kumbum/", "kind": "test"})
        self.assertTrue(response["ETag"].startswith('"'))
        self.assertIn("GMT", response["Last-Modified"])
        self.assertIn("must-revalidate", response["Cache-Control"])

    def test_only_live_public_pages(self):
        names = self.names(self.get())
        self.assertNotIn("草稿", names)
        self.assertNotIn("内部", names)

    def test_unknown_layer_is_404_with_message(self):
        response = self.client.get("/api/geo/nosuchlayer.geojson")
        self.assertEqual(response.status_code, 404)
        self.assertIn("testpoints", response.json()["error"])

    def test_head_and_method_not_allowed(self):
        self.assertEqual(self.client.head(self.url).status_code, 200)
        self.assertEqual(self.client.post(self.url).status_code, 405)

    def test_304_on_matching_etag(self):
        etag = self.get()["ETag"]
        response = self.get(If_None_Match=etag)
        self.assertEqual(response.status_code, 304)
        self.assertEqual(response.content, b"")
        self.assertEqual(response["ETag"], etag)
        self.assertEqual(self.get(If_None_Match="W/" + etag).status_code, 304)  # weak comparison
        self.assertEqual(self.get(If_None_Match='"other", ' + etag).status_code, 304)
        self.assertEqual(self.get(If_None_Match='"stale"').status_code, 200)

    def test_304_on_if_modified_since(self):
        last_modified = self.get()["Last-Modified"]
        self.assertEqual(self.get(If_Modified_Since=last_modified).status_code, 304)
        self.assertEqual(self.get(If_Modified_Since=http_date(0)).status_code, 200)

    def test_stored_after_first_request(self):
        self.get()
        with self.assertNumQueries(1):  # one read of the stored layers, never a rebuild
            self.assertEqual(self.get().status_code, 200)
        with self.assertNumQueries(2):  # the layer's state (the ETag), then the view's rows alone
            self.assertEqual(self.get("?bbox=101,36,102,37").status_code, 200)

    def test_bbox_filter(self):
        response = self.get("?bbox=101.5,36.4,101.8,37.0")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.names(response), ["塔尔寺", "老爷山"])
        self.assertEqual(self.names(self.get("?bbox=100,30,100.5,31")), [])

    def test_filtered_etag_is_distinct_stable_and_304_aware(self):
        plain = self.get()["ETag"]
        a = self.get("?bbox=101.5,36.4,101.8,37.0")["ETag"]
        b = self.get("?bbox=101.5,36.4,101.8,37.0")["ETag"]
        c = self.get("?bbox=101.0,36.4,101.8,37.0")["ETag"]
        self.assertEqual(a, b)
        self.assertNotEqual(a, plain)
        self.assertNotEqual(a, c)
        self.assertEqual(self.get("?bbox=101.5,36.4,101.8,37.0", If_None_Match=a).status_code, 304)
        # Same filter, spelled differently (number formatting), is the same resource.
        self.assertEqual(self.get("?bbox=101.50,36.40,101.80,37.00")["ETag"], a)

    def test_near_filter_sorted_with_distance(self):
        response = self.get("?near=101.57,36.49&km=40")
        data = json.loads(response.content)
        self.assertEqual([f["properties"]["name"] for f in data["features"]], ["塔尔寺", "丹噶尔古城"])
        distances = [f["properties"]["distance_km"] for f in data["features"]]
        self.assertLess(distances[0], 0.5)
        self.assertAlmostEqual(distances[1], haversine_km([101.57, 36.49], POSITIONS["dangar"]), places=1)
        self.assertEqual(self.names(self.get("?near=101.57,36.49")), ["塔尔寺"])  # default 10 km
        # the cached payload is not modified by the distance annotation
        self.assertNotIn("distance_km", json.loads(self.get().content)["features"][0]["properties"])

    def test_near_and_bbox_combine(self):
        self.assertEqual(self.names(self.get("?near=101.57,36.49&km=100&bbox=101.5,36.4,102,37")), ["塔尔寺", "老爷山"])

    def test_bad_input_is_400_with_message(self):
        cases = {
            "?bbox=a,b,c,d": "numbers",
            "?bbox=1,2,3": "4",
            "?bbox=102,36,101,37": "min",
            "?bbox=101,36,200,37": "180",
            "?bbox=nan,36,101,37": "finite",
            "?near=101.5": "2",
            "?near=36.6,101.7&km=5": "longitude first",
            "?near=101.5,36.6&km=0": "km",
            "?near=101.5,36.6&km=-3": "km",
            "?near=101.5,36.6&km=abc": "km",
            "?near=101.5,36.6&km=inf": "km",
            "?near=101.5,36.6&km=100000": "500",
            "?km=5": "near",
        }
        for query, fragment in cases.items():
            with self.subTest(query=query):
                response = self.get(query)
                self.assertEqual(response.status_code, 400)
                self.assertIn(fragment, response.json()["error"])

    def test_publish_of_new_page_shows_at_once(self):
        before = self.get()
        page = StandardPageFactory(parent=self.home, title="日月山", slug="riyue", live=False)
        page.save_revision().publish()
        after = self.get(If_None_Match=before["ETag"])
        self.assertEqual(after.status_code, 200)
        self.assertIn("日月山", self.names(after))
        self.assertNotEqual(after["ETag"], before["ETag"])

    def test_draft_edit_does_not_drop_cache(self):
        etag = self.get()["ETag"]
        self.kumbum.title = "塔尔寺（草稿改名）"
        self.kumbum.save_revision()  # not published
        self.assertEqual(self.get(If_None_Match=etag).status_code, 304)

    def test_publish_of_changed_page(self):
        self.get()
        self.kumbum.title = "塔尔寺 Kumbum"
        self.kumbum.save_revision().publish()
        self.assertIn("塔尔寺 Kumbum", self.names(self.get()))

    def test_unpublish_removes_feature(self):
        self.get()
        self.laoye.unpublish()
        self.assertNotIn("老爷山", self.names(self.get()))

    def test_delete_removes_feature(self):
        self.get()
        self.dangar.delete()
        self.assertNotIn("丹噶尔古城", self.names(self.get()))

    def test_move_updates_url(self):
        self.get()
        parent = StandardPageFactory(parent=self.home, title="景点", slug="sights")
        self.kumbum.move(parent, pos="last-child")
        urls = {f["properties"]["name"]: f["properties"]["url"] for f in json.loads(self.get().content)["features"]}
        self.assertEqual(urls["塔尔寺"], "/sights/kumbum/")

    def test_moving_a_parent_drops_descendant_layers(self):
        section = StandardPageFactory(parent=self.home, title="景点", slug="sights")
        page = StandardPageFactory(parent=section, title="日月山", slug="riyue")
        self.get()
        other = StandardPageFactory(parent=self.home, title="湟源", slug="huangyuan")
        section.refresh_from_db()
        section.move(other, pos="last-child")
        urls = {f["properties"]["name"]: f["properties"]["url"] for f in json.loads(self.get().content)["features"]}
        self.assertEqual(urls[page.title], "/huangyuan/sights/riyue/")

    def test_privacy_restriction_drops_cache(self):
        self.get()
        PageViewRestriction.objects.create(page=self.laoye, restriction_type=PageViewRestriction.PASSWORD, password="x")
        self.assertNotIn("老爷山", self.names(self.get()))

    def test_image_change_drops_cache(self):
        from wagtail_factories import ImageFactory

        from portal.models import LayerFeature

        image = ImageFactory()
        self.get()
        self.assertTrue(LayerFeature.objects.filter(layer="testpoints").exists())
        image.title = "换了一张"  # thumbnails in layers point at renditions of images
        image.save()
        self.assertFalse(LayerFeature.objects.filter(layer="testpoints").exists())

    def test_nearby_helper(self):
        found = layers.nearby("testpoints", point(101.57, 36.49), 40)
        self.assertEqual([f["properties"]["name"] for _d, f in found], ["塔尔寺", "丹噶尔古城"])
        self.assertEqual(layers.nearby("not-registered", point(101.57, 36.49), 40), [])
        line = {"type": "LineString", "coordinates": [[101.56, 36.48], [101.70, 36.95]]}
        self.assertEqual([f["properties"]["name"] for _d, f in layers.nearby("testpoints", line, 2)], ["塔尔寺", "老爷山"])


class StoredLayerTests(GeoLayerEndpointTests):
    """Every endpoint test again with the cache emptied before each request: the layers' stored
    rows (portal.models.LayerFeature) must be dropped by the same signals, or an empty cache
    would bring back an old layer."""

    def get(self, query="", **headers):
        from django.core.cache import cache

        cache.clear()
        return super().get(query, **headers)

    def test_an_edit_in_the_request_that_read_the_layer_is_seen_by_it(self):
        """An editor's save reads layers and then, after commit, the layers it changed (to purge
        what shows them): the request's memoised copy must not hide the change."""
        from portal.perf import request_scope

        with request_scope():
            self.assertIn("老爷山", [f["properties"]["name"] for f in layers.layer_payload("testpoints")["features"]])
            with self.captureOnCommitCallbacks(execute=True):
                self.laoye.title = "老爷山景区"
                self.laoye.save_revision().publish()
            names = [f["properties"]["name"] for f in layers.layer_payload("testpoints")["features"]]
        self.assertIn("老爷山景区", names)
        self.assertNotIn("老爷山", names)

    def test_a_stored_layer_is_read_in_one_query(self):
        from django.core.cache import cache

        from portal.models import LayerFeature

        self.get()  # built and stored
        self.assertEqual(LayerFeature.objects.filter(layer="testpoints", position__gte=0).count(), 3)
        cache.clear()
        with self.assertNumQueries(1):
            payloads = layers.layer_payloads(["testpoints"])
        self.assertEqual([f["properties"]["name"] for f in payloads["testpoints"]["features"]], ["塔尔寺", "老爷山", "丹噶尔古城"])

    def test_invalidate_deletes_the_stored_rows(self):
        from portal.models import LayerFeature

        self.get()
        self.assertTrue(LayerFeature.objects.filter(layer="testpoints").exists())
        layers.invalidate("testpoints")
        self.assertFalse(LayerFeature.objects.filter(layer="testpoints").exists())


class FilteredEtagAcrossProcessesTests(LayerTestMixin, TestCase):
    """Every worker must compute the same ETag for the same filtered answer (no randomised hash())."""

    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        StandardPageFactory(parent=cls.home, title="塔尔寺", slug="kumbum")

    def test_same_etag_in_a_process_with_another_hash_seed(self):
        from portal import views

        base = '"abc123"'
        mine = views.filtered_etag(base, (101.0, 36.0, 102.0, 37.0), (101.5, 36.5, 10.0))
        code = (
            "import django; django.setup(); from portal import views; print(views.filtered_etag('\"abc123\"', (101.0, 36.0, 102.0, 37.0), (101.5, 36.5, 10.0)))"
        )
        env = {**os.environ, "PYTHONHASHSEED": "12345", "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
        out = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout.strip(), mine)


# --- WGS-84 → GCJ-02 -----------------------------------------------------------------------------
# Published reference pairs, (WGS-84 lon, lat) → (GCJ-02 lon, lat):
#  - googollee/eviltransform, python/test.py and go/transform_test.go (Shanghai, Shenzhen, Beijing);
#  - wandergis/coordtransform, test/app.js (wgs84togcj02(116.404, 39.915));
#  - hujiulong/gcoord, test/fixtures/china-cities.json (values rounded to 7 decimals, ~1 cm), three
#    western cities nearest to Xining: 金昌 Jinchang, 酒泉 Jiuquan, 那曲 Nagqu.
GCJ_REFERENCE_PAIRS = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # eviltransform: Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # eviltransform: Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # eviltransform: Beijing
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),  # coordtransform
    ((102.1860478, 38.5196469), (102.1880474, 38.5200925)),  # gcoord: 金昌
    ((98.4937175, 39.7319946), (98.4943595, 39.7328234)),  # gcoord: 酒泉
    ((92.0499619, 31.4784436), (92.0512438, 31.4762063)),  # gcoord: 那曲
]


class Gcj02Tests(SimpleTestCase):
    def test_reference_pairs_within_one_metre(self):
        for wgs, gcj in GCJ_REFERENCE_PAIRS:
            with self.subTest(wgs=wgs):
                got = wgs84_to_gcj02(*wgs)
                self.assertLess(haversine_km(got, gcj) * 1000, 1.0)

    def test_offset_near_xining(self):
        xining = (101.7804, 36.6224)
        offset_m = haversine_km(xining, wgs84_to_gcj02(*xining)) * 1000
        self.assertTrue(100 < offset_m < 300, offset_m)  # "about 170 m" in the brief

    def test_identity_outside_china(self):
        self.assertTrue(out_of_china(2.35, 48.85))
        self.assertEqual(wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85))
        self.assertFalse(out_of_china(101.78, 36.62))

    def test_inverse_round_trip_under_a_centimetre(self):
        for wgs, _gcj in GCJ_REFERENCE_PAIRS + [((101.0936, 36.4421), None)]:
            back = gcj02_to_wgs84(*wgs84_to_gcj02(*wgs))
            self.assertLess(haversine_km(back, wgs) * 1000, 0.01)

    def test_map_js_matches_python(self):
        """The browser shifts markers with gcj02.js's copy of the formula (through map.js): it must agree with ours."""
        node = shutil.which("node")
        if node is None:
            self.skipTest("node is not installed")
        script = BASE_DIR / "portal" / "static" / "portal" / "js" / "map.js"
        points = [wgs for wgs, _ in GCJ_REFERENCE_PAIRS] + [(101.7804, 36.6224), (2.35, 48.85)]
        code = (
            f"const P = require({json.dumps(str(script))});"
            f"const pts = {json.dumps(points)};"
            "console.log(JSON.stringify(pts.map(p => [P.wgs84ToGcj02(p[0], p[1]), P.gcj02ToWgs84(...P.wgs84ToGcj02(p[0], p[1]))])));"
        )
        out = subprocess.run([node, "-e", code], capture_output=True, text=True, check=True)
        for (lon, lat), (js_gcj, js_back) in zip(points, json.loads(out.stdout)):
            py = wgs84_to_gcj02(lon, lat)
            self.assertTrue(math.isclose(js_gcj[0], py[0], abs_tol=1e-9) and math.isclose(js_gcj[1], py[1], abs_tol=1e-9))
            self.assertLess(haversine_km(js_back, (lon, lat)) * 1000, 0.01)


class CorridorTests(TestCase):
    """The corridor answers exactly what measuring every segment answers, within the distance."""

    def test_same_distances_as_every_segment_within_km(self):
        import random

        from portal.geo import Corridor, distance_to_geometry_km

        rng = random.Random(3)
        line = {"type": "LineString", "coordinates": [[101.2 + i * 0.004, 36.5 + 0.05 * math.sin(i / 9)] for i in range(150)]}
        for km in (0.5, 2, 5, 20):
            corridor = Corridor(line, km)
            for _ in range(400):
                p = [rng.uniform(101.0, 102.0), rng.uniform(36.3, 36.8)]
                exact = distance_to_geometry_km(p, line)
                fast = corridor.distance_km(p)
                if exact <= km:
                    self.assertAlmostEqual(fast, exact, places=9)
                else:
                    self.assertGreater(fast, km)

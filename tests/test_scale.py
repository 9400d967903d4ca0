"""Content at ten times Xining's size: the large dataset on demand, and map answers bounded by the view.

`manage.py load_scale` must make plausible, public content on top of a site, and only what is
missing on a second run. A layer of thousands of points must answer a map's view (bbox and zoom)
in a bounded size at every zoom: clusters with counts when zoomed out, the points themselves when
close.
"""

from __future__ import annotations

import gzip
import io
import math
import random

from django.core.management import call_command
from django.test import TestCase

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory
from homestays.models import HomestayPage
from news.factories import NewsIndexPageFactory
from news.models import NewsPage
from portal import layers
from portal.factories import make_site
from portal.geo import WORLD_PX, feature, grid_clusters, point, world_pixel
from portal.registry import Layer, registry
from products.factories import ProductIndexPageFactory
from products.models import ProductPage, ServiceStation

BUDGET_BYTES = 150 * 1024  # compressed, as a phone on mobile data receives it
VIEW_PX = 1280  # a generous viewport: a desktop window, or a phone's screen at 3× density


def crowd(count: int, seed: int = 1) -> list[dict]:
    """`count` homestay-like features around the three rural county seats, with realistic properties."""
    rng = random.Random(seed)
    seats = ((101.571, 36.500), (101.685, 36.927), (101.256, 36.682))
    found = []
    for n in range(count):
        lon, lat = rng.choice(seats)
        r, a = 0.22 * math.sqrt(rng.random()), rng.random() * 2 * math.pi
        found.append(
            feature(
                point(round(lon + r * math.cos(a), 5), round(lat + r * math.sin(a), 5)),
                name=f"卡阳村河湟人家（{n}号）",
                url=f"/homestays/scale-homestay-{n}/",
                kind="homestay",
                summary="卡阳村的农家民宿，离县城不远，可品尝河湟农家饭。",
                thumbnail=f"/media/images/scale-{n}.fill-160x120.webp",
                price=180 + n % 200,
                county="huangzhong",
            )
        )
    return found


def view_bbox(lon: float, lat: float, zoom: int, px: int = VIEW_PX) -> str:
    """The bbox a map of px × px centred on (lon, lat) shows at `zoom` (Web Mercator)."""
    x, y = (v / WORLD_PX for v in world_pixel(lon, lat))
    half = px / 2 / (256 * 2**zoom)

    def lon_of(tx):
        return tx * 360.0 - 180.0

    def lat_of(ty):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty))))

    return ",".join(
        f"{v:.5f}" for v in (max(-180, lon_of(x - half)), max(-85, lat_of(min(1, y + half))), min(180, lon_of(x + half)), min(85, lat_of(max(0, y - half))))
    )


class ClusterTests(TestCase):
    def test_points_in_one_cell_merge_and_a_lone_point_stays(self):
        near = [feature(point(101.5700 + i * 0.0001, 36.5), kind="homestay", name=str(i)) for i in range(3)]
        far = feature(point(101.9, 36.9), kind="station", name="far")
        line = feature({"type": "LineString", "coordinates": [[101.5, 36.5], [101.6, 36.6]]}, name="route")
        out = grid_clusters([*near, far, line], zoom=10)
        clusters = [f for f in out if f["properties"].get("cluster")]
        self.assertEqual(len(clusters), 1)
        self.assertEqual(clusters[0]["properties"]["count"], 3)
        self.assertEqual(clusters[0]["properties"]["kinds"], {"homestay": 3})
        self.assertIn(far, out)
        self.assertIn(line, out)
        # close enough, every point stands alone
        self.assertEqual(len(grid_clusters([*near, far], zoom=20)), 4)

    def test_cluster_counts_add_up_at_every_zoom(self):
        points = crowd(2000)
        for zoom in range(0, 21):
            out = grid_clusters(points, zoom)
            self.assertEqual(sum(f["properties"].get("count", 1) for f in out), 2000, zoom)


class BoundedLayerTests(TestCase):
    """5,000 points in one layer: every view of it, at every zoom, stays under 150 KB compressed."""

    count = 5000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        points = crowd(cls.count)
        registry.register_layer(Layer("crowd", "人群", lambda: points))

    @classmethod
    def tearDownClass(cls):
        registry.layers.pop("crowd", None)
        super().tearDownClass()

    def test_every_zoom_within_budget_and_counts_add_up(self):
        # the densest spot: the seat most points gather around
        centre = (101.571, 36.500)
        for zoom in range(0, 21):
            with self.subTest(zoom=zoom):
                response = self.client.get(f"/api/geo/crowd.geojson?bbox={view_bbox(*centre, zoom)}&zoom={zoom}")
                self.assertEqual(response.status_code, 200)
                compressed = len(gzip.compress(response.content))
                self.assertLessEqual(compressed, BUDGET_BYTES, f"zoom {zoom}: {compressed} bytes compressed")
                shown = response.json()["features"]
                self.assertLessEqual(len(shown), (VIEW_PX // 80 + 2) ** 2 if zoom < 14 else self.count)
                if zoom <= 8:  # the whole region is in view
                    self.assertEqual(sum(f["properties"].get("count", 1) for f in shown), self.count)

    def test_zoomed_out_answers_clusters_and_close_answers_points(self):
        far = self.client.get(f"/api/geo/crowd.geojson?bbox={view_bbox(101.571, 36.5, 9)}&zoom=9").json()["features"]
        self.assertTrue(any(f["properties"].get("cluster") for f in far))
        close = self.client.get(f"/api/geo/crowd.geojson?bbox={view_bbox(101.571, 36.5, 15)}&zoom=15").json()["features"]
        self.assertFalse(any(f["properties"].get("cluster") for f in close))

    def test_zoom_is_part_of_the_etag_and_checked(self):
        bbox = view_bbox(101.571, 36.5, 9)
        a = self.client.get(f"/api/geo/crowd.geojson?bbox={bbox}&zoom=9")["ETag"]
        b = self.client.get(f"/api/geo/crowd.geojson?bbox={bbox}&zoom=10")["ETag"]
        self.assertNotEqual(a, b)
        self.assertEqual(self.client.get(f"/api/geo/crowd.geojson?bbox={bbox}&zoom=9", HTTP_IF_NONE_MATCH=a).status_code, 304)
        for bad in ("x", "-1", "21", "1.5"):
            response = self.client.get(f"/api/geo/crowd.geojson?zoom={bad}")
            self.assertEqual(response.status_code, 400, bad)
            self.assertIn("zoom", response.json()["error"])


class ViewByDatabaseTests(TestCase):
    """The database answers a view: the same clusters as portal.geo.grid_clusters, a query count
    and an answer size that do not grow with the layer, and `view=` telling the map what it got."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.points = crowd(1200, seed=7)
        for n, feat in enumerate(cls.points):
            feat["id"] = f"k{n}"
        registry.register_layer(Layer("crowd", "人群", lambda: [dict(f) for f in cls.points]))
        registry.register_layer(Layer("few", "少数", lambda: [dict(f) for f in cls.points[:30]]))

    @classmethod
    def tearDownClass(cls):
        registry.layers.pop("crowd", None)
        registry.layers.pop("few", None)
        super().tearDownClass()

    def test_clusters_match_the_python_grid_at_every_zoom(self):
        plain = [{k: v for k, v in f.items() if k != "id"} for f in self.points]
        layers.layer_payload("crowd")
        for zoom in range(0, 17):
            with self.subTest(zoom=zoom):
                by_db = layers.view_features("crowd", zoom=zoom)
                by_python = grid_clusters(plain, zoom)
                summary = lambda fs: sorted((f["properties"].get("count", 1), *f["geometry"]["coordinates"]) for f in fs)  # noqa: E731
                db, python = summary(by_db), summary(by_python)
                self.assertEqual([c[0] for c in db], [c[0] for c in python])
                for a, b in zip(db, python, strict=True):  # the database sums in its own order
                    self.assertAlmostEqual(a[1], b[1], delta=2e-5)
                    self.assertAlmostEqual(a[2], b[2], delta=2e-5)

    def test_a_view_costs_the_same_queries_whatever_the_layer_holds(self):
        bbox = view_bbox(101.571, 36.5, 9)
        for name in ("few", "crowd"):
            self.client.get(f"/api/geo/{name}.geojson")  # stored
            # the layer's state; the clusters counted; the points alone in their cell and the lines
            with self.assertNumQueries(3, msg=name):
                self.client.get(f"/api/geo/{name}.geojson?bbox={bbox}&zoom=9")

    def test_view_sends_a_small_layer_whole_and_a_large_one_by_view(self):
        box = view_bbox(101.571, 36.5, 12)
        with self.settings(PORTAL_LAYER_WHOLE=100):
            few = self.client.get(f"/api/geo/few.geojson?view={box}&zoom=12").json()
            crowd_view = self.client.get(f"/api/geo/crowd.geojson?view={box}&zoom=12").json()
        self.assertIs(few["complete"], True)
        self.assertEqual(len(few["features"]), 30)  # whole, the phone clusters it
        self.assertFalse(any(f["properties"].get("cluster") for f in few["features"]))
        self.assertIs(crowd_view["complete"], False)
        self.assertLess(sum(f["properties"].get("count", 1) for f in crowd_view["features"]), 1200)
        self.assertTrue(any(f["properties"].get("cluster") for f in crowd_view["features"]))
        west, south, east, north = crowd_view["bbox"]  # the layer's extent, to fit the first view
        self.assertTrue(west < 101.3 and east > 101.8 and south < 36.4 and north > 36.9, crowd_view["bbox"])
        self.assertNotIn("id", crowd_view["features"][0])  # keys stay in the database
        self.assertEqual(self.client.get("/api/geo/crowd.geojson?view=101,36,102,37").status_code, 400)  # needs zoom

    def test_close_up_a_view_of_too_many_points_is_clustered_too(self):
        everything = "100,35,103,38"  # all 1,200 points, asked for at street zoom
        with self.settings(PORTAL_VIEW_POINTS=300):
            crowded = self.client.get(f"/api/geo/crowd.geojson?bbox={everything}&zoom=16").json()["features"]
            village = self.client.get(f"/api/geo/crowd.geojson?bbox={view_bbox(101.571, 36.5, 16)}&zoom=16").json()["features"]
        self.assertEqual(sum(f["properties"].get("count", 1) for f in crowded), 1200)
        self.assertLess(len(crowded), 1200)
        self.assertTrue(any(f["properties"].get("cluster") for f in crowded))
        self.assertFalse(any(f["properties"].get("cluster") for f in village))  # a real screen's worth: points

    def test_a_large_layer_is_listed_by_its_first_features_and_its_count(self):
        with self.settings(PORTAL_LAYER_WHOLE=100):
            for stored in (False, True):  # built by the read, then read back
                with self.subTest(stored=stored):
                    lists = layers.layer_lists(["few", "crowd"], 50)
                    self.assertEqual((len(lists["few"]["features"]), lists["few"]["count"], lists["few"]["complete"]), (30, 30, True))
                    self.assertEqual((len(lists["crowd"]["features"]), lists["crowd"]["count"], lists["crowd"]["complete"]), (50, 1200, False))
            with self.assertNumQueries(3):  # the layers' sizes, the small ones whole, the first rows of the large
                layers.layer_lists(["few", "crowd"], 50)

    def test_refresh_replaces_one_objects_rows_alone(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from portal.models import LayerFeature

        moved = {**self.points[5], "geometry": point(101.0, 36.0)}
        spent = {}
        for name in ("few", "crowd"):
            layers.layer_payload(name)
            before = dict(LayerFeature.objects.filter(layer=name, position__gte=0).values_list("key", "id"))
            layer = registry.layers[name]
            layer.features_for = lambda keys: [dict(moved)] if keys == ["k5"] else []
            try:
                with CaptureQueriesContext(connection) as queries:
                    changed = layers.refresh(name, ["k5"])
            finally:
                layer.features_for = None
            spent[name] = len(queries)
            old, new = changed["zh-hans"]
            self.assertEqual(new[0]["geometry"], point(101.0, 36.0))
            self.assertNotEqual(old[0]["geometry"], new[0]["geometry"])
            after = dict(LayerFeature.objects.filter(layer=name, position__gte=0).values_list("key", "id"))
            self.assertEqual({k: v for k, v in after.items() if k != "k5"}, {k: v for k, v in before.items() if k != "k5"})
        self.assertEqual(spent["few"], spent["crowd"])  # one object's work, whatever the layer holds
        payload = layers.layer_payload("crowd")
        self.assertEqual(len(payload["features"]), 1200)
        self.assertEqual(payload["features"][5]["geometry"], point(101.0, 36.0))  # its place in the order kept
        self.assertEqual(layers.layer_state("crowd")["bbox"][:2], [101.0, 36.0])  # the extent follows


class PublishCostTests(TestCase):
    """Publishing one listing replaces its own features: the same work beside 1 or 21 others."""

    @classmethod
    def setUpTestData(cls):
        cls.index = HomestayIndexPageFactory(parent=make_site())
        cls.house = HomestayPageFactory(parent=cls.index, title="老屋", slug="old", location=point(101.42, 36.66))

    def publish_queries(self) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import translation

        for language in ("zh-hans", "en"):  # stored, as on a running site
            with translation.override(language):
                layers.layer_payload("homestays")
        house = HomestayPage.objects.get(pk=self.house.pk)
        house.title = f"老屋 {house.title}"
        with CaptureQueriesContext(connection) as queries, self.captureOnCommitCallbacks(execute=True):
            house.save_revision().publish()
        return len([q for q in queries if "portal_layerfeature" in q["sql"]])  # the layers' work

    def test_the_same_queries_whatever_the_number_of_listings(self):
        from portal.models import LayerFeature

        alone = self.publish_queries()
        for n in range(20):
            HomestayPageFactory(parent=self.index, slug=f"more-{n}", location=point(101.3 + n / 100, 36.6))
        layers.invalidate("homestays")  # the factory publishes nothing: rebuilt with the 21
        layers.layer_payload("homestays")
        others = dict(
            LayerFeature.objects.filter(layer="homestays", language="zh-hans")
            .exclude(feature__properties__name__startswith="老屋")
            .values_list("position", "id")
        )
        self.assertEqual(self.publish_queries(), alone)
        self.assertEqual(
            dict(
                LayerFeature.objects.filter(layer="homestays", language="zh-hans")
                .exclude(feature__properties__name__startswith="老屋")
                .values_list("position", "id")
            ),
            others,
            "the other listings' rows were rebuilt",
        )
        names = [f["properties"]["name"] for f in layers.layer_payload("homestays")["features"]]
        self.assertEqual(len(names), 21)
        self.assertIn("老屋 老屋 老屋", names)


class LoadScaleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        home = make_site()
        HomestayIndexPageFactory(parent=home)
        ProductIndexPageFactory(parent=home)
        NewsIndexPageFactory(parent=home)

    def run_command(self):
        out = io.StringIO()
        call_command("load_scale", homestays=6, stations=9, products=4, news=5, stdout=out)
        return out.getvalue()

    def test_grows_each_kind_to_the_number_and_only_once(self):
        report = self.run_command()
        self.assertIn("homestays: 6 added", report)
        self.assertEqual(HomestayPage.objects.live().count(), 6)
        self.assertEqual(ServiceStation.objects.count(), 9)
        self.assertEqual(ProductPage.objects.live().count(), 4)
        self.assertEqual(NewsPage.objects.live().count(), 5)
        self.assertIn("homestays: 0 added", self.run_command())
        self.assertEqual(HomestayPage.objects.count(), 6)

    def test_the_content_is_plausible_and_on_the_maps(self):
        self.run_command()
        for page in HomestayPage.objects.all():
            self.assertTrue(page.rooms.exists())
            self.assertIsNotNone(page.min_price)
            lon, lat = page.location["coordinates"]
            self.assertTrue(100.9 < lon < 102.0 and 36.2 < lat < 37.2, page.location)
        self.assertEqual(len(layers.layer_payload("homestays")["features"]), 6)
        self.assertEqual(len(layers.layer_payload("stations")["features"]), 9)
        self.assertEqual(self.client.get("/homestays/").status_code, 200)
        self.assertEqual(self.client.get("/products/").status_code, 200)
        self.assertEqual(self.client.get("/news/").status_code, 200)

    def test_needs_a_site(self):
        from django.core.management import CommandError
        from wagtail.models import Page

        Page.objects.filter(depth__gt=1).delete()
        with self.assertRaises(CommandError):
            self.run_command()

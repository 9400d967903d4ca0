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

from homestays.factories import HomestayIndexPageFactory
from homestays.models import HomestayPage
from news.factories import NewsIndexPageFactory
from news.models import NewsPage
from portal import layers
from portal.factories import make_site
from portal.geo import _tile_xy, feature, grid_clusters, point
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
    x, y = _tile_xy(lon, lat)
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

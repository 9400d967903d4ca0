"""Offline packs over HTTP (issue 23): the worker and the offline page as served, a route's pack
manifest (only live, public content, every size the size served), the corridor's tiles, and the
route page's panel, position box and near-route cards. The browser side is tests/browser/test_offline.py.
"""

from __future__ import annotations

import html
import json
import math
import re

import mercantile
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale, PageViewRestriction
from wagtail_factories import ImageFactory

from portal.demo import translate_page
from portal.factories import make_site
from portal.geo import distance_to_geometry_km, point
from portal.offline import CORRIDOR_KM, TILE_ZOOMS, corridor_tiles, subresources
from routes.factories import RouteIndexPageFactory, RoutePageFactory, RouteStopFactory, straight_line

CUSTOM_TILES = {"PORTAL_TILE_PROVIDER": "custom", "PORTAL_TILE_URL": "https://tiles.example.cn/{z}/{x}/{y}.png", "PORTAL_TILE_OFFLINE_PACKS": True}


class SubresourcesTests(SimpleTestCase):
    def test_one_phone_size_picture_kept_and_every_other_candidate_an_alias(self):
        html = """
        <link rel="stylesheet" href="/static/a.css"><link rel="manifest" href="/static/site.webmanifest">
        <script src="/static/a.js" defer></script><script src="https://cdn.example.com/x.js"></script>
        <picture>
          <source type="image/avif" srcset="/media/p.480.avif 480w, /media/p.960.avif 960w">
          <source type="image/webp" srcset="/media/p.480.webp 480w, /media/p.960.webp 960w, /media/p.1440.webp 1440w">
          <img src="/media/p.960.jpg" alt="">
        </picture>
        <img src="/media/thumb.webp" alt="">
        <div data-config='{"api": "/api/geo/__layer__.geojson?lang=en", "layers": [{"name": "homestays", "registered": true}, {"name": "later", "registered": false}], "basemap": {"url": "/static/basemap.geojson"}}'></div>
        """
        urls, aliases = subresources(html)
        self.assertEqual(
            urls, ["/static/a.css", "/static/a.js", "/media/p.960.webp", "/media/thumb.webp", "/api/geo/homestays.geojson?lang=en", "/static/basemap.geojson"]
        )
        self.assertEqual(set(aliases), {"/media/p.480.avif", "/media/p.960.avif", "/media/p.480.webp", "/media/p.1440.webp", "/media/p.960.jpg"})
        self.assertEqual(set(aliases.values()), {"/media/p.960.webp"})

    def test_the_largest_when_none_is_phone_wide(self):
        urls, aliases = subresources('<img src="/media/s.jpg" srcset="/media/s.200.jpg 200w, /media/s.400.jpg 400w" alt="">')
        self.assertEqual(urls, ["/media/s.400.jpg"])
        self.assertEqual(aliases, {"/media/s.200.jpg": "/media/s.400.jpg", "/media/s.jpg": "/media/s.400.jpg"})


class CorridorTests(SimpleTestCase):
    line = straight_line(points=30)

    def test_every_zoom_covers_the_whole_line_and_nothing_far_from_it(self):
        tiles = corridor_tiles(self.line)
        self.assertEqual({z for z, _x, _y in tiles}, set(TILE_ZOOMS))
        for zoom in TILE_ZOOMS:
            for lon, lat, *_ in self.line["coordinates"]:
                tile = mercantile.tile(lon, lat, zoom)
                self.assertIn((zoom, tile.x, tile.y), tiles)
        for z, x, y in tiles:
            b = mercantile.bounds(x, y, z)
            centre = ((b.west + b.east) / 2, (b.south + b.north) / 2)
            half_diagonal = math.dist((b.west, b.south), (b.east, b.north)) / 2 * 111.32
            self.assertLess(distance_to_geometry_km(centre, self.line), CORRIDOR_KM * math.sqrt(2) + half_diagonal)  # the box around each step
        self.assertEqual(len(tiles), len(set(tiles)))

    def test_a_45_km_route_is_a_few_hundred_tiles(self):
        tiles = corridor_tiles(straight_line(start=(101.57, 36.49), end=(101.2, 36.75), points=40))
        self.assertLess(len(tiles), 1200)
        self.assertGreater(len(tiles), 100)

    def test_gcj02_tiles_follow_the_shifted_line(self):
        plain = set(corridor_tiles(self.line, zooms=[15]))
        shifted = set(corridor_tiles(self.line, zooms=[15], shift=True))
        self.assertNotEqual(plain, shifted)


class ServiceWorkerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_site()

    def test_served_at_the_root_never_shared_and_never_stale(self):
        response = self.client.get("/sw.js")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/javascript; charset=utf-8")
        self.assertEqual(response["Service-Worker-Allowed"], "/")
        cache_control = response["Cache-Control"]
        self.assertIn("no-cache", cache_control)
        self.assertIn("private", cache_control)  # CacheControlMiddleware: no proxy keeps it
        self.assertNotIn("s-maxage", cache_control)
        config = json.loads(response.content.decode().split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
        self.assertEqual(config["offline"], {"zh-hans": "/offline/", "en": "/en/offline/"})
        self.assertIn("/admin/", config["never"])
        for url in config["shell"]:
            self.assertEqual(self.client.get(url).status_code, 200, url)

    @override_settings(**CUSTOM_TILES)
    def test_its_policy_lets_it_answer_tiles(self):
        csp = self.client.get("/sw.js")["Content-Security-Policy"]
        connect = next(d for d in csp.split(";") if d.strip().startswith("connect-src"))
        self.assertIn("https://tiles.example.cn", connect)

    def test_the_offline_page_in_both_languages(self):
        Locale.objects.get_or_create(language_code="en")
        for path, title in (("/offline/", "我的离线线路"), ("/en/offline/", "My offline routes")):
            response = self.client.get(path)
            self.assertContains(response, f"<h1>{title}</h1>", html=False)
            self.assertContains(response, 'name="robots" content="noindex"')
            found = re.search(r'data-offline-list[^>]*data-strings="([^"]*)"', response.content.decode())
            strings = json.loads(html.unescape(found.group(1)))
            self.assertTrue(strings["gone"] and strings["withdrawn"] and strings["notSaved"])


@override_settings(**CUSTOM_TILES)
class RoutePackTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = RouteIndexPageFactory(parent=cls.home)
        cls.route = RoutePageFactory(parent=cls.index, title="湟中区西纳川休闲农业", slug="xinachuan", geometry=straight_line(points=20))
        image = ImageFactory(title="塔尔寺", file=get_test_image_file(size=(1600, 1000)))
        coords = cls.route.geometry["coordinates"]
        for n in range(3):
            RouteStopFactory(page=cls.route, name=f"站 {n + 1}", location=point(*coords[n * 6][:2]), image=image if n == 0 else None, sort_order=n)
        cls.route.save_revision().publish()
        cls.en = Locale.objects.create(language_code="en")
        translate_page(cls.home, cls.en, title="Xining Rural Portal")
        translate_page(cls.index, cls.en, title="Routes")
        cls.en_route, _ = translate_page(cls.route, cls.en, title="Xinachuan Route", summary="Farms.")
        cls.private = RoutePageFactory(parent=cls.index, slug="private-route")
        PageViewRestriction.objects.create(page=cls.private, restriction_type=PageViewRestriction.PASSWORD, password="secret")
        cls.draft = RoutePageFactory(parent=cls.index, slug="draft-route", live=False)

    def manifest(self, path="/routes/xinachuan/offline/"):
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_the_manifest_lists_what_the_pages_load_with_the_bytes_they_serve(self):
        m = self.manifest()
        self.assertEqual(m["title"], "湟中区西纳川休闲农业")
        docs = {(d["url"], d["lang"], d["kind"]) for d in m["documents"]}
        self.assertEqual(
            docs,
            {
                ("/routes/xinachuan/", "zh-hans", "page"),
                ("/routes/xinachuan/print/", "zh-hans", "print"),
                ("/routes/xinachuan/gpx/", "zh-hans", "gpx"),
                ("/en/routes/xinachuan/", "en", "page"),
                ("/en/routes/xinachuan/print/", "en", "print"),
                ("/en/routes/xinachuan/gpx/", "en", "gpx"),
            },
        )
        for doc in m["documents"]:
            self.assertEqual(len(self.client.get(doc["url"]).content), doc["bytes"], doc["url"])
        urls = {r["url"]: r for r in m["resources"]}
        for needed in ("portal/css/portal.css", "portal/js/map.js", "portal/js/offline.js", "routes/position.js", "basemap/xining-places.geojson"):
            self.assertTrue(any(needed in u for u in urls), needed)
        self.assertIn("/api/geo/homestays.geojson", urls)
        self.assertEqual(urls["/api/geo/homestays.geojson?lang=en"]["langs"], ["en"])
        pictures = [u for u in urls if u.startswith("/media/")]
        self.assertEqual(len(pictures), 1, pictures)  # one stop picture, kept once, at phone size
        self.assertEqual(urls[pictures[0]]["bytes"], default_storage.size(pictures[0].removeprefix("/media/")))
        self.assertTrue(m["aliases"])
        self.assertEqual(set(m["aliases"].values()), set(pictures))
        for url, resource in urls.items():
            if not url.startswith(("/static/", "/media/")):
                self.assertEqual(len(self.client.get(url).content), resource["bytes"], url)
        self.assertEqual(m["bytes"], sum(d["bytes"] for d in m["documents"]) + sum(r["bytes"] for r in m["resources"]))

    def test_a_signed_in_editor_gets_the_anonymous_pack_never_a_draft(self):
        self.route.summary = "机密草稿：尚未发布"
        self.route.save_revision()
        anonymous = self.manifest()
        editor = get_user_model().objects.create_superuser("editor-x", "e@example.com", "pw")
        self.client.force_login(editor)
        signed_in = self.manifest()
        self.assertEqual(signed_in["documents"], anonymous["documents"])  # no user bar, no draft
        self.client.logout()
        self.assertNotContains(self.client.get("/routes/xinachuan/"), "机密草稿")

    def test_the_corridor_tiles_of_the_configured_provider(self):
        tiles = self.manifest()["tiles"]
        self.assertEqual(tiles["source"]["layers"][0]["url"], "https://tiles.example.cn/{z}/{x}/{y}.png")
        self.assertEqual(tiles["list"], [list(t) for t in corridor_tiles(self.route.geometry)])

    @override_settings(PORTAL_TILE_PROVIDER="osm")
    def test_no_tiles_from_a_provider_that_forbids_bulk_downloads(self):
        self.assertIsNone(self.manifest()["tiles"])

    @override_settings(PORTAL_TILE_OFFLINE_PACKS=False)
    def test_no_tiles_when_the_deployment_says_its_licence_forbids_it(self):
        self.assertIsNone(self.manifest()["tiles"])

    def test_only_live_public_routes_have_packs(self):
        response = self.client.get("/routes/private-route/offline/")
        self.assertNotIn("json", response["Content-Type"])  # Wagtail's password form, never a manifest
        self.assertIsNone(self.private.offline_pack_info(RequestFactory().get("/routes/private-route/")))
        self.assertEqual(self.client.get("/routes/draft-route/offline/").status_code, 404)

    def test_a_draft_or_unpublished_translation_is_left_out(self):
        self.en_route.unpublish()
        m = self.manifest()
        self.assertEqual({d["lang"] for d in m["documents"]}, {"zh-hans"})
        self.assertFalse([r for r in m["resources"] if r["langs"] == ["en"]])

    def test_the_version_changes_with_each_publication_of_any_copy(self):
        before = self.manifest()["version"]
        self.assertContains(self.client.get("/routes/xinachuan/"), f'data-pack-version="{before}"')
        self.en_route.save_revision().publish()
        after = self.manifest()["version"]
        self.assertNotEqual(before, after)
        self.assertContains(self.client.get("/routes/xinachuan/"), f'data-pack-version="{after}"')
        self.assertEqual(self.manifest("/en/routes/xinachuan/offline/")["key"], self.manifest()["key"])

    def test_the_route_page_offers_the_pack_and_the_position_box(self):
        response = self.client.get("/routes/xinachuan/")
        self.assertContains(response, 'data-pack-url="/routes/xinachuan/offline/"')
        self.assertContains(response, 'data-pack-other-lang="en"')
        self.assertContains(response, "data-route-position")
        self.assertContains(response, "routes/position.js")
        geo = response.context["route_geo"]
        stops = [f["properties"] for f in geo["features"] if "number" in f["properties"]]
        self.assertEqual([s["along_km"] for s in stops], sorted(s["along_km"] for s in stops))

    def test_the_pack_is_purged_with_its_route(self):
        self.assertIn("offline/", self.route.get_cached_paths())

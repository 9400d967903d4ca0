"""Issue 20, "near this sight": the gazetteer of stops and sights (portal/places.py), the search
answer that names a place first and then what lies near it, and /homestays/?near=<place>.

Distances below are great-circle distances between the factories' points: 塔尔寺 (101.5671, 36.4901)
to 鲁沙尔 (101.5700, 36.5000) ≈ 1.1 km, to 多巴 (101.5044, 36.6561) ≈ 19.3 km, to 卡阳
(101.4175, 36.6628) ≈ 23.4 km, to 丹噶尔 (101.2652, 36.6881) ≈ 34 km (beyond NEAR_KM).
"""

from __future__ import annotations

import re

from django.core.cache import cache
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory
from portal.factories import MapPageFactory, make_site
from portal.geo import point
from portal.perf import request_scope
from portal.places import NEAR_KM, find_place, near_place, place_named, places, split_words
from portal.registry import registry
from products.factories import ProductIndexPageFactory, ProductPageFactory, ServiceStationFactory, origin
from routes.factories import RouteIndexPageFactory, RoutePageFactory, RouteStopFactory

TAER = (101.5671, 36.4901)


def build_site():
    home = make_site()
    MapPageFactory(parent=home, title="地图", slug="map", show_in_menus=True)
    routes = RouteIndexPageFactory(parent=home, show_in_menus=True)
    xinachuan = RoutePageFactory(parent=routes, title="湟中区西纳川休闲农业", slug="xinachuan")
    diaogou = RoutePageFactory(parent=routes, title="大通县朔北乡窎沟民俗文化", slug="diaogou")
    RouteStopFactory(page=xinachuan, name="塔尔寺", kind="heritage", location=point(*TAER), sort_order=1)
    RouteStopFactory(page=xinachuan, name="乡趣卡阳", kind="scenic", location=point(101.42, 36.66), sort_order=2)
    RouteStopFactory(page=xinachuan, name="西宁市区（出发地）", kind="service", location=point(101.7804, 36.6224), sort_order=3)
    RouteStopFactory(page=diaogou, name="窎沟村", kind="village", location=point(101.84, 36.98), sort_order=1)
    homestays = HomestayIndexPageFactory(parent=home, show_in_menus=True)
    # Tree order is not distance order: the far one first, the nearest last.
    HomestayPageFactory(parent=homestays, title="丹噶尔古城排灯客栈", slug="danggaer", location=point(101.2652, 36.6881), featured=True)
    HomestayPageFactory(parent=homestays, title="卡阳花海小院", slug="kayang", location=point(101.4175, 36.6628))
    HomestayPageFactory(parent=homestays, title="多巴云杉民宿", slug="duoba", location=point(101.5044, 36.6561))
    HomestayPageFactory(parent=homestays, title="鲁沙尔小院", slug="lushaer", location=point(101.57, 36.50))
    products = ProductIndexPageFactory(parent=home, show_in_menus=True)
    # Grown in two villages: listed once, at the nearer one.
    ProductPageFactory(parent=products, title="鲁沙尔青稞酒", origins=[origin(village="鲁沙尔镇", lon=101.567, lat=36.495), origin(lon=101.42, lat=36.66)])
    ServiceStationFactory(name="鲁沙尔镇电商服务站", location=point(101.562, 36.488))
    return home


def near_names(html: str, group: str) -> list[tuple[str, float]]:
    section = re.search(rf'<section class="near-group" data-near-group="{group}".*?</section>', html, re.S)
    if section is None:
        return []
    items = re.findall(r'data-distance-km="([\d.]+)">\s*<a class="near-name" href="[^"]*">([^<]+)</a>', section.group(0))
    return [(name, float(km)) for km, name in items]


class GazetteerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_site()

    def setUp(self):
        cache.clear()

    def test_places_come_from_the_layers_registered_as_places(self):
        self.assertTrue(registry.layers["stops"].places)
        self.assertFalse(registry.layers["homestays"].places)
        found = {p.name: p for p in places()}
        self.assertEqual(set(found), {"塔尔寺", "乡趣卡阳", "西宁市区（出发地）", "窎沟村"})
        taer = found["塔尔寺"]
        self.assertEqual((taer.lon, taer.lat), TAER)
        self.assertEqual(taer.routes, ("湟中区西纳川休闲农业",))
        self.assertEqual(taer.kind_label, "寺院/文物")
        self.assertTrue(taer.url.endswith("/routes/xinachuan/#stop-1"), taer.url)

    def test_names_are_matched_whole_by_their_beginning_by_a_good_part_or_by_their_bracketed_alias(self):
        for query, expected in [
            ("塔尔寺", "塔尔寺"),
            ("塔尔寺景区", "塔尔寺"),
            ("卡阳", "乡趣卡阳"),
            ("卡阳村", "乡趣卡阳"),  # 村 is tried without
            ("窎沟", "窎沟村"),
            ("西宁市区", "西宁市区（出发地）"),
            ("出发地", "西宁市区（出发地）"),
        ]:
            with self.subTest(query=query):
                match = place_named(query)
                self.assertIsNotNone(match, query)
                self.assertEqual(match.place.name, expected)

    def test_words_that_name_no_place_find_none(self):
        for query in ("青稞", "寺", "民宿", "附近", "趣", "不存在的地方"):
            with self.subTest(query=query):
                self.assertIsNone(place_named(query))

    def test_kind_words_ask_for_a_layer_and_near_words_are_dropped(self):
        self.assertEqual(split_words(["塔尔寺", "民宿"]), ("塔尔寺", ["homestays"]))
        self.assertEqual(split_words(["塔尔寺", "附近", "服务站"]), ("塔尔寺", ["stations"]))
        self.assertEqual(split_words(["kumbum", "homestay"]), ("kumbum", ["homestays"]))
        self.assertEqual(place_named("塔尔寺附近的民宿").layers, ["homestays"])

    def test_what_is_near_comes_nearest_first_within_the_radius_homestays_first(self):
        match = find_place(["塔尔寺"])
        groups = near_place(match.place)
        self.assertEqual([g.name for g in groups], ["homestays", "products", "stations"])
        homestays = groups[0]
        self.assertEqual([i["name"] for i in homestays.items], ["鲁沙尔小院", "多巴云杉民宿", "卡阳花海小院"])  # 丹噶尔 is 34 km away
        distances = [i["distance_km"] for i in homestays.items]
        self.assertEqual(distances, sorted(distances))
        self.assertAlmostEqual(distances[1], 19.3, delta=0.2)
        self.assertTrue(all(d <= NEAR_KM for d in distances))
        self.assertEqual(homestays.listing, "homestays.HomestayIndexPage")
        products = groups[1].items
        self.assertEqual([(p["name"], p["distance_km"]) for p in products], [("鲁沙尔青稞酒", 0.5)])  # once, at the nearer origin
        self.assertEqual([s["name"] for s in groups[2].items], ["鲁沙尔镇电商服务站"])

    def test_a_smaller_radius_and_one_layer(self):
        match = find_place(["塔尔寺"])
        groups = near_place(match.place, km=20, layers=["homestays"])
        self.assertEqual([g.name for g in groups], ["homestays"])
        self.assertEqual([i["name"] for i in groups[0].items], ["鲁沙尔小院", "多巴云杉民宿"])


@override_settings(RATELIMIT_ENABLE=False)
class SearchNearTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_site()

    def setUp(self):
        cache.clear()

    def test_a_sight_answers_with_the_place_first_then_what_is_near_it(self):
        response = self.client.get("/search/", {"q": "塔尔寺"})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        place = html.index('class="place-answer"')
        self.assertLess(place, html.find('class="search-results"') if 'class="search-results"' in html else len(html))
        card = html[place : html.index("near-heading")]
        self.assertIn("塔尔寺", card)
        self.assertIn("寺院/文物", card)
        self.assertIn("湟中区西纳川休闲农业", card)
        self.assertIn('href="/routes/xinachuan/#stop-1"', card)
        self.assertIn('href="/map/#map=14/36.49010/101.56710"', card)
        self.assertIn(f"附近 {NEAR_KM} 公里内", html)
        homestays = near_names(html, "homestays")
        self.assertEqual([n for n, _ in homestays], ["鲁沙尔小院", "多巴云杉民宿", "卡阳花海小院"])
        self.assertEqual([km for _, km in homestays], sorted(km for _, km in homestays))
        self.assertIn("19.3 公里", html)
        self.assertNotIn("丹噶尔古城排灯客栈", [n for group in ("homestays", "products", "stations") for n, _ in near_names(html, group)])
        self.assertEqual(near_names(html, "products"), [("鲁沙尔青稞酒", 0.5)])
        self.assertEqual([n for n, _ in near_names(html, "stations")], ["鲁沙尔镇电商服务站"])
        # the homestay group links to the listing sorted by distance from the place
        self.assertIn('href="/homestays/?near=%E5%A1%94%E5%B0%94%E5%AF%BA"', html)
        self.assertLess(html.index('data-near-group="homestays"'), html.index('data-near-group="products"'))

    def test_place_and_kind_answers_with_that_kind_only(self):
        html = self.client.get("/search/", {"q": "塔尔寺 民宿"}).content.decode()
        self.assertIn('data-place="塔尔寺"', html)
        self.assertEqual([n for n, _ in near_names(html, "homestays")], ["鲁沙尔小院", "多巴云杉民宿", "卡阳花海小院"])
        self.assertNotIn('data-near-group="products"', html)
        self.assertNotIn('data-near-group="stations"', html)

    def test_a_village_by_part_of_its_name(self):
        html = self.client.get("/search/", {"q": "卡阳"}).content.decode()
        self.assertIn('data-place="乡趣卡阳"', html)
        self.assertEqual(near_names(html, "homestays")[0][0], "卡阳花海小院")

    def test_the_place_answer_costs_two_queries(self):
        """The gazetteer reads the small stored layers once per request, and the near lists the
        rows around the place alone, whatever the number of places and neighbours
        (tests/test_performance.py counts 11 for a search that names no place, which reads neither)."""
        self.client.get("/search/", {"q": "塔尔寺"})  # the layers are built and stored, as on a running site
        for _request in range(2):
            cache.clear()
            with request_scope(), CaptureQueriesContext(connection) as ctx:
                match = find_place(["塔尔寺"])
                groups = near_place(match.place)
            self.assertEqual(len(ctx.captured_queries), 2, [q["sql"][:120] for q in ctx.captured_queries])
            self.assertEqual(len(groups[0].items), 3)

    def test_a_word_that_is_no_place_shows_no_place(self):
        html = self.client.get("/search/", {"q": "民宿"}).content.decode()
        self.assertNotIn("place-answer", html)
        html = self.client.get("/search/", {"q": "不存在的地方"}).content.decode()
        self.assertNotIn("place-answer", html)
        self.assertIn("没有找到", html)


class HomestaysNearTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_site()

    def setUp(self):
        cache.clear()

    def cards(self, html: str) -> list[tuple[str, float | None]]:
        found = []
        for card in re.findall(r'<article class="card homestay-card.*?</article>', html, re.S):
            title = re.search(r'<h3 class="card-title"><a [^>]*>([^<]+)</a>', card).group(1)
            km = re.search(r'data-near-km="([\d.]+)"', card)
            found.append((title, float(km.group(1)) if km else None))
        return found

    def test_near_a_place_lists_homestays_nearest_first_with_their_distance(self):
        response = self.client.get("/homestays/", {"near": "塔尔寺"})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        cards = self.cards(html)
        self.assertEqual([t for t, _ in cards], ["鲁沙尔小院", "多巴云杉民宿", "卡阳花海小院"])
        self.assertEqual([km for _, km in cards], sorted(km for _, km in cards))
        self.assertIn("离塔尔寺 19.3 公里", html)
        self.assertIn(f"离“塔尔寺” {NEAR_KM} 公里以内，由近到远", html)
        self.assertRegex(html, r'<option value="塔尔寺" selected>塔尔寺</option>')  # the filter form shows the choice
        self.assertIn('<optgroup label="湟中区西纳川休闲农业">', html)

    def test_a_name_typed_in_the_url_is_matched_as_search_matches_it(self):
        html = self.client.get("/homestays/", {"near": "卡阳村"}).content.decode()
        self.assertEqual(self.cards(html)[0][0], "卡阳花海小院")
        self.assertIn("离乡趣卡阳", html)

    def test_price_order_keeps_the_distances(self):
        html = self.client.get("/homestays/", {"near": "塔尔寺", "sort": "-price"}).content.decode()
        cards = self.cards(html)
        self.assertEqual({t for t, _ in cards}, {"鲁沙尔小院", "多巴云杉民宿", "卡阳花海小院"})
        self.assertTrue(all(km is not None for _, km in cards))
        count = re.search(r'<p class="result-count" role="status">(.*?)</p>', html, re.S).group(1)
        self.assertIn("离“塔尔寺” 30 公里以内", count)
        self.assertNotIn("由近到远", count)

    def test_an_unknown_place_says_so_and_lists_every_homestay(self):
        response = self.client.get("/homestays/", {"near": "火星<script>"})
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        self.assertIn("没有找到叫“火星&lt;script&gt;”的站点或景点", html)
        self.assertNotIn("<script>”", html)
        self.assertEqual(len(self.cards(html)), 4)
        self.assertNotIn("data-near-km", html)

    def test_sorting_by_route_distance_still_works(self):
        html = self.client.get("/homestays/", {"route": "xinachuan", "km": 20, "sort": "distance"}).content.decode()
        self.assertIn("距线路", html)
        self.assertNotIn("data-near-km", html)

    def test_distance_sort_without_a_place_or_route_is_explained(self):
        html = self.client.get("/homestays/", {"sort": "distance"}).content.decode()
        self.assertIn("按距离排序需要先选择一个地点或一条线路", html)

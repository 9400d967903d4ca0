"""河湟精品民宿, the public side: listing pages, the index's filters/sorting/map, the layer and
collection, the API, and inquiries (validation, honeypot, rate limit, mail failures)."""

from __future__ import annotations

import datetime as dt
import json
import re
from smtplib import SMTPException
from unittest import mock

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import PageViewRestriction
from wagtail.test.utils import WagtailPageTestCase

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory, point, room
from homestays.layers import featured_homestays, homestay_features
from homestays.models import Amenity, County, Grade, HomestayGalleryImage, HomestayIndexPage, HomestayPage, HomestayRoom, Inquiry
from homestays.owners import grant_listing
from homestays.validators import normalise_phone, tel_href
from portal import layers
from portal.factories import make_site
from portal.fields import ChoiceListField
from portal.registry import Layer, registry

User = get_user_model()

# A stand-in for the routes app's "routes" layer: the homestays app only ever reads the layer.
XINACHUAN_LINE = {"type": "LineString", "coordinates": [[101.5671, 36.4901], [101.50, 36.66], [101.42, 36.66], [101.37, 36.76]]}
DIAOGOU_LINE = {"type": "LineString", "coordinates": [[101.6813, 36.9369], [101.80, 36.95], [101.86, 37.00]]}


def route_feature(slug, name, geometry, colour="#c2410c"):
    return {"type": "Feature", "geometry": geometry, "properties": {"name": name, "url": f"/routes/{slug}/", "kind": "route", "colour": colour}}


ROUTES_LAYER = Layer(
    "routes",
    "路线",
    features=lambda: [
        route_feature("xinachuan", "湟中区西纳川休闲农业", XINACHUAN_LINE),
        route_feature("diaogou", "大通县朔北乡窎沟民俗文化", DIAOGOU_LINE, "#7c3aed"),
    ],
)


def titles(response) -> list[str]:
    return [p.title for p in response.context["homestays"]]


class RoutesLayerMixin:
    def setUp(self):
        super().setUp()
        patcher = mock.patch.dict(registry.layers, {"routes": ROUTES_LAYER})
        patcher.start()
        self.addCleanup(patcher.stop)
        cache.clear()


class HomestayFixture:
    @classmethod
    def build(cls):
        cls.home = make_site()
        cls.index = HomestayIndexPageFactory(parent=cls.home)
        cls.owner = User.objects.create_user("owner1", email="owner1@example.com", password="pw", first_name="卓玛")
        image = get_image_model().objects.create(title="卡阳", file=get_test_image_file())
        cls.kayang = HomestayPageFactory(
            parent=cls.index,
            title="卡阳花海小院",
            slug="kayang",
            county=County.HUANGZHONG,
            grade=Grade.JIA,
            location=point(101.4175, 36.6628),  # on the 西纳川 line
            amenities=["heating", "wifi", "parking"],
            rooms=[room("大床房", 368, 2), room("家庭房", 588, 4)],
            phone="+86 138 9700 0001",
            wechat_id="kayang-wx",
            business_licence_no="91630100LICENCE-SECRET",
            special_trade_permit_no="PERMIT-SECRET-42",
            brand_certified=True,
            brand_certificate_no="HHJP-001",
            featured=True,
            image=image,
        )
        cls.qingke = HomestayPageFactory(
            parent=cls.index,
            title="西纳川青稞园",
            slug="qingke",
            county=County.HUANGZHONG,
            grade=Grade.YI,
            location=point(101.4548, 36.7032),  # ~3 km from the line
            amenities=["heating", "breakfast"],
            rooms=[room("炕房", 260, 4), room("标准间", 180, 2)],
        )
        cls.diaogou = HomestayPageFactory(
            parent=cls.index,
            title="窎沟花儿院",
            slug="diaogou",
            county=County.DATONG,
            grade=Grade.JIA,
            location=point(101.8377, 36.9786),
            amenities=["wifi", "halal", "parking"],
            rooms=[room("四合院", 398, 2), room("炕房", 520, 5)],
            featured=True,
        )
        cls.riyue = HomestayPageFactory(
            parent=cls.index,
            title="日月山牧帐",
            slug="riyue",
            county=County.HUANGYUAN,
            grade=Grade.UNRATED,
            location=point(101.1003, 36.4462),
            amenities=["oxygen"],
            rooms=[room("大牧帐", 720, 6)],
        )
        cls.draft = HomestayPageFactory(
            parent=cls.index, title="草稿客栈", slug="draft", live=False, county=County.HUANGZHONG, featured=True, rooms=[room("x", 120, 2)]
        )
        cls.private = HomestayPageFactory(
            parent=cls.index, title="内部客栈", slug="private", county=County.HUANGZHONG, featured=True, rooms=[room("x", 130, 2)]
        )
        PageViewRestriction.objects.create(page=cls.private, restriction_type=PageViewRestriction.PASSWORD, password="secret")
        grant_listing(cls.owner, cls.kayang)


class HomestayPageTests(RoutesLayerMixin, HomestayFixture, WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def test_tree_rules(self):
        self.assertAllowedParentPageTypes(HomestayPage, {HomestayIndexPage})
        self.assertAllowedSubpageTypes(HomestayPage, {})
        self.assertAllowedSubpageTypes(HomestayIndexPage, {HomestayPage})

    def test_price_range_and_capacity_follow_the_rooms(self):
        self.kayang.refresh_from_db()
        self.assertEqual((self.kayang.min_price, self.kayang.max_price, self.kayang.total_capacity), (368, 588, 6))
        # An edit published through a revision (as the admin does) recomputes them.
        page = self.kayang.get_latest_revision_as_object()
        page.rooms = [HomestayRoom(room_type="经济间", price_per_night=150, capacity=1)]
        page.save_revision().publish()
        fresh = HomestayPage.objects.get(pk=self.kayang.pk)
        self.assertEqual((fresh.min_price, fresh.max_price, fresh.total_capacity), (150, 150, 1))
        self.assertEqual(fresh.price_label, "¥150")

    def test_listing_page_shows_what_a_traveller_needs(self):
        response = self.client.get("/homestays/kayang/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        for text in [
            "卡阳花海小院",
            "¥368–588",
            "大床房",
            "家庭房",
            "地暖",
            "Wi-Fi",
            "甲级",
            "河湟精品民宿认证",
            "kayang-wx",
            "已备案",
            "湟中区西纳川休闲农业",
        ]:
            self.assertIn(text, html)
        self.assertIn('href="tel:+8613897000001"', html)
        # the licence numbers stay in the admin; the public only learns that they are on file
        self.assertNotIn("LICENCE-SECRET", html)
        self.assertNotIn("PERMIT-SECRET", html)
        # the map data: the listing and the nearby route, for the map include
        geo = json.loads(re.search(r'<script id="homestay-geo" type="application/json">(.*?)</script>', html, re.S).group(1))
        kinds = sorted(f["properties"]["kind"] for f in geo["features"])
        self.assertEqual(kinds, ["homestay", "route"])
        self.assertEqual(response.context["nearby_routes"][0]["name"], "湟中区西纳川休闲农业")

    def test_unregistered_listing_says_so(self):
        html = self.client.get("/homestays/qingke/").content.decode()
        self.assertIn("备案信息待补充", html)
        self.assertNotIn("证照已备案", html)

    def test_listing_page_carries_no_per_visitor_data(self):
        """The form posts to its own view; the page has no CSRF token, so one cached copy serves all."""
        response = self.client.get("/homestays/kayang/")
        html = response.content.decode()
        self.assertNotIn("csrfmiddlewaretoken", html)
        self.assertIn('action="/homestays/kayang/inquire/"', html)
        self.assertIn('data-token-url="/homestays/kayang/inquire/?format=token"', html)
        self.assertFalse(response.cookies)
        self.assertIn("public", Client().get("/homestays/kayang/")["Cache-Control"])

    def test_draft_and_private_listings_are_not_served(self):
        self.assertEqual(self.client.get("/homestays/draft/").status_code, 404)
        private = self.client.get("/homestays/private/").content.decode()
        self.assertIn('type="password"', private)  # Wagtail's password form, not the listing
        self.assertNotIn("¥130", private)
        self.assertEqual(self.client.get("/homestays/draft/inquire/").status_code, 404)

    def test_brand_certificate_needs_a_number(self):
        self.kayang.brand_certificate_no = ""
        with self.assertRaises(ValidationError) as ctx:
            self.kayang.full_clean()
        self.assertIn("brand_certificate_no", str(ctx.exception))

    def test_structured_data(self):
        html = self.client.get("/homestays/kayang/").content.decode()
        self.assertIn('"@type": "BedAndBreakfast"', html.replace('":"', '": "'))
        self.assertIn("CNY 368", html)
        self.assertNotIn("SECRET", html)

    def test_query_count_does_not_grow_with_rooms_and_photos(self):
        """Rooms, their photos and the gallery come in bulk: a big listing costs what a small one does."""
        Image = get_image_model()
        photos = [Image.objects.create(title=f"房间{i}", file=get_test_image_file()) for i in range(6)]
        big = HomestayPageFactory(
            parent=self.index,
            slug="big",
            image=photos[0],
            rooms=[
                HomestayRoom(room_type=f"房{i}", price_per_night=200 + i, capacity=2, photos=[("photo", photos[i]), ("photo", photos[(i + 1) % 6])])
                for i in range(6)
            ],
            gallery_images=[HomestayGalleryImage(image=p, caption=p.title) for p in photos],
        )
        small = HomestayPageFactory(  # one room, one gallery photo
            parent=self.index, slug="small", image=photos[1], rooms=[room()], gallery_images=[HomestayGalleryImage(image=photos[2])]
        )

        def count(url):
            self.client.get(url)  # renditions and layers built once
            with CaptureQueriesContext(connection) as ctx:
                response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            return len(ctx.captured_queries), response

        n_small, _ = count(small.url)
        n_big, response = count(big.url)
        self.assertEqual(n_big, n_small)
        self.assertEqual(len(response.context["rooms"]), 6)
        self.assertEqual(sum(len(r.pictures) for r in response.context["rooms"]), 12)
        self.assertEqual(len(response.context["gallery"]), 6)


class HomestayIndexTests(RoutesLayerMixin, HomestayFixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def get(self, status=200, **params):
        response = self.client.get("/homestays/", params)
        self.assertEqual(response.status_code, status)
        return response

    def test_lists_live_public_listings_only(self):
        self.assertEqual(sorted(titles(self.get())), sorted(["卡阳花海小院", "西纳川青稞园", "窎沟花儿院", "日月山牧帐"]))

    def test_featured_first_by_default(self):
        self.assertEqual(titles(self.get())[:2], ["卡阳花海小院", "窎沟花儿院"])

    def test_each_filter(self):
        self.assertEqual(titles(self.get(county="datong")), ["窎沟花儿院"])
        self.assertEqual(sorted(titles(self.get(grade="jia"))), ["卡阳花海小院", "窎沟花儿院"])
        self.assertEqual(titles(self.get(grade="unrated")), ["日月山牧帐"])
        # a price range matches a listing when one of its rooms could fall in it
        self.assertEqual(sorted(titles(self.get(price_max=200))), ["西纳川青稞园"])
        self.assertEqual(sorted(titles(self.get(price_min=600))), ["日月山牧帐"])
        self.assertEqual(sorted(titles(self.get(price_min=300, price_max=400))), ["卡阳花海小院", "窎沟花儿院"])
        self.assertEqual(sorted(titles(self.get(guests=7))), ["窎沟花儿院"])
        self.assertEqual(len(titles(self.get(guests=6))), 4)

    def test_amenities_are_all_required(self):
        self.assertEqual(sorted(titles(self.get(amenities=["wifi"]))), ["卡阳花海小院", "窎沟花儿院"])
        self.assertEqual(titles(self.get(amenities=["wifi", "halal"])), ["窎沟花儿院"])
        self.assertEqual(titles(self.get(amenities=["heating", "breakfast"])), ["西纳川青稞园"])
        self.assertEqual(titles(self.get(amenities=["oxygen", "wifi"])), [])

    def test_amenity_lookup_is_sql_and_exact(self):
        sql = str(HomestayPage.objects.filter(amenities__has="wifi").query)
        self.assertIn("LIKE", sql)
        # "hot-water" must not match a listing with only "water"-like codes; ",wifi," not "wifi"
        self.assertFalse(HomestayPage.objects.filter(amenities__has="hot-water").exists())
        with self.assertRaises(ValueError):
            list(HomestayPage.objects.filter(amenities__has="%"))

    def test_near_a_route_and_sort_by_distance(self):
        response = self.get(route="xinachuan", km=5, sort="distance")
        self.assertEqual(titles(response), ["卡阳花海小院", "西纳川青稞园"])
        distances = [p.distance_km for p in response.context["homestays"]]
        self.assertLess(distances[0], 0.5)
        self.assertGreater(distances[1], 1)
        self.assertEqual(titles(self.get(route="xinachuan", km=2)), ["卡阳花海小院"])
        self.assertEqual(titles(self.get(route="diaogou", km=10)), ["窎沟花儿院"])
        # the route's line is on the page; the listings come from the layer API with the same filters
        geo = response.context["homestays_geo"]
        self.assertEqual([f["properties"]["kind"] for f in geo["features"]], ["route"])
        self.assertEqual(response.context["map_query"], "route=xinachuan&route_km=5")
        layer = self.client.get("/api/geo/homestays.geojson?route=xinachuan&route_km=5").json()
        self.assertIn("features", layer, layer)
        self.assertEqual(sorted(f["properties"]["name"] for f in layer["features"]), ["卡阳花海小院", "西纳川青稞园"])

    def test_route_choices_come_from_the_routes_layer(self):
        form = self.get().context["filter_form"]
        self.assertEqual([c[0] for c in form.fields["route"].choices], ["", "xinachuan", "diaogou"])
        with mock.patch.dict(registry.layers, {}, clear=True):
            cache.clear()
            response = self.get(status=400, route="xinachuan")
            self.assertEqual(len(titles(response)), 4)
            self.assertTrue(response.context["filter_notes"])

    def test_sort_by_price(self):
        self.assertEqual(titles(self.get(sort="price")), ["西纳川青稞园", "卡阳花海小院", "窎沟花儿院", "日月山牧帐"])
        self.assertEqual(titles(self.get(sort="-price")), ["日月山牧帐", "窎沟花儿院", "卡阳花海小院", "西纳川青稞园"])

    def test_distance_sort_needs_a_route(self):
        response = self.get(sort="distance")
        self.assertIn("按距离排序需要先选择一个地点或一条线路", response.content.decode())
        self.assertEqual(len(titles(response)), 4)

    def test_swapped_price_range_is_explained(self):
        response = self.get(price_min=400, price_max=300)
        self.assertEqual(sorted(titles(response)), ["卡阳花海小院", "窎沟花儿院"])
        self.assertIn("最低价高于最高价", response.content.decode())

    def test_bad_values_are_ignored_and_explained(self):
        every = sorted(titles(self.get()))
        for params in [
            {"county": "北京"},
            {"grade": "五星"},
            {"price_min": "abc"},
            {"price_max": "-5"},
            {"guests": "0"},
            {"guests": "9" * 40},
            {"route": "nowhere"},
            {"km": "7"},
            {"sort": "drop table"},
            {"amenities": ["<script>alert(1)</script>"]},
            {"page": "x"},
            {"page": "99999"},
            {"county": "x" * 5000},
            {"price_min": "1e309"},
        ]:
            with self.subTest(params=params):
                response = self.get(status=200 if "page" in params else 400, **params)
                self.assertEqual(sorted(titles(response)), every)
                self.assertNotIn("<script>alert(1)</script>", response.content.decode())
        notes = self.get(status=400, price_min="abc", amenities=["bogus", "wifi"]).context["filter_notes"]
        self.assertTrue(any("最低价" in n for n in notes))
        self.assertTrue(any("bogus" in n for n in notes))
        # the good amenity of a mixed list is kept
        self.assertEqual(sorted(titles(self.get(status=400, amenities=["bogus", "wifi"]))), ["卡阳花海小院", "窎沟花儿院"])

    def test_empty_result_offers_a_way_out(self):
        response = self.get(county="datong", grade="bing")
        self.assertEqual(titles(response), [])
        html = response.content.decode()
        self.assertIn("没有同时符合这些条件的民宿", html)
        self.assertIn('href="?grade=bing"', html)  # drop the county
        self.assertIn('href="?county=datong"', html)  # drop the grade
        self.assertIn("查看全部民宿", html)

    def test_pagination_keeps_filters(self):
        for i in range(14):
            HomestayPageFactory(parent=self.index, title=f"湟中小院{i:02d}", county=County.HUANGZHONG, rooms=[room("x", 200 + i, 2)])
        first = self.get(county="huangzhong")
        self.assertEqual(first.context["paginator"].count, 16)
        self.assertEqual(len(titles(first)), 12)
        self.assertIn('href="?county=huangzhong&amp;page=2"', first.content.decode())
        self.assertEqual(len(titles(self.get(county="huangzhong", page=2))), 4)

    def test_map_data_for_every_match(self):
        response = self.get(county="huangzhong")
        self.assertEqual(response.context["homestays_geo"]["features"], [])  # not inline: the map asks the layer
        self.assertNotContains(response, 'id="homestays-geo"')
        self.assertEqual(response.context["map_query"], "county=huangzhong")
        self.assertContains(response, "county=huangzhong")  # in the map's configuration
        geo = self.client.get("/api/geo/homestays.geojson?" + response.context["map_query"]).json()
        props = {f["properties"]["name"]: f["properties"] for f in geo["features"]}
        self.assertEqual(sorted(props), ["卡阳花海小院", "西纳川青稞园"])
        self.assertEqual(props["卡阳花海小院"]["url"], "/homestays/kayang/")
        self.assertTrue(props["卡阳花海小院"]["thumbnail"])
        self.assertEqual(props["卡阳花海小院"]["price_from"], 368)

    def test_query_count_does_not_grow_with_listings(self):
        near = {"route": "xinachuan", "km": 20}
        filtered = {**near, "amenities": ["wifi"], "sort": "distance"}

        def add_listings(n):
            for i in range(n):
                image = get_image_model().objects.create(title=f"图{i}", file=get_test_image_file())
                HomestayPageFactory(
                    parent=self.index, title=f"批量{i}", image=image, location=point(101.4 + i / 1000, 36.66), rooms=[room("a", 150, 2), room("b", 300, 3)]
                )
            layers.invalidate("homestays")  # the factory publishes nothing; an editor's publish refreshes the layer
            for params in (near, filtered):
                self.client.get("/homestays/", params)  # renditions and layers built once

        add_listings(6)  # 10 listings
        counts = {}
        for name, params in (("near", near), ("filtered", filtered)):
            with CaptureQueriesContext(connection) as ctx:
                response = self.client.get("/homestays/", params)
            counts[name] = len(ctx.captured_queries)
        self.assertEqual(response.context["homestay_count"], 1)  # 卡阳, the one near the route with Wi-Fi
        size = len(response.content)
        add_listings(40)  # 50 listings
        with self.assertNumQueries(counts["near"]):
            response = self.client.get("/homestays/", near)
        self.assertEqual(response.context["homestay_count"], 48)  # the listings within 20 km
        self.assertEqual(len(response.context["homestays_geo"]["features"]), 1)  # the route alone: the listings come from the layer
        self.assertLess(len(response.content), 2 * size + 20_000)  # one page of cards, whatever the matches
        with self.assertNumQueries(counts["filtered"]):
            self.client.get("/homestays/", filtered)
        # their count, one page of listings with their images (joined), and the images' renditions:
        # three queries, whatever the count
        homestay_queries = [q for q in ctx_queries(self.client, "/homestays/") if 'FROM "homestays_homestaypage"' in q or 'FROM "wagtailimages_' in q]
        self.assertEqual(len(homestay_queries), 3)


def ctx_queries(client, url) -> list[str]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return [q["sql"] for q in ctx.captured_queries]


class LayerAndCollectionTests(RoutesLayerMixin, HomestayFixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def test_layer_has_live_public_listings_only(self):
        features = homestay_features()
        names = sorted(f["properties"]["name"] for f in features)
        self.assertEqual(names, sorted(["卡阳花海小院", "西纳川青稞园", "窎沟花儿院", "日月山牧帐"]))
        kayang = next(f for f in features if f["properties"]["name"] == "卡阳花海小院")
        self.assertEqual(kayang["properties"]["kind"], "homestay")
        self.assertEqual(kayang["properties"]["url"], "/homestays/kayang/")
        self.assertTrue(kayang["properties"]["thumbnail"])
        self.assertEqual(kayang["geometry"], point(101.4175, 36.6628))

    def test_layer_is_served_and_dropped_on_publish(self):
        body = self.client.get("/api/geo/homestays.geojson").json()
        self.assertEqual(len(body["features"]), 4)
        self.draft.save_revision().publish()
        self.assertEqual(len(self.client.get("/api/geo/homestays.geojson").json()["features"]), 5)

    def test_featured_collection(self):
        self.assertEqual([p.title for p in featured_homestays(limit=5)], ["卡阳花海小院", "窎沟花儿院"])
        self.assertEqual(len(featured_homestays(limit=1)), 1)

    def test_registered_with_the_portal(self):
        self.assertIn("homestays", registry.layers)
        self.assertEqual(registry.layers["homestays"].models, ("homestays.HomestayPage",))
        self.assertIn("featured_homestays", registry.collections)


class ApiTests(HomestayFixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def test_public_fields_only(self):
        response = self.client.get("/api/v2/pages/", {"type": "homestays.HomestayPage", "fields": "*"})
        self.assertEqual(response.status_code, 200)
        items = {item["title"]: item for item in response.json()["items"]}
        self.assertEqual(sorted(items), sorted(["卡阳花海小院", "西纳川青稞园", "窎沟花儿院", "日月山牧帐"]))
        kayang = items["卡阳花海小院"]
        for field in ["county", "grade", "amenities", "min_price", "max_price", "total_capacity", "rooms", "location", "phone", "registered", "check_in_time"]:
            self.assertIn(field, kayang)
        self.assertTrue(kayang["registered"])
        self.assertEqual(kayang["amenities"], ["heating", "wifi", "parking"])
        self.assertEqual([r["price_per_night"] for r in kayang["rooms"]], [368, 588])
        raw = response.content.decode()
        for secret in ["LICENCE-SECRET", "PERMIT-SECRET", "kayang-wx", "owner1@example.com", "卓玛"]:
            self.assertNotIn(secret, raw)
        for field in ["business_licence_no", "special_trade_permit_no", "wechat_id", "owner"]:
            self.assertNotIn(field, kayang)
            self.assertNotIn(field, kayang["meta"])

    def test_detail_and_unknown_fields(self):
        detail = self.client.get(f"/api/v2/pages/{self.kayang.pk}/").json()
        self.assertNotIn("business_licence_no", detail)
        bad = self.client.get("/api/v2/pages/", {"type": "homestays.HomestayPage", "fields": "business_licence_no"})
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(self.client.get(f"/api/v2/pages/{self.draft.pk}/").status_code, 404)

    def test_read_only(self):
        self.client.force_login(self.owner)
        url = f"/api/v2/pages/{self.kayang.pk}/"
        for method in ("post", "put", "patch", "delete"):
            with self.subTest(method=method):
                response = getattr(self.client, method)(url, data=json.dumps({"title": "x", "owner": self.owner.pk}), content_type="application/json")
                self.assertIn(response.status_code, (403, 405))
        self.kayang.refresh_from_db()
        self.assertEqual(self.kayang.title, "卡阳花海小院")


def future(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def inquiry_data(**overrides) -> dict:
    data = {
        "name": "王女士",
        "phone": "139 1234 5678",
        "arrival": future(10),
        "departure": future(12),
        "guests": "2",
        "message": "有停车位吗？",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


@override_settings(HOMESTAYS_INQUIRY_RATE="1000/m")
class InquiryTests(RoutesLayerMixin, HomestayFixture, TestCase):
    url = "/homestays/kayang/inquire/"

    @classmethod
    def setUpTestData(cls):
        cls.build()

    def post(self, client=None, **overrides):
        return (client or self.client).post(self.url, inquiry_data(**overrides))

    def test_saved_emailed_and_thanked(self):
        response = self.post()
        self.assertRedirects(response, "/homestays/kayang/inquire/sent/")
        inquiry = Inquiry.objects.get()
        self.assertEqual((inquiry.listing_id, inquiry.name, inquiry.phone, inquiry.guests), (self.kayang.pk, "王女士", "13912345678", 2))
        self.assertTrue(inquiry.consent)
        self.assertEqual(inquiry.ip, "127.0.0.1")
        self.assertTrue(inquiry.notified)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["owner1@example.com"])
        self.assertIn("卡阳花海小院", message.subject)
        self.assertIn("13912345678", message.body)
        self.assertIn(f"/admin/homestay_inquiries/inspect/{inquiry.pk}/", message.body)
        self.assertIn("业主会", self.client.get("/homestays/kayang/inquire/sent/").content.decode())

    def test_csrf_token_comes_from_the_form_view(self):
        client = Client(enforce_csrf_checks=True)
        self.assertEqual(self.post(client).status_code, 403)
        token = client.get(self.url, {"format": "token"})
        self.assertIn("no-store", token["Cache-Control"])
        data = inquiry_data(csrfmiddlewaretoken=token.json()["csrfToken"])
        self.assertEqual(client.post(self.url, data).status_code, 302)
        self.assertEqual(Inquiry.objects.count(), 1)

    def test_form_page_works_without_javascript(self):
        client = Client(enforce_csrf_checks=True)
        page = client.get(self.url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("no-store", page["Cache-Control"])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        self.assertEqual(client.post(self.url, inquiry_data(csrfmiddlewaretoken=token)).status_code, 302)

    def test_validation_messages(self):
        cases = [
            ({"arrival": future(-1), "departure": future(2)}, "入住日期不能早于今天"),
            ({"arrival": future(5), "departure": future(5)}, "离店日期必须晚于入住日期"),
            ({"arrival": future(5), "departure": future(3)}, "离店日期必须晚于入住日期"),
            ({"arrival": future(400), "departure": future(402)}, "一年以内"),
            ({"arrival": future(1), "departure": future(60)}, "最多咨询 30 晚"),
            ({"arrival": "明天"}, "入住日期格式不对"),
            ({"guests": "7"}, "最多可住 6 人"),
            ({"guests": "0"}, "至少 1 人"),
            ({"phone": "12345"}, "电话号码格式不正确"),
            ({"phone": "0971-123"}, "电话号码格式不正确"),
            ({"phone": ""}, "请填写联系电话"),
            ({"consent": ""}, "需要您同意业主联系您"),
            ({"name": ""}, "请填写您的称呼"),
            ({"name": "王\n女士"}, "请不要输入换行"),
        ]
        for overrides, message in cases:
            with self.subTest(overrides=overrides):
                response = self.post(**overrides)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.content.decode())
                self.assertNotIn('csrfmiddlewaretoken" value=""', response.content.decode())
        self.assertEqual(Inquiry.objects.count(), 0)
        self.assertEqual(len(mail.outbox), 0)

    def test_phone_formats_accepted(self):
        for phone, stored in [
            ("+86 139-1234-5678", "13912345678"),
            ("0971-6123456", "0971-6123456"),
            ("(0971) 612 3456", "0971-6123456"),
            ("+86 971 6123456", "0971-6123456"),
        ]:
            with self.subTest(phone=phone):
                cache.clear()  # the rate limit
                self.assertEqual(self.post(phone=phone).status_code, 302)
                self.assertEqual(Inquiry.objects.latest("pk").phone, stored)

    def test_submitted_values_are_escaped(self):
        response = self.post(name="<script>alert(1)</script>", guests="99")
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        self.assertNotIn("<script>alert(1)</script>", html)
        self.assertIn("&lt;script&gt;", html)

    def test_honeypot_keeps_nothing(self):
        html = self.client.get("/homestays/kayang/").content.decode()
        self.assertRegex(html, r'<div class="form-trap" hidden>.*?name="website"')
        response = self.post(website="http://spam.example")
        self.assertRedirects(response, "/homestays/kayang/inquire/sent/")
        self.assertEqual(Inquiry.objects.count(), 0)
        self.assertEqual(len(mail.outbox), 0)

    @override_settings(HOMESTAYS_INQUIRY_RATE="3/h")
    def test_rate_limit_per_ip(self):
        for _ in range(3):
            self.assertEqual(self.post().status_code, 302)
        limited = self.post()
        self.assertEqual(limited.status_code, 429)
        self.assertIn("提交太频繁", limited.content.decode())
        self.assertTrue(limited.has_header("Retry-After"))
        self.assertEqual(Inquiry.objects.count(), 3)
        # another address is not affected
        self.assertEqual(self.client.post(self.url, inquiry_data(), REMOTE_ADDR="10.0.0.9").status_code, 302)
        # invalid and honeypot posts count too: a bot cannot probe for free
        cache.clear()
        for _ in range(3):
            self.post(website="spam")
        self.assertEqual(self.post().status_code, 429)

    def test_mail_failure_keeps_the_inquiry_and_the_command_retries(self):
        with mock.patch("django.core.mail.EmailMessage.send", side_effect=SMTPException("mail server down")):
            response = self.post()
        self.assertEqual(response.status_code, 302)
        inquiry = Inquiry.objects.get()
        self.assertFalse(inquiry.notified)
        self.assertEqual(inquiry.notify_attempts, 1)
        self.assertIn("mail server down", inquiry.last_notify_error)
        self.assertEqual(len(mail.outbox), 0)

        call_command("send_pending_inquiry_notices", stdout=open("/dev/null", "w"))
        inquiry.refresh_from_db()
        self.assertTrue(inquiry.notified)
        self.assertEqual(inquiry.notify_attempts, 2)
        self.assertEqual(len(mail.outbox), 1)
        # sent once only
        call_command("send_pending_inquiry_notices", stdout=open("/dev/null", "w"))
        self.assertEqual(len(mail.outbox), 1)

    def test_only_get_and_post(self):
        self.assertEqual(self.client.put(self.url).status_code, 405)


class UnitTests(TestCase):
    def test_phone_normalisation(self):
        good = {
            "13912345678": "13912345678",
            "+8613912345678": "13912345678",
            "86 139 1234 5678": "13912345678",
            "0971-1234567": "0971-1234567",
            "010 12345678": "010-12345678",
            "+86-10-12345678": "010-12345678",
        }
        for raw, expected in good.items():
            self.assertEqual(normalise_phone(raw), expected)
        for bad in ["12345678901", "1391234567", "139123456789", "abc", "0971-123", "+8613912345678+", "139+12345678", "01112345678", ""]:
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                normalise_phone(bad)
        self.assertEqual(tel_href("0971-1234567"), "tel:+869711234567")
        self.assertEqual(tel_href("nonsense"), "")

    def test_choice_list_field_round_trip(self):
        field = ChoiceListField(choices=Amenity.choices)
        self.assertEqual(field.get_prep_value(["wifi", "heating"]), ",heating,wifi,")
        self.assertEqual(field.to_python(",heating,wifi,"), ["heating", "wifi"])
        self.assertEqual(field.from_db_value(",wifi,retired-code,", None, None), ["wifi"])
        with self.assertRaises(ValidationError):
            field.to_python(["wifi", "spa"])

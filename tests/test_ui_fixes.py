"""Server-side halves of the phone UI fixes (the browser halves are in tests/browser/test_layout.py):
feed autodiscovery on the home page, the map include's inline clustering switch, Chinese form
labels without an ASCII colon, route cards in 公里/米, and each nearby product listed once."""

import html
import json
import re

from django.core.cache import cache
from django.template import Context, Template
from django.test import RequestFactory, TestCase

from homestays.forms import HomestayFilterForm, InquiryForm
from news.factories import NewsIndexPageFactory
from portal.factories import make_site
from products.factories import ProductIndexPageFactory, ProductPageFactory, origin
from products.forms import ProductFilterForm
from routes.factories import RouteIndexPageFactory, RoutePageFactory, straight_line


def data_config(markup: str) -> dict:
    return json.loads(html.unescape(re.search(r'data-config="([^"]*)"', markup).group(1)))


class FeedAutodiscoveryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.news = NewsIndexPageFactory(parent=cls.home, title="节庆资讯", slug="news")

    def setUp(self):
        cache.clear()

    def test_home_page_head_advertises_the_news_feeds(self):
        page = self.client.get("/").content.decode()
        head = page.split("</head>")[0]
        self.assertIn('<link rel="alternate" type="application/rss+xml" title="节庆资讯 RSS" href="/news/feed/rss/">', head)
        self.assertIn('<link rel="alternate" type="application/atom+xml" title="节庆资讯 Atom" href="/news/feed/atom/">', head)
        self.assertIn('type="text/calendar"', head)
        for url in ("/news/feed/rss/", "/news/feed/atom/"):
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_news_index_keeps_its_own_feed_links(self):
        head = self.client.get("/news/").content.decode().split("</head>")[0]
        for kind in ("application/rss+xml", "application/atom+xml", "text/calendar"):
            self.assertIn(f'type="{kind}"', head)


class MapIncludeClusterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_site()

    def render(self, source):
        request = RequestFactory().get("/", HTTP_HOST="localhost")
        return Template(source).render(Context({"request": request}))

    def test_inline_points_cluster_only_when_asked(self):
        listed = data_config(self.render('{% include "portal/includes/map.html" with map_id="m" data_id="geo" cluster_inline="1" %}'))
        self.assertTrue(listed["clusterInline"])
        # a route's own stops (data_id with context layers) are never clustered
        route = data_config(self.render('{% include "portal/includes/map.html" with map_id="m" layers="homestays" data_id="geo" %}'))
        self.assertTrue(route["cluster"])
        self.assertFalse(route["clusterInline"])
        no_data = data_config(self.render('{% include "portal/includes/map.html" with map_id="m" layers="homestays" cluster_inline="1" %}'))
        self.assertFalse(no_data["clusterInline"])


class ChineseLabelTests(TestCase):
    def test_public_form_labels_have_no_ascii_colon(self):
        for form, name in ((HomestayFilterForm(), "county"), (InquiryForm(), "name"), (ProductFilterForm(), "category")):
            with self.subTest(form=type(form).__name__):
                tag = str(form[name].label_tag())
                self.assertNotIn(":</label>", tag)
                self.assertRegex(tag, r">[^<:]+</label>")


class RouteCardAndNearbyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.routes = RouteIndexPageFactory(parent=cls.home, title="线路", slug="routes")
        cls.route = RoutePageFactory(parent=cls.routes, title="湟中区西纳川休闲农业", slug="xinachuan", geometry=straight_line(points=12))
        products = ProductIndexPageFactory(parent=cls.home, title="河湟田源", slug="products")
        # grown at both ends of the route: two origins, one product
        ProductPageFactory(
            parent=products,
            title="西纳川青稞面粉",
            slug="barley-flour",
            origins=[origin("卡阳村", lon=101.5671, lat=36.4901), origin("上五庄村", lon=101.50, lat=36.66)],
        )

    def setUp(self):
        cache.clear()

    def test_card_meta_speaks_chinese_units(self):
        meta = self.route.card_meta
        self.assertIn("公里", meta)
        self.assertIn("最高", meta)
        self.assertNotIn(" km", meta)
        self.assertNotIn("↑", meta)

    def test_a_product_with_two_origins_on_the_route_is_listed_once(self):
        response = self.client.get("/routes/xinachuan/")
        self.assertEqual(response.status_code, 200)
        nearby = response.context["nearby_products"]
        self.assertEqual(len(nearby), 1, nearby)
        self.assertEqual(nearby[0]["distance_km"], 0.0)
        self.assertEqual(response.content.decode().count('href="/products/barley-flour/"'), 1)

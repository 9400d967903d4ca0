import datetime as dt
import json
import re
from decimal import Decimal
from urllib.parse import urlsplit

from django.test import TestCase
from django.utils import timezone
from lxml import etree
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale, Page, PageViewRestriction

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory, room
from news.factories import EventPageFactory, NewsIndexPageFactory, NewsPageFactory
from portal.demo import translate_page
from portal.factories import MapPageFactory, StandardPageFactory, make_site
from products.factories import ProducerFactory, ProductIndexPageFactory, ProductPageFactory
from routes.factories import RouteIndexPageFactory, RoutePageFactory, RouteStopFactory


def ld_blocks(html: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


class SeoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.routes = RouteIndexPageFactory(parent=cls.home)
        cls.about = StandardPageFactory(parent=cls.home, slug="about", title="关于</script><b>我们", search_description="简介 & 说明")
        cls.draft = StandardPageFactory(parent=cls.home, slug="draft", title="草稿", live=False)

    def test_breadcrumbs_and_open_graph(self):
        html = self.client.get("/about/").content.decode()
        blocks = ld_blocks(html)
        crumbs = next(b for b in blocks if b["@type"] == "BreadcrumbList")
        self.assertEqual([i["name"] for i in crumbs["itemListElement"]], ["西宁乡村文旅门户", "关于</script><b>我们"])
        self.assertEqual(crumbs["itemListElement"][-1]["item"], self.about.get_full_url())
        self.assertIn('<meta property="og:description" content="简介 &amp; 说明">', html)
        self.assertIn(f'<link rel="canonical" href="{self.about.get_full_url()}">', html)
        self.assertNotIn("</script><b>", html.split("<body")[0].replace("\\u003c/script\\u003e", ""))

    def test_sitemap_lists_live_public_pages_only(self):
        response = self.client.get("/sitemap.xml")
        self.assertEqual(response.status_code, 200)
        tree = etree.fromstring(response.content)
        locs = {e.text for e in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
        self.assertIn(self.about.get_full_url(), locs)
        self.assertIn(self.routes.get_full_url(), locs)
        self.assertNotIn(self.draft.get_full_url(), locs)

    def test_robots_points_to_sitemap(self):
        body = self.client.get("/robots.txt").content.decode()
        self.assertIn("Sitemap: http://testserver/sitemap.xml", body)
        self.assertIn("Disallow: /admin/", body)

    def test_qr_only_for_pages_that_offer_it(self):
        self.assertEqual(self.client.get(f"/qr/{self.about.pk}.png").status_code, 404)
        self.assertEqual(self.client.get(f"/qr/{self.about.pk}.gif").status_code, 404)
        self.assertEqual(self.client.get("/qr/999999.png").status_code, 404)

    def test_qr_codes_decode_to_the_page_url(self):
        import io
        from unittest import mock

        import zxingcpp
        from PIL import Image

        from portal.models import StandardPage

        with mock.patch.object(StandardPage, "show_qr", True):
            png = self.client.get(f"/qr/{self.about.pk}.png")
            svg = self.client.get(f"/qr/{self.about.pk}.svg")
            html = self.client.get("/about/").content.decode()
        self.assertEqual(png["Content-Type"], "image/png")
        self.assertEqual(svg["Content-Type"], "image/svg+xml")
        self.assertIn(f"/qr/{self.about.pk}.svg", html)
        results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
        self.assertEqual([r.text for r in results], [self.about.get_full_url()])
        self.assertIn(b"<svg", svg.content)


# --- issue 12: structured data, sharing and the sitemap for every page type ----------------------


def meta(html: str, prop: str) -> str | None:
    m = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)">', html)
    return m.group(1) if m else None


def of_type(blocks: list[dict], kind: str) -> dict:
    found = [b for b in blocks if b.get("@type") == kind]
    assert len(found) == 1, f"expected one {kind} in {[b.get('@type') for b in blocks]}"
    return found[0]


class StructuredDataTests(TestCase):
    """Every detail page type carries JSON-LD of its schema.org type with the properties search engines need."""

    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        Image = get_image_model()
        cls.photo = Image.objects.create(title="测试照片", file=get_test_image_file(size=(900, 700)))
        cls.tiny = Image.objects.create(title="太小的图", file=get_test_image_file(size=(120, 90)))
        cls.routes = RouteIndexPageFactory(parent=cls.home)
        cls.route = RoutePageFactory(parent=cls.routes, title="湟中区西纳川休闲农业", slug="xinachuan", summary="从塔尔寺到卡阳。", hero_image=cls.photo)
        for n, (name, lon, lat) in enumerate([("青海藏文化馆", 101.5865, 36.4927), ("塔尔寺", 101.5671, 36.4901), ("乡趣卡阳", 101.42, 36.66)]):
            RouteStopFactory(page=cls.route, name=name, description=f"{name}简介", sort_order=n, location={"type": "Point", "coordinates": [lon, lat]})
        cls.homestays = HomestayIndexPageFactory(parent=cls.home)
        cls.homestay = HomestayPageFactory(
            parent=cls.homestays,
            title="卡阳花海小院",
            slug="kayang",
            township="拦隆口镇",
            village="卡阳村",
            amenities=["wifi", "parking", "breakfast"],
            image=cls.photo,
            rooms=[room(price=180), room("家庭房", price=360, capacity=4)],
        )
        cls.products = ProductIndexPageFactory(parent=cls.home)
        cls.product = ProductPageFactory(
            parent=cls.products,
            title="西纳川青稞面粉",
            slug="qingke-flour",
            brand_authorised=True,
            brand_licence_number="HHTY-示例-001",
            reference_price=Decimal("18.50"),
            producer=ProducerFactory(name="西纳川青稞合作社"),
            image=cls.photo,
        )
        cls.news_index = NewsIndexPageFactory(parent=cls.home)
        cls.news = NewsPageFactory(parent=cls.news_index, title="三条乡村旅游精品线路正式发布", slug="three-routes", image=cls.photo)
        start = timezone.make_aware(dt.datetime(2027, 7, 9, 9, 0))
        cls.event = EventPageFactory(
            parent=cls.news_index,
            title="大通老爷山花儿会",
            slug="huaerhui",
            event_start=start,
            event_end=start + dt.timedelta(days=2, hours=9),
            organiser="大通县人民政府",
        )
        cls.map = MapPageFactory(parent=cls.home)
        cls.about = StandardPageFactory(
            parent=cls.home, slug="about", title="关于我们", seo_title="关于西宁乡村文旅门户", search_description="门户简介。", share_image=cls.tiny
        )

    def blocks(self, page) -> tuple[str, list[dict]]:
        response = self.client.get(page.url)
        self.assertEqual(response.status_code, 200, page.url)
        html = response.content.decode()
        return html, ld_blocks(html)

    def test_breadcrumbs_on_every_page_type_below_home(self):
        for page in (
            self.routes,
            self.route,
            self.homestays,
            self.homestay,
            self.products,
            self.product,
            self.news_index,
            self.news,
            self.event,
            self.map,
            self.about,
        ):
            _html, blocks = self.blocks(page)
            crumbs = of_type(blocks, "BreadcrumbList")["itemListElement"]
            self.assertEqual([c["position"] for c in crumbs], list(range(1, len(crumbs) + 1)), page.url)
            self.assertEqual(crumbs[0]["item"], self.home.get_full_url())
            self.assertEqual(crumbs[-1]["item"], page.get_full_url())
            self.assertEqual(crumbs[-1]["name"], page.title)

    def test_home_page_is_the_website_with_its_search(self):
        _html, blocks = self.blocks(self.home)
        site = of_type(blocks, "WebSite")
        self.assertEqual(site["name"], "西宁乡村文旅门户")
        self.assertEqual(site["url"], "http://testserver/")
        self.assertEqual(site["inLanguage"], "zh-Hans")
        self.assertEqual(site["potentialAction"]["target"], "http://testserver/search/?q={search_term_string}")

    def test_route_is_a_tourist_trip_with_its_stops_in_order(self):
        _html, blocks = self.blocks(self.route)
        trip = of_type(blocks, "TouristTrip")
        self.assertEqual(trip["@context"], "https://schema.org")
        self.assertEqual(trip["name"], "湟中区西纳川休闲农业")
        self.assertEqual(trip["description"], "从塔尔寺到卡阳。")
        self.assertEqual(trip["url"], self.route.get_full_url())
        self.assertTrue(trip["image"].startswith("http://testserver/"))
        self.assertEqual(trip["touristType"], "休闲农业")
        self.assertEqual(trip["provider"]["@type"], "Organization")
        itinerary = trip["itinerary"]
        self.assertEqual(itinerary["@type"], "ItemList")
        self.assertEqual(itinerary["numberOfItems"], 3)
        items = itinerary["itemListElement"]
        self.assertEqual([i["position"] for i in items], [1, 2, 3])
        self.assertEqual([i["item"]["name"] for i in items], ["青海藏文化馆", "塔尔寺", "乡趣卡阳"])
        first = items[0]["item"]
        self.assertEqual(first["@type"], "TouristAttraction")
        self.assertEqual(first["description"], "青海藏文化馆简介")
        self.assertEqual(first["geo"], {"@type": "GeoCoordinates", "latitude": 36.4927, "longitude": 101.5865})

    def test_homestay_is_a_lodging_business(self):
        _html, blocks = self.blocks(self.homestay)
        lodging = of_type(blocks, "BedAndBreakfast")  # a schema.org LodgingBusiness
        self.assertEqual(lodging["name"], "卡阳花海小院")
        self.assertEqual(lodging["url"], self.homestay.get_full_url())
        self.assertEqual(lodging["address"]["@type"], "PostalAddress")
        self.assertEqual(lodging["address"]["addressCountry"], "CN")
        self.assertIn("卡阳村", lodging["address"]["streetAddress"])
        self.assertEqual(lodging["geo"]["@type"], "GeoCoordinates")
        self.assertEqual((lodging["geo"]["latitude"], lodging["geo"]["longitude"]), (36.66, 101.42))
        self.assertEqual(lodging["priceRange"], "CNY 180–360")
        self.assertEqual(lodging["telephone"], "13912345678")
        self.assertTrue(lodging["image"].startswith("http://testserver/"))
        self.assertEqual({f["@type"] for f in lodging["amenityFeature"]}, {"LocationFeatureSpecification"})
        self.assertEqual(len(lodging["amenityFeature"]), 3)
        self.assertTrue(all(f["value"] is True and f["name"] for f in lodging["amenityFeature"]))

    def test_product_has_brand_and_offer(self):
        _html, blocks = self.blocks(self.product)
        product = of_type(blocks, "Product")
        self.assertEqual(product["name"], "西纳川青稞面粉")
        self.assertEqual(product["url"], self.product.get_full_url())
        self.assertEqual(product["brand"], {"@type": "Brand", "name": "河湟田源"})
        self.assertEqual(product["offers"]["@type"], "Offer")
        self.assertEqual(product["offers"]["price"], "18.50")
        self.assertEqual(product["offers"]["priceCurrency"], "CNY")
        self.assertEqual(product["manufacturer"]["name"], "西纳川青稞合作社")
        self.assertTrue(product["image"].startswith("http://testserver/"))

    def test_news_is_a_news_article(self):
        _html, blocks = self.blocks(self.news)
        article = of_type(blocks, "NewsArticle")
        self.assertEqual(article["headline"], "三条乡村旅游精品线路正式发布")
        # Both moments with the zone, in Beijing time: the first publication, or 08:00 on the item's
        # date as the feeds give it (this item was created, never published through Wagtail).
        self.assertEqual(article["datePublished"], self.news.date.isoformat() + "T08:00:00+08:00")
        self.assertRegex(article["dateModified"], r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
        self.assertEqual(article["author"], {"@type": "Organization", "name": "西宁市文化旅游广电局"})
        self.assertEqual(article["publisher"]["@type"], "Organization")
        self.assertEqual(article["publisher"]["name"], "西宁乡村文旅门户")
        self.assertTrue(article["image"].startswith("http://testserver/"))
        self.assertEqual(article["url"], self.news.get_full_url())
        self.assertEqual([b for b in blocks if b["@type"] == "Event"], [])

    def test_event_is_an_event_in_beijing_time(self):
        _html, blocks = self.blocks(self.event)
        event = of_type(blocks, "Event")
        of_type(blocks, "NewsArticle")
        self.assertEqual(event["name"], "大通老爷山花儿会")
        self.assertEqual(event["startDate"], "2027-07-09T09:00:00+08:00")
        self.assertEqual(event["endDate"], "2027-07-11T18:00:00+08:00")
        self.assertEqual(event["eventStatus"], "https://schema.org/EventScheduled")
        self.assertEqual(event["location"]["@type"], "Place")
        self.assertEqual(
            event["location"]["address"],
            {"@type": "PostalAddress", "streetAddress": "大通县老爷山", "addressLocality": "西宁市", "addressRegion": "青海省", "addressCountry": "CN"},
        )
        self.assertEqual(event["location"]["geo"], {"@type": "GeoCoordinates", "latitude": 36.9317, "longitude": 101.6883})
        self.assertEqual(event["organizer"], {"@type": "Organization", "name": "大通县人民政府"})

    def test_json_ld_of_english_pages_is_english(self):
        en = Locale.objects.create(language_code="en")
        en_home, _ = translate_page(self.home, en, title="Xining Rural Portal")
        translate_page(self.routes, en, title="Routes")
        en_route, _ = translate_page(self.route, en, title="Xinachuan Leisure Agriculture Route", summary="From Kumbum to Kayang.")
        site = of_type(self.blocks(en_home)[1], "WebSite")
        self.assertEqual((site["name"], site["url"], site["inLanguage"]), ("Xining Rural Portal", "http://testserver/en/", "en"))
        self.assertEqual(site["potentialAction"]["target"], "http://testserver/en/search/?q={search_term_string}")
        _html, blocks = self.blocks(en_route)
        trip = of_type(blocks, "TouristTrip")
        self.assertEqual(trip["url"], "http://localhost/en/routes/xinachuan/")
        self.assertEqual(trip["touristType"], "Leisure farming")
        self.assertEqual(trip["provider"]["name"], "Xining Rural Portal")
        crumbs = of_type(blocks, "BreadcrumbList")["itemListElement"]
        self.assertEqual([c["name"] for c in crumbs], ["Xining Rural Portal", "Routes", "Xinachuan Leisure Agriculture Route"])

    # -- sharing -------------------------------------------------------------------------
    def test_open_graph_image_is_absolute_and_big_enough_for_wechat(self):
        for page in (self.route, self.homestay, self.product, self.news, self.home, self.routes, self.map, self.about):
            html, _blocks = self.blocks(page)
            image = meta(html, "og:image")
            self.assertIsNotNone(image, page.url)
            parts = urlsplit(image)
            self.assertEqual((parts.scheme, parts.netloc), ("http", "testserver"), image)
            self.assertGreaterEqual(int(meta(html, "og:image:width")), 300, page.url)
            self.assertGreaterEqual(int(meta(html, "og:image:height")), 300, page.url)
            self.assertTrue(meta(html, "og:title"), page.url)
        # the page's own picture, cropped square
        self.assertIn("fill-600x600", meta(self.blocks(self.homestay)[0], "og:image"))
        # a share image smaller than 300×300 is not used: the site's default picture is
        self.assertTrue(meta(self.blocks(self.about)[0], "og:image").endswith("/static/portal/img/share-default.png"))

    def test_default_share_image_file_is_600_square(self):
        from django.contrib.staticfiles import finders
        from PIL import Image

        with Image.open(finders.find("portal/img/share-default.png")) as img:
            self.assertEqual(img.size, (600, 600))

    def test_editors_seo_title_and_description(self):
        html, _blocks = self.blocks(self.about)
        self.assertIn("<title>关于西宁乡村文旅门户 · 西宁乡村文旅门户</title>", html)
        self.assertEqual(meta(html, "description"), "门户简介。")
        self.assertEqual(meta(html, "og:title"), "关于西宁乡村文旅门户")
        self.assertEqual(meta(html, "og:description"), "门户简介。")
        self.assertEqual(meta(html, "og:url"), self.about.get_full_url())

    def test_readable_urls(self):
        self.assertEqual(self.route.url, "/routes/xinachuan/")
        self.assertEqual(self.homestay.url, "/homestays/kayang/")
        self.assertEqual(self.product.url, "/products/qingke-flour/")

    # -- sitemap -------------------------------------------------------------------------
    def test_sitemap_has_every_public_page_in_both_languages_and_no_draft_or_private_page(self):
        en = Locale.objects.create(language_code="en")
        translate_page(self.home, en, title="Xining Rural Portal")
        translate_page(self.routes, en, title="Routes")
        en_route, _ = translate_page(self.route, en, title="Xinachuan Leisure Agriculture Route")
        draft = RoutePageFactory(parent=self.routes, slug="draft-route", live=False)
        private = StandardPageFactory(parent=self.home, slug="internal", title="内部")
        PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret")
        hidden_child = StandardPageFactory(parent=private, slug="child", title="内部子页")
        for page in Page.objects.filter(depth__gt=1).exclude(pk__in=[draft.pk]).specific():
            if page.last_published_at is None:
                page.save_revision().publish()

        tree = etree.fromstring(self.client.get("/sitemap.xml").content)
        ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
        urls = {u.findtext(f"{ns}loc"): u.findtext(f"{ns}lastmod") for u in tree.iter(f"{ns}url")}
        public = {p.get_full_url() for p in Page.objects.live().public().filter(depth__gt=1).specific()}
        # The products index adds its station list (there are no stations here); it has no lastmod.
        stations = self.products.get_full_url() + "stations/"
        self.assertEqual(set(urls), public | {stations})
        self.assertIsNone(urls.pop(stations))
        self.assertIn("http://localhost/en/routes/xinachuan/", urls)
        self.assertIn("http://localhost/en/", urls)
        self.assertIn(self.event.get_full_url(), urls)
        for page in (draft, private, hidden_child):
            self.assertNotIn(page.get_full_url(), urls)
        self.assertEqual([u for u, lastmod in urls.items() if not lastmod], [])
        self.assertEqual(urls[en_route.get_full_url()], timezone.localdate().isoformat())

    def test_qr_codes_of_every_detail_type_decode_to_their_page(self):
        import io

        import zxingcpp
        from PIL import Image

        for page in (self.route, self.homestay, self.product):
            png = self.client.get(f"/qr/{page.pk}.png")
            self.assertEqual(png.status_code, 200, page.url)
            self.assertEqual([r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))], [page.get_full_url()])
            svg = self.client.get(f"/qr/{page.pk}.svg")
            self.assertEqual(svg["Content-Type"], "image/svg+xml")
            self.assertIn(f"/qr/{page.pk}.png", self.client.get(page.url).content.decode())
        self.assertEqual(self.client.get(f"/qr/{self.news.pk}.png").status_code, 404)

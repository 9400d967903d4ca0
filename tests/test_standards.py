"""The portal's machine-readable output checked against the standards' own rules (issue 21).

- the sitemap and every route's GPX and KML download against the sitemaps.org, GPX 1.1 and KML 2.2
  XSDs shipped in tests/schemas/ (see its README for where each comes from), with lxml;
- the JSON-LD of every page type, in both languages, in the shape rich-results rules accept;
- all-day and multi-day events as dates in iCalendar (parsed with icalendar), JSON-LD and the page,
  while timed events stay timed in Asia/Shanghai.
"""

from __future__ import annotations

import datetime
import importlib
import json
import re
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from django.apps import apps
from django.test import SimpleTestCase, TestCase
from django.utils import timezone
from icalendar import Calendar
from lxml import etree
from wagtail.models import Page, Revision

from news.factories import EventPageFactory, NewsIndexPageFactory
from news.models import NewsPage
from portal.factories import make_site
from products.models import ProductPage, ServiceStation, opening_hours_spec
from routes.models import RoutePage
from tests.demo_db import load_demo

SCHEMAS = Path(__file__).parent / "schemas"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
SHANGHAI = ZoneInfo("Asia/Shanghai")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_WITH_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)$")
FEED_TYPES = {"application/rss+xml", "application/atom+xml", "text/calendar"}
OPENING_HOURS = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(-(Mo|Tu|We|Th|Fr|Sa|Su))? \d{2}:\d{2}-\d{2}:\d{2}$")


@cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def assert_valid(test, name: str, content: bytes, what: str):
    xsd = schema(name)
    doc = etree.fromstring(content)
    test.assertTrue(xsd.validate(doc), f"{what} is not valid against {name}: {xsd.error_log}")
    return doc


def ld_blocks(html: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def of_type(blocks: list[dict], kind: str) -> dict:
    found = [b for b in blocks if b.get("@type") == kind]
    assert len(found) == 1, f"expected one {kind} in {[b.get('@type') for b in blocks]}"
    return found[0]


def at(y, m, d, hh=0, mm=0, ss=0):
    return datetime.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


class SchemaFilesTests(SimpleTestCase):
    def test_the_schemas_load_and_reject_what_they_should(self):
        """The shipped XSDs are complete (KML's imports resolve locally) and not vacuous."""
        for name in ("sitemap-with-alternates.xsd", "gpx.xsd", "ogckml22.xsd"):
            schema(name)
        bad_sitemap = (
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">'
            b'<url><loc>http://example.com/</loc><xhtml:link rel="alternate" href="http://example.com/en/"/></url></urlset>'
        )
        self.assertFalse(schema("sitemap-with-alternates.xsd").validate(etree.fromstring(bad_sitemap)))  # no hreflang
        bad_gpx = b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="t"><trk><trkseg><trkpt lat="91" lon="0"/></trkseg></trk></gpx>'
        self.assertFalse(schema("gpx.xsd").validate(etree.fromstring(bad_gpx)))
        bad_kml = b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><Point><where/></Point></Placemark></Document></kml>'
        self.assertFalse(schema("ogckml22.xsd").validate(etree.fromstring(bad_kml)))


@pytest.mark.slow  # a whole-demo crawl: every feed and page type of the whole demo
class DemoStandardsTests(TestCase):
    """The demo site (both languages, 24 stations per language, three routes) as a crawler sees it."""

    @classmethod
    def setUpTestData(cls):
        load_demo()

    def get(self, url: str):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return response

    def path(self, full_url: str) -> str:
        return re.sub(r"^https?://[^/]+", "", full_url)

    # -- sitemap -------------------------------------------------------------------------------
    def test_sitemap_is_valid_and_lists_every_page_and_station_with_its_alternates(self):
        doc = assert_valid(self, "sitemap-with-alternates.xsd", self.get("/sitemap.xml").content, "/sitemap.xml")
        entries = {}
        for url in doc.iter(f"{SM}url"):
            links = {link.get("hreflang"): link.get("href") for link in url.iter(f"{XHTML}link")}
            entries[url.findtext(f"{SM}loc")] = links
        pages = {p.get_full_url() for p in Page.objects.live().public().filter(depth__gt=1).specific()}
        self.assertLessEqual(pages, set(entries))
        paths = {self.path(loc) for loc in entries}
        self.assertLessEqual({"/products/stations/", "/en/products/stations/"}, paths)
        for station in ServiceStation.objects.select_related("locale"):
            prefix = "/en" if station.locale.language_code == "en" else ""
            self.assertIn(f"{prefix}/products/stations/{station.pk}/", paths)
        self.assertEqual(len(paths - {self.path(p) for p in pages}), 2 + ServiceStation.objects.count())
        for loc, links in entries.items():
            # Every URL names itself among its alternates, and x-default is its Chinese copy.
            self.assertIn(loc, links.values(), loc)
            self.assertLessEqual(set(links), {"zh-Hans", "en", "x-default"}, loc)
            if "zh-Hans" in links:
                self.assertEqual(links["x-default"], links["zh-Hans"], loc)
            # Each alternate is itself in the sitemap and answers.
            for href in links.values():
                self.assertIn(href, entries, loc)
        # A page, the station list and a station are paired with their English copies.
        route = RoutePage.objects.get(slug="xinachuan", locale__language_code="zh-hans")
        self.assertEqual(self.path(entries[route.get_full_url()]["en"]), "/en/routes/xinachuan/")
        stations = next(loc for loc in entries if self.path(loc) == "/products/stations/")
        self.assertEqual(self.path(entries[stations]["en"]), "/en/products/stations/")
        zh = ServiceStation.objects.filter(locale__language_code="zh-hans").first()
        en = ServiceStation.objects.get(translation_key=zh.translation_key, locale__language_code="en")
        station = next(loc for loc in entries if self.path(loc) == f"/products/stations/{zh.pk}/")
        self.assertEqual(self.path(entries[station]["en"]), f"/en/products/stations/{en.pk}/")
        self.get(f"/en/products/stations/{en.pk}/")

    # -- downloads -----------------------------------------------------------------------------
    def test_every_route_download_is_valid_gpx_11_and_kml_22(self):
        routes = list(RoutePage.objects.live().public())
        self.assertGreaterEqual(len(routes), 6)  # three routes, two languages
        for route in routes:
            gpx = assert_valid(self, "gpx.xsd", self.get(route.url + "gpx/").content, route.url + "gpx/")
            kml = assert_valid(self, "ogckml22.xsd", self.get(route.url + "kml/").content, route.url + "kml/")
            self.assertTrue(gpx.findall(".//{http://www.topografix.com/GPX/1/1}trkpt"), route.url)
            self.assertTrue(kml.findall(".//{http://www.opengis.net/kml/2.2}LineString"), route.url)

    # -- JSON-LD -------------------------------------------------------------------------------
    def blocks(self, url: str) -> list[dict]:
        return ld_blocks(self.get(url).content.decode())

    def assert_breadcrumb(self, blocks, url_path: str, length: int):
        crumbs = of_type(blocks, "BreadcrumbList")["itemListElement"]
        self.assertEqual([c["position"] for c in crumbs], list(range(1, length + 1)), url_path)
        self.assertEqual(self.path(crumbs[-1]["item"]), url_path)
        self.assertTrue(all(c["name"] and c["item"].startswith("http") for c in crumbs))
        return crumbs

    def assert_postal_address(self, address: dict, english: bool):
        self.assertEqual(address["@type"], "PostalAddress")
        self.assertEqual((address["addressLocality"], address["addressRegion"]), ("Xining", "Qinghai") if english else ("西宁市", "青海省"))
        self.assertEqual(address["addressCountry"], "CN")
        self.assertTrue(address["streetAddress"])

    def test_products_offer_availability_and_always_have_a_brand(self):
        products = list(ProductPage.objects.live().public().select_related("locale"))
        self.assertEqual(len(products), 32)
        for product in products:
            data = of_type(self.blocks(product.url), "Product")
            self.assertEqual(data["brand"]["@type"], "Brand", product.url)
            self.assertTrue(data["brand"]["name"], product.url)
            if product.brand_authorised:
                self.assertEqual(data["brand"]["name"], "Hehuang Tianyuan" if product.locale.language_code == "en" else "河湟田源")
            offer = data["offers"]
            self.assertEqual(offer["priceCurrency"], "CNY")
            self.assertRegex(offer["price"], r"^\d+\.\d{2}$")
            expected = "InStock" if product.in_season() else "OutOfStock"
            self.assertEqual(offer["availability"], f"https://schema.org/{expected}", product.url)

    def test_news_articles_have_zoned_datetimes_and_events_a_place_with_a_postal_address(self):
        items = list(NewsPage.objects.live().public().select_related("locale"))
        self.assertEqual(len(items), 24)
        all_day = 0
        for item in items:
            english = item.locale.language_code == "en"
            blocks = self.blocks(item.url)
            self.assert_breadcrumb(blocks, item.url, 3)
            article = of_type(blocks, "NewsArticle")
            self.assertRegex(article["datePublished"], DATETIME_WITH_ZONE)
            self.assertRegex(article["dateModified"], DATETIME_WITH_ZONE)
            self.assertLessEqual(datetime.datetime.fromisoformat(article["datePublished"]), datetime.datetime.fromisoformat(article["dateModified"]))
            events = [b for b in blocks if b["@type"] == "Event"]
            self.assertEqual(len(events), 1 if item.is_event else 0, item.url)
            if not item.is_event:
                continue
            event = events[0]
            self.assertEqual(event["location"]["@type"], "Place")
            self.assert_postal_address(event["location"]["address"], english)
            self.assertEqual(set(event["location"]["geo"]), {"@type", "latitude", "longitude"})
            if item.all_day:
                all_day += 1
                self.assertEqual((event["startDate"], event["endDate"]), (item.first_day.isoformat(), item.last_day.isoformat()), item.url)
            else:
                self.assertRegex(event["startDate"], r"\+08:00$")
                self.assertRegex(event["endDate"], r"\+08:00$")
        self.assertEqual(all_day, 6)  # the flower season and two temple festivals, in two languages

    def test_stations_are_local_businesses_under_a_full_breadcrumb(self):
        for station in ServiceStation.objects.select_related("locale"):
            english = station.locale.language_code == "en"
            url = f"{'/en' if english else ''}/products/stations/{station.pk}/"
            blocks = self.blocks(url)
            crumbs = self.assert_breadcrumb(blocks, url, 4)
            self.assertEqual([self.path(c["item"]) for c in crumbs[:3]], [p if not english else "/en" + p for p in ("/", "/products/", "/products/stations/")])
            business = of_type(blocks, "LocalBusiness")
            self.assertEqual(business["name"], station.name)
            self.assertEqual(self.path(business["url"]), url)
            self.assert_postal_address(business["address"], english)
            self.assertEqual(business["geo"]["latitude"], round(station.location["coordinates"][1], 6))
            self.assertRegex(business["openingHours"], OPENING_HOURS)
        for url in ("/products/stations/", "/en/products/stations/"):
            self.assert_breadcrumb(self.blocks(url), url, 3)

    def test_every_page_type_carries_its_json_ld_in_both_languages(self):
        expected = {
            "/": ("WebSite",),
            "/routes/xinachuan/": ("TouristTrip",),
            "/homestays/kayang-huahai/": ("LodgingBusiness", "BedAndBreakfast", "Hotel", "Hostel"),
            "/products/datong-angelica/": ("Product",),
            "/news/three-routes-launch/": ("NewsArticle",),
        }
        for path, kinds in expected.items():
            for prefix in ("", "/en"):
                url = prefix + path if path != "/" else prefix + "/"
                blocks = self.blocks(url)
                data = [b for b in blocks if b["@type"] in kinds]
                self.assertEqual(len(data), 1, url)
                self.assertTrue(all(b["@context"] == "https://schema.org" for b in blocks), url)
                if path != "/":
                    self.assert_breadcrumb(blocks, url, 3)

    # -- feeds ---------------------------------------------------------------------------------
    def test_every_feed_is_well_formed_and_speaks_its_pages_language(self):
        """Every feed any page announces (RSS, Atom, iCalendar) and every event's own .ics: feedparser
        finds nothing malformed (bozo 0), icalendar parses it, and each item links into the feed's
        own language: an English feed lists English pages only."""
        feeds, event_files = {}, set()
        for page in Page.objects.live().public().filter(depth__gt=1).specific():
            html = self.get(page.url).content.decode()
            language = "en" if page.url.startswith("/en/") else "zh"
            for kind, href in re.findall(r'<link rel="alternate" type="([^"]+)"[^>]* href="([^"]+)"', html):
                if kind in FEED_TYPES:  # not the route's GPX/KML downloads, checked against their XSDs
                    feeds[href] = (kind, language)
            event_files.update((href, language) for href in re.findall(r'href="([^"]+/event\.ics)"', html))
        self.assertEqual({kind for kind, _ in feeds.values()}, FEED_TYPES)
        self.assertEqual({language for _, language in feeds.values()}, {"zh", "en"})
        self.assertTrue(event_files)

        def assert_language(url, links, language):
            self.assertTrue(links, url)
            for link in links:
                self.assertEqual(self.path(link).startswith("/en/"), language == "en", (url, link))

        for url, (kind, language) in sorted(feeds.items()):
            with self.subTest(url=url):
                response = self.get(url)
                self.assertEqual(response["Content-Type"].split(";")[0], kind)
                if kind == "text/calendar":
                    cal = Calendar.from_ical(response.content)
                    events = cal.walk("VEVENT")
                    assert_language(url, [str(e["url"]) for e in events], language)
                    for event in events:
                        self.assertTrue(event.get("uid") and event.get("dtstart") and event.get("summary"), url)
                    continue
                feed = feedparser.parse(response.content)
                self.assertEqual(feed.bozo, 0, (url, getattr(feed, "bozo_exception", None)))
                self.assertEqual(feed.feed.get("language", "").lower()[:2], language, url)
                assert_language(url, [entry.link for entry in feed.entries], language)
        for url, language in sorted(event_files):
            with self.subTest(url=url):
                events = Calendar.from_ical(self.get(url).content).walk("VEVENT")
                self.assertEqual(len(events), 1, url)
                assert_language(url, [str(events[0]["url"])], language)

    # -- calendars -----------------------------------------------------------------------------
    def test_all_day_events_are_dates_in_the_calendar_feed(self):
        for url in ("/news/events.ics", "/en/news/events.ics"):
            cal = Calendar.from_ical(self.get(url).content)
            events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
            self.assertTrue(events, url)
            index = "/en/news/" if url.startswith("/en") else "/news/"
            pages = [p for p in NewsPage.objects.live().upcoming() if p.url.startswith(index)]
            for page in pages:
                event = events[page.ics_uid]
                start, end = event.decoded("dtstart"), event.decoded("dtend")
                if page.all_day:
                    self.assertNotIsInstance(start, datetime.datetime)
                    self.assertEqual((start, end), (page.first_day, page.last_day + datetime.timedelta(days=1)))
                    self.assertEqual(event["dtstart"].params.get("VALUE"), "DATE")
                else:
                    self.assertIsInstance(start, datetime.datetime)
                    self.assertEqual(event["dtstart"].params.get("TZID"), "Asia/Shanghai")
                    self.assertEqual(start, page.event_start)


class AllDayEventTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = NewsIndexPageFactory(parent=cls.home)
        # Typed with times, as an editor might: the flag makes it the whole days.
        cls.season = EventPageFactory(parent=cls.index, slug="season", all_day=True, event_start=at(2027, 6, 1, 10), event_end=at(2027, 10, 15, 9))
        cls.timed = EventPageFactory(parent=cls.index, slug="timed", event_start=at(2027, 7, 9, 9), event_end=at(2027, 7, 11, 18))

    def test_an_all_day_event_is_stored_as_whole_days_in_beijing_time(self):
        self.season.refresh_from_db()
        self.assertEqual(timezone.localtime(self.season.event_start, SHANGHAI), at(2027, 6, 1))
        self.assertEqual(timezone.localtime(self.season.event_end, SHANGHAI), at(2027, 10, 15, 23, 59, 59))
        self.assertEqual((self.season.first_day, self.season.last_day), (datetime.date(2027, 6, 1), datetime.date(2027, 10, 15)))
        self.assertEqual(self.season.when_label, "2027年6月1日 – 10月15日")

    def test_the_page_shows_dates_only(self):
        html = self.client.get("/news/season/").content.decode()
        self.assertIn('<time datetime="2027-06-01">2027年6月1日 – 10月15日</time>', html)
        html = self.client.get("/news/timed/").content.decode()
        self.assertIn('<time datetime="2027-07-09T09:00:00+08:00">2027年7月9日 09:00 – 7月11日 18:00</time>', html)

    def test_ics_gives_dates_with_an_exclusive_end(self):
        body = self.client.get("/news/season/event.ics").content
        event = next(iter(Calendar.from_ical(body).walk("VEVENT")))
        self.assertEqual(event.decoded("dtstart"), datetime.date(2027, 6, 1))
        self.assertNotIsInstance(event.decoded("dtstart"), datetime.datetime)
        self.assertEqual(event.decoded("dtend"), datetime.date(2027, 10, 16))
        self.assertIn(b"DTSTART;VALUE=DATE:20270601", body)
        self.assertIn(b"DTEND;VALUE=DATE:20271016", body)
        self.assertNotIn(b"T000000", body.split(b"BEGIN:VEVENT")[1])

    def test_a_one_day_all_day_event_ends_the_next_day_in_ics(self):
        page = NewsPage(title="丰收节", slug="harvest", lead="x", is_event=True, all_day=True, venue="拦隆口镇", event_start=at(2027, 9, 23, 9))
        page.clean()
        self.index.add_child(instance=page)
        event = next(iter(Calendar.from_ical(self.client.get("/news/harvest/event.ics").content).walk("VEVENT")))
        self.assertEqual((event.decoded("dtstart"), event.decoded("dtend")), (datetime.date(2027, 9, 23), datetime.date(2027, 9, 24)))
        self.assertEqual(page.when_label, "2027年9月23日")

    def test_timed_events_stay_timed_in_asia_shanghai(self):
        body = self.client.get("/news/timed/event.ics").content
        self.assertIn(b"DTSTART;TZID=Asia/Shanghai:20270709T090000", body)
        self.assertIn(b"DTEND;TZID=Asia/Shanghai:20270711T180000", body)
        self.assertIn(b"BEGIN:VTIMEZONE", body)
        blocks = ld_blocks(self.client.get("/news/timed/").content.decode())
        event = of_type(blocks, "Event")
        self.assertEqual((event["startDate"], event["endDate"]), ("2027-07-09T09:00:00+08:00", "2027-07-11T18:00:00+08:00"))
        event = of_type(ld_blocks(self.client.get("/news/season/").content.decode()), "Event")
        self.assertEqual((event["startDate"], event["endDate"]), ("2027-06-01", "2027-10-15"))

    def test_upcoming_until_the_end_of_its_last_day(self):
        upcoming = NewsPage.objects.filter(pk=self.season.pk)
        self.assertTrue(upcoming.upcoming(now=at(2027, 10, 15, 23, 30)).exists())
        self.assertFalse(upcoming.upcoming(now=at(2027, 10, 16, 0, 0, 1)).exists())
        season = NewsPage.objects.get(pk=self.season.pk)
        self.assertEqual(season.event_status(now=at(2027, 10, 15, 23, 30)), "ongoing")
        self.assertEqual(season.event_status(now=at(2027, 10, 16, 0, 0, 1)), "past")
        # Listed under every month it runs in.
        self.assertTrue(NewsPage.objects.filter(pk=self.season.pk).in_period(2027, 10).exists())
        self.assertFalse(NewsPage.objects.filter(pk=self.season.pk).in_period(2027, 11).exists())

    def test_an_all_day_event_may_not_end_on_a_day_before_it_starts(self):
        from django.core.exceptions import ValidationError

        page = NewsPage(title="x", slug="x", lead="x", is_event=True, all_day=True, venue="v", event_start=at(2027, 6, 2, 10), event_end=at(2027, 6, 1, 12))
        with self.assertRaises(ValidationError):
            page.clean()
        # The same day at an earlier hour is fine: the times do not count.
        page.event_end = at(2027, 6, 2, 8)
        page.clean()
        self.assertEqual(page.last_day, datetime.date(2027, 6, 2))

    def test_the_migration_derives_the_flag_from_midnight_times(self):
        migration = importlib.import_module("news.migrations.0004_newspage_all_day")
        season = EventPageFactory(parent=self.index, slug="old-season", event_start=at(2026, 6, 1), event_end=at(2026, 10, 15, 23, 59))
        to_midnight = EventPageFactory(parent=self.index, slug="old-day", event_start=at(2026, 9, 23), event_end=at(2026, 9, 24))
        timed = EventPageFactory(parent=self.index, slug="old-timed", event_start=at(2026, 7, 9, 9), event_end=at(2026, 7, 11, 18))
        from_midnight = EventPageFactory(parent=self.index, slug="old-night", event_start=at(2026, 1, 1), event_end=at(2026, 1, 1, 2))
        for page in (season, to_midnight, timed, from_midnight):
            page.save_revision()
        migration.derive_all_day(apps, None)
        flags = dict(NewsPage.objects.filter(slug__startswith="old-").values_list("slug", "all_day"))
        self.assertEqual(flags, {"old-season": True, "old-day": True, "old-timed": False, "old-night": False})
        day = NewsPage.objects.get(slug="old-day")
        self.assertEqual((day.first_day, day.last_day), (datetime.date(2026, 9, 23), datetime.date(2026, 9, 23)))
        # The editor opening it next sees the flag (the latest revision has it).
        revision = Revision.objects.get(pk=day.latest_revision_id)
        self.assertTrue(revision.as_object().all_day)
        self.assertEqual(revision.as_object().last_day, datetime.date(2026, 9, 23))


class OpeningHoursTests(SimpleTestCase):
    def test_what_the_station_sheet_says_becomes_schema_org_opening_hours(self):
        cases = {
            "09:00-18:00": ["Mo-Su 09:00-18:00"],
            "8:30–17:30": ["Mo-Su 08:30-17:30"],
            "每天 9：00至18：00": ["Mo-Su 09:00-18:00"],
            "周一至周五 9:00-17:00；周六 9:00-12:00": ["Mo-Fr 09:00-17:00", "Sa 09:00-12:00"],
            "星期一到星期日 08:00-20:00": ["Mo-Su 08:00-20:00"],
            "": [],
            "农忙时节延长": [],
            "09:00-18:00，农忙时节延长": [],  # not everything can be read: nothing rather than half
            "25:00-26:00": [],
        }
        for text, expected in cases.items():
            self.assertEqual(opening_hours_spec(text), expected, text)

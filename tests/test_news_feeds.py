"""Subscriptions: RSS 2.0 and Atom (feedparser), the iCalendar feed and per-event .ics (icalendar)."""

import datetime
from zoneinfo import ZoneInfo

import feedparser
from django.test import TestCase
from django.utils import timezone
from icalendar import Calendar
from wagtail.models import PageViewRestriction

from news.factories import EventPageFactory, NewsIndexPageFactory, NewsPageFactory
from portal.factories import make_site

SHANGHAI = ZoneInfo("Asia/Shanghai")


class FeedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = NewsIndexPageFactory(parent=cls.home)
        now = timezone.now()
        cls.news = NewsPageFactory(
            parent=cls.index,
            title="三条乡村旅游精品线路正式发布",
            slug="routes-launch",
            date=datetime.date(2026, 5, 20),
            lead="西纳川、窎沟、湟源 & 三条线路 <发布>",
        )
        cls.news.tags.add("乡村旅游")
        cls.news.save_revision().publish()
        cls.huaer = EventPageFactory(
            parent=cls.index,
            title="2027年大通老爷山花儿会",
            slug="huaerhui-2027",
            event_start=datetime.datetime(2027, 7, 9, 9, tzinfo=SHANGHAI),
            event_end=datetime.datetime(2027, 7, 11, 18, tzinfo=SHANGHAI),
            venue="大通县桥头镇老爷山",
            lunar_note="每年农历六月初六前后",
            organiser="大通回族土族自治县人民政府",
            admission="免费",
        )
        cls.paideng = EventPageFactory(
            parent=cls.index,
            title="丹噶尔古城腊八排灯",
            slug="paideng",
            venue="湟源县丹噶尔古城",
            venue_location=None,
            event_start=now + datetime.timedelta(days=2),
            event_end=now + datetime.timedelta(days=2, hours=4),
        )
        cls.past = EventPageFactory(
            parent=cls.index,
            title="已结束的丰收节",
            slug="harvest-past",
            event_start=now - datetime.timedelta(days=3),
            event_end=now - datetime.timedelta(days=2),
        )
        cls.draft = EventPageFactory(parent=cls.index, title="草稿活动", slug="draft-event", live=False)
        cls.private = EventPageFactory(parent=cls.index, title="内部活动", slug="private-event")
        PageViewRestriction.objects.create(page=cls.private, restriction_type=PageViewRestriction.PASSWORD, password="secret")

    def get_feed(self, url, content_type):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], content_type)
        feed = feedparser.parse(response.content)
        self.assertEqual(feed.bozo, 0, getattr(feed, "bozo_exception", None))
        return feed

    def test_rss(self):
        feed = self.get_feed("/news/feed/rss/", "application/rss+xml; charset=utf-8")
        self.assertEqual(feed.version, "rss20")
        titles = [e.title for e in feed.entries]
        self.assertCountEqual(titles, ["三条乡村旅游精品线路正式发布", "2027年大通老爷山花儿会", "丹噶尔古城腊八排灯", "已结束的丰收节"])
        entry = next(e for e in feed.entries if e.title == "三条乡村旅游精品线路正式发布")
        self.assertEqual(entry.link, "http://testserver/news/routes-launch/")
        self.assertEqual(entry.summary, "西纳川、窎沟、湟源 & 三条线路 <发布>")
        self.assertEqual([t.term for t in entry.tags], ["乡村旅游"])
        self.assertEqual(entry.published_parsed[:3], (2026, 5, 20))
        event = next(e for e in feed.entries if e.title == "2027年大通老爷山花儿会")
        self.assertIn("2027年7月9日 09:00 – 7月11日 18:00 · 大通县桥头镇老爷山", event.summary)

    def test_atom(self):
        feed = self.get_feed("/news/feed/atom/", "application/atom+xml; charset=utf-8")
        self.assertEqual(feed.version, "atom10")
        self.assertEqual(len(feed.entries), 4)
        self.assertTrue(all(e.id and e.updated for e in feed.entries))
        self.assertEqual(feed.feed.links[-1].href if feed.feed.links[-1].rel == "self" else feed.feed.links[0].href, "http://testserver/news/feed/atom/")

    def test_feeds_exclude_drafts_and_private_pages(self):
        for url in ("/news/feed/rss/", "/news/feed/atom/", "/news/events.ics"):
            body = self.client.get(url).content.decode()
            self.assertNotIn("草稿活动", body, url)
            self.assertNotIn("内部活动", body, url)

    def parse_ics(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        return Calendar.from_ical(response.content)

    def test_events_ics(self):
        cal = self.parse_ics(self.client.get("/news/events.ics"))
        events = cal.walk("VEVENT")
        self.assertEqual([str(e["SUMMARY"]) for e in events], ["丹噶尔古城腊八排灯", "2027年大通老爷山花儿会"])  # upcoming only, soonest first
        for event in events:
            for prop in ("DTSTART", "DTEND", "SUMMARY", "LOCATION", "UID", "DTSTAMP", "URL", "DESCRIPTION"):
                self.assertIn(prop, event, f"{event['SUMMARY']} lacks {prop}")
        huaer = events[1]
        self.assertEqual(str(huaer["UID"]), f"news-{self.huaer.translation_key}@xining-rural")
        self.assertEqual(huaer.decoded("DTSTART"), datetime.datetime(2027, 7, 9, 9, tzinfo=SHANGHAI))
        self.assertEqual(huaer["DTSTART"].params["TZID"], "Asia/Shanghai")
        self.assertEqual(str(huaer["LOCATION"]), "大通县桥头镇老爷山")
        self.assertEqual(str(huaer["URL"]), "http://testserver/news/huaerhui-2027/")
        self.assertIn("农历：每年农历六月初六前后", str(huaer["DESCRIPTION"]))
        self.assertAlmostEqual(float(huaer["GEO"].latitude), 36.9317)
        self.assertEqual([tz["TZID"] for tz in cal.walk("VTIMEZONE")], ["Asia/Shanghai"])

    def test_uid_stable_across_requests_and_edits(self):
        first = self.client.get("/news/events.ics").content
        self.assertEqual(first, self.client.get("/news/events.ics").content)
        uids = [str(e["UID"]) for e in Calendar.from_ical(first).walk("VEVENT")]
        self.huaer.title = "2027年老爷山花儿会（更新）"
        self.huaer.slug = "laoyeshan-2027"
        self.huaer.save_revision().publish()
        again = Calendar.from_ical(self.client.get("/news/events.ics").content).walk("VEVENT")
        self.assertEqual([str(e["UID"]) for e in again], uids)
        self.assertIn("2027年老爷山花儿会（更新）", [str(e["SUMMARY"]) for e in again])

    def test_event_ics_download(self):
        response = self.client.get("/news/huaerhui-2027/event.ics")
        cal = self.parse_ics(response)
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="huaerhui-2027.ics"')
        (event,) = cal.walk("VEVENT")
        self.assertEqual(str(event["UID"]), f"news-{self.huaer.translation_key}@xining-rural")
        self.assertEqual(event.decoded("DTEND"), datetime.datetime(2027, 7, 11, 18, tzinfo=SHANGHAI))
        # A past event still downloads (it stays as news); plain news and hidden pages do not.
        self.assertEqual(self.client.get("/news/harvest-past/event.ics").status_code, 200)
        self.assertEqual(self.client.get("/news/routes-launch/event.ics").status_code, 404)
        self.assertEqual(self.client.get("/news/draft-event/event.ics").status_code, 404)
        private = self.client.get("/news/private-event/event.ics")  # Wagtail's password form, not the event
        self.assertNotIn("text/calendar", private["Content-Type"])
        self.assertNotIn("BEGIN:VEVENT", private.content.decode())
        self.assertEqual(self.client.get("/news/no-such-page/event.ics").status_code, 404)

    def test_calendar_in_english_urls(self):
        self.assertEqual(self.client.get("/en/news/events.ics").status_code, 200)

    def test_unicode_slug_event_ics(self):
        page = EventPageFactory(parent=self.index, title="湟源排灯节", slug="湟源排灯")  # a slug an editor chose in Chinese
        response = self.client.get(page.ics_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("filename*=utf-8''", response["Content-Disposition"])

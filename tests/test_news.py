"""/news/: the listing, its filters and tabs, pagination, query counts, the news/event page."""

import datetime
import json
import re
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from taggit.models import Tag
from wagtail.models import PageViewRestriction
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield
from wagtail_factories import ImageFactory

from news.factories import EventPageFactory, NewsIndexPageFactory, NewsPageFactory
from news.models import RELATED_PAGE_TYPES, NewsIndexPage, NewsPage, NewsPageRelatedPage, installed_models, lunar_label, month_bounds
from portal.factories import StandardPageFactory, make_site

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=9, minute=0):
    return datetime.datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


class NewsListingTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = NewsIndexPageFactory(parent=cls.home)
        now = timezone.now()
        cls.routes_news = NewsPageFactory(parent=cls.index, title="三条乡村旅游精品线路正式发布", slug="routes-launch", date=datetime.date(2026, 5, 20))
        cls.routes_news.tags.add("乡村旅游")
        cls.routes_news.save_revision().publish()
        cls.old_news = NewsPageFactory(parent=cls.index, title="三乡工程助推乡村振兴", slug="sanxiang", date=datetime.date(2021, 7, 21))
        cls.upcoming = EventPageFactory(
            parent=cls.index, title="老爷山花儿会", slug="huaerhui", event_start=now + datetime.timedelta(days=20), event_end=now + datetime.timedelta(days=22)
        )
        cls.upcoming.tags.add("花儿会", "节庆")
        cls.upcoming.save_revision().publish()
        cls.soon = EventPageFactory(
            parent=cls.index,
            title="丹噶尔古城腊八排灯",
            slug="paideng",
            event_start=now + datetime.timedelta(days=3),
            event_end=now + datetime.timedelta(days=3, hours=4),
        )
        cls.ongoing = EventPageFactory(
            parent=cls.index, title="边麻沟花海花季", slug="huahai", event_start=now - datetime.timedelta(days=30), event_end=now + datetime.timedelta(days=30)
        )
        cls.past = EventPageFactory(
            parent=cls.index,
            title="2026年中国农民丰收节",
            slug="harvest-2026",
            event_start=now - datetime.timedelta(days=60),
            event_end=now - datetime.timedelta(days=59),
        )
        cls.flowers_2027 = EventPageFactory(
            parent=cls.index, title="2027年花海", slug="flowers-2027", event_start=at(2027, 6, 1, 0), event_end=at(2027, 10, 15, 23, 59)
        )
        cls.draft = NewsPageFactory(parent=cls.index, title="草稿资讯", slug="draft", live=False)
        cls.draft_event = EventPageFactory(parent=cls.index, title="草稿活动", slug="draft-event", live=False)
        cls.private = EventPageFactory(parent=cls.index, title="内部活动", slug="private-event")
        PageViewRestriction.objects.create(page=cls.private, restriction_type=PageViewRestriction.PASSWORD, password="secret")

    def titles(self, response):
        return [item.title for item in response.context["items"]]

    def test_page_types_and_routes(self):
        self.assertAllowedSubpageTypes(NewsIndexPage, {NewsPage})
        self.assertAllowedParentPageTypes(NewsPage, {NewsIndexPage})
        self.assertPageIsRenderable(self.index)
        self.assertPageIsRenderable(self.upcoming)
        self.assertPageIsRoutable(self.index, "feed/rss/")
        self.assertPageIsRoutable(self.index, "feed/atom/")
        self.assertPageIsPreviewable(self.index, post_data={"title": "节庆资讯", "slug": "news", "intro": rich_text("<p>预览</p>")})

    def test_preview(self):
        data = {
            "title": "预览活动",
            "slug": "huaerhui",
            "date": "2027-07-01",
            "lead": "预览导语",
            "body": streamfield([("paragraph", rich_text("<p>正文</p>"))]),
            "tags": "花儿会",
            "is_event": "on",
            "event_start": "2027-07-09 09:00",
            "event_end": "2027-07-11 18:00",
            "venue": "大通县老爷山",
            "venue_location": '{"type": "Point", "coordinates": [101.6883, 36.9317]}',
            "related_links": inline_formset([]),
        }
        self.assertPageIsPreviewable(self.upcoming, post_data=nested_form_data(data))

    def test_listing_excludes_drafts_and_private_pages(self):
        response = self.client.get("/news/")
        self.assertEqual(response.status_code, 200)
        titles = self.titles(response)
        self.assertEqual(len(titles), 7)
        for hidden in ("草稿资讯", "草稿活动", "内部活动"):
            self.assertNotIn(hidden, titles)
            self.assertNotContains(response, hidden)

    def test_autodiscovery_links(self):
        response = self.client.get("/news/")
        self.assertContains(response, '<link rel="alternate" type="application/rss+xml" title="节庆资讯 RSS" href="/news/feed/rss/">', html=True)
        self.assertContains(response, '<link rel="alternate" type="application/atom+xml" title="节庆资讯 Atom" href="/news/feed/atom/">', html=True)
        self.assertContains(response, '<link rel="alternate" type="text/calendar" title="近期节庆活动日历" href="/news/events.ics">', html=True)

    def test_upcoming_tab_lists_events_not_ended_soonest_first(self):
        response = self.client.get("/news/?show=upcoming")
        self.assertEqual(response.status_code, 200)
        # The ongoing flower season has not ended: it is still "upcoming" (and labelled 进行中).
        self.assertEqual(self.titles(response), ["边麻沟花海花季", "丹噶尔古城腊八排灯", "老爷山花儿会", "2027年花海"])
        self.assertContains(response, "进行中")
        self.assertContains(response, 'href="?show=upcoming" aria-current="page"')

    def test_past_tab_lists_ended_events(self):
        response = self.client.get("/news/?show=past")
        self.assertEqual(self.titles(response), ["2026年中国农民丰收节"])
        self.assertContains(response, "已结束")

    def test_filter_by_tag(self):
        response = self.client.get("/news/", {"tag": self.upcoming.tags.get(name="花儿会").slug})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.titles(response), ["老爷山花儿会"])
        self.assertContains(response, "“花儿会”")

    def test_filter_by_year_and_month(self):
        self.assertEqual(self.titles(self.client.get("/news/?year=2026&month=5")), ["三条乡村旅游精品线路正式发布"])
        self.assertEqual(self.titles(self.client.get("/news/?year=2021")), ["三乡工程助推乡村振兴"])
        # An event is listed under every month it runs in.
        self.assertEqual(self.titles(self.client.get("/news/?year=2027&month=8")), ["2027年花海"])
        self.assertEqual(self.titles(self.client.get("/news/?year=2027&month=11")), [])
        self.assertEqual(self.titles(self.client.get("/news/?show=upcoming&year=2027&month=7")), ["2027年花海"])

    def test_month_bounds_are_beijing_time(self):
        start, end = month_bounds(2027, 12)
        self.assertEqual((start.isoformat(), end.isoformat()), ("2027-12-01T00:00:00+08:00", "2028-01-01T00:00:00+08:00"))
        # 23:30 on 31 May Beijing time is 15:30 UTC the same day: it belongs to May, not June.
        late = EventPageFactory(parent=self.index, slug="late", title="五月末夜场", event_start=at(2026, 5, 31, 23, 30), event_end=at(2026, 5, 31, 23, 50))
        self.assertIn(late.title, self.titles(self.client.get("/news/?year=2026&month=5")))
        self.assertNotIn(late.title, self.titles(self.client.get("/news/?year=2026&month=6")))

    def test_bad_filter_values_are_ignored_with_a_message(self):
        for query, field in [
            ("year=abc", "年份"),
            ("year=1800", "年份"),
            ("month=13&year=2026", "月份"),
            ("month=5", "月份"),
            ("tag=no-such-tag", "标签"),
            ("show=everything", "类别"),
            ("page=0", "页码"),
            ("page=x", "页码"),
            ("page=99", "页码"),
        ]:
            with self.subTest(query=query):
                response = self.client.get("/news/?" + query)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, "部分筛选条件无效，已忽略", status_code=400)
                self.assertContains(response, field, status_code=400)
                self.assertTrue(self.titles(response), "the listing is still shown, unfiltered")
        # A NUL byte is refused before any view (portal.request_checks): a plain 400, no listing.
        response = self.client.get("/news/?year=2026%00")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "invalid characters", status_code=400)

    def test_valid_filters_survive_a_bad_one(self):
        response = self.client.get("/news/?show=past&year=abc")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.titles(response), ["2026年中国农民丰收节"])

    def test_event_page_shows_event_facts_and_calendar_link(self):
        response = self.client.get(self.upcoming.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "大通县老爷山")
        self.assertContains(response, 'href="/news/huaerhui/event.ics" download')
        self.assertContains(response, "即将开始")
        self.assertContains(response, 'id="event-geo"')
        self.assertContains(response, 'href="/news/?tag=')
        data = [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode())]
        event = next(d for d in data if d["@type"] == "Event")
        self.assertEqual(event["startDate"], self.upcoming.local_start.isoformat(timespec="seconds"))
        self.assertTrue(event["startDate"].endswith("+08:00"))
        self.assertEqual(event["location"]["geo"], {"@type": "GeoCoordinates", "latitude": 36.9317, "longitude": 101.6883})
        self.assertIn("NewsArticle", [d["@type"] for d in data])
        past = self.client.get(self.past.url)
        self.assertContains(past, "已结束")
        self.assertNotContains(past, "event.ics")

    def test_plain_news_page_has_no_event_box(self):
        response = self.client.get(self.routes_news.url)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "活动信息")
        self.assertEqual(self.client.get(self.routes_news.url + "event.ics").status_code, 404)


class NewsPaginationAndQueryCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = NewsIndexPageFactory(parent=cls.home)
        cls.image = ImageFactory()

    def add_items(self, n, start=0):
        for i in range(start, start + n):
            factory = EventPageFactory if i % 2 else NewsPageFactory
            page = factory(parent=self.index, title=f"资讯 {i}", slug=f"n-{i}", date=datetime.date(2026, 1, 1) + datetime.timedelta(days=i), image=self.image)
            page.tags.add(f"标签{i % 5}", "节庆")
            page.save()

    def count_queries(self, url):
        self.client.get(url)  # renditions are created on the first view
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(ctx.captured_queries)

    def chrome_queries(self):
        """What base.html (site, menu, settings, language switcher) costs on a plain page: not ours."""
        StandardPageFactory(parent=self.home, slug="about")
        return self.count_queries("/about/")

    def test_pagination(self):
        self.add_items(30)
        first = self.client.get("/news/")
        self.assertEqual(len(first.context["items"]), 12)
        self.assertEqual(first.context["items"][0].title, "资讯 29")
        self.assertContains(first, 'href="?page=2" rel="next"')
        third = self.client.get("/news/?page=3")
        self.assertEqual([p.title for p in third.context["items"]], [f"资讯 {i}" for i in range(5, -1, -1)])
        self.assertContains(third, 'href="?page=2" rel="prev"')
        self.assertContains(third, "第 3 / 3 页")
        slug = Tag.objects.get(name="节庆").slug
        tagged = self.client.get("/news/", {"tag": slug, "page": 2})
        self.assertEqual(tagged.status_code, 200)
        self.assertContains(tagged, f'href="?{escape(urlencode({"tag": slug, "page": 1}))}" rel="prev"')

    def test_query_count_does_not_grow_with_items(self):
        chrome = self.chrome_queries()
        self.add_items(10)
        urls = [
            "/news/",
            "/news/?show=upcoming",
            "/news/?" + urlencode({"year": 2026, "month": 1, "tag": Tag.objects.get(name="节庆").slug}),
            "/news/feed/rss/",
            "/news/feed/atom/",
            "/news/events.ics",
        ]
        ten = {url: self.count_queries(url) for url in urls}
        self.add_items(40, start=10)
        fifty = {url: self.count_queries(url) for url in urls}
        self.assertEqual(ten, fifty)
        for url, count in fifty.items():
            self.assertLessEqual(count, chrome + 8, url)

    def test_event_page_query_count_is_small(self):
        chrome = self.chrome_queries()
        self.add_items(2)
        page = NewsPage.objects.get(slug="n-1")
        page.related_links = [NewsPageRelatedPage(page=self.home)]
        page.save_revision().publish()
        self.assertLessEqual(self.count_queries(page.url), chrome + 10)
        self.assertLessEqual(self.count_queries(page.ics_url), 12)


class NewsModelTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = NewsIndexPageFactory(parent=cls.home)

    def test_event_needs_start_and_venue_and_sane_end(self):
        from django.core.exceptions import ValidationError

        page = NewsPage(title="活动", slug="e", lead="x", is_event=True)
        with self.assertRaises(ValidationError) as err:
            page.clean()
        self.assertEqual(set(err.exception.message_dict), {"event_start", "venue"})
        page = NewsPage(title="活动", slug="e", lead="x", is_event=True, venue="塔尔寺", event_start=at(2027, 2, 20, 18), event_end=at(2027, 2, 20, 17))
        with self.assertRaises(ValidationError) as err:
            page.clean()
        self.assertIn("event_end", err.exception.message_dict)

    def test_one_day_event_ends_at_midnight_beijing_time(self):
        page = NewsPage(title="腊八排灯", slug="laba", lead="x", is_event=True, venue="丹噶尔古城", event_start=at(2027, 1, 15, 18))
        page.clean()
        self.assertEqual(page.event_end, at(2027, 1, 15, 23, 59) + datetime.timedelta(seconds=59))
        self.assertEqual(page.when_label, "2027年1月15日 18:00")

    def test_when_label(self):
        page = NewsPage(is_event=True, event_start=at(2027, 7, 9, 9), event_end=at(2027, 7, 11, 18))
        self.assertEqual(page.when_label, "2027年7月9日 09:00 – 7月11日 18:00")
        season = NewsPage(is_event=True, all_day=True, event_start=at(2027, 6, 1, 0), event_end=at(2027, 10, 15, 23, 59))
        self.assertEqual(season.when_label, "2027年6月1日 – 10月15日")
        # Stored in UTC, shown in Beijing time.
        utc = NewsPage(is_event=True, event_start=datetime.datetime(2027, 9, 23, 1, tzinfo=datetime.UTC), event_end=at(2027, 9, 23, 17))
        self.assertEqual(utc.when_label, "2027年9月23日 09:00–17:00")

    def test_lunar_label(self):
        # 老爷山花儿会: the 6th day of the 6th lunar month.
        self.assertEqual(lunar_label(datetime.date(2027, 7, 9)), "农历六月初六")
        self.assertEqual(lunar_label(datetime.date(2026, 7, 19)), "农历六月初六")
        self.assertEqual(lunar_label(datetime.date(2027, 2, 20)), "农历正月十五")
        self.assertEqual(lunar_label(datetime.date(2027, 1, 15)), "农历腊月初八")
        self.assertEqual(lunar_label(datetime.date(2025, 8, 12)), "农历闰六月十九")

    def test_card_properties(self):
        news = NewsPageFactory(parent=self.index, date=datetime.date(2026, 5, 20), source="西宁市文化旅游广电局", lead="三条线路发布")
        self.assertEqual(news.card_meta, "2026-05-20 · 西宁市文化旅游广电局")
        self.assertEqual(news.card_summary, "三条线路发布")
        event = EventPageFactory(parent=self.index, event_start=at(2027, 7, 9, 9), event_end=at(2027, 7, 11, 18))
        self.assertEqual(event.card_meta, "2027年7月9日 09:00 – 7月11日 18:00 · 大通县老爷山")

    def test_editor_admin_forms_render(self):
        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
        self.client.force_login(admin)
        event = EventPageFactory(parent=self.index)
        event.related_links = [NewsPageRelatedPage(page=self.home)]
        event.save()
        response = self.client.get(f"/admin/pages/{event.pk}/edit/")
        self.assertEqual(response.status_code, 200)
        # The related-page chooser offers routes, homestays and products: those of them installed.
        chooser = re.search(r'new PageChooser\("id_related_links-0-page", (\{.*?\})\);', response.content.decode())
        model_names = json.loads(chooser.group(1))["modelNames"]
        self.assertEqual(model_names, [m.lower() for m in installed_models(RELATED_PAGE_TYPES)])
        self.assertIn("routes.routepage", model_names)
        self.assertIn("products.productpage", model_names)
        self.assertEqual(self.client.get(f"/admin/pages/add/news/newspage/{self.index.pk}/").status_code, 200)

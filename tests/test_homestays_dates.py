"""Free rooms by date, season prices and house rules, as a visitor meets them; inquiry statuses and
reply times as owners and editors meet them (issue 25).

The clock is frozen at a Thursday in Xining (time_machine), so "the next Friday" and "90 days" mean
the same on every run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from wagtail.models import Locale, PageViewRestriction

from homestays.availability import calendar_days, quotes, set_nights, with_free_capacity
from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory, point, room
from homestays.models import DayStatus, HomestayPage, HomestayRoom, Inquiry, InquiryStatus, RoomNight, Season, SeasonPeriod
from homestays.owners import grant_listing
from portal.factories import make_site

User = get_user_model()
XINING = ZoneInfo("Asia/Shanghai")
# Thursday 2027-07-01, 10:00 in Xining: 7月2日 is a Friday.
NOW = dt.datetime(2027, 7, 1, 10, 0, tzinfo=XINING)
TODAY = NOW.date()
FRI, SAT, SUN, MON = (TODAY + dt.timedelta(days=n) for n in (1, 2, 3, 4))


def d(day: int, month: int = 7) -> dt.date:
    return dt.date(2027, month, day)


def titles(response) -> list[str]:
    return [p.title for p in response.context["homestays"]]


@time_machine.travel(NOW, tick=False)
class DatesFixture(TestCase):
    @classmethod
    def setUpTestData(cls):
        with time_machine.travel(NOW, tick=False):
            cls.home = make_site()
            cls.index = HomestayIndexPageFactory(parent=cls.home)
            cls.owner1 = User.objects.create_user("owner1", email="o1@example.com", password="pw")
            cls.owner2 = User.objects.create_user("owner2", email="o2@example.com", password="pw")
            cls.editor = User.objects.create_superuser("editor", email="ed@example.com", password="pw")
            cls.kayang = HomestayPageFactory(
                parent=cls.index,
                title="卡阳花海小院",
                slug="kayang",
                location=point(101.4175, 36.6628),
                rooms=[
                    HomestayRoom(room_type="大床房", price_per_night=300, capacity=2, weekend_price=360, peak_price=420, festival_price=600),
                    HomestayRoom(room_type="家庭房", price_per_night=500, capacity=4),
                ],
                seasons=[
                    SeasonPeriod(kind=Season.PEAK, name="暑期", start=d(10), end=d(31)),
                    SeasonPeriod(kind=Season.FESTIVAL, name="花儿会", start=d(15), end=d(16)),
                ],
                children="yes",
                pets="no",
                smoking="no",
                max_guests=5,
                cancellation="strict",
                cancellation_note="节庆期间定金不退",
            )
            cls.qingke = HomestayPageFactory(parent=cls.index, title="青稞园", slug="qingke", location=point(101.45, 36.70), rooms=[room("炕房", 260, 4)])
            cls.riyue = HomestayPageFactory(parent=cls.index, title="日月山牧帐", slug="riyue", location=point(101.10, 36.44), rooms=[room("大牧帐", 720, 6)])
            grant_listing(cls.owner1, cls.kayang)
            grant_listing(cls.owner2, cls.qingke)
            cls.big, cls.family = list(cls.kayang.rooms.order_by("sort_order", "pk"))
            cls.kang = cls.qingke.rooms.get()
            cls.tent = cls.riyue.rooms.get()
            # This weekend: 卡阳's 大床房 full on Friday, 青稞园 full both nights, 日月山 closed.
            RoomNight.objects.create(room=cls.big, date=FRI, status=DayStatus.FULL)
            RoomNight.objects.bulk_create([RoomNight(room=cls.kang, date=day, status=DayStatus.FULL) for day in (FRI, SAT)])
            RoomNight.objects.bulk_create([RoomNight(room=cls.tent, date=day, status=DayStatus.CLOSED) for day in (FRI, SAT, SUN)])

    def setUp(self):
        cache.clear()


class PricesTests(DatesFixture):
    def test_price_on_a_night_follows_weekday_weekend_peak_festival(self):
        seasons = list(self.kayang.seasons.all())
        (q,) = [q for q in quotes([self.big], seasons, d(8), d(17)) if q.room == self.big]
        by_night = {night: price for night, price, _kind in q.per_night}
        self.assertEqual(by_night[d(8)], 300)  # Thursday
        self.assertEqual(by_night[d(9)], 360)  # Friday night: weekend
        self.assertEqual(by_night[d(10)], 420)  # Saturday, but 旺季 from the 10th
        self.assertEqual(by_night[d(12)], 420)  # Monday in 旺季
        self.assertEqual(by_night[d(15)], 600)  # 节庆 beats 旺季
        self.assertEqual(by_night[d(16)], 600)
        self.assertEqual(q.total, 300 + 360 + 420 * 5 + 600 * 2)
        # a room without its own peak or festival price keeps its weekday/weekend one
        (family,) = [q for q in quotes([self.family], seasons, d(15), d(16))]
        self.assertEqual(family.total, 500)

    def test_calendar_days_count_free_room_types(self):
        days = {day["date"]: day for day in calendar_days([self.big, self.family], TODAY, days=5)}
        self.assertEqual(days[FRI]["free"], 1)
        self.assertEqual(days[SAT]["free"], 2)
        self.assertEqual(len(days), 5)


class ListingPageTests(DatesFixture):
    def test_listing_shows_ninety_days_with_full_and_closed_nights(self):
        response = self.client.get("/homestays/riyue/")
        html = response.content.decode()
        cells = re.findall(r'<li class="day ([^"]+)" data-date="([\d-]+)" data-free="(\d+)"', html)
        self.assertEqual(len(cells), 90)
        self.assertEqual(cells[0][1], TODAY.isoformat())
        state = {date: cls for cls, date, _free in cells}
        self.assertIn("is-closed", state[FRI.isoformat()])
        self.assertIn("is-free", state[MON.isoformat()])
        qingke = self.client.get("/homestays/qingke/").content.decode()
        self.assertRegex(qingke, rf'<li class="day is-full" data-date="{SAT.isoformat()}" data-free="0"')

    def test_the_page_may_be_shared_only_until_midnight(self):
        with self.settings(PAGE_CACHE_SECONDS=86400):
            response = self.client.get("/homestays/kayang/")
        # 10:00 → midnight in Xining is 14 hours away: the calendar starts "today".
        max_age = re.search(r"s-maxage=(\d+)", response.get("Cache-Control", ""))
        if max_age:  # the page cache is on in this settings module
            self.assertLessEqual(int(max_age.group(1)), 14 * 3600)

    def test_dates_give_the_price_and_free_rooms(self):
        response = self.client.get("/homestays/kayang/", {"checkin": d(15).isoformat(), "checkout": d(17).isoformat(), "guests": 2})
        stay = response.context["stay"]
        self.assertFalse(stay["full"])
        prices = {q.room.room_type: q.total for q in stay["quotes"]}
        self.assertEqual(prices, {"大床房": 1200, "家庭房": 1000})
        html = response.content.decode()
        self.assertIn("¥1200", html)
        self.assertIn("7月15日 – 7月17日", html)
        # the inquiry form is filled in from the dates
        form = response.context["inquiry_form"]
        self.assertEqual(form.initial["arrival"], d(15))
        self.assertEqual(form.initial["departure"], d(17))
        self.assertEqual(form.initial["guests"], 2)
        self.assertIn('value="2027-07-15"', html)

    def test_full_dates_warn(self):
        response = self.client.get("/homestays/qingke/", {"checkin": FRI.isoformat(), "checkout": SUN.isoformat()})
        self.assertTrue(response.context["stay"]["full"])
        self.assertIn("您选的日期已满房", response.content.decode())
        data = json.loads(re.search(r'<script id="homestay-availability" type="application/json">(.*?)</script>', response.content.decode()).group(1))
        self.assertEqual(data["rooms"][str(self.kang.pk)], [FRI.isoformat(), SAT.isoformat()])

    def test_bad_dates_are_explained_not_an_error(self):
        for params in ({"checkin": "2027-06-01", "checkout": "2027-06-03"}, {"checkin": "x"}, {"checkin": "2027-07-05", "checkout": "2027-07-04"}):
            response = self.client.get("/homestays/kayang/", params)
            self.assertEqual(response.status_code, 200)
            self.assertIsNone(response.context["stay"])
            self.assertTrue(response.context["stay_notes"])

    def test_house_rules(self):
        html = self.client.get("/homestays/kayang/").content.decode()
        for text in ("儿童", "欢迎", "宠物", "不接待", "全部禁烟", "严格：入住前14天免费取消", "节庆期间定金不退", "5 人", "14:00 后"):
            self.assertIn(text, html)

    def test_query_count_does_not_grow_with_rooms_or_nights(self):
        self.client.get("/homestays/qingke/", {"checkin": FRI.isoformat(), "checkout": MON.isoformat()})
        cache.clear()  # the page cache would answer the second request with no query at all
        with CaptureQueriesContext(connection) as small:
            self.client.get("/homestays/qingke/", {"checkin": FRI.isoformat(), "checkout": MON.isoformat()})
        self.assertGreater(len(small.captured_queries), 5)
        for i in range(5):
            new = HomestayRoom.objects.create(page=self.qingke, room_type=f"房{i}", price_per_night=100 + i, capacity=2, sort_order=10 + i)
            set_nights(new, TODAY, TODAY + dt.timedelta(days=60), DayStatus.FULL)
        SeasonPeriod.objects.create(page=self.qingke, kind=Season.PEAK, start=TODAY, end=TODAY + dt.timedelta(days=20))
        cache.clear()
        with self.assertNumQueries(len(small.captured_queries)):
            self.client.get("/homestays/qingke/", {"checkin": FRI.isoformat(), "checkout": MON.isoformat()})


class DateSearchTests(DatesFixture):
    def test_only_houses_with_a_room_free_every_night(self):
        weekend = {"checkin": FRI.isoformat(), "checkout": SUN.isoformat()}
        self.assertEqual(sorted(titles(self.client.get("/homestays/", weekend))), ["卡阳花海小院"])  # the family room is free
        self.assertEqual(sorted(titles(self.client.get("/homestays/", {"checkin": SUN.isoformat(), "checkout": MON.isoformat()}))), ["卡阳花海小院", "青稞园"])
        # six guests: 卡阳 has 6 free beds on Saturday but takes 5 at most; 日月山 is closed
        self.assertEqual(titles(self.client.get("/homestays/", {"checkin": SAT.isoformat(), "checkout": SUN.isoformat(), "guests": 6})), [])
        self.assertEqual(titles(self.client.get("/homestays/", {"checkin": SAT.isoformat(), "checkout": SUN.isoformat(), "guests": 5})), ["卡阳花海小院"])
        # Friday only the family room: four guests fit, five do not
        self.assertEqual(titles(self.client.get("/homestays/", {**weekend, "guests": 4})), ["卡阳花海小院"])
        self.assertEqual(titles(self.client.get("/homestays/", {**weekend, "guests": 5})), [])

    def test_cards_show_the_price_for_the_stay_and_link_with_the_dates(self):
        response = self.client.get("/homestays/", {"checkin": d(15).isoformat(), "checkout": d(17).isoformat(), "guests": 2})
        html = response.content.decode()
        cards = {p.title: p.stay_quote for p in response.context["homestays"]}
        self.assertEqual(cards["卡阳花海小院"].total, 1000)  # the cheaper free room: 家庭房 2 × 500
        self.assertIn("¥1000", html)
        self.assertIn("/homestays/kayang/?checkin=2027-07-15&amp;checkout=2027-07-17&amp;guests=2#stay", html)
        self.assertIn("7月15日–7月17日 有空房", html)

    def test_combined_with_other_filters_and_removable(self):
        params = {"checkin": SUN.isoformat(), "checkout": MON.isoformat(), "price_max": 300}
        response = self.client.get("/homestays/", params)
        self.assertEqual(sorted(titles(response)), ["卡阳花海小院", "青稞园"])
        removable = {f["label"]: f["query"] for f in response.context["removable_filters"]}
        self.assertEqual(removable["日期"], "price_max=300")

    def test_bad_dates_are_dropped_with_a_note(self):
        response = self.client.get("/homestays/", {"checkin": "2027-06-30", "checkout": "2027-07-02"})
        self.assertEqual(response.status_code, 400)  # the junk URL is neither cached nor indexed
        self.assertEqual(len(titles(response)), 3)
        self.assertIn("入住日期不能早于今天", response.content.decode())
        response = self.client.get("/homestays/", {"checkin": TODAY.isoformat(), "checkout": (TODAY + dt.timedelta(days=45)).isoformat()})
        self.assertIn("一次最多查询 30 晚", response.content.decode())

    def test_map_layer_by_dates(self):
        all_ = self.client.get("/api/geo/homestays.geojson").json()
        self.assertEqual(len(all_["features"]), 3)
        weekend = self.client.get("/api/geo/homestays.geojson", {"checkin": FRI.isoformat(), "checkout": SUN.isoformat()})
        self.assertEqual([f["properties"]["name"] for f in weekend.json()["features"]], ["卡阳花海小院"])
        etag = weekend["ETag"]
        self.assertEqual(
            self.client.get("/api/geo/homestays.geojson", {"checkin": FRI.isoformat(), "checkout": SUN.isoformat()}, HTTP_IF_NONE_MATCH=etag).status_code, 304
        )
        # an owner closes the family room: the same URL answers differently, with another ETag
        set_nights(self.family, FRI, SAT, DayStatus.CLOSED)
        again = self.client.get("/api/geo/homestays.geojson", {"checkin": FRI.isoformat(), "checkout": SUN.isoformat()}, HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["features"], [])
        bad = self.client.get("/api/geo/homestays.geojson", {"checkin": "2020-01-01", "checkout": "2020-01-03"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("入住日期不能早于今天", bad.json()["error"])

    def test_private_and_draft_houses_never_match(self):
        PageViewRestriction.objects.create(page=self.kayang, restriction_type=PageViewRestriction.PASSWORD, password="x")
        self.assertEqual(titles(self.client.get("/homestays/", {"checkin": SUN.isoformat(), "checkout": MON.isoformat()})), ["青稞园"])
        HomestayPageFactory(parent=self.index, title="草稿", live=False, rooms=[room("x", 100, 4)])
        self.assertEqual(
            titles(self.client.get("/homestays/", {"checkin": MON.isoformat(), "checkout": (MON + dt.timedelta(days=1)).isoformat()})), ["青稞园", "日月山牧帐"]
        )
        qs = with_free_capacity(HomestayPage.objects.live(), SUN, MON)  # the query itself leaves privacy to its callers
        self.assertEqual(sorted(qs.values_list("title", flat=True)), ["卡阳花海小院", "青稞园"])

    def test_query_count_does_not_grow_with_houses(self):
        params = {"checkin": FRI.isoformat(), "checkout": MON.isoformat(), "guests": 2}
        self.client.get("/homestays/", params)
        cache.clear()  # the page cache would answer the second request with no query at all
        with CaptureQueriesContext(connection) as few:
            self.client.get("/homestays/", params)
        self.assertGreater(len(few.captured_queries), 5)
        for i in range(15):
            page = HomestayPageFactory(parent=self.index, title=f"批量{i}", location=point(101.4 + i / 100, 36.6), rooms=[room("a", 150, 2), room("b", 300, 3)])
            SeasonPeriod.objects.create(page=page, kind=Season.PEAK, start=TODAY, end=TODAY + dt.timedelta(days=30))
            set_nights(page.rooms.first(), FRI, FRI, DayStatus.FULL)
        cache.clear()
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get("/homestays/", params)
        self.assertEqual(len(response.context["homestays"]), 12)  # one page of 16 matches
        self.assertTrue(all(p.stay_quote is not None for p in response.context["homestays"]))


class EnglishTests(DatesFixture):
    """A translated listing shows the nights kept on its Chinese original."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(NOW, tick=False):
            en = Locale.objects.get_or_create(language_code="en")[0]
            cls.home_en = cls.home.copy_for_translation(en)
            cls.index_en = cls.index.copy_for_translation(en)
            cls.qingke_en = cls.qingke.copy_for_translation(en)
            for page in (cls.home_en, cls.index_en, cls.qingke_en):
                page.save_revision().publish()

    def test_english_listing_and_search_follow_the_chinese_nights(self):
        self.qingke_en.refresh_from_db()
        response = self.client.get(self.qingke_en.url, {"checkin": FRI.isoformat(), "checkout": SUN.isoformat()})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["stay"]["full"])
        english = self.client.get(self.index_en.url, {"checkin": FRI.isoformat(), "checkout": SUN.isoformat()})
        self.assertNotIn(self.qingke_en.title, titles(english))
        english = self.client.get(self.index_en.url, {"checkin": SUN.isoformat(), "checkout": MON.isoformat()})
        self.assertIn(self.qingke_en.title, titles(english))


class InquiryTests(DatesFixture):
    def inquire(self, page, **data):
        token = self.client.get(page.url + "inquire/?format=token").json()
        post = {
            "name": "王女士",
            "phone": "13800000001",
            "guests": 2,
            "consent": "on",
            "form_token": token["formToken"],
            "csrfmiddlewaretoken": token["csrfToken"],
            **data,
        }
        return self.client.post(page.url + "inquire/", post)

    def test_an_inquiry_carries_the_dates_and_the_room_and_warns_when_full(self):
        response = self.inquire(self.qingke, arrival=FRI.isoformat(), departure=SUN.isoformat())
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].endswith("?full=1"))
        self.assertIn("目前显示满房", self.client.get(response["Location"]).content.decode())
        response = self.inquire(self.kayang, arrival=SUN.isoformat(), departure=MON.isoformat(), room=self.big.pk)
        self.assertFalse(response["Location"].endswith("?full=1"))
        inquiry = Inquiry.objects.get(listing=self.kayang)
        self.assertEqual((inquiry.arrival, inquiry.departure, inquiry.room), (SUN, MON, self.big))
        self.assertEqual(inquiry.status, InquiryStatus.NEW)

    def test_a_room_of_another_house_is_refused(self):
        response = self.inquire(self.kayang, arrival=SUN.isoformat(), departure=MON.isoformat(), room=self.kang.pk)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Inquiry.objects.exists())


class InquiryStatusTests(DatesFixture):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(NOW, tick=False):
            cls.inquiry = Inquiry.objects.create(
                listing=cls.kayang,
                name="王女士",
                phone="13800000001",
                arrival=d(20),
                departure=d(23),
                guests=2,
                consent=True,
                created=NOW - dt.timedelta(hours=3),
            )
            cls.old = Inquiry.objects.create(
                listing=cls.qingke,
                name="张先生",
                phone="13800000002",
                arrival=d(20),
                departure=d(21),
                guests=2,
                consent=True,
                created=NOW - dt.timedelta(hours=50),
            )

    def status(self, inquiry, **data):
        return self.client.post(reverse("homestays_inquiry_status", args=(inquiry.pk,)), data)

    def test_owner_replies_then_confirms_and_the_nights_become_full(self):
        self.client.force_login(self.owner1)
        page = self.client.get(reverse("homestay_inquiries:inspect", args=(self.inquiry.pk,)))
        self.assertContains(page, "处理这条咨询")
        self.assertEqual(self.status(self.inquiry, status="replied").status_code, 302)
        self.inquiry.refresh_from_db()
        self.assertEqual(self.inquiry.status, InquiryStatus.REPLIED)
        self.assertEqual(self.inquiry.replied_at, NOW)
        revisions = self.kayang.revisions.count()
        self.status(self.inquiry, status="confirmed", room=self.family.pk, mark_full="on")
        self.inquiry.refresh_from_db()
        self.assertEqual(self.inquiry.status, InquiryStatus.CONFIRMED)
        self.assertEqual(self.inquiry.replied_at, NOW)  # the first reply's time is kept
        nights = RoomNight.objects.filter(room=self.family).order_by("date")
        self.assertEqual([n.date for n in nights], [d(20), d(21), d(22)])  # not the departure day
        self.assertEqual({n.source for n in nights}, {"inquiry"})
        self.assertEqual(self.kayang.revisions.count(), revisions)  # not a content change

    def test_confirming_with_full_needs_a_room(self):
        self.client.force_login(self.owner1)
        self.status(self.inquiry, status="confirmed", mark_full="on")
        self.inquiry.refresh_from_db()
        self.assertEqual(self.inquiry.status, InquiryStatus.NEW)
        self.assertFalse(RoomNight.objects.filter(room__page=self.kayang, date=d(20)).exists())

    def test_owner2_cannot_touch_owner1s_inquiry(self):
        self.client.force_login(self.owner2)
        self.assertEqual(self.client.get(reverse("homestay_inquiries:inspect", args=(self.inquiry.pk,))).status_code, 404)
        self.assertEqual(self.status(self.inquiry, status="confirmed", room=self.big.pk, mark_full="on").status_code, 404)
        self.inquiry.refresh_from_db()
        self.assertEqual(self.inquiry.status, InquiryStatus.NEW)
        self.assertFalse(RoomNight.objects.filter(room=self.big, date=d(20)).exists())
        # nor with a room of another house on their own inquiry
        self.assertEqual(self.status(self.old, status="confirmed", room=self.big.pk, mark_full="on").status_code, 302)
        self.old.refresh_from_db()
        self.assertEqual(self.old.status, InquiryStatus.NEW)
        self.assertFalse(RoomNight.objects.filter(room=self.big).exclude(date=FRI).exists())

    def test_editors_see_reply_times_and_the_48_hour_flag(self):
        for asked, answered, status in ((10, 6, InquiryStatus.REPLIED), (30, 20, InquiryStatus.CONFIRMED)):  # hours ago
            Inquiry.objects.create(
                listing=self.kayang,
                name="李",
                phone="13800000003",
                arrival=d(25),
                departure=d(26),
                guests=1,
                consent=True,
                created=NOW - dt.timedelta(hours=asked),
                replied_at=NOW - dt.timedelta(hours=answered),
                status=status,
            )
        self.client.force_login(self.editor)
        response = self.client.get(reverse("homestays_reply_times"))
        houses = {h["page"].title: h for h in response.context["houses"]}
        self.assertEqual(houses["卡阳花海小院"]["median_hours"], 7.0)  # 4 h and 10 h
        self.assertEqual(houses["青稞园"]["overdue"], 1)
        self.assertEqual(response.context["houses"][0]["page"].title, "青稞园")  # the flagged house first
        dashboard = self.client.get(reverse("wagtailadmin_home")).content.decode()
        self.assertIn("1 条住宿咨询超过 48 小时未回复", dashboard)
        listing = self.client.get(reverse("homestay_inquiries:index")).content.decode()
        self.assertIn("超过48小时未回复", listing)
        self.client.force_login(self.owner1)
        refused = self.client.get(reverse("homestays_reply_times"))
        self.assertRedirects(refused, reverse("wagtailadmin_home"), fetch_redirect_response=False)  # Wagtail's "permission denied"


class ExportTests(DatesFixture):
    def test_availability_export_holds_no_guest_data(self):
        Inquiry.objects.create(listing=self.qingke, name="SECRET-NAME", phone="13800000009", arrival=FRI, departure=SUN, guests=2, consent=True)
        response = self.client.get("/homestays/qingke/availability.ics")
        if response.status_code == 404:
            self.skipTest("the export is not installed")
        body = response.content.decode()
        self.assertNotIn("SECRET-NAME", body)
        self.assertNotIn("13800000009", body)
        events = Calendar.from_ical(response.content).walk("VEVENT")
        self.assertTrue(events)
        self.assertEqual(timezone.localdate(), TODAY)

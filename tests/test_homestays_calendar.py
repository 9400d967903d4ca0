"""The owners' availability calendar (房态日历, issue 25) in the admin, through its real URLs.

An owner marks nights of their own room types 满房 / 不营业 and back to 可订; editors open any
house's calendar; another owner gets a 404 for every way in (GET, POST, a room of another house);
bad input is a 400 that writes nothing. Changing availability makes no page revision and no
workflow state, but purges the public listing. The grid shows each night's price (with the
house's 旺季) and marks the festival days the news app knows of, in a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html
from wagtail.models import WorkflowState

from homestays.admin_calendar import add_months, last_settable_day
from homestays.factories import HomestayPageFactory, room, site_with_owners
from homestays.models import DayStatus, HomestayRoom, RoomNight, Season, SeasonPeriod
from homestays.owners import grant_listing
from tests.test_cache import PURGED, RECORDING, paths

User = get_user_model()
SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_month(day: int) -> dt.date:
    """A day of next month: always in the future, always inside the calendar's 12 months."""
    return add_months(timezone.localdate().replace(day=1), 1).replace(day=day)


class CalendarFixture:
    @classmethod
    def build(cls):
        site_with_owners(cls)
        cls.nobody = User.objects.create_user("nobody", email="nobody@example.com", password="pw")

        big_bed = room("大床房", 368, 2)
        big_bed.peak_price, big_bed.festival_price = 520, 880
        cls.mine = HomestayPageFactory(parent=cls.index, title="卡阳花海小院", slug="kayang", rooms=[big_bed, room("家庭房", 460, 4)])
        cls.mine_draft = HomestayPageFactory(parent=cls.index, title="塔尔寺畔客栈", slug="taersi", live=False, rooms=[])
        cls.theirs = HomestayPageFactory(parent=cls.index, title="窎沟花儿院", slug="diaogou", rooms=[room("炕房", 280, 4)])
        for page in (cls.mine, cls.mine_draft):
            grant_listing(cls.owner1, page)
        grant_listing(cls.owner2, cls.theirs)
        cls.big_bed, cls.family = cls.mine.rooms.order_by("sort_order", "pk")
        cls.their_room = cls.theirs.rooms.get()
        # 旺季 on the 20th–22nd of next month
        SeasonPeriod.objects.create(page=cls.mine, kind=Season.PEAK, name="暑期", start=next_month(20), end=next_month(22))

    def url(self, page=None, **query):
        base = reverse("homestays_calendar", args=[(page or self.mine).pk])
        if query:
            base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return base

    def change(self, page=None, room_=None, start=None, end=None, status=DayStatus.FULL, **extra):
        data = {"room": (room_ or self.big_bed).pk, "start": start or "", "end": end or "", "status": status, **extra}
        return self.client.post(self.url(page), data)

    def nights(self, room_=None):
        return dict(RoomNight.objects.filter(room=room_ or self.big_bed).values_list("date", "status"))

    def cell(self, response, day: dt.date):
        tree = lxml_html.fromstring(response.content.decode())
        found = tree.xpath(f"//button[@data-date='{day:%Y-%m-%d}']")
        self.assertEqual(len(found), 1, f"no cell for {day}")
        return found[0]


class OwnerCalendarTests(CalendarFixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def setUp(self):
        self.client.force_login(self.owner1)

    # -- reading ------------------------------------------------------------------------------

    def test_the_owner_opens_the_first_room_this_month(self):
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["room"], self.big_bed)
        self.assertEqual(response.context["month"], timezone.localdate().replace(day=1))
        content = response.content.decode()
        for text in ("房态日历", "卡阳花海小院", "大床房", "家庭房", "可订", "满房", "不营业", "按日期设置"):
            self.assertIn(text, content)
        self.assertIn("admin_calendar.js", content)
        self.assertIn("admin_calendar.css", content)
        # Monday-first weeks of seven cells
        self.assertEqual(str(response.context["weekdays"][0]), "一")
        self.assertTrue(all(len(week) == 7 for week in response.context["weeks"]))

    def test_past_days_are_disabled_and_prev_is_off_this_month(self):
        today = timezone.localdate()
        response = self.client.get(self.url())
        self.assertIsNone(self.cell(response, today).get("disabled"))
        if today.day > 1:
            self.assertIsNotNone(self.cell(response, today - dt.timedelta(days=1)).get("disabled"))
        self.assertEqual(response.context["prev_url"], "")
        self.assertTrue(response.context["next_url"])

    def test_months_run_from_this_one_to_twelve_ahead(self):
        this_month = timezone.localdate().replace(day=1)
        last = add_months(this_month, 12)
        response = self.client.get(self.url(month=f"{last:%Y-%m}"))
        self.assertEqual(response.context["month"], last)
        self.assertEqual(response.context["next_url"], "")
        self.assertTrue(response.context["prev_url"])
        for asked, shown in ((add_months(this_month, 13), last), (add_months(this_month, -3), this_month), ("garbage", this_month)):
            with self.subTest(month=asked):
                value = asked if isinstance(asked, str) else f"{asked:%Y-%m}"
                response = self.client.get(self.url(month=value))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["month"], shown)

    def test_switching_room_type(self):
        response = self.client.get(self.url(room=self.family.pk, month=f"{next_month(1):%Y-%m}"))
        self.assertEqual(response.context["room"], self.family)
        self.assertIn("¥460", self.cell(response, next_month(3)).text_content())
        tree = lxml_html.fromstring(response.content.decode())
        self.assertEqual([a.text_content().strip() for a in tree.xpath("//a[@aria-current='page'][contains(@class, 'hc-room')]")], ["家庭房"])

    def test_each_night_shows_its_status_and_its_season_price(self):
        RoomNight.objects.create(room=self.big_bed, date=next_month(5), status=DayStatus.FULL)
        RoomNight.objects.create(room=self.big_bed, date=next_month(6), status=DayStatus.CLOSED)
        response = self.client.get(self.url(month=f"{next_month(1):%Y-%m}"))
        full, closed, free = self.cell(response, next_month(5)), self.cell(response, next_month(6)), self.cell(response, next_month(7))
        self.assertIn("满房", full.text_content())
        self.assertIn("hc-day--full", full.get("class"))
        self.assertIn("不营业", closed.text_content())
        self.assertIn("hc-day--closed", closed.get("class"))
        self.assertIn("可订", free.text_content())
        # 旺季 (20th–22nd) at the peak price; a weekday outside it at the weekday price
        self.assertIn("¥520", self.cell(response, next_month(21)).text_content())
        self.assertIn("暑期", self.cell(response, next_month(21)).get("aria-label"))
        weekday = next(next_month(d) for d in range(1, 15) if next_month(d).weekday() < 4)
        self.assertIn("¥368", self.cell(response, weekday).text_content())

    def test_festival_days_are_marked_with_their_title(self):
        from news.factories import EventPageFactory, NewsIndexPageFactory

        news = NewsIndexPageFactory(parent=self.home)
        start = dt.datetime.combine(next_month(12), dt.time(10), tzinfo=SHANGHAI)
        EventPageFactory(parent=news, title="老爷山花儿会", slug="laoyeshan", event_start=start, event_end=start + dt.timedelta(days=1, hours=6))
        response = self.client.get(self.url(month=f"{next_month(1):%Y-%m}"))
        for day in (12, 13):
            cell = self.cell(response, next_month(day))
            self.assertIn("hc-day--festival", cell.get("class"))
            self.assertIn("老爷山花儿会", cell.text_content())
            self.assertIn("老爷山花儿会", cell.get("aria-label"))
        plain = self.cell(response, next_month(14))
        self.assertNotIn("hc-day--festival", plain.get("class"))
        self.assertNotIn("老爷山花儿会", plain.text_content())
        self.assertIn("本月节庆活动", response.content.decode())

    def test_a_listing_without_saved_rooms_says_so(self):
        response = self.client.get(self.url(self.mine_draft))
        self.assertEqual(response.status_code, 200)
        content = response.content.decode()
        self.assertIn("房间要在民宿信息审核上线后才能设置房态", content)
        self.assertNotIn("hc-grid", content)

    def test_the_import_link_shows_only_once_the_import_exists(self):
        from django.urls import NoReverseMatch

        try:
            reverse("homestays_calendar_import", args=[self.mine.pk])
        except NoReverseMatch:
            self.assertNotIn("外部日历同步", self.client.get(self.url()).content.decode())
        else:
            self.assertIn("外部日历同步 (Airbnb/Booking/途家)", self.client.get(self.url()).content.decode())

    # -- changing -------------------------------------------------------------------------------

    def test_owner_marks_a_range_full_then_free_again(self):
        first, last = next_month(3), next_month(6)
        response = self.change(start=f"{first}", end=f"{last}", status=DayStatus.FULL, month=f"{first:%Y-%m}")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.nights(), {first + dt.timedelta(days=i): DayStatus.FULL for i in range(4)})
        self.assertEqual(RoomNight.objects.filter(room=self.big_bed).first().source, "owner")
        self.assertEqual(self.nights(self.family), {}, "another room type changed")

        page = self.client.get(response["Location"])
        self.assertIn("共 4 晚", "".join(m.message for m in page.context["messages"]))
        self.assertIn("满房", self.cell(page, next_month(4)).text_content())

        # 不营业 over part of it, then everything back to 可订
        self.change(start=f"{next_month(5)}", end=f"{next_month(8)}", status=DayStatus.CLOSED)
        self.assertEqual(self.nights()[next_month(4)], DayStatus.FULL)
        self.assertEqual(self.nights()[next_month(8)], DayStatus.CLOSED)
        response = self.change(start=f"{next_month(1)}", end=f"{next_month(10)}", status=DayStatus.FREE)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.nights(), {})
        page = self.client.get(response["Location"])
        self.assertIn("共 10 晚", "".join(m.message for m in page.context["messages"]))
        self.assertIn("可订", self.cell(page, next_month(4)).text_content())

    def test_one_night_and_reversed_dates(self):
        self.change(start=f"{next_month(9)}", status=DayStatus.CLOSED)
        self.assertEqual(self.nights(), {next_month(9): DayStatus.CLOSED})
        self.change(start=f"{next_month(15)}", end=f"{next_month(14)}", status=DayStatus.FULL)  # swapped, not refused
        self.assertEqual(set(self.nights()), {next_month(9), next_month(14), next_month(15)})

    def test_the_change_makes_no_revision_and_no_workflow_but_purges_the_listing(self):
        revisions = self.mine.revisions.count()
        latest = self.mine.latest_revision_id
        workflows = WorkflowState.objects.count()
        before = self.client_public_etag()
        PURGED.clear()
        with override_settings(WAGTAILFRONTENDCACHE=RECORDING, PORTAL_PURGE_REPEAT_SECONDS=0):
            with self.captureOnCommitCallbacks(execute=True):
                response = self.change(start=f"{next_month(2)}", end=f"{next_month(3)}", status=DayStatus.FULL)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.mine.revisions.count(), revisions)
        self.mine.refresh_from_db()
        self.assertEqual(self.mine.latest_revision_id, latest)
        self.assertFalse(self.mine.has_unpublished_changes)
        self.assertEqual(WorkflowState.objects.count(), workflows)
        self.assertIn("/homestays/kayang/", paths(PURGED))
        self.assertNotEqual(self.client_public_etag(), before, "the public listing did not change")

    def client_public_etag(self) -> str:
        from django.test import Client

        response = Client().get("/homestays/kayang/")
        self.assertEqual(response.status_code, 200)
        return response["ETag"]

    # -- refused --------------------------------------------------------------------------------

    def test_bad_input_is_a_400_that_writes_nothing(self):
        today = timezone.localdate()
        limit = last_settable_day(today)
        good = f"{next_month(3)}"
        cases = {
            "unknown status": {"start": good, "status": "booked"},
            "no status": {"start": good, "status": ""},
            "bad start": {"start": "2025-13-45", "status": DayStatus.FULL},
            "no start": {"start": "", "status": DayStatus.FULL},
            "bad end": {"start": good, "end": "next tuesday", "status": DayStatus.FULL},
            "past day": {"start": f"{today - dt.timedelta(days=1)}", "end": good, "status": DayStatus.FULL},
            "beyond 12 months": {"start": good, "end": f"{limit + dt.timedelta(days=1)}", "status": DayStatus.FULL},
            "over a year": {"start": f"{today}", "end": f"{today + dt.timedelta(days=365)}", "status": DayStatus.FULL},
        }
        for name, data in cases.items():
            with self.subTest(name):
                response = self.client.post(self.url(), {"room": self.big_bed.pk, **data})
                self.assertEqual(response.status_code, 400)
                content = response.content.decode()
                self.assertIn('role="alert"', content)
                self.assertRegex(content, r'role="alert">.*<p>[^<]*[\u4e00-\u9fff]')
        self.assertEqual(RoomNight.objects.count(), 0)

    def test_bad_room_values(self):
        for value in ("", "abc", "999999"):
            with self.subTest(room=value):
                response = self.client.post(self.url(), {"room": value, "start": f"{next_month(3)}", "status": DayStatus.FULL})
                self.assertEqual(response.status_code, 404)
        self.assertEqual(RoomNight.objects.count(), 0)

    def test_the_last_day_of_the_twelfth_month_is_allowed(self):
        limit = last_settable_day(timezone.localdate())
        response = self.change(start=f"{limit}", status=DayStatus.CLOSED)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.nights(), {limit: DayStatus.CLOSED})

    # -- who --------------------------------------------------------------------------------

    def test_another_owner_gets_404_everywhere(self):
        self.client.force_login(self.owner2)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertEqual(self.client.get(self.url(room=self.big_bed.pk)).status_code, 404)
        self.assertEqual(self.change(start=f"{next_month(3)}").status_code, 404)
        self.assertEqual(self.change(room_=self.big_bed, page=self.mine, start=f"{next_month(3)}", status=DayStatus.CLOSED).status_code, 404)
        # their own calendar, with a room of owner1's house
        self.assertEqual(self.client.get(self.url(self.theirs, room=self.big_bed.pk)).status_code, 404)
        self.assertEqual(self.change(page=self.theirs, room_=self.big_bed, start=f"{next_month(3)}").status_code, 404)
        self.assertEqual(RoomNight.objects.count(), 0)
        # and their own calendar works
        self.assertEqual(self.client.get(self.url(self.theirs)).status_code, 200)
        self.assertEqual(self.change(page=self.theirs, room_=self.their_room, start=f"{next_month(3)}").status_code, 302)
        self.assertEqual(list(RoomNight.objects.values_list("room_id", flat=True)), [self.their_room.pk])

    def test_owner1_cannot_use_a_room_of_another_house_on_their_own_calendar(self):
        self.assertEqual(self.client.get(self.url(room=self.their_room.pk)).status_code, 404)
        self.assertEqual(self.change(room_=self.their_room, start=f"{next_month(3)}").status_code, 404)
        self.assertEqual(RoomNight.objects.count(), 0)

    def test_someone_who_is_neither_owner_nor_editor_gets_404(self):
        self.client.force_login(self.nobody)
        self.assertNotEqual(self.client.get(self.url()).status_code, 200)  # no admin access at all
        self.client.logout()
        self.assertEqual(self.client.get(self.url()).status_code, 302)  # to the login page
        self.assertEqual(self.change(start=f"{next_month(3)}").status_code, 302)
        self.assertEqual(RoomNight.objects.count(), 0)

    def test_an_admin_user_who_owns_nothing_gets_404(self):
        from django.contrib.auth.models import Permission

        clerk = User.objects.create_user("clerk", password="pw")
        clerk.user_permissions.add(Permission.objects.get(codename="access_admin"))
        self.client.force_login(clerk)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertEqual(self.change(start=f"{next_month(3)}").status_code, 404)
        self.assertEqual(self.client.get(reverse("homestays_calendar_index")).status_code, 404)
        self.assertEqual(RoomNight.objects.count(), 0)

    def test_editor_sees_and_changes_any_house(self):
        self.client.force_login(self.editor)
        for page in (self.mine, self.theirs):
            self.assertEqual(self.client.get(self.url(page)).status_code, 200)
        self.assertEqual(self.change(page=self.theirs, room_=self.their_room, start=f"{next_month(3)}").status_code, 302)
        self.assertEqual(self.nights(self.their_room), {next_month(3): DayStatus.FULL})
        index = self.client.get(reverse("homestays_calendar_index"))
        self.assertEqual(index.status_code, 200)
        for title in ("卡阳花海小院", "塔尔寺畔客栈", "窎沟花儿院"):
            self.assertIn(title, index.content.decode())

    # -- ways in --------------------------------------------------------------------------------

    def test_menu_index_header_button_and_dashboard_link(self):
        home = self.client.get(reverse("wagtailadmin_home")).content.decode()
        self.assertIn(reverse("homestays_calendar_index"), home)  # the sidebar's 房态日历
        self.assertIn(self.url(), home)  # the dashboard panel, per listing
        self.assertIn(self.url(self.mine_draft), home)
        # owner1 has two listings, only one with rooms: straight to it
        index = self.client.get(reverse("homestays_calendar_index"))
        self.assertRedirects(index, self.url(), fetch_redirect_response=False)
        edit = self.client.get(reverse("wagtailadmin_pages:edit", args=[self.mine.pk])).content.decode()
        self.assertIn(self.url(), edit)
        # owner2 sees no button to owner1's calendar anywhere, nor on their own listing's page for owner1's
        self.client.force_login(self.owner2)
        self.assertNotIn(self.url(), self.client.get(reverse("wagtailadmin_home")).content.decode())
        self.assertIn(self.url(self.theirs), self.client.get(reverse("wagtailadmin_pages:edit", args=[self.theirs.pk])).content.decode())

    def test_a_translations_calendar_is_its_originals(self):
        """Availability is kept on the default-language page's rooms (availability.source_rooms)."""
        from wagtail.models import Locale

        from portal.demo import translate_page

        en = Locale.objects.get_or_create(language_code="en")[0]
        translate_page(self.home, en, title="Home")
        translate_page(self.index, en, title="Homestays")
        copy, _created = translate_page(self.mine, en, title="Kayang Courtyard")
        grant_listing(self.owner1, copy)
        response = self.client.get(self.url(copy, month=f"{next_month(1):%Y-%m}"))
        self.assertRedirects(response, self.url(month=f"{next_month(1):%Y-%m}"), fetch_redirect_response=False)
        self.assertEqual(self.change(page=copy, room_=copy.rooms.first(), start=f"{next_month(3)}").status_code, 302)
        self.assertEqual(RoomNight.objects.count(), 0, "a POST to the copy's calendar wrote nights")
        index = self.client.get(reverse("homestays_calendar_index"))  # one listing with rooms: the original
        self.assertRedirects(index, self.url(), fetch_redirect_response=False)
        self.client.force_login(self.owner2)
        self.assertEqual(self.client.get(self.url(copy)).status_code, 404)

    def test_an_owner_with_several_listings_with_rooms_gets_the_list(self):
        second = HomestayPageFactory(parent=self.index, title="群加林场木屋", slug="qunjia")
        grant_listing(self.owner1, second)
        index = self.client.get(reverse("homestays_calendar_index"))
        self.assertEqual(index.status_code, 200)
        content = index.content.decode()
        for page in (self.mine, second, self.mine_draft):
            self.assertIn(self.url(page), content)
        self.assertNotIn(self.url(self.theirs), content)


class CalendarQueryTests(CalendarFixture, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.build()

    def test_query_count_does_not_grow_with_the_nights_set(self):
        from news.factories import EventPageFactory, NewsIndexPageFactory

        news = NewsIndexPageFactory(parent=self.home)
        start = dt.datetime.combine(next_month(12), dt.time(10), tzinfo=SHANGHAI)
        EventPageFactory(parent=news, title="老爷山花儿会", slug="laoyeshan", event_start=start, event_end=start + dt.timedelta(hours=8))
        self.client.force_login(self.owner1)
        url = self.url(room=self.big_bed.pk, month=f"{next_month(1):%Y-%m}")
        self.client.get(url)  # warm what the admin caches once (site root paths, permissions)
        with CaptureQueriesContext(connection) as empty:
            self.assertEqual(self.client.get(url).status_code, 200)
        for day in range(1, 28, 2):
            RoomNight.objects.create(room=self.big_bed, date=next_month(day), status=DayStatus.FULL if day % 3 else DayStatus.CLOSED)
        for extra in range(3):
            SeasonPeriod.objects.create(page=self.mine, kind=Season.FESTIVAL, name=f"节庆 {extra}", start=next_month(2 + extra), end=next_month(3 + extra))
        with self.assertNumQueries(len(empty.captured_queries)):
            response = self.client.get(url)
        self.assertEqual(sum(1 for week in response.context["weeks"] for d in week if d and d["status"] != DayStatus.FREE), 14)

    def test_rooms_are_not_queried_per_day(self):
        self.client.force_login(self.editor)
        url = self.url(month=f"{next_month(1):%Y-%m}")
        self.client.get(url)
        with CaptureQueriesContext(connection) as queries:
            self.client.get(url)
        room_queries = [q["sql"] for q in queries.captured_queries if HomestayRoom._meta.db_table in q["sql"] and "FROM" in q["sql"]]
        self.assertLessEqual(len(room_queries), 3, room_queries)

"""iCalendar both ways (issue 25): the listing's availability.ics, and OTA calendars read by
`import_calendars` and the admin's 外部日历同步 page, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from unittest import mock

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from wagtail.models import PageViewRestriction

from homestays.availability import set_nights
from homestays.factories import HomestayPageFactory, room, site_with_owners
from homestays.ical import FetchError, blocked_runs, fetch_bytes, parse_nights, sync
from homestays.models import CalendarImport, Inquiry, RoomNight
from homestays.owners import grant_listing

User = get_user_model()
DATA = Path(__file__).parent / "data" / "ical"


def today() -> dt.date:
    return timezone.localdate()


def day(offset: int) -> dt.date:
    return today() + dt.timedelta(days=offset)


def fixture(name: str) -> bytes:
    """A fixture with {D+n} placeholders made into dates n days from today (so it never ages)."""
    text = (DATA / name).read_text()
    return re.sub(r"\{D([+-]\d+)\}", lambda m: day(int(m.group(1))).strftime("%Y%m%d"), text).encode()


# --------------------------------------------------------------------------------------- server


class FeedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits: list[str] = []

    def log_message(self, *args):  # quiet
        pass

    def send_body(self, body: bytes, status=200, content_type="text/calendar; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server's name
        FeedHandler.hits.append(self.path)
        try:
            self.answer()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (cap or deadline): what the test wants

    def answer(self):
        path = self.path.split("?")[0]
        if path == "/airbnb.ics":
            self.send_body(fixture("airbnb.ics"))
        elif path == "/booking.ics":
            self.send_body(fixture("booking.ics"))
        elif path == "/empty.ics":
            self.send_body(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN\r\nEND:VCALENDAR\r\n")
        elif path == "/malformed.ics":
            self.send_body(b"<!DOCTYPE html><html><body><h1>Log in to Airbnb</h1></body></html>", content_type="text/html")
        elif path == "/truncated.ics":
            self.send_body(fixture("airbnb.ics")[:150])
        elif path == "/huge.ics":
            # streamed, no Content-Length: only the reader's cap stops it
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Connection", "close")
            self.end_headers()
            line = b"BEGIN:VEVENT\r\nSUMMARY:Reserved\r\nEND:VEVENT\r\n" * 100
            for _ in range(5000):  # ~22 MB if nobody stops reading
                self.wfile.write(line)
        elif path == "/huge-declared.ics":
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"BEGIN:VCALENDAR\r\n")
        elif path == "/slow.ics":
            time.sleep(3)
            self.send_body(fixture("airbnb.ics"))
        elif path == "/dribble.ics":
            # headers at once, then a byte every 0.2 s: each read is quick, the whole is not
            body = fixture("airbnb.ics")
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                time.sleep(0.2)
        elif path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/to-airbnb":
            self.send_response(302)
            self.send_header("Location", "/airbnb.ics")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_body(b"Not Found", status=404, content_type="text/plain")


class FeedServerMixin:
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
        cls.server.daemon_threads = True
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        FeedHandler.hits.clear()


def build_people(cls):
    site_with_owners(cls)
    cls.mine = HomestayPageFactory(parent=cls.index, title="卡阳花海小院", slug="kayang", rooms=[room("标准间", 200, 2), room("家庭房", 380, 4)])
    cls.theirs = HomestayPageFactory(parent=cls.index, title="窎沟花儿院", slug="diaogou", rooms=[room("炕房", 160, 4)])
    grant_listing(cls.owner1, cls.mine)
    grant_listing(cls.owner2, cls.theirs)
    cls.mine.refresh_from_db()
    cls.theirs.refresh_from_db()
    cls.standard, cls.family = list(cls.mine.rooms.order_by("sort_order", "pk"))
    (cls.kang,) = list(cls.theirs.rooms.all())


# --------------------------------------------------------------------------------------- export


class ExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_people(cls)
        cls.draft = HomestayPageFactory(parent=cls.index, slug="draft", live=False)
        cls.private = HomestayPageFactory(parent=cls.index, slug="private")
        PageViewRestriction.objects.create(page=cls.private, restriction_type=PageViewRestriction.PASSWORD, password="x")
        cls.url = "/homestays/kayang/availability.ics"

    def get_calendar(self, url=None):
        response = self.client.get(url or self.url)
        self.assertEqual(response.status_code, 200, response.content[:300])
        self.assertTrue(response["Content-Type"].startswith("text/calendar"))
        return response, Calendar.from_ical(response.content)

    def test_runs_of_blocked_nights(self):
        set_nights(self.standard, day(3), day(5), "full")  # 3 nights
        set_nights(self.standard, day(6), day(6), "closed")  # next to it, another status: its own run
        set_nights(self.standard, day(9), day(9), "full")
        set_nights(self.family, day(3), day(4), "full")
        set_nights(self.standard, day(-40), day(-40), "full")  # before the window
        set_nights(self.standard, day(400), day(400), "full")  # after it
        response, cal = self.get_calendar()
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertIn("kayang-availability.ics", response["Content-Disposition"])
        events = sorted(((e.decoded("DTSTART"), e.decoded("DTEND"), str(e["SUMMARY"])) for e in cal.walk("VEVENT")), key=lambda t: (t[0], t[2]))
        self.assertEqual(
            events,
            [
                (day(3), day(5), "满房 · 家庭房"),
                (day(3), day(6), "满房 · 标准间"),
                (day(6), day(7), "不营业 · 标准间"),
                (day(9), day(10), "满房 · 标准间"),
            ],
        )
        for event in cal.walk("VEVENT"):
            self.assertIsInstance(event.decoded("DTSTART"), dt.date)
            self.assertNotIsInstance(event.decoded("DTSTART"), dt.datetime)

    def test_one_room_type(self):
        set_nights(self.standard, day(3), day(3), "full")
        set_nights(self.family, day(8), day(8), "full")
        _response, cal = self.get_calendar(f"{self.url}?room={self.family.pk}")
        self.assertEqual([e.decoded("DTSTART") for e in cal.walk("VEVENT")], [day(8)])
        self.assertEqual(self.client.get(f"{self.url}?room={self.kang.pk}").status_code, 404)  # another listing's room
        self.assertEqual(self.client.get(f"{self.url}?room=abc").status_code, 404)

    def test_no_guest_data_and_stable(self):
        inquiry = Inquiry.objects.create(
            listing=self.mine, name="王秘密", phone="13900001234", arrival=day(3), departure=day(5), guests=2, message="私人留言", room=self.standard
        )
        set_nights(self.standard, day(3), day(4), "full", source="inquiry", inquiry=inquiry)
        first = self.client.get(self.url).content
        second = self.client.get(self.url).content
        self.assertEqual(first, second)  # deterministic: DTSTAMP from the rows, not now()
        text = first.decode()
        for secret in ("王秘密", "13900001234", "私人留言", "1234"):
            self.assertNotIn(secret, text)
        (event,) = Calendar.from_ical(first).walk("VEVENT")
        self.assertEqual(str(event["UID"]), f"homestay-room-{self.standard.pk}-{day(3):%Y%m%d}@xining-rural")
        self.assertEqual(set(event.keys()) - {"UID", "DTSTAMP", "LAST-MODIFIED", "DTSTART", "DTEND", "SUMMARY", "TRANSP"}, set())
        stamp = RoomNight.objects.filter(room=self.standard).order_by("-updated").first().updated
        self.assertEqual(event.decoded("DTSTAMP"), stamp.astimezone(dt.UTC).replace(microsecond=0))

    def test_empty_calendar_is_valid(self):
        response, cal = self.get_calendar()
        self.assertEqual(cal.name, "VCALENDAR")
        self.assertEqual(list(cal.walk("VEVENT")), [])
        self.assertIn(b"BEGIN:VCALENDAR", response.content)
        self.assertIn(b"PRODID:", response.content)

    def test_english_url(self):
        set_nights(self.standard, day(3), day(3), "full")
        response = self.client.get("/en" + self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(Calendar.from_ical(response.content).walk("VEVENT")), 1)

    def test_english_copy_shows_the_houses_nights(self):
        """Nights live on the default-language page's rooms; the English copy names them in English."""
        from wagtail.models import Locale

        from portal.demo import translate_page

        en = Locale.objects.get_or_create(language_code="en")[0]
        translate_page(self.home, en, title="Home")
        translate_page(self.index, en, title="Homestays")

        en_page, _created = translate_page(self.mine, en, title="Kayang Flower Courtyard")
        for room_, name in zip(en_page.rooms.order_by("sort_order", "pk"), ("Standard room", "Family room"), strict=True):
            room_.room_type = name
            room_.save()
        set_nights(self.family, day(3), day(3), "full")
        response = self.client.get(en_page.url + "availability.ics")
        self.assertEqual(response.status_code, 200, en_page.url)
        (event,) = Calendar.from_ical(response.content).walk("VEVENT")
        self.assertEqual(event.decoded("DTSTART"), day(3))
        self.assertIn("Family room", str(event["SUMMARY"]))
        self.assertEqual(str(event["UID"]), f"homestay-room-{self.family.pk}-{day(3):%Y%m%d}@xining-rural")

    def test_draft_and_private_pages_not_served(self):
        set_nights(self.draft.rooms.first(), day(3), day(3), "full")
        set_nights(self.private.rooms.first(), day(3), day(3), "full")
        self.assertEqual(self.client.get("/homestays/draft/availability.ics").status_code, 404)
        private = self.client.get("/homestays/private/availability.ics")  # Wagtail's password form
        self.assertNotIn("text/calendar", private["Content-Type"])
        self.assertNotIn("BEGIN:VEVENT", private.content.decode())
        self.assertEqual(self.client.get("/homestays/no-such/availability.ics").status_code, 404)

    def test_purged_with_the_listing(self):
        """Varnish bans exact paths: the listing's purge must name its calendar too."""
        from wagtail.contrib.frontend_cache.utils import PurgeBatch

        batch = PurgeBatch()
        batch.add_page(self.mine)
        self.assertTrue(any(url.endswith("/homestays/kayang/availability.ics") for url in batch.urls), batch.urls)

    def test_blocked_runs(self):
        d = dt.date(2030, 1, 1)
        rows = [(d, "full", None), (d + dt.timedelta(days=1), "full", None), (d + dt.timedelta(days=3), "full", None)]
        self.assertEqual([(a, b) for a, b, _s, _u in blocked_runs(rows)], [(d, d + dt.timedelta(days=1)), (d + dt.timedelta(days=3), d + dt.timedelta(days=3))])


# --------------------------------------------------------------------------------------- import


@override_settings(HOMESTAYS_ICAL_ALLOW_PRIVATE=True, HOMESTAYS_ICAL_TIMEOUT=1, HOMESTAYS_ICAL_MAX_BYTES=200_000)
class ImportTests(FeedServerMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        build_people(cls)

    def nights(self, room_, source="ical") -> set[dt.date]:
        return set(RoomNight.objects.filter(room=room_, source=source).values_list("date", flat=True))

    def run_command(self, *args) -> str:
        out, err = StringIO(), StringIO()
        call_command("import_calendars", *args, stdout=out, stderr=err)
        return out.getvalue() + err.getvalue()

    def test_airbnb_calendar(self):
        set_nights(self.standard, day(3), day(3), "closed")  # the owner's own night, inside a booking
        item = CalendarImport.objects.create(room=self.standard, url=f"{self.base}/airbnb.ics")
        result = sync(item)
        self.assertTrue(result.ok, result.error)
        self.assertEqual(self.nights(self.standard), {day(0), day(2), day(4), day(10)})  # day 3 is the owner's
        self.assertEqual(self.nights(self.standard, "owner"), {day(3)})  # untouched
        self.assertEqual(RoomNight.objects.get(room=self.standard, date=day(3)).status, "closed")
        item.refresh_from_db()
        self.assertEqual((item.error, item.nights), ("", 4))
        self.assertIsNotNone(item.ok_at)

    def test_booking_calendar(self):
        item = CalendarImport.objects.create(room=self.family, url=f"{self.base}/booking.ics")
        result = sync(item)
        self.assertTrue(result.ok, result.error)
        expected = {day(20), day(21)}  # dates; the cancelled one is not there
        expected |= {day(40), day(41)}  # 15:00 … 11:00 Beijing time
        expected |= {day(51)}  # 17:00 UTC is 01:00 the next day in Xining
        expected |= {day(60)}  # no DTEND: one night
        expected |= {day(360 + i) for i in range(6)}  # clipped at today+365
        self.assertEqual(self.nights(self.family), expected)
        self.assertIn("1", result.note)  # the weekly RRULE event was skipped, and said so

    def test_reimport_follows_the_feed(self):
        item = CalendarImport.objects.create(room=self.standard, url=f"{self.base}/airbnb.ics")
        sync(item)
        item.url = f"{self.base}/empty.ics"
        item.save()
        self.assertTrue(sync(item).ok)
        self.assertEqual(self.nights(self.standard), set())  # cancelled on the OTA: free again

    def test_redirect_followed(self):
        item = CalendarImport.objects.create(room=self.standard, url=f"{self.base}/to-airbnb")
        result = sync(item)
        self.assertTrue(result.ok, result.error)
        self.assertEqual(len(self.nights(self.standard)), 5)

    def assert_fails(self, path: str, message: str, max_seconds: float = 10):
        item = CalendarImport.objects.create(room=self.standard, url=f"{self.base}{path}")
        started = time.monotonic()
        result = sync(item)
        self.assertLess(time.monotonic() - started, max_seconds)
        self.assertFalse(result.ok)
        self.assertIn(message, result.error)
        item.refresh_from_db()
        self.assertIn(message, item.error)
        return item

    def test_failures_in_plain_words(self):
        cases = [
            ("/malformed.ics", "不是有效的日历"),
            ("/truncated.ics", "不是有效的日历"),
            ("/huge.ics", "文件太大"),
            ("/huge-declared.ics", "文件太大"),
            ("/nothing-here.ics", "HTTP 404"),
            ("/to-file", "不支持的地址"),
        ]
        for path, message in cases:
            with self.subTest(path):
                CalendarImport.objects.filter(room=self.standard).delete()
                self.assert_fails(path, message)

    def test_slow_feed_times_out(self):
        self.assert_fails("/slow.ics", "超时", max_seconds=2.5)

    def test_dribbling_feed_hits_the_total_deadline(self):
        self.assert_fails("/dribble.ics", "超时", max_seconds=2.5)

    def test_failure_keeps_nights_and_mails_once(self):
        item = CalendarImport.objects.create(room=self.standard, url=f"{self.base}/airbnb.ics")
        sync(item)
        before = self.nights(self.standard)
        CalendarImport.objects.filter(pk=item.pk).update(url=f"{self.base}/gone.ics")
        mail.outbox.clear()
        for _ in range(3):
            item.refresh_from_db()
            result = sync(item)
            self.assertFalse(result.ok)
        self.assertEqual(self.nights(self.standard), before)  # kept: a feed down is not a cancellation
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["owner1@example.com"])
        self.assertIn("标准间", message.subject)
        self.assertIn("HTTP 404", message.body)
        self.assertIn(reverse("homestays_calendar_import", args=(self.mine.pk,)), message.body)
        # working again clears the flag: the next failure is news again
        CalendarImport.objects.filter(pk=item.pk).update(url=f"{self.base}/airbnb.ics")
        item.refresh_from_db()
        self.assertTrue(sync(item).ok)
        item.refresh_from_db()
        self.assertFalse(item.error_notified)
        CalendarImport.objects.filter(pk=item.pk).update(url=f"{self.base}/malformed.ics")
        item.refresh_from_db()
        sync(item)
        self.assertEqual(len(mail.outbox), 2)

    def test_mail_down_does_not_break_the_import(self):
        item = CalendarImport.objects.create(room=self.standard, url=f"{self.base}/gone.ics")
        with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("smtp down")):
            result = sync(item)
        self.assertFalse(result.ok)
        item.refresh_from_db()
        self.assertFalse(item.error_notified)  # tried again on the next failing run

    def test_command_one_bad_feed_does_not_stop_the_others(self):
        CalendarImport.objects.create(room=self.standard, url=f"{self.base}/malformed.ics")
        CalendarImport.objects.create(room=self.family, url=f"{self.base}/booking.ics")
        CalendarImport.objects.create(room=self.kang, url=f"{self.base}/airbnb.ics")
        with mock.patch("homestays.ical.parse_nights", wraps=parse_nights) as parse:
            parse.side_effect = [RuntimeError("boom"), *[parse_nights(fixture(n)) for n in ("booking.ics", "airbnb.ics")]]
            output = self.run_command()  # never raises
        self.assertIn("Calendars imported: 2; failed: 1", output)
        self.assertEqual(len(self.nights(self.family)), 12)
        self.assertEqual(len(self.nights(self.kang)), 5)
        self.assertIn("同步时出错", CalendarImport.objects.get(room=self.standard).error)

    def test_command_real_feeds_and_page_option(self):
        CalendarImport.objects.create(room=self.standard, url=f"{self.base}/huge.ics")
        CalendarImport.objects.create(room=self.family, url=f"{self.base}/booking.ics")
        CalendarImport.objects.create(room=self.kang, url=f"{self.base}/airbnb.ics")
        output = self.run_command("--page", str(self.theirs.pk))
        self.assertIn("Calendars imported: 1; failed: 0", output)
        self.assertEqual(self.nights(self.family), set())  # not this listing
        output = self.run_command()
        self.assertIn("Calendars imported: 2; failed: 1", output)
        self.assertIn("文件太大", output)
        self.assertEqual(len(mail.outbox), 1)

    def test_parse_handles_truncated_event(self):
        with self.assertRaises(FetchError):
            parse_nights(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:2030")


# --------------------------------------------------------------------------------------- SSRF


class UrlSafetyTests(FeedServerMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        build_people(cls)

    @override_settings(HOMESTAYS_ICAL_ALLOW_PRIVATE=False, DEBUG=False)
    def test_private_addresses_refused(self):
        for url in (
            f"{self.base}/airbnb.ics",
            "http://localhost/x.ics",
            "http://10.0.0.1/x.ics",
            "http://192.168.1.1/x.ics",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/x.ics",
            "http://[::ffff:127.0.0.1]/x.ics",
            "file:///etc/passwd",
            "ftp://example.com/x.ics",
            "gopher://example.com/",
        ):
            with self.subTest(url):
                with self.assertRaises(FetchError):
                    fetch_bytes(url)
        self.assertEqual(FeedHandler.hits, [])  # nothing reached the server

    @override_settings(HOMESTAYS_ICAL_ALLOW_PRIVATE=False, DEBUG=False)
    def test_connection_guard_checks_the_resolved_address(self):
        """Past the URL check (a public name whose DNS answers 127.0.0.1, a redirect), the socket
        itself still refuses a private address."""
        with mock.patch("homestays.ical.check_url", side_effect=lambda url: url):
            with self.assertRaisesMessage(FetchError, "内网"):
                fetch_bytes(f"{self.base}/airbnb.ics")
        self.assertEqual(FeedHandler.hits, [])

    @override_settings(HOMESTAYS_ICAL_ALLOW_PRIVATE=False, DEBUG=False)
    def test_stored_private_url_fails_safely(self):
        item = CalendarImport.objects.create(room=self.standard, url=f"{self.base}/airbnb.ics")
        result = sync(item)
        self.assertFalse(result.ok)
        self.assertIn("内网", result.error)
        self.assertEqual(FeedHandler.hits, [])


# --------------------------------------------------------------------------------------- admin


@override_settings(HOMESTAYS_ICAL_ALLOW_PRIVATE=True, HOMESTAYS_ICAL_TIMEOUT=2)
class AdminTests(FeedServerMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        build_people(cls)

    def url(self, page):
        return reverse("homestays_calendar_import", args=(page.pk,))

    def post(self, page, room_, follow=False, **data):
        return self.client.post(self.url(page), {"room": room_.pk, **data}, follow=follow)

    def test_url_name(self):
        self.assertEqual(self.url(self.mine), f"/admin/homestays/{self.mine.pk}/calendar/import/")

    def test_owner_sees_own_rooms(self):
        self.client.force_login(self.owner1)
        response = self.client.get(self.url(self.mine))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("标准间", html)
        self.assertIn("家庭房", html)
        self.assertIn(f"/homestays/kayang/availability.ics?room={self.standard.pk}", html)

    def test_save_syncs_and_shows_state(self):
        self.client.force_login(self.owner1)
        response = self.post(self.mine, self.standard, **{f"room-{self.standard.pk}-url": f"{self.base}/airbnb.ics", "action": "save"})
        self.assertEqual(response.status_code, 302)
        item = CalendarImport.objects.get(room=self.standard)
        self.assertEqual(item.nights, 5)
        self.assertEqual(RoomNight.objects.filter(room=self.standard, source="ical").count(), 5)
        html = self.client.get(self.url(self.mine)).content.decode()
        self.assertIn("已同步", html)
        self.assertIn("立即同步", html)

    def test_sync_now_shows_error(self):
        self.client.force_login(self.owner1)
        item = CalendarImport.objects.create(room=self.standard, url=f"{self.base}/malformed.ics")
        response = self.post(self.mine, self.standard, action="sync", follow=True)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("不是有效的日历", html)
        item.refresh_from_db()
        self.assertIsNotNone(item.fetched_at)
        self.assertIsNone(item.ok_at)

    def test_empty_url_removes_import_and_nights(self):
        self.client.force_login(self.owner1)
        item = CalendarImport.objects.create(room=self.standard, url=f"{self.base}/airbnb.ics")
        sync(item)
        set_nights(self.standard, day(30), day(30), "closed")
        response = self.post(self.mine, self.standard, **{f"room-{self.standard.pk}-url": "", "action": "save"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(CalendarImport.objects.filter(room=self.standard).exists())
        self.assertEqual(list(RoomNight.objects.filter(room=self.standard).values_list("date", "source")), [(day(30), "owner")])

    def test_owner_boundary(self):
        self.client.force_login(self.owner2)
        CalendarImport.objects.create(room=self.standard, url=f"{self.base}/airbnb.ics")
        self.assertEqual(self.client.get(self.url(self.mine)).status_code, 404)
        self.assertEqual(self.post(self.mine, self.standard, action="sync").status_code, 404)
        response = self.post(self.mine, self.standard, **{f"room-{self.standard.pk}-url": "", "action": "save"})
        self.assertEqual(response.status_code, 404)
        self.assertTrue(CalendarImport.objects.filter(room=self.standard).exists())
        # their own page, with owner1's room id: still 404
        self.assertEqual(self.client.get(self.url(self.theirs)).status_code, 200)
        self.assertEqual(self.post(self.theirs, self.standard, action="sync").status_code, 404)
        self.assertEqual(self.post(self.theirs, self.standard, **{f"room-{self.standard.pk}-url": f"{self.base}/x.ics", "action": "save"}).status_code, 404)
        self.assertEqual(CalendarImport.objects.get(room=self.standard).url, f"{self.base}/airbnb.ics")
        self.assertEqual(FeedHandler.hits, [])
        self.assertEqual(self.client.get(reverse("homestays_calendar_import", args=(999999,))).status_code, 404)

    def test_editor_sees_all(self):
        self.client.force_login(self.editor)
        self.assertEqual(self.client.get(self.url(self.mine)).status_code, 200)
        self.assertEqual(self.client.get(self.url(self.theirs)).status_code, 200)

    def test_anonymous_sent_to_login(self):
        response = self.client.get(self.url(self.mine))
        self.assertEqual(response.status_code, 302)
        self.assertIn("login", response["Location"])

    @override_settings(HOMESTAYS_ICAL_ALLOW_PRIVATE=False, DEBUG=False)
    def test_form_refuses_private_and_file_urls(self):
        self.client.force_login(self.owner1)
        for url in (f"{self.base}/airbnb.ics", "file:///etc/passwd", "ftp://example.com/a.ics", "http://127.0.0.1:22/"):
            with self.subTest(url):
                response = self.post(self.mine, self.standard, **{f"room-{self.standard.pk}-url": url, "action": "save"})
                self.assertEqual(response.status_code, 400)
                self.assertFalse(CalendarImport.objects.filter(room=self.standard).exists())
        self.assertEqual(FeedHandler.hits, [])

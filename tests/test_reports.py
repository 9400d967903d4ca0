"""Issue 24: visitor reports (反馈问题) with a public response clock, and route alerts (预警),
tested in-process over HTTP as each kind of user: a visitor submits a report (from a stop, a
homestay or a bare point, with a photo), reads its status page, and never sees anyone's contact or
an unapproved photo; a county's handler and the office handle reports in the admin; an owner
answers; alerts appear on the route, the home page, the map layer, the feed and the offline pack
and disappear by themselves; the bureau's monthly figures add up.

The site is built from the apps' factories: 湟源县历史文化线路 with 日月山 as its third stop (and
its English copy), two homestays owned by owner1 and owner2, a handler for 大通县 and one for
湟源县, and an office editor (group Editors, migration reports/0002).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
import zipfile
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import feedparser
import lxml.html
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.models import Locale

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory
from homestays.owners import grant_listing
from portal.demo import translate_page
from portal.factories import MapPageFactory, make_site
from portal.geo import point
from portal.layers import layer_payload
from portal.places import County
from portal.registry import registry
from reports import figures as report_figures
from reports.demo import handlers_group
from reports.models import Alert, AlertKind, Category, CountyDesk, OwnerAnswer, Report, ReportSettings, Status
from reports.subjects import county_at
from routes.factories import RouteIndexPageFactory, RoutePageFactory, RouteStopFactory, straight_line

User = get_user_model()

DANGAER = (101.2612, 36.6871)  # 丹噶尔古城, 湟源县城
ZONGJIA = (101.1800, 36.5600)
RIYUE = (101.0936, 36.4421)  # 日月山, the route's third stop
NEAR_DATONG = (101.6900, 36.9500)  # a bare point by 大通县城
KAYANG = (101.4200, 36.6600)  # nearer 湟源's seat than 大通's, but the homestay says 大通县

PHONE = "13707071234"
EMAIL = "reporter.secret@example.com"
PRIVATE = Path(settings.PORTAL_PRIVATE_MEDIA_ROOT)


# --- the site --------------------------------------------------------------------------------------


def build_site(cls) -> None:
    """The routes, homestays, users and desks every class here starts from (setUpTestData)."""
    cls.home = make_site()
    cls.en = Locale.objects.create(language_code="en")
    translate_page(cls.home, cls.en, title="Xining Rural Portal")
    cls.map = MapPageFactory(parent=cls.home)
    cls.routes = RouteIndexPageFactory(parent=cls.home)
    translate_page(cls.routes, cls.en, title="Routes")
    cls.route = RoutePageFactory(
        parent=cls.routes, title="湟源县历史文化线路", slug="huangyuan", geometry=straight_line(start=DANGAER, end=RIYUE, points=20, ele=(2640.0, 3520.0))
    )
    for n, (name, where) in enumerate([("丹噶尔古城", DANGAER), ("宗家沟", ZONGJIA), ("日月山", RIYUE)]):
        RouteStopFactory(page=cls.route, name=name, location=point(*where), sort_order=n)
    cls.route.save_revision().publish()
    cls.route_en, _created = translate_page(cls.route, cls.en, title="Huangyuan heritage route", summary="West to Riyue Mountain.")

    cls.owner1 = User.objects.create_user("owner1", email="owner1@example.com", password="pw", first_name="卓玛")
    cls.owner2 = User.objects.create_user("owner2", email="owner2@example.com", password="pw", first_name="海军")
    cls.stays = HomestayIndexPageFactory(parent=cls.home)
    cls.stay1 = HomestayPageFactory(parent=cls.stays, title="卡阳花海小院", slug="kayang", county=County.DATONG, location=point(*KAYANG))
    cls.stay2 = HomestayPageFactory(parent=cls.stays, title="丹噶尔排灯客栈", slug="danggaer", county=County.HUANGYUAN, location=point(*DANGAER))
    grant_listing(cls.owner1, cls.stay1)
    grant_listing(cls.owner2, cls.stay2)
    for page in (cls.stay1, cls.stay2):
        page.save_revision().publish()

    cls.editor = User.objects.create_user("editor", email="editor@example.com", password="pw")
    cls.editor.groups.add(Group.objects.get(name="Editors"), Group.objects.get(name="Moderators"))
    cls.datong = User.objects.create_user("datong", email="datong@example.com", password="pw")
    cls.huangyuan = User.objects.create_user("huangyuan", email="huangyuan@example.com", password="pw")
    for user, county in ((cls.datong, County.DATONG), (cls.huangyuan, County.HUANGYUAN)):
        user.groups.add(handlers_group())
        CountyDesk.objects.create(county=county).handlers.add(user)
    ReportSettings.load()  # made up front, as load_demo does, not in the middle of a measured request


def make_report(**fields) -> Report:
    values = {
        "category": Category.DAMAGE,
        "description": "路边塌了一段，小车要靠内侧慢行。",
        "point": point(*NEAR_DATONG),
        "county": County.DATONG,
    }
    values.update(fields)
    return Report.objects.create(**values)


def stop_url(name: str) -> str:
    """The URL of a stop as the stops layer (and so the stop's "反馈问题" link) gives it."""
    return next(f["properties"]["url"] for f in layer_payload("stops")["features"] if f["properties"]["name"] == name)


def hidden_fields(content: bytes) -> dict:
    """The hidden inputs of the report form, as a browser sends them back."""
    doc = lxml.html.fromstring(content)
    form = doc.xpath("//form[@data-report-form]")[0]
    return {i.name: i.value or "" for i in form.xpath(".//input[@type='hidden']") if i.name and i.name != "csrfmiddlewaretoken"}


def admin_form(content: bytes, action_part: str) -> dict:
    """The values of the admin form whose action contains `action_part`, as the browser posts them."""
    doc = lxml.html.fromstring(content)
    form = next(f for f in doc.forms if (f.method or "").upper() == "POST" and action_part in (f.action or ""))
    data: dict = {}
    for name, value in form.form_values():
        data.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


def jpeg(size=(2400, 1800), gps=True) -> bytes:
    """A phone photo: a JPEG carrying the camera's make and a GPS position in its EXIF."""
    exif = PILImage.Exif()
    exif[0x010F] = "HUAWEI"
    exif[0x0110] = "SECRET-CAMERA-MODEL"
    if gps:
        exif[0x8825] = {1: "N", 2: (36.0, 26.0, 31.5), 3: "E", 4: (101.0, 5.0, 37.0)}
    image = PILImage.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


class ReportsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_site(cls)

    def tearDown(self):
        for report in Report.objects.exclude(photo=""):  # the photos this test stored, before the rollback
            report.photo.delete(save=False)

    def post_report(self, url="/reports/new/", about=None, **fields):
        """Submit the report form as a visitor's browser does (multipart, with its hidden fields)."""
        data = {"category": Category.DAMAGE, "description": "桥头路面塌陷，小车无法通过。", "contact": "", "website": "", "form_token": str(uuid.uuid4())}
        if about is not None:
            form = self.client.get(f"{url}?{urlencode({'about': about})}")
            self.assertEqual(form.status_code, 200)
            data.update(hidden_fields(form.content))
            url = f"{url}?{urlencode({'about': about})}"
        data.update(fields)
        return self.client.post(url, {k: v for k, v in data.items() if v is not None}, **getattr(self, "extra", {}))

    def assert_redirect_to_status(self, response) -> Report:
        self.assertEqual(response.status_code, 302, response.content[:2000])
        found = re.fullmatch(r"(/en)?/reports/([0-9A-Z]+)/\?new=1", response["Location"])
        self.assertIsNotNone(found, response["Location"])
        return Report.objects.get(code=found.group(2))

    def assert_form_error(self, response, message: str):
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, message, status_code=400)
        self.assertContains(response, 'class="form-errors"', status_code=400)


# --- 1. submitting ---------------------------------------------------------------------------------


class SubmitTests(ReportsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        ReportSettings.objects.update(reports_per_hour=100)

    def test_the_form_offers_the_place_and_is_never_shared(self):
        about = stop_url("日月山")
        self.assertEqual(about, "/routes/huangyuan/#stop-3")
        response = self.client.get("/reports/new/?" + urlencode({"about": about}))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "关于“日月山”")
        fields = hidden_fields(response.content)
        self.assertEqual(fields["about"], about)
        uuid.UUID(fields["form_token"])
        self.assertNotIn("public", response["Cache-Control"])
        self.assertIn("no-store", response["Cache-Control"])
        self.assertContains(response, 'name="website"')  # the honeypot
        for foreign in ("https://evil.example/routes/huangyuan/", "//evil.example/x", "javascript:alert(1)", "/no/such/place/"):
            with self.subTest(about=foreign):
                other = self.client.get("/reports/new/?" + urlencode({"about": foreign}))
                self.assertEqual(other.status_code, 200)
                self.assertEqual(hidden_fields(other.content)["about"], "")
                self.assertNotContains(other, "关于“")
                self.assertNotContains(other, 'class="back"')

    def test_a_report_about_a_stop_takes_its_point_route_and_nearest_county(self):
        before = timezone.now()
        response = self.post_report(about=stop_url("日月山"), category=Category.SAFETY, description="日月山垭口路面结冰，多辆车打滑。", contact=PHONE)
        report = self.assert_redirect_to_status(response)
        self.assertEqual(report.subject_url, "/routes/huangyuan/#stop-3")
        self.assertEqual(report.subject_name, "日月山")
        self.assertEqual(report.subject_page_id, self.route.pk)
        self.assertEqual(report.point["coordinates"][:2], list(RIYUE))
        self.assertEqual(report.county, County.HUANGYUAN)  # stops carry no county: the nearest seat's
        self.assertEqual(report.status, Status.RECEIVED)
        self.assertEqual(report.contact, PHONE)
        self.assertEqual(report.ip, "127.0.0.1")
        self.assertGreaterEqual(report.created_at, before)
        self.assertEqual(report.due_at - report.created_at, dt.timedelta(hours=4))  # 安全隐患

        page = self.client.get(response["Location"])
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, f'<strong class="code" data-report-code>{report.code}</strong>', html=False)
        self.assertContains(page, "已受理")
        self.assertContains(page, "湟源县")
        self.assertContains(page, "日月山垭口路面结冰")
        due = timezone.localtime(report.due_at).strftime("%Y-%m-%d %H:%M")
        self.assertContains(page, due)
        self.assertNotIn("public", page["Cache-Control"])
        # without ?new=1 the status page is the same page, minus the "note your code" box
        again = self.client.get(report.get_absolute_url())
        self.assertNotContains(again, "data-report-code")
        self.assertContains(again, report.code)

    def test_a_report_about_a_homestay_takes_the_county_the_listing_gives(self):
        self.assertEqual(county_at(*KAYANG), County.HUANGYUAN)  # what the point alone would say
        response = self.post_report(about="/homestays/kayang/", category=Category.PRICE, description="房价比网页上写的高了 100 元。")
        report = self.assert_redirect_to_status(response)
        self.assertEqual(report.county, County.DATONG)
        self.assertEqual((report.subject_name, report.subject_page_id), ("卡阳花海小院", self.stay1.pk))
        self.assertEqual(report.point["coordinates"][:2], list(KAYANG))
        self.assertEqual(report.due_at - report.created_at, dt.timedelta(hours=24))

    def test_a_tapped_point_overrides_the_places_point(self):
        report = self.assert_redirect_to_status(self.post_report(about="/homestays/kayang/", lon="101.4300", lat="36.6700"))
        self.assertEqual(report.point["coordinates"][:2], [101.43, 36.67])
        self.assertEqual(report.county, County.DATONG)

    def test_a_report_from_a_bare_point_goes_to_the_nearest_county_seat(self):
        for (lon, lat), county in ((NEAR_DATONG, County.DATONG), (DANGAER, County.HUANGYUAN), ((101.57, 36.50), County.HUANGZHONG)):
            with self.subTest(county=county):
                report = self.assert_redirect_to_status(self.post_report(lon=str(lon), lat=str(lat)))
                self.assertEqual(report.county, county)
                self.assertEqual((report.subject_url, report.subject_name, report.subject_page), ("", "", None))
                self.assertEqual(report.point["coordinates"][:2], [lon, lat])

    def test_without_a_place_or_a_point_the_form_says_so(self):
        response = self.post_report()
        self.assert_form_error(response, "请在地图上点出问题的位置")
        self.assertFalse(Report.objects.exists())

    def test_each_category_gets_its_deadline_from_the_settings(self):
        expected = {Category.SAFETY: 4, Category.DAMAGE: 24, Category.SANITATION: 24, Category.PRICE: 24, Category.INFO: 24, Category.OTHER: 24}
        for category, hours in expected.items():
            with self.subTest(category=category):
                report = self.assert_redirect_to_status(self.post_report(category=category, lon=str(NEAR_DATONG[0]), lat=str(NEAR_DATONG[1])))
                self.assertEqual(report.due_at - report.created_at, dt.timedelta(hours=hours))
        ReportSettings.objects.update(hours_safety=2, hours_price=48)
        for category, hours in ((Category.SAFETY, 2), (Category.PRICE, 48)):
            report = self.assert_redirect_to_status(self.post_report(category=category, lon=str(NEAR_DATONG[0]), lat=str(NEAR_DATONG[1])))
            self.assertEqual(report.due_at - report.created_at, dt.timedelta(hours=hours))
        # the form tells the visitor the settings' deadlines
        self.assertContains(self.client.get("/reports/new/"), "安全隐患 2 小时内答复")

    def test_a_double_submit_makes_one_report(self):
        token = str(uuid.uuid4())
        first = self.assert_redirect_to_status(self.post_report(form_token=token, lon="101.69", lat="36.95"))
        second = self.post_report(form_token=token, lon="101.69", lat="36.95", description="第二次点了提交按钮。")
        self.assertEqual(second.status_code, 302)
        self.assertTrue(second["Location"].startswith(first.get_absolute_url()), second["Location"])
        self.assertEqual(Report.objects.count(), 1)
        self.assertEqual(Report.objects.get().description, "桥头路面塌陷，小车无法通过。")

    def test_an_english_visitor_gets_the_english_status_page(self):
        response = self.post_report(url="/en/reports/new/", lon="101.69", lat="36.95")
        report = self.assert_redirect_to_status(response)
        self.assertTrue(response["Location"].startswith("/en/reports/"))
        self.assertEqual(report.language, "en")
        self.assertEqual(self.client.get(response["Location"]).status_code, 200)


# --- 2. photos -------------------------------------------------------------------------------------


class PhotoTests(ReportsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        ReportSettings.objects.update(reports_per_hour=100)

    def post_photo(self, name: str, data: bytes, content_type="image/jpeg", **fields):
        return self.post_report(photo=SimpleUploadedFile(name, data, content_type=content_type), lon="101.69", lat="36.95", **fields)

    def assert_clean(self, report: Report, long_side: int):
        path = Path(report.photo.path)
        self.assertTrue(path.is_relative_to(PRIVATE), path)
        self.assertFalse(path.is_relative_to(Path(settings.MEDIA_ROOT)), path)
        raw = path.read_bytes()
        for secret in (b"HUAWEI", b"SECRET-CAMERA-MODEL", b"Exif\x00\x00"):
            self.assertNotIn(secret, raw)
        with PILImage.open(path) as stored:
            self.assertEqual(stored.format, "JPEG")
            self.assertEqual(max(stored.size), long_side)
            self.assertEqual(dict(stored.getexif()), {})
            self.assertEqual(dict(stored.getexif().get_ifd(0x8825)), {})
            self.assertNotIn("exif", stored.info)
            self.assertNotIn("xmp", stored.info)

    def test_a_phone_photo_loses_its_gps_and_is_made_phone_size(self):
        original = jpeg(size=(2400, 1800))
        with PILImage.open(io.BytesIO(original)) as source:  # the test photo does carry a position
            self.assertEqual(source.getexif().get_ifd(0x8825)[1], "N")
        report = self.assert_redirect_to_status(self.post_photo("IMG_20261207.jpg", original))
        self.assertTrue(report.photo.name.startswith("reports/"), report.photo.name)
        self.assertNotIn("IMG_20261207", report.photo.name)
        self.assert_clean(report, 1600)
        with PILImage.open(report.photo.path) as stored:
            self.assertEqual(stored.size, (1600, 1200))

    def test_a_small_photo_keeps_its_size_but_not_its_metadata(self):
        report = self.assert_redirect_to_status(self.post_photo("small.jpg", jpeg(size=(640, 480))))
        self.assert_clean(report, 640)

    def test_a_png_screenshot_becomes_a_clean_jpeg(self):
        out = io.BytesIO()
        exif = PILImage.Exif()
        exif[0x010F] = "HUAWEI"
        PILImage.linear_gradient("L").resize((2000, 1000)).convert("RGB").save(out, "PNG", exif=exif.tobytes())
        report = self.assert_redirect_to_status(self.post_photo("shot.png", out.getvalue(), "image/png"))
        self.assert_clean(report, 1600)

    def test_bad_photos_are_form_errors_and_nothing_is_kept(self):
        too_big = b"\xff\xd8\xff\xe0" + b"\x00" * (12 * 1024 * 1024)
        cases = {
            "text named .jpg": ("notes.jpg", "这不是照片".encode() * 100, "无法读取这张照片"),
            "cut-off JPEG": ("cut.jpg", jpeg(size=(800, 600))[:600], "无法读取这张照片"),
            "empty file": ("empty.jpg", b"", None),
            "HTML named .jpg": ("x.jpg", b"<html><script>alert(1)</script></html>", "无法读取这张照片"),
            "over 12 MB": ("huge.jpg", too_big, "最大 12 MB"),
        }
        storage = Report._meta.get_field("photo").storage
        for label, (name, data, message) in cases.items():
            with self.subTest(label), mock.patch.object(storage, "save", wraps=storage.save) as save:
                response = self.post_photo(name, data)
                self.assertEqual(response.status_code, 400, response.content[:300])
                if message:
                    self.assertContains(response, message, status_code=400)
                self.assertContains(response, "has-error", status_code=400)
                self.assertEqual(save.call_count, 0)  # no file written
        self.assertFalse(Report.objects.exists())
        with mock.patch.object(storage, "save", wraps=storage.save) as save:  # what a kept photo looks like
            self.assert_redirect_to_status(self.post_photo("ok.jpg", jpeg(size=(320, 240))))
        self.assertEqual(save.call_count, 1)

    def test_a_point_outside_the_region_is_a_form_error(self):
        for lon, lat in (("116.40", "39.90"), ("-101.69", "36.95"), ("101.69", "95"), ("nan", "36.95"), ("inf", "36.95"), ("1e400", "36.95")):
            with self.subTest(lon=lon, lat=lat):
                response = self.post_report(lon=lon, lat=lat)
                self.assertEqual(response.status_code, 400)
        self.assert_form_error(self.post_report(lon="116.40", lat="39.90"), "这个位置不在西宁市范围内")
        self.assertFalse(Report.objects.exists())


# --- 3. privacy ------------------------------------------------------------------------------------


class PrivacyTests(ReportsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.with_phone = make_report(
            subject_url="/homestays/kayang/",
            subject_name="卡阳花海小院",
            subject_page=cls.stay1,
            category=Category.PRICE,
            description="房价与网页不符。",
            contact=PHONE,
            status=Status.IN_PROGRESS,
            public_reply="已联系经营者核实。",
        )
        cls.with_email = make_report(
            subject_url="/routes/huangyuan/#stop-3", subject_name="日月山", subject_page=cls.route, county=County.HUANGYUAN, contact=EMAIL
        )
        # a report that became an alert: the alert is public, its report's contact is not
        cls.alert = Alert.objects.create(
            kind=AlertKind.CLOSED,
            title="日月山段临时封闭",
            body=cls.with_email.description,
            starts_at=timezone.now() - dt.timedelta(hours=1),
            ends_at=timezone.now() + dt.timedelta(days=1),
            page=cls.route,
            stop=3,
            from_report=cls.with_email,
        )

    def setUp(self):
        super().setUp()
        self.with_phone.photo.save("p.jpg", SimpleUploadedFile("p.jpg", jpeg(size=(400, 300), gps=False)), save=True)
        self.photo_url = reverse("report_photo", args=[self.with_phone.code])

    def public_urls(self) -> list[str]:
        urls = [
            "/",
            "/en/",
            "/map/",
            "/routes/huangyuan/",
            "/en/routes/huangyuan/",
            "/routes/huangyuan/offline/",
            "/routes/huangyuan/print/",
            "/routes/huangyuan/gpx/",
            "/homestays/",
            "/homestays/kayang/",
            "/reports/new/?about=%2Fhomestays%2Fkayang%2F",
            self.with_phone.get_absolute_url(),
            self.with_phone.get_absolute_url() + "?new=1",
            f"/en/reports/{self.with_phone.code}/",
            self.with_email.get_absolute_url(),
            "/alerts/",
            "/en/alerts/",
            "/alerts/feed/",
            "/en/alerts/feed/",
            "/sitemap.xml",
            "/robots.txt",
            f"/search/?q={PHONE}",
            f"/search/?q={EMAIL}",
            "/search/?q=房价与网页不符",
            "/search/?q=卡阳",
            f"/search/autocomplete/?q={PHONE}",
            "/api/v2/pages/",
            "/api/v2/pages/?fields=*&limit=20",
            f"/api/v2/pages/?search={PHONE}",
            f"/api/v2/pages/{self.stay1.pk}/",
            f"/api/v2/pages/{self.route.pk}/",
            "/api/v2/images/",
        ]
        for name in registry.layers:
            urls += [f"/api/geo/{name}.geojson", f"/api/geo/{name}.geojson?lang=en"]
        return urls

    def test_no_contact_and_no_unapproved_photo_on_any_public_url(self):
        self.assertIn("alerts", registry.layers)
        photo_name = Path(self.with_phone.photo.name).name
        for url in self.public_urls():
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertLess(response.status_code, 400, url)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                text = body.decode("utf-8", "replace")
                query = parse_qs(urlsplit(url).query).get("q", [""])[0]
                if query in (PHONE, EMAIL):  # the search box says what was searched for: nothing else may
                    self.assertTrue("没有找到" in text or '"results": []' in text, text[-500:])
                    text = text.replace(query, "").replace(quote(query), "").replace(quote(query, safe=""), "")
                for secret in (PHONE, EMAIL, "reporter.secret", photo_name, self.photo_url, "photo.jpg"):
                    at = text.find(secret)
                    self.assertEqual(at, -1, f"{secret!r} on {url}: …{text[max(0, at - 150) : at + 150]}…")
        # the alert made from the report is public, on its layer and in the feed
        self.assertIn("日月山段临时封闭", self.client.get("/api/geo/alerts.geojson").content.decode())

    def test_the_contact_is_there_for_the_handler(self):
        """So the test above looks for something that is stored and shown where it belongs."""
        self.client.force_login(self.datong)
        edit = self.client.get(reverse("reports:edit", args=[self.with_phone.pk]))
        self.assertContains(edit, PHONE)
        self.assertContains(edit, self.photo_url)

    def test_the_photo_is_private_until_approved(self):
        status_page = self.client.get(self.with_phone.get_absolute_url())
        self.assertNotContains(status_page, self.photo_url)
        self.assertEqual(self.client.get(self.photo_url).status_code, 404)
        code = self.with_phone.code
        self.assertEqual(self.client.get(self.photo_url.replace(code, code.lower())).status_code, 404)
        for user, expected in ((self.owner1, 404), (self.owner2, 404), (self.huangyuan, 404), (self.datong, 200), (self.editor, 200)):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.client.get(self.photo_url)
                self.assertEqual(response.status_code, expected)
                if expected == 200:
                    self.assertEqual(response["Content-Type"], "image/jpeg")
                    self.assertIn("no-store", response["Cache-Control"])
                    self.assertNotIn("public", response["Cache-Control"])
                    self.assertEqual(b"".join(response.streaming_content)[:2], b"\xff\xd8")
        self.client.logout()

        Report.objects.filter(pk=self.with_phone.pk).update(photo_public=True)
        response = self.client.get(self.photo_url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        with PILImage.open(io.BytesIO(b"".join(response.streaming_content))) as shown:
            self.assertEqual(shown.size, (400, 300))
        self.assertContains(self.client.get(self.with_phone.get_absolute_url()), f'src="{self.photo_url}"')
        # still no contact, now that the photo is public
        self.assertNotContains(self.client.get(self.with_phone.get_absolute_url()), PHONE)

    def test_a_report_without_a_photo_has_no_photo_url(self):
        self.client.force_login(self.editor)
        self.assertEqual(self.client.get(reverse("report_photo", args=[self.with_email.code])).status_code, 404)


# --- 4. abuse --------------------------------------------------------------------------------------


@override_settings(RATELIMIT_ENABLE=True)
class AbuseTests(ReportsTestCase):
    def valid(self, **fields):
        return self.post_report(**{"lon": "101.69", "lat": "36.95", **fields})

    def test_two_hundred_reports_from_one_address_are_rate_limited(self):
        self.assertEqual(ReportSettings.load().reports_per_hour, 10)
        answers = [self.valid(description=f"第 {n} 条刷屏反馈内容。").status_code for n in range(200)]
        self.assertEqual(answers[:10], [302] * 10)
        self.assertEqual(set(answers[10:]), {429})
        self.assertEqual(Report.objects.count(), 10)
        limited = self.valid()
        self.assertEqual(limited.status_code, 429)
        self.assertContains(limited, "提交太频繁", status_code=429)
        self.assertEqual(limited["Retry-After"], "3600")
        self.assertNotIn("public", limited["Cache-Control"])
        # another address is not held up by this one
        self.extra = {"REMOTE_ADDR": "10.1.2.3"}
        self.assert_redirect_to_status(self.valid())
        self.assertEqual(Report.objects.count(), 11)

    def test_the_hourly_limit_is_a_setting(self):
        ReportSettings.objects.update(reports_per_hour=3)
        self.assertEqual([self.valid().status_code for _n in range(5)], [302, 302, 302, 429, 429])
        self.assertEqual(Report.objects.count(), 3)

    def test_the_honeypot_stores_nothing(self):
        response = self.valid(website="http://spam.example/")
        self.assertIn(response.status_code, (302, 400))
        self.assertIsNone(re.search(r"/reports/[0-9A-Z]{8}/", response.get("Location", "")))  # no status page: there is none
        self.assertFalse(Report.objects.exists())

    def test_bad_fields_are_form_errors_not_server_errors(self):
        cases = [
            ({"category": "nonsense"}, "category"),
            ({"category": ""}, "请选择问题类别"),
            ({"description": ""}, "请写几句具体情况"),
            ({"description": "   "}, "请写几句具体情况"),
            ({"description": "坏了"}, "至少 5 个字"),
            ({"description": "长" * 2001}, "description"),
            ({"contact": "call me maybe"}, "请填写手机号、电话或邮箱"),
            ({"contact": "a@b"}, "邮箱格式不正确"),
            ({"lon": "east", "lat": "36.95"}, "lon"),
            ({"form_token": "not-a-uuid"}, "form_token"),
        ]
        for fields, message in cases:
            with self.subTest(fields=str(fields)[:60]):
                response = self.valid(**fields)
                self.assertEqual(response.status_code, 400)
                if not message.isascii():
                    self.assertContains(response, message, status_code=400)
        self.assertFalse(Report.objects.exists())

    def test_nul_bytes_and_broken_utf8_are_refused(self):
        self.assertEqual(self.valid(description="路面塌陷\x00小车无法通过").status_code, 400)
        self.assertEqual(self.valid(contact="1380013\x008000").status_code, 400)
        body = "category=damage&lon=101.69&lat=36.95&description=%E8%B7%AF%00%E9%9D%A2%E5%A1%8C%E9%99%B7%E4%BA%86"
        for raw in (body, body.replace("%00", "%FF%FE"), body.replace("%00", "%ED%A0%80")):
            with self.subTest(raw=raw[-40:]):
                response = self.client.post("/reports/new/", raw, content_type="application/x-www-form-urlencoded")
                self.assertEqual(response.status_code, 400)
        self.assertEqual(self.client.get("/reports/new/?about=%2Froutes%2F%FF").status_code, 400)
        self.assertEqual(self.client.get("/reports/AB%00CD/").status_code, 400)
        self.assertFalse(Report.objects.exists())

    def test_unknown_codes_are_404(self):
        report = make_report()
        for url in ("/reports/NOPE/", "/reports/NOPE/photo.jpg", "/en/reports/NOPE/", "/reports/" + "X" * 300 + "/", "/reports/%E6%B5%8B%E8%AF%95/"):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.get(f"/reports/{report.code.lower()}/").status_code, 200)  # read aloud, typed in lower case

    def test_the_form_refuses_other_methods(self):
        self.assertEqual(self.client.put("/reports/new/").status_code, 405)
        self.assertEqual(self.client.delete("/reports/new/").status_code, 405)


# --- 5. handling in the admin ----------------------------------------------------------------------


class HandlingTests(ReportsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        now = timezone.now()
        cls.fresh = make_report(description="大通：刚刚提交的反馈。", contact=PHONE)
        cls.overdue = make_report(description="大通：超时未答复的反馈。", created_at=now - dt.timedelta(hours=30))
        cls.answered_late = make_report(description="大通：已答复。", created_at=now - dt.timedelta(hours=40), status=Status.IN_PROGRESS)
        cls.other = make_report(county=County.HUANGYUAN, point=point(*DANGAER), description="湟源：别的县的反馈。")
        cls.other_overdue = make_report(
            county=County.HUANGYUAN, point=point(*DANGAER), category=Category.SAFETY, description="湟源：超时。", created_at=now - dt.timedelta(hours=5)
        )

    def index_codes(self, content: bytes) -> list[str]:
        codes = {r.code for r in Report.objects.all()}
        return [code for code in re.findall(r"\b[0-9A-Z]{8}\b", content.decode()) if code in codes]

    def test_a_county_handler_sees_only_their_county(self):
        self.client.force_login(self.datong)
        response = self.client.get(reverse("reports:index"))
        self.assertEqual(response.status_code, 200)
        codes = set(self.index_codes(response.content))
        self.assertEqual(codes, {self.fresh.code, self.overdue.code, self.answered_late.code})
        self.assertEqual(self.client.get(reverse("reports:edit", args=[self.other.pk])).status_code, 404)
        self.assertEqual(self.client.post(reverse("reports:edit", args=[self.other.pk]), {"status": "done"}).status_code, 404)
        self.assertEqual(Report.objects.get(pk=self.other.pk).status, Status.RECEIVED)
        edit = self.client.get(reverse("reports:edit", args=[self.fresh.pk]))
        self.assertContains(edit, PHONE)  # the handler calls back
        # searching and filtering do not widen the list
        for query in ({"q": "湟源"}, {"county": County.HUANGYUAN}, {"status": Status.RECEIVED}):
            with self.subTest(query=query):
                found = self.client.get(reverse("reports:index"), query)
                self.assertEqual(found.status_code, 200)
                self.assertNotIn(self.other.code, found.content.decode())
                self.assertNotIn(self.other_overdue.code, found.content.decode())

    def test_no_view_of_another_countys_report(self):
        """Every per-report admin URL of the viewset answers 404 for another county's report."""
        self.client.force_login(self.datong)
        for name in ("edit", "history", "history_results", "usage", "delete"):
            with self.subTest(view=name):
                response = self.client.get(reverse(f"reports:{name}", args=[self.other.pk]))
                self.assertIn(response.status_code, (302, 403, 404))
                self.assertNotIn(self.other.code, response.content.decode())
        for name in ("history", "usage"):  # while their own county's are there
            self.assertEqual(self.client.get(reverse(f"reports:{name}", args=[self.fresh.pk])).status_code, 200)

    def test_the_list_exports_the_county_only_and_opens_in_excel(self):
        self.client.force_login(self.datong)
        response = self.client.get(reverse("reports:index"), {"export": "csv"})
        self.assertEqual(response.status_code, 200)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        self.assertTrue(body.startswith(b"\xef\xbb\xbf"), body[:20])  # Excel reads Chinese as GBK without it
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        self.assertEqual({row[0] for row in rows[1:]}, {self.fresh.code, self.overdue.code, self.answered_late.code})
        self.assertNotIn(PHONE, body.decode("utf-8-sig"))
        Report.objects.filter(pk=self.fresh.pk).update(public_reply='=HYPERLINK("http://evil.example")')
        body = b"".join(self.client.get(reverse("reports:index"), {"export": "csv"}).streaming_content).decode("utf-8-sig")
        self.assertIn("'=HYPERLINK", body)

    def test_overdue_reports_are_mailed_to_their_countys_handlers_once(self):
        from django.core import mail
        from django.core.management import call_command

        CountyDesk.objects.filter(county=County.DATONG).update(email="datong-desk@example.com")
        call_command("notify_overdue_reports", stdout=io.StringIO(), stderr=io.StringIO())
        by_county = {tuple(sorted(m.to)): m for m in mail.outbox}
        self.assertEqual(set(by_county), {("datong-desk@example.com", "datong@example.com"), ("huangyuan@example.com",)})
        self.assertIn(self.overdue.code, by_county[("datong-desk@example.com", "datong@example.com")].body)
        self.assertNotIn(self.other_overdue.code, by_county[("datong-desk@example.com", "datong@example.com")].body)
        self.assertNotIn(self.fresh.code, by_county[("datong-desk@example.com", "datong@example.com")].body)
        self.assertIn(self.other_overdue.code, by_county[("huangyuan@example.com",)].body)
        self.assertNotIn(PHONE, "".join(m.body for m in mail.outbox))
        call_command("notify_overdue_reports", stdout=io.StringIO(), stderr=io.StringIO())
        self.assertEqual(len(mail.outbox), 2)  # each report once

    def test_the_office_sees_every_county(self):
        self.assertTrue(self.editor.has_perm("reports.handle_all_counties"))
        self.client.force_login(self.editor)
        codes = set(self.index_codes(self.client.get(reverse("reports:index")).content))
        self.assertEqual(codes, set(Report.objects.values_list("code", flat=True)))
        self.assertEqual(self.client.get(reverse("reports:edit", args=[self.other.pk])).status_code, 200)

    def test_no_report_for_an_owner_or_a_visitor(self):
        self.assertEqual(self.client.get(reverse("reports:index")).status_code, 302)  # to the login
        self.client.force_login(self.owner1)
        self.assertNotEqual(self.client.get(reverse("reports:index")).status_code, 200)
        self.assertNotEqual(self.client.get(reverse("reports:edit", args=[self.fresh.pk])).status_code, 200)

    def test_the_overdue_report_is_first_and_flagged(self):
        self.assertEqual(set(Report.objects.overdue()), {self.overdue, self.other_overdue})
        self.assertEqual(list(Report.objects.overdue(timezone.now() - dt.timedelta(hours=4))), [self.overdue])
        self.client.force_login(self.datong)
        codes = self.index_codes(self.client.get(reverse("reports:index")).content)
        self.assertEqual(codes[0], self.overdue.code)
        self.assertEqual(codes.index(self.fresh.code) < codes.index(self.answered_late.code), True)  # then open ones, newest first
        dashboard = self.client.get("/admin/")
        self.assertContains(dashboard, f'data-overdue="{self.overdue.code}"')
        self.assertNotContains(dashboard, f'data-overdue="{self.other_overdue.code}"')
        self.assertNotContains(dashboard, f'data-overdue="{self.fresh.code}"')
        self.assertContains(dashboard, "其中超时 1 条")
        self.client.force_login(self.editor)
        dashboard = self.client.get("/admin/")
        self.assertContains(dashboard, f'data-overdue="{self.overdue.code}"')
        self.assertContains(dashboard, f'data-overdue="{self.other_overdue.code}"')
        # the public page says so too
        self.assertContains(self.client.get(self.overdue.get_absolute_url()), "已超过答复时限")
        self.assertNotContains(self.client.get(self.fresh.get_absolute_url()), "已超过答复时限")

    def edit(self, report, **changes):
        url = reverse("reports:edit", args=[report.pk])
        data = admin_form(self.client.get(url).content, url)
        data.update(changes)
        return self.client.post(url, data)

    def test_a_handler_answers_and_the_status_page_shows_it(self):
        self.client.force_login(self.datong)
        response = self.edit(self.overdue, status=Status.IN_PROGRESS, public_reply="已通知朔北乡，养护队明天上午到现场。")
        self.assertEqual(response.status_code, 302, response.content[:3000])
        report = Report.objects.get(pk=self.overdue.pk)
        self.assertEqual(report.status, Status.IN_PROGRESS)
        self.assertIsNotNone(report.responded_at)
        self.assertEqual(report.handled_by, self.datong)
        self.assertIsNone(report.closed_at)
        self.assertNotIn(report, Report.objects.overdue())

        self.client.logout()
        page = self.client.get(report.get_absolute_url())
        self.assertContains(page, 'data-report-status="in_progress"')
        self.assertContains(page, '<span class="badge">处理中</span>', html=False)
        self.assertContains(page, "已通知朔北乡，养护队明天上午到现场。")
        self.assertContains(page, "首次答复")
        self.assertContains(page, timezone.localtime(report.responded_at).strftime("%Y-%m-%d %H:%M"))
        self.assertContains(page, "用时 30 小时")
        self.assertNotContains(page, "已超过答复时限")

        self.client.force_login(self.datong)
        self.assertEqual(self.edit(report, status=Status.DONE, public_reply="已修复。").status_code, 302)
        report.refresh_from_db()
        self.assertEqual(report.status, Status.DONE)
        self.assertIsNotNone(report.closed_at)
        self.client.logout()
        page = self.client.get(report.get_absolute_url())
        self.assertContains(page, "已办结")
        self.assertContains(page, "办结时间")

    def test_rejecting_needs_a_public_reason(self):
        self.client.force_login(self.datong)
        response = self.edit(self.fresh, status=Status.REJECTED, reject_reason="  ")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "不予受理时请写明理由")
        self.assertEqual(Report.objects.get(pk=self.fresh.pk).status, Status.RECEIVED)
        response = self.edit(self.fresh, status=Status.REJECTED, reject_reason="该路段不属于公路管理范围，已转交村委会。")
        self.assertEqual(response.status_code, 302)
        self.client.logout()
        page = self.client.get(self.fresh.get_absolute_url())
        self.assertContains(page, "不予受理的理由")
        self.assertContains(page, "该路段不属于公路管理范围")
        self.assertContains(page, 'data-report-status="rejected"')

    def test_a_report_becomes_an_alert_in_one_step(self):
        self.client.force_login(self.editor)
        stop_report = make_report(county=County.HUANGYUAN, subject_url="/routes/huangyuan/#stop-3", subject_name="日月山", subject_page=self.route)
        response = self.client.get(reverse("wagtailsnippets_reports_alert:add") + f"?from_report={stop_report.pk}")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "日月山：道路/设施损坏")
        # a handler of another county who may publish alerts cannot prefill from a report they do not handle
        self.datong.user_permissions.add(Permission.objects.get(content_type__app_label="reports", codename="add_alert"))
        self.client.force_login(self.datong)
        other = self.client.get(reverse("wagtailsnippets_reports_alert:add") + f"?from_report={stop_report.pk}")
        self.assertEqual(other.status_code, 200)
        self.assertNotContains(other, "日月山：道路/设施损坏")
        self.assertNotContains(other, stop_report.description)


# --- 6. owners' answers ----------------------------------------------------------------------------


class OwnerAnswerTests(ReportsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        ReportSettings.objects.update(reports_per_hour=100)

    def setUp(self):
        super().setUp()
        response = self.post_report(about="/homestays/kayang/", category=Category.PRICE, description="国庆房价比网页上写的高了 100 元。", contact=PHONE)
        self.report = self.assert_redirect_to_status(response)
        self.answer_url = reverse("reports_owner_answer", args=[self.report.pk])

    def test_the_owner_answers_and_it_is_public_after_approval(self):
        self.assertEqual(self.report.subject_page_id, self.stay1.pk)
        self.client.force_login(self.owner1)
        dashboard = self.client.get("/admin/")
        self.assertContains(dashboard, f'data-owner-report="{self.report.code}"')
        self.assertContains(dashboard, self.answer_url)
        form = self.client.get(self.answer_url)
        self.assertEqual(form.status_code, 200)
        self.assertContains(form, "国庆房价比网页上写的高了 100 元。")
        self.assertNotContains(form, PHONE)  # the owner is not the county: no contact details
        self.assertEqual(self.client.post(self.answer_url, {"text": " "}).status_code, 200)  # an empty answer is an error
        self.assertFalse(OwnerAnswer.objects.exists())
        response = self.client.post(self.answer_url, {"text": "节日价已补充到房型说明里，多收的差价已退还。"})
        self.assertRedirects(response, reverse("wagtailadmin_home"), fetch_redirect_response=False)
        answer = OwnerAnswer.objects.get()
        self.assertEqual((answer.report, answer.author, answer.approved), (self.report, self.owner1, False))

        self.client.logout()
        self.assertNotContains(self.client.get(self.report.get_absolute_url()), "节日价已补充")

        self.client.force_login(self.editor)
        self.assertContains(self.client.get("/admin/"), "1 条经营者答复待审核")
        url = reverse("reports:edit", args=[self.report.pk])
        data = admin_form(self.client.get(url).content, url)
        self.assertEqual(data["answers-TOTAL_FORMS"], "1")
        data["answers-0-approved"] = "on"
        self.assertEqual(self.client.post(url, data).status_code, 302)
        answer.refresh_from_db()
        self.assertTrue(answer.approved)
        self.assertEqual(answer.approved_by, self.editor)
        self.assertIsNotNone(answer.approved_at)
        self.assertEqual(answer.text, "节日价已补充到房型说明里，多收的差价已退还。")  # read-only for the editor

        self.client.logout()
        page = self.client.get(self.report.get_absolute_url())
        self.assertContains(page, "经营者答复")
        self.assertContains(page, "节日价已补充到房型说明里，多收的差价已退还。")
        self.assertNotContains(page, PHONE)

    def test_another_owner_sees_nothing(self):
        self.client.force_login(self.owner2)
        self.assertEqual(self.client.get(self.answer_url).status_code, 404)
        self.assertEqual(self.client.post(self.answer_url, {"text": "我来替别人答复。"}).status_code, 404)
        self.assertFalse(OwnerAnswer.objects.exists())
        self.assertNotContains(self.client.get("/admin/"), self.report.code)

    def test_an_answer_cannot_be_forged_as_approved(self):
        self.client.force_login(self.owner1)
        self.client.post(self.answer_url, {"text": "已处理，请放心。", "approved": "on"})
        self.assertFalse(OwnerAnswer.objects.get().approved)
        self.client.logout()
        self.assertNotContains(self.client.get(self.report.get_absolute_url()), "已处理，请放心。")


# --- 7. alerts -------------------------------------------------------------------------------------


class AlertTests(ReportsTestCase):
    def add_alert(self, **fields) -> Alert:
        now = timezone.now()
        values = {
            "kind": AlertKind.WEATHER,
            "title": "日月山垭口降雪，路面结冰",
            "title_en": "Snow and ice on the Riyue pass",
            "body": "109 国道日月山段有积雪和暗冰，请带防滑链。",
            "starts_at": now - dt.timedelta(hours=2),
            "ends_at": now + dt.timedelta(hours=3),
            "page": self.route,
            "stop": 3,
        }
        values.update(fields)
        return Alert.objects.create(**values)

    def pack_version(self) -> str:
        response = self.client.get("/routes/huangyuan/offline/")
        self.assertEqual(response.status_code, 200)
        return response.json()["version"]

    def feed_titles(self, url="/alerts/feed/") -> list[str]:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        feed = feedparser.parse(response.content)
        self.assertEqual(feed.bozo, 0, getattr(feed, "bozo_exception", None))
        return [entry.title for entry in feed.entries]

    def layer_names(self, url="/api/geo/alerts.geojson") -> list[str]:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return [f["properties"]["name"] for f in response.json()["features"]]

    def test_an_alert_on_riyue_shows_everywhere_and_goes_by_itself(self):
        version_before = self.pack_version()
        self.assertEqual(self.layer_names(), [])  # built and cached empty
        alert = self.add_alert()
        anchor = f'id="alert-{alert.pk}"'

        route = self.client.get("/routes/huangyuan/")
        self.assertContains(route, anchor)
        self.assertContains(route, "日月山垭口降雪，路面结冰")
        self.assertContains(route, "109 国道日月山段有积雪和暗冰")
        route_en = self.client.get("/en/routes/huangyuan/")
        self.assertContains(route_en, anchor)
        self.assertContains(route_en, "Snow and ice on the Riyue pass")
        for home in ("/", "/en/"):
            self.assertContains(self.client.get(home), anchor, msg_prefix=home)
        alerts = self.client.get("/alerts/")
        self.assertContains(alerts, "日月山垭口降雪，路面结冰")
        self.assertContains(alerts, f'href="/routes/huangyuan/#alert-{alert.pk}"')

        feed = feedparser.parse(self.client.get("/alerts/feed/").content)
        self.assertEqual([e.title for e in feed.entries], ["[天气] 日月山垭口降雪，路面结冰"])
        self.assertEqual(feed.entries[0].link, f"http://testserver/routes/huangyuan/#alert-{alert.pk}")
        self.assertIn("防滑链", feed.entries[0].summary)

        layer = self.client.get("/api/geo/alerts.geojson").json()["features"]
        self.assertEqual(len(layer), 1)
        self.assertEqual(layer[0]["geometry"], {"type": "Point", "coordinates": list(RIYUE)})  # at the stop
        self.assertEqual(layer[0]["properties"]["kind"], "alert-weather")
        self.assertEqual(layer[0]["properties"]["url"], f"/routes/huangyuan/#alert-{alert.pk}")
        en_feed = feedparser.parse(self.client.get("/en/alerts/feed/").content)
        self.assertEqual(en_feed.entries[0].link, f"http://testserver/en/routes/huangyuan/#alert-{alert.pk}")
        en_layer = self.client.get("/api/geo/alerts.geojson?lang=en").json()["features"]
        self.assertEqual(en_layer[0]["properties"]["url"], f"/en/routes/huangyuan/#alert-{alert.pk}")

        version_with_alert = self.pack_version()
        self.assertNotEqual(version_with_alert, version_before)
        self.assertContains(self.client.get("/routes/huangyuan/"), f'data-pack-version="{version_with_alert}"')

        # an unrelated route shows nothing
        other = RoutePageFactory(parent=self.routes, slug="xinachuan", geometry=straight_line())
        self.assertNotContains(self.client.get(other.url), anchor)

        after = alert.ends_at + dt.timedelta(minutes=1)
        with mock.patch("django.utils.timezone.now", return_value=after):
            for url in ("/routes/huangyuan/", "/en/routes/huangyuan/", "/", "/en/", "/alerts/"):
                with self.subTest(url=url):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 200)
                    self.assertNotContains(response, anchor)
                    self.assertNotContains(response, "日月山垭口降雪")
            self.assertEqual(self.feed_titles(), [])
            self.assertEqual(self.layer_names(), [])  # the cached layer knew its end (valid_until)
            self.assertEqual(self.layer_names("/api/geo/alerts.geojson?lang=en"), [])
            self.assertEqual(self.pack_version(), version_before)

    def test_the_cached_layer_expires_at_the_alerts_end(self):
        alert = self.add_alert(ends_at=timezone.now() + dt.timedelta(minutes=30))
        self.assertEqual(self.layer_names(), [alert.title])
        payload = layer_payload("alerts")
        self.assertEqual(payload["valid_until"], alert.ends_at)
        with mock.patch("django.utils.timezone.now", return_value=alert.ends_at - dt.timedelta(seconds=5)):
            self.assertEqual(self.layer_names(), [alert.title])
        with mock.patch("django.utils.timezone.now", return_value=alert.ends_at + dt.timedelta(seconds=1)):
            self.assertEqual(self.layer_names(), [])

    def test_an_upcoming_alert_is_announced_and_then_in_force(self):
        start = timezone.now() + dt.timedelta(days=1)
        alert = self.add_alert(starts_at=start, ends_at=start + dt.timedelta(hours=6), kind=AlertKind.EVENT, title="日月山文成公主纪念活动")
        route = self.client.get("/routes/huangyuan/")
        self.assertContains(route, f'id="alert-{alert.pk}"')
        self.assertContains(route, "即将开始")
        self.assertEqual(self.layer_names(), ["日月山文成公主纪念活动"])
        far = self.add_alert(starts_at=start + dt.timedelta(days=10), ends_at=start + dt.timedelta(days=11), title="十天后的活动")
        self.assertNotContains(self.client.get("/routes/huangyuan/"), f'id="alert-{far.pk}"')
        self.assertNotIn("十天后的活动", self.feed_titles())

    def test_an_area_alert_shows_on_the_routes_it_touches(self):
        near = self.add_alert(page=None, stop=None, area=point(*ZONGJIA), radius_km=5, title="宗家沟一带施工", kind=AlertKind.WORKS)
        far = self.add_alert(page=None, stop=None, area=point(*NEAR_DATONG), radius_km=2, title="大通县城周边拥挤", kind=AlertKind.CROWDED)
        route = self.client.get("/routes/huangyuan/")
        self.assertContains(route, f'id="alert-{near.pk}"')
        self.assertNotContains(route, f'id="alert-{far.pk}"')
        self.assertContains(self.client.get("/"), f'id="alert-{far.pk}"')
        layer = {f["properties"]["name"]: f for f in self.client.get("/api/geo/alerts.geojson").json()["features"]}
        self.assertEqual(layer["宗家沟一带施工"]["geometry"]["coordinates"], list(ZONGJIA))
        self.assertEqual(layer["宗家沟一带施工"]["properties"]["radius_km"], 5.0)

    def test_shared_caches_keep_a_page_no_longer_than_its_alert(self):
        page_seconds = settings.PAGE_CACHE_SECONDS
        self.assertGreater(page_seconds, 300)

        def s_maxage(url):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            found = re.search(r"s-maxage=(\d+)", response["Cache-Control"])
            self.assertIsNotNone(found, (url, response["Cache-Control"]))
            return int(found.group(1))

        urls = ("/routes/huangyuan/", "/en/routes/huangyuan/", "/", "/alerts/", "/alerts/feed/")
        for url in urls:
            self.assertEqual(s_maxage(url), page_seconds, url)
        self.add_alert(ends_at=timezone.now() + dt.timedelta(hours=5))  # ends after PAGE_CACHE_SECONDS
        self.assertEqual(s_maxage("/routes/huangyuan/"), page_seconds)
        soon = self.add_alert(title="短时封闭", ends_at=timezone.now() + dt.timedelta(seconds=300))
        for url in urls:
            with self.subTest(url=url):
                seconds = s_maxage(url)
                left = (soon.ends_at - timezone.now()).total_seconds()
                self.assertLessEqual(seconds, left)
                self.assertGreater(seconds, left - 30)
        # a signed-in editor's page is not shared at all
        self.client.force_login(self.editor)
        self.assertIn("private", self.client.get("/routes/huangyuan/")["Cache-Control"])

    def test_an_alert_elsewhere_leaves_the_routes_cache_alone(self):
        """An area alert in 大通县, far from the 湟源 route, bounds the home page (which shows every
        alert) but not the route page."""
        self.add_alert(
            title="窎沟短时封闭",
            page=None,
            stop=None,
            area={"type": "Point", "coordinates": [101.84, 36.98]},
            radius_km=1,
            ends_at=timezone.now() + dt.timedelta(seconds=300),
        )

        def s_maxage(url):
            return int(re.search(r"s-maxage=(\d+)", self.client.get(url)["Cache-Control"]).group(1))

        self.assertEqual(s_maxage("/routes/huangyuan/"), settings.PAGE_CACHE_SECONDS)
        self.assertLessEqual(s_maxage("/"), 300)

    def test_an_alert_about_to_be_announced_bounds_the_cache_too(self):
        starts = timezone.now() + dt.timedelta(days=2, seconds=120)  # announced (即将) two days ahead
        self.add_alert(starts_at=starts, ends_at=starts + dt.timedelta(hours=3))
        response = self.client.get("/routes/huangyuan/")
        seconds = int(re.search(r"s-maxage=(\d+)", response["Cache-Control"]).group(1))
        self.assertLessEqual(seconds, 120)


# --- 8. monthly figures ----------------------------------------------------------------------------


SHANGHAI = timezone.get_fixed_timezone(8 * 60)


class FiguresTests(ReportsTestCase):
    MONTH = "2026-03"

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)

        def report(county, category, created, responded_hours=None, status=Status.RECEIVED, closed_hours=None):
            r = make_report(county=county, category=category, created_at=created, status=Status.RECEIVED)
            updates = {"status": status}
            if responded_hours is not None:
                updates["responded_at"] = created + dt.timedelta(hours=responded_hours)
            if closed_hours is not None:
                updates["closed_at"] = created + dt.timedelta(hours=closed_hours)
            Report.objects.filter(pk=r.pk).update(**updates)
            return r

        report(County.DATONG, Category.DAMAGE, t0, 1, Status.IN_PROGRESS)
        report(County.DATONG, Category.DAMAGE, t0, 2, Status.IN_PROGRESS)
        report(County.DATONG, Category.SAFETY, t0, 10, Status.IN_PROGRESS)  # answered after its 4 h: overdue
        report(County.DATONG, Category.SAFETY, t0)  # never answered: overdue
        report(County.HUANGYUAN, Category.PRICE, t0, 3, Status.DONE, closed_hours=30)
        # the last half hour of March in 西宁 is still March (15:30 UTC) …
        report(County.HUANGYUAN, Category.OTHER, dt.datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI))
        # … and the first half hour of April is not, though it is still March 31 in UTC
        report(County.DATONG, Category.DAMAGE, dt.datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI), 1, Status.IN_PROGRESS)
        report(County.DATONG, Category.DAMAGE, dt.datetime(2026, 2, 28, 23, 0, tzinfo=SHANGHAI), 1, Status.IN_PROGRESS)

    def rows(self, month=MONTH, **kwargs) -> dict:
        return {(r.county, r.category): r for r in report_figures.figures(month, **kwargs)}

    def test_the_figures_of_a_month(self):
        rows = report_figures.figures(self.MONTH)
        self.assertEqual(
            [(r.county, r.category) for r in rows],
            [
                ("大通县", "道路/设施损坏"),
                ("大通县", "安全隐患"),
                ("大通县", "全部类别"),
                ("湟源县", "价格/服务投诉"),
                ("湟源县", "其他"),
                ("湟源县", "全部类别"),
                ("全市", "全部类别"),
            ],
        )
        got = {(r.county, r.category): (r.received, r.answered, r.overdue, r.closed, r.median_hours, r.p90_hours) for r in rows}
        self.assertEqual(got[("大通县", "道路/设施损坏")], (2, 2, 0, 0, 1.5, 1.9))
        self.assertEqual(got[("大通县", "安全隐患")], (2, 1, 2, 0, 10.0, 10.0))
        self.assertEqual(got[("大通县", "全部类别")], (4, 3, 2, 0, 2.0, 8.4))
        self.assertEqual(got[("湟源县", "价格/服务投诉")], (1, 1, 0, 1, 3.0, 3.0))
        self.assertEqual(got[("湟源县", "其他")], (1, 0, 1, 0, None, None))
        self.assertEqual(got[("湟源县", "全部类别")], (2, 1, 1, 1, 3.0, 3.0))
        self.assertEqual(got[("全市", "全部类别")], (6, 4, 3, 1, 2.5, 7.9))
        self.assertTrue(all(r.month == self.MONTH for r in rows))

    def test_overdue_is_counted_as_of_now(self):
        early = dt.datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)  # 3 h after t0: the unanswered safety report is not late yet
        rows = self.rows(now=early)
        self.assertEqual(rows[("大通县", "安全隐患")].overdue, 1)
        self.assertEqual(rows[("湟源县", "其他")].overdue, 0)

    def test_other_months(self):
        april = self.rows("2026-04")
        self.assertEqual(april[("全市", "全部类别")].received, 1)
        self.assertEqual(self.rows("2026-02")[("全市", "全部类别")].received, 1)
        self.assertEqual(self.rows("2025-03"), {})
        for junk in ("2026-13", "abc", "", None, "2026-03-01"):
            with self.subTest(month=junk):
                report_figures.figures(junk)  # the current month, no error

    def test_a_handler_gets_their_county_only(self):
        rows = self.rows(reports=Report.objects.handled_by(self.datong))
        self.assertEqual({county for county, _category in rows}, {"大通县", "全市"})
        self.assertEqual(rows[("全市", "全部类别")].received, 4)

    def test_the_admin_report_and_its_exports(self):
        url = reverse("reports_figures")
        self.client.force_login(self.editor)
        response = self.client.get(url, {"month": self.MONTH})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "反馈月报")
        self.assertContains(response, "湟源县")
        self.assertContains(response, "8.4")
        self.assertContains(response, "data-figures-chart")

        csv_response = self.client.get(url, {"month": self.MONTH, "export": "csv"})
        self.assertEqual(csv_response.status_code, 200)
        self.assertTrue(csv_response["Content-Type"].startswith("text/csv"))
        self.assertIn("reports-2026-03", csv_response["Content-Disposition"])
        body = b"".join(csv_response.streaming_content) if csv_response.streaming else csv_response.content
        self.assertTrue(body.startswith(b"\xef\xbb\xbf"), body[:20])
        table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        self.assertEqual(table[0][:3], ["月份 month", "县区 county", "类别 category"])
        city = next(row for row in table if row[1] == "全市")
        self.assertEqual(city, ["2026-03", "全市", "全部类别", "6", "4", "3", "1", "2.5", "7.9"])

        xlsx = self.client.get(url, {"month": self.MONTH, "export": "xlsx"})
        self.assertEqual(xlsx.status_code, 200)
        data = b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content
        self.assertEqual(data[:2], b"PK")
        self.assertIn("xl/workbook.xml", zipfile.ZipFile(io.BytesIO(data)).namelist())
        try:
            import openpyxl
        except ImportError:  # pragma: no cover - openpyxl comes with Wagtail's exports
            return
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        values = [[cell.value for cell in row] for row in sheet.iter_rows()]
        self.assertEqual(values[0][0], "月份 month")
        city = next(row for row in values if row[1] == "全市")
        self.assertEqual(city[3:7], [6, 4, 3, 1])
        self.assertEqual(city[7:9], [2.5, 7.9])

    def test_a_handlers_export_has_their_county_only(self):
        self.client.force_login(self.datong)
        response = self.client.get(reverse("reports_figures"), {"month": self.MONTH, "export": "csv"})
        self.assertEqual(response.status_code, 200)
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        self.assertIn("大通县", body)
        self.assertNotIn("湟源县", body)

    def test_owners_and_visitors_get_no_figures(self):
        url = reverse("reports_figures")
        response = self.client.get(url, {"month": self.MONTH, "export": "csv"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])
        self.client.force_login(self.owner1)
        for params in ({"month": self.MONTH}, {"month": self.MONTH, "export": "csv"}, {"month": self.MONTH, "export": "xlsx"}):
            with self.subTest(params=params):
                response = self.client.get(url, params)
                self.assertIn(response.status_code, (302, 403))
                if response.status_code == 302:
                    self.assertNotIn("figures", response["Location"])
                self.assertNotIn(b"8.4", response.content)

    def test_the_dashboard_chart(self):
        this_month = timezone.now()
        make_report(created_at=this_month - dt.timedelta(minutes=5))
        self.client.force_login(self.editor)
        dashboard = self.client.get("/admin/")
        self.assertContains(dashboard, "data-figures-chart")
        self.assertContains(dashboard, f"反馈月报 {timezone.localtime(this_month):%Y-%m}")
        self.client.force_login(self.owner1)
        self.assertNotContains(self.client.get("/admin/"), "data-figures-chart")


# --- 9. query counts -------------------------------------------------------------------------------


class QueryCountTests(ReportsTestCase):
    def count(self, url) -> int:
        self.client.get(url)  # the caches a first request fills (site roots, layers, settings)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_the_status_page_does_not_grow_with_answers_or_alerts(self):
        report = make_report(subject_page=self.stay1, subject_name="卡阳花海小院", subject_url="/homestays/kayang/", status=Status.IN_PROGRESS)
        OwnerAnswer.objects.create(report=report, author=self.owner1, text="第一条答复。", approved=True)
        url = report.get_absolute_url()
        few = self.count(url)
        for n in range(6):
            OwnerAnswer.objects.create(report=report, author=self.owner1, text=f"第 {n} 条答复。", approved=n % 2 == 0)
            Alert.objects.create(kind=AlertKind.WORKS, title=f"施工 {n}", page=self.route, stop=n % 3 + 1, ends_at=timezone.now() + dt.timedelta(days=1))
        self.client.get(url)
        with self.assertNumQueries(few):
            response = self.client.get(url)
        self.assertContains(response, "第 4 条答复。")
        self.assertNotContains(response, "第 5 条答复。")  # not approved

    def test_the_alert_list_does_not_grow_with_alerts(self):
        now = timezone.now()

        def alert(n, **fields):
            values = {"kind": AlertKind.WORKS, "title": f"施工 {n}", "starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(days=1)}
            values.update(fields)
            return Alert.objects.create(**values)

        alert(0, page=self.route, stop=3)
        alert(1, area=point(*ZONGJIA), radius_km=3)
        few = {url: self.count(url) for url in ("/alerts/", "/en/alerts/", "/alerts/feed/", "/en/alerts/feed/")}
        alert(2, page=self.route)
        alert(3, page=self.route_en, stop=1)
        alert(4, area=point(*NEAR_DATONG), radius_km=3)
        alert(5, page=self.route, starts_at=now + dt.timedelta(hours=5))
        other = RoutePageFactory(parent=self.routes, slug="xinachuan", geometry=straight_line())
        alert(6, page=other)
        alert(7, page=other, stop=2)
        for url, expected in few.items():
            with self.subTest(url=url):
                self.client.get(url)
                with self.assertNumQueries(expected):
                    response = self.client.get(url)
                if "feed" in url:
                    self.assertEqual(len(feedparser.parse(response.content).entries), 8)
                else:
                    self.assertEqual(len(re.findall(r'id="alert-\d+"', response.content.decode())), 8)

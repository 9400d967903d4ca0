"""Licences (证照, issue 25): owners enter them with a scan, editors verify, the public sees badges.

Through the admin's real URLs as owner1, owner2, an editor and nobody: owner1 submits a licence
(待核验, no badge), the editor verifies it (badge), owner1 cannot change it any more (a forged POST
is refused and changes nothing), owner2 can neither read, change nor download owner1's licences,
and the scan lives on private storage only. Then the clock: the badge shows until its expiry day
and not after, and `next_badge_change` says when; `remind_licences` mails 30 days before, once;
migration 0007 copies the old numbers.
"""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
import tempfile
from io import BytesIO, StringIO
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from homestays.factories import HomestayPageFactory, site_with_owners
from homestays.licences import clean_scan, licence_pages, next_badge_change, public_licences, status_of
from homestays.models import Licence, LicenceKind
from homestays.owners import grant_listing

User = get_user_model()
SHANGHAI = ZoneInfo("Asia/Shanghai")
GPS_IFD = 0x8825


def png_bytes(size=(60, 40)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"
    exif[GPS_IFD] = {1: "N", 2: (36.0, 37.0, 12.5), 3: "E", 4: (101.0, 46.0, 3.2)}
    out = BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 40)).save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def upload(name="licence.png", data=None, content_type="image/png"):
    return SimpleUploadedFile(name, data if data is not None else png_bytes(), content_type=content_type)


class LicenceFixture(TestCase):
    @classmethod
    def setUpTestData(cls):
        site_with_owners(cls)
        cls.mine = HomestayPageFactory(parent=cls.index, title="卡阳花海小院", slug="kayang")
        cls.theirs = HomestayPageFactory(parent=cls.index, title="窎沟花儿院", slug="diaogou")
        grant_listing(cls.owner1, cls.mine)
        grant_listing(cls.owner2, cls.theirs)

    def setUp(self):
        # Scans go to a throw-away private root (the field's storage is built once, at import).
        self.private_root = Path(tempfile.mkdtemp(prefix="licences-private-"))
        self.addCleanup(shutil.rmtree, self.private_root, ignore_errors=True)
        settings_override = override_settings(PORTAL_PRIVATE_MEDIA_ROOT=self.private_root)
        settings_override.enable()
        self.addCleanup(settings_override.disable)
        storage = mock.patch.object(Licence._meta.get_field("scan"), "storage", FileSystemStorage(location=self.private_root, base_url=None))
        storage.start()
        self.addCleanup(storage.stop)

    # -- helpers --------------------------------------------------------------------------

    def page_url(self, page):
        return reverse("homestays_licences", args=(page.pk,))

    def submit(self, page, kind="business", number="91630100MA75XX0001", expires="2027-06-30", scan=None, **extra):
        data = {"kind": kind, "action": "save", f"{kind}-number": number, f"{kind}-expires": expires, **extra}
        if scan is not False:
            data[f"{kind}-scan"] = scan or upload()
        return self.client.post(self.page_url(page), data)

    def verify(self, page, kind="business"):
        return self.client.post(self.page_url(page), {"kind": kind, "action": "verify"})

    def make_licence(self, page, kind="business", verified=True, expires=None, **fields):
        licence = Licence.objects.create(
            listing=page, kind=kind, number=fields.pop("number", "LIC-1"), expires=expires, scan=ContentFile(png_bytes(), name="scan.png"), **fields
        )
        if verified:
            licence.verified_at = timezone.now()
            licence.verified_by = self.editor
            licence.save()
        return licence

    def snapshot(self, licence):
        row = Licence.objects.get(pk=licence.pk)
        return (row.number, row.expires, row.scan.name, row.verified_at, row.verified_by_id, row.note)


class OwnerAndEditorTests(LicenceFixture):
    def test_owner_submits_a_licence_which_waits_for_verification(self):
        self.client.force_login(self.owner1)
        response = self.client.get(self.page_url(self.mine))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'enctype="multipart/form-data"')
        for label in LicenceKind.labels:
            self.assertContains(response, label)

        response = self.submit(self.mine)
        self.assertEqual(response.status_code, 302, response.content.decode()[-2000:])
        licence = Licence.objects.get(listing=self.mine, kind="business")
        self.assertEqual((licence.number, licence.expires, licence.verified), ("91630100MA75XX0001", dt.date(2027, 6, 30), False))
        self.assertContains(self.client.get(self.page_url(self.mine)), "待核验")
        self.assertEqual(status_of(licence)[0], "pending")

        # no badge before an editor verified it
        self.assertEqual(public_licences(self.mine), ([], []))

        # the scan is on private storage, never under MEDIA_ROOT
        path = Path(licence.scan.path).resolve()
        self.assertTrue(path.is_file())
        self.assertTrue(path.is_relative_to(self.private_root.resolve()), path)
        self.assertFalse(path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()), path)
        self.assertFalse(list(Path(settings.MEDIA_ROOT).rglob(path.name)) if Path(settings.MEDIA_ROOT).exists() else [])

    def test_scan_is_required_and_validated(self):
        self.client.force_login(self.owner1)
        response = self.submit(self.mine, scan=False)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请上传证照的照片或扫描件", status_code=400)
        response = self.submit(self.mine, scan=upload("licence.png", b"not a picture at all", "image/png"))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Licence.objects.exists())
        self.assertFalse(any(self.private_root.rglob("*.*")))

        # a PDF is kept as it is
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        self.assertEqual(self.submit(self.mine, kind="fire", scan=upload("x.pdf", pdf, "application/pdf")).status_code, 302)
        licence = Licence.objects.get(kind="fire")
        self.assertTrue(licence.scan.name.endswith(".pdf"))
        with licence.scan.open("rb") as fh:
            self.assertEqual(fh.read(), pdf)

    def test_scan_pictures_lose_their_metadata_and_size_is_capped(self):
        cleaned = clean_scan(upload("p.jpg", jpeg_with_gps(), "image/jpeg"))
        self.assertTrue(cleaned.name.endswith(".jpg"))
        image = Image.open(BytesIO(cleaned.read()))
        self.assertEqual(image.format, "JPEG")
        self.assertNotIn(GPS_IFD, image.getexif())
        self.assertNotIn(0x010F, image.getexif())
        big = upload("big.png", b"0" * (10 * 1024 * 1024 + 1))
        with self.assertRaises(ValidationError):
            clean_scan(big)
        gif = BytesIO()
        Image.new("RGB", (4, 4)).save(gif, "GIF")
        with self.assertRaises(ValidationError):
            clean_scan(upload("x.gif", gif.getvalue(), "image/gif"))

    def test_editor_verifies_and_the_badge_shows(self):
        self.client.force_login(self.owner1)
        self.submit(self.mine)
        licence = Licence.objects.get(listing=self.mine)
        # an owner cannot verify their own licence
        self.assertEqual(self.verify(self.mine).status_code, 403)
        self.assertFalse(Licence.objects.get(pk=licence.pk).verified)

        self.client.force_login(self.editor)
        index = self.client.get(reverse("homestays_licence_index"))
        self.assertContains(index, "卡阳花海小院")
        self.assertContains(index, "待核验")
        page = self.client.get(self.page_url(self.mine))
        self.assertContains(page, "核验通过")
        self.assertContains(page, "退回")
        before = timezone.now()
        self.assertEqual(self.verify(self.mine).status_code, 302)
        licence.refresh_from_db()
        self.assertTrue(licence.verified)
        self.assertGreaterEqual(licence.verified_at, before)
        self.assertEqual(licence.verified_by, self.editor)

        badges, notes = public_licences(self.mine)
        self.assertEqual(badges, [licence])
        self.assertEqual(notes, [])
        html = render_to_string("homestays/includes/licence_badges.html", {"licences": badges, "licence_notes": notes})
        day = timezone.localtime(licence.verified_at).date().isoformat()
        self.assertIn(f"已核验 营业执照 · 核验于 {day}", html)
        self.assertIn("✓", html)
        self.assertNotIn(licence.number, html)
        self.assertNotIn("scan", html)
        self.assertEqual(licence_pages(licence), [self.mine])

        self.client.force_login(self.owner1)
        self.assertContains(self.client.get(self.page_url(self.mine)), "已核验（")

    def test_owner_cannot_change_a_verified_licence(self):
        licence = self.make_licence(self.mine, expires=dt.date(2030, 1, 1))
        before = self.snapshot(licence)
        self.client.force_login(self.owner1)
        page = self.client.get(self.page_url(self.mine))
        self.assertNotContains(page, 'name="business-number"')  # read-only: no form for it
        self.assertContains(page, 'name="fire-number"')
        response = self.submit(self.mine, number="FORGED-999", expires="2099-01-01")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.snapshot(licence), before)
        # nor send it back, nor verify another
        self.assertEqual(self.client.post(self.page_url(self.mine), {"kind": "business", "action": "return", "business-return-note": "x"}).status_code, 403)
        self.assertEqual(self.snapshot(licence), before)
        self.assertEqual(len(list(self.private_root.rglob("*.*"))), 1)

    def test_owner_may_resubmit_after_the_editor_sends_it_back(self):
        licence = self.make_licence(self.mine, expires=dt.date(2030, 1, 1))
        self.client.force_login(self.editor)
        self.assertEqual(self.client.post(self.page_url(self.mine), {"kind": "business", "action": "return"}).status_code, 400)
        self.assertTrue(Licence.objects.get(pk=licence.pk).verified)
        response = self.client.post(self.page_url(self.mine), {"kind": "business", "action": "return", "business-return-note": "扫描件看不清"})
        self.assertEqual(response.status_code, 302)
        licence.refresh_from_db()
        self.assertEqual((licence.verified, licence.verified_by, licence.note), (False, None, "扫描件看不清"))
        self.assertEqual(public_licences(self.mine), ([], []))

        self.client.force_login(self.owner1)
        self.assertContains(self.client.get(self.page_url(self.mine)), "退回：扫描件看不清")
        old_scan = Path(licence.scan.path)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.submit(self.mine, number="NEW-2").status_code, 302)
        licence.refresh_from_db()
        self.assertEqual((licence.number, licence.note, licence.verified), ("NEW-2", "", False))
        self.assertFalse(old_scan.exists(), "the replaced scan is deleted")
        self.assertTrue(Path(licence.scan.path).exists())

    def test_owner_may_resubmit_after_expiry(self):
        licence = self.make_licence(self.mine, expires=timezone.localdate() - dt.timedelta(days=1))
        self.client.force_login(self.owner1)
        page = self.client.get(self.page_url(self.mine))
        self.assertContains(page, "已过期")
        self.assertContains(page, 'name="business-number"')
        self.assertEqual(self.submit(self.mine, number="RENEWED", expires="2031-01-01").status_code, 302)
        licence.refresh_from_db()
        self.assertEqual((licence.number, licence.expires, licence.verified), ("RENEWED", dt.date(2031, 1, 1), False))

    def test_another_owner_can_neither_read_nor_change_nor_download(self):
        licence = self.make_licence(self.mine, verified=False)
        before = self.snapshot(licence)
        self.client.force_login(self.owner2)
        self.assertEqual(self.client.get(self.page_url(self.mine)).status_code, 404)
        self.assertEqual(self.submit(self.mine, number="OWNER2").status_code, 404)
        self.assertEqual(self.client.post(self.page_url(self.mine), {"kind": "business", "action": "verify"}).status_code, 404)
        self.assertEqual(self.client.get(reverse("homestays_licence_scan", args=(licence.pk,))).status_code, 404)
        self.assertEqual(self.snapshot(licence), before)
        index = self.client.get(reverse("homestays_licence_index"))
        self.assertEqual(index.status_code, 200)
        self.assertContains(index, "窎沟花儿院")
        self.assertNotContains(index, "卡阳花海小院")
        self.assertNotContains(index, "待核验（")  # the editors' lists are not for owners
        # owner2's own page works
        self.assertEqual(self.client.get(self.page_url(self.theirs)).status_code, 200)

    def test_anonymous_gets_the_login_page_and_no_scan(self):
        licence = self.make_licence(self.mine, verified=False)
        response = self.client.get(self.page_url(self.mine))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("wagtailadmin_login"), response["Location"])
        response = self.client.get(reverse("homestays_licence_scan", args=(licence.pk,)))
        self.assertIn(response.status_code, (302, 404))
        self.assertNotIn(b"PNG", b"".join(response) if hasattr(response, "streaming_content") else response.content)
        self.assertEqual(self.client.post(self.page_url(self.mine), {"kind": "business", "action": "verify"}).status_code, 302)
        self.assertFalse(Licence.objects.get(pk=licence.pk).verified)

    def test_scan_download_for_owner_and_editor_never_cached(self):
        licence = self.make_licence(self.mine, verified=False)
        url = reverse("homestays_licence_scan", args=(licence.pk,))
        for user in (self.owner1, self.editor):
            self.client.force_login(user)
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response["Content-Type"], "image/png")
            self.assertEqual(response["X-Content-Type-Options"], "nosniff")
            self.assertIn("no-store", response["Cache-Control"])
            self.assertIn("private", response["Cache-Control"])
            self.assertNotIn("public", response["Cache-Control"])
            self.assertTrue(response["Content-Disposition"].startswith("inline;"))
            self.assertEqual(b"".join(response.streaming_content), png_bytes())
        self.assertEqual(self.client.get(reverse("homestays_licence_scan", args=(licence.pk + 999,))).status_code, 404)

    def test_menu_and_dashboard(self):
        self.make_licence(self.mine, verified=False)
        self.client.force_login(self.editor)
        home = self.client.get(reverse("wagtailadmin_home"))
        self.assertContains(home, "民宿证照")
        self.assertContains(home, reverse("homestays_licence_index"))
        self.client.force_login(self.owner1)
        home = self.client.get(reverse("wagtailadmin_home"))
        self.assertNotContains(home, "民宿证照")
        self.assertContains(home, reverse("homestays_licence_index"))  # the 证照 menu item

    def test_scans_and_numbers_never_reach_the_page_api(self):
        self.mine.save_revision(user=self.editor).publish()
        licence = self.make_licence(self.mine, number="SECRET-LIC-77", expires=dt.date(2030, 1, 1))
        for url in (f"/api/v2/pages/{self.mine.pk}/", "/api/v2/pages/?type=homestays.HomestayPage&fields=*"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            body = response.content.decode()
            self.assertNotIn("SECRET-LIC-77", body)
            self.assertNotIn("licence", body.lower())
            self.assertNotIn(Path(licence.scan.name).name, body)
            self.assertNotIn("scan", body.lower())


class ClockTests(LicenceFixture):
    """Badges by date: shown through the expiry day, gone the day after, by themselves."""

    def test_badge_before_and_after_expiry(self):
        expires = dt.date(2027, 3, 31)
        licence = self.make_licence(self.mine, kind="fire", expires=expires)
        self.make_licence(self.mine, kind="business", expires=None)  # long-term: never changes by itself
        self.make_licence(self.mine, kind="health", verified=False, expires=dt.date(2027, 1, 1))

        self.assertEqual([b.kind for b in public_licences(self.mine, today=expires)[0]], ["business", "fire"])
        badges, notes = public_licences(self.mine, today=expires + dt.timedelta(days=1))
        self.assertEqual([b.kind for b in badges], ["business"])
        self.assertEqual(notes, ["消防 证照已过期，正在更新"])
        html = render_to_string("homestays/includes/licence_badges.html", {"licences": badges, "licence_notes": notes})
        self.assertIn("消防 证照已过期，正在更新", html)
        self.assertNotIn("已核验 消防", html)

        change = next_badge_change(self.mine, today=dt.date(2027, 3, 1))
        self.assertEqual(change, dt.datetime(2027, 4, 1, 0, 0, tzinfo=SHANGHAI))
        self.assertEqual(change.utcoffset(), dt.timedelta(hours=8))
        self.assertIsNone(next_badge_change(self.mine, today=dt.date(2027, 4, 1)))
        self.assertEqual(licence_pages(licence), [self.mine])

    def test_with_a_frozen_clock(self):
        self.make_licence(self.mine, kind="fire", expires=dt.date(2027, 3, 31))
        for now, shown in ((dt.datetime(2027, 3, 31, 23, 59, tzinfo=SHANGHAI), True), (dt.datetime(2027, 4, 1, 0, 0, 1, tzinfo=SHANGHAI), False)):
            with self.subTest(now=now), mock.patch("django.utils.timezone.now", return_value=now):
                badges, notes = public_licences(self.mine)
                self.assertEqual(bool(badges), shown)
                self.assertEqual(bool(notes), not shown)

    def test_prefetched_licences_cost_no_query(self):
        self.make_licence(self.mine, kind="fire", expires=dt.date(2030, 1, 1))
        page = type(self.mine).objects.prefetch_related("licences").get(pk=self.mine.pk)
        with self.assertNumQueries(0):
            badges, _notes = public_licences(page, today=dt.date(2029, 1, 1))
            next_badge_change(page, today=dt.date(2029, 1, 1))
        self.assertEqual(len(badges), 1)
        with self.assertNumQueries(1):
            public_licences(self.mine, today=dt.date(2029, 1, 1))


class ReminderTests(LicenceFixture):
    def test_reminds_owner_and_editors_30_days_before_and_once(self):
        today = timezone.localdate()
        due = self.make_licence(self.mine, kind="fire", expires=today + dt.timedelta(days=30))
        self.make_licence(self.mine, kind="health", expires=today + dt.timedelta(days=31))  # not yet
        self.make_licence(self.theirs, kind="fire", verified=False, expires=today + dt.timedelta(days=3))  # not verified
        self.make_licence(self.theirs, kind="health", expires=None)  # long-term

        out = StringIO()
        call_command("remind_licences", stdout=out)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["owner1@example.com"])
        self.assertIn("editor@example.com", message.bcc)
        self.assertIn("消防", message.subject)
        self.assertIn("卡阳花海小院", message.body)
        self.assertIn((today + dt.timedelta(days=30)).isoformat(), message.body)
        self.assertIn(reverse("homestays_licences", args=(self.mine.pk,)), message.body)
        self.assertIn("1 licence reminder(s) mailed", out.getvalue())
        due.refresh_from_db()
        self.assertEqual(due.reminded_for, due.expires)

        call_command("remind_licences", stdout=StringIO())
        self.assertEqual(len(mail.outbox), 1, "reminded twice")

        # renewed with a new expiry: reminded again when that one comes close
        Licence.objects.filter(pk=due.pk).update(expires=today + dt.timedelta(days=10))
        call_command("remind_licences", stdout=StringIO())
        self.assertEqual(len(mail.outbox), 2)

    def test_one_failing_mail_does_not_stop_the_rest(self):
        today = timezone.localdate()
        first = self.make_licence(self.mine, kind="fire", expires=today + dt.timedelta(days=5))
        second = self.make_licence(self.theirs, kind="fire", expires=today + dt.timedelta(days=6))
        from django.core.mail import EmailMessage

        real_send = EmailMessage.send
        calls = []

        def flaky(message, *args, **kwargs):
            calls.append(message.to)
            if len(calls) == 1:
                raise OSError("smtp down")
            return real_send(message, *args, **kwargs)

        err = StringIO()
        with mock.patch.object(EmailMessage, "send", flaky):
            call_command("remind_licences", stdout=StringIO(), stderr=err)
        self.assertEqual(len(calls), 2)
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("smtp down", err.getvalue())
        first.refresh_from_db()
        second.refresh_from_db()
        self.assertIsNone(first.reminded_for)  # tried again tomorrow
        self.assertEqual(second.reminded_for, second.expires)


class MigrationTests(LicenceFixture):
    def test_0007_copies_numbers_into_unverified_licences(self):
        from homestays.models import HomestayPage

        HomestayPage.objects.filter(pk=self.mine.pk).update(business_licence_no=" 91630100MA75XX0001 ", special_trade_permit_no="青公特 2024-17")
        HomestayPage.objects.filter(pk=self.theirs.pk).update(business_licence_no="OLD-2", special_trade_permit_no="")
        kept = self.make_licence(self.theirs, kind="business", number="ALREADY", verified=True)
        migration = importlib.import_module("homestays.migrations.0007_licences_from_numbers")
        migration.copy_numbers(django_apps, None)
        migration.copy_numbers(django_apps, None)  # twice: still one row per kind

        rows = {(lic.listing_id, lic.kind): lic for lic in Licence.objects.all()}
        self.assertEqual(set(rows), {(self.mine.pk, "business"), (self.mine.pk, "special_trade"), (self.theirs.pk, "business")})
        self.assertEqual(rows[(self.mine.pk, "business")].number, "91630100MA75XX0001")
        self.assertEqual(rows[(self.mine.pk, "special_trade")].number, "青公特 2024-17")
        self.assertFalse(rows[(self.mine.pk, "business")].verified)
        self.assertEqual(rows[(self.theirs.pk, "business")].number, kept.number)
        self.assertEqual(public_licences(self.mine), ([], []))

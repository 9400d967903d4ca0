"""Issue 22 (items 4, 5, 10) over HTTP: CSV exports neutralise formulas and carry a BOM, the
station import runs in batches, and inquiries take full-width digits and emoji names."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib.auth.models import User
from django.test import TestCase
from django.utils import timezone
from wagtail.models import Page

from homestays.models import Inquiry
from products.importers import CREATED, import_stations
from products.models import ServiceStation

FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', "@SUM(1,1)", "+1+1", "-2+3"]


class ExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = User.objects.create_superuser("root", "root@example.com", "x")
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["code", "level", "name", "county", "township"])
        writer.writerows([f"F{i}", "乡镇服务站", f"站{i}", "湟中区", formula] for i, formula in enumerate(FORMULAS))
        report = import_stations(out.getvalue().encode())
        assert report.counts[CREATED] == len(FORMULAS), report.rows

    def test_station_csv_neutralises_formulas_and_has_bom(self):
        self.client.force_login(self.admin)
        response = self.client.get("/admin/snippets/products/servicestation/", {"export": "csv"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("charset=utf-8", response["Content-Type"])
        body = b"".join(response.streaming_content)
        self.assertTrue(body.startswith(b"\xef\xbb\xbf"))
        text = body.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))[1:]
        self.assertEqual(sorted(row[4] for row in rows), sorted("'" + f for f in FORMULAS))
        # export → import round-trips (the importer reads the BOM)
        self.assertTrue(import_stations(body).ok)

    def test_wagtails_own_reports_neutralise_formulas(self):
        """Locked pages, aging pages and site history export the titles people typed."""
        from wagtail.log_actions import log

        from portal.factories import make_site

        home = make_site()
        for formula in FORMULAS:
            page = home.add_child(instance=Page(title=formula, slug=f"f{FORMULAS.index(formula)}", locked=True, locked_by=self.admin, locked_at=timezone.now()))
            page.save_revision(user=self.admin).publish(user=self.admin)
            log(instance=page, action="wagtail.lock", user=self.admin)
        self.client.force_login(self.admin)
        for report in ("locked", "aging-pages", "site-history"):
            with self.subTest(report):
                response = self.client.get(f"/admin/reports/{report}/", {"export": "csv"})
                self.assertEqual(response.status_code, 200)
                body = b"".join(response.streaming_content)
                self.assertTrue(body.startswith(b"\xef\xbb\xbf"))
                cells = {cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row}
                for formula in FORMULAS:
                    self.assertNotIn(formula, cells)
                    self.assertTrue(any(cell.startswith("'" + formula[:2]) for cell in cells), (formula, sorted(cells)[:20]))

    def test_inquiry_csv_has_bom(self):
        self.client.force_login(self.admin)
        response = self.client.get("/admin/homestay_inquiries/", {"export": "csv"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(b"".join(response.streaming_content).startswith(b"\xef\xbb\xbf"))


class InputTests(TestCase):
    def test_full_width_phone_and_emoji_name(self):
        from homestays.forms import InquiryForm

        today = timezone.localdate()
        data = {
            "name": "张三👨\u200d👩\u200d👧",
            "phone": "１３９ ８０００ ０００１",
            "arrival": (today + dt.timedelta(days=3)).isoformat(),
            "departure": (today + dt.timedelta(days=5)).isoformat(),
            "guests": "2",
            "consent": "on",
        }
        form = InquiryForm(data)
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["phone"], "13980000001")
        self.assertEqual(form.cleaned_data["name"], "张三👨\u200d👩\u200d👧")

    def test_bidi_override_still_refused(self):
        from homestays.forms import InquiryForm

        form = InquiryForm({"name": "张\u202e三"})
        form.is_valid()
        self.assertIn("name", form.errors)
        self.assertEqual(Inquiry.objects.count(), 0)
        self.assertEqual(ServiceStation.objects.count(), 0)

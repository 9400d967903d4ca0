"""Service stations from CSV: the importer, the admin upload (editors only) and the command."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from products.importers import CREATED, SKIPPED, UNCHANGED, UPDATED, import_stations
from products.models import ServiceStation, StationLevel

HEADER = "code,level,name,county,township,village,latitude,longitude,phone,opening_hours\n"
GOOD_AND_BAD = (
    HEADER
    + "HZ-C01,县级服务中心,湟中区农村电商公共服务中心,湟中区,鲁沙尔镇,,36.5005,101.5735,0971-0000001,08:30-18:00\n"  # row 2 ok
    + "DT-V01,村级,窎沟村电商服务站,大通,朔北藏族乡,窎沟村,36.98,101.84,,\n"  # row 3 ok (short forms)
    + ",乡镇服务站,,大通县,长宁镇,,36.8,101.69,,\n"  # row 4 missing name
    + ",省级服务站,西宁市服务站,城中区,,,36.62,101.78,,\n"  # row 5 unknown level
    + ",乡镇服务站,海晏县服务站,海晏县,,,36.9,100.99,,\n"  # row 6 unknown county
    + ",乡镇服务站,多巴镇电商服务站,湟中区,多巴镇,,北纬36度,101.5,,\n"  # row 7 coordinate not a number
    + ",乡镇服务站,拦隆口镇电商服务站,湟中区,拦隆口镇,,101.45,36.70,,\n"  # row 8 lat/lon swapped
    + ",乡镇服务站,上五庄镇电商服务站,湟中区,上五庄镇,,36.76,,,\n"  # row 9 only latitude
    + "HZ-C01,县级服务中心,湟中区农村电商公共服务中心,湟中区,鲁沙尔镇,,36.5005,101.5735,,\n"  # row 10 duplicate of row 2
    + ",,,,,,,,,\n"  # row 11 blank: ignored
    + ",乡镇服务站,城北大堡子镇服务站,城北区,大堡子镇,,,,,\n"  # row 12 ok without coordinates
    + ",乡镇服务站,总寨镇电商服务站,城中区,总寨镇,,36.55,101.75,,,多出来的一列\n"  # row 13 extra cell
)


def statuses(report) -> dict[int, str]:
    return {r.row: r.status for r in report.rows}


def message(report, row) -> str:
    return next(r.message for r in report.rows if r.row == row)


class ImporterTests(TestCase):
    def test_good_and_bad_rows(self):
        report = import_stations(GOOD_AND_BAD.encode())
        self.assertTrue(report.ok, report.error)
        self.assertEqual(
            statuses(report),
            {2: CREATED, 3: CREATED, 4: SKIPPED, 5: SKIPPED, 6: SKIPPED, 7: SKIPPED, 8: SKIPPED, 9: SKIPPED, 10: SKIPPED, 12: CREATED, 13: SKIPPED},
        )
        self.assertIn("缺少名称", message(report, 4))
        self.assertIn("省级服务站", message(report, 5))
        self.assertIn("海晏县", message(report, 6))
        self.assertIn("北纬36度", message(report, 7))
        self.assertIn("填反了", message(report, 8))
        self.assertIn("要么都填", message(report, 9))
        self.assertIn("第 2 行", message(report, 10))
        self.assertIn("不会显示在地图上", message(report, 12))
        self.assertIn("逗号", message(report, 13))
        self.assertEqual(report.counts, {CREATED: 3, UPDATED: 0, UNCHANGED: 0, SKIPPED: 8})
        self.assertEqual(ServiceStation.objects.count(), 3)
        centre = ServiceStation.objects.get(code="HZ-C01")
        self.assertEqual(centre.level, StationLevel.COUNTY)
        self.assertEqual(centre.county, "huangzhong")
        self.assertEqual(centre.location, {"type": "Point", "coordinates": [101.5735, 36.5005]})
        self.assertFalse(centre.location_checked)
        village = ServiceStation.objects.get(code="DT-V01")
        self.assertEqual((village.level, village.county, village.village), (StationLevel.VILLAGE, "datong", "窎沟村"))
        self.assertIsNone(ServiceStation.objects.get(name="城北大堡子镇服务站").location)

    def test_reimport_updates_instead_of_duplicating(self):
        import_stations(GOOD_AND_BAD.encode())
        ServiceStation.objects.filter(code="HZ-C01").update(location_checked=True)
        again = import_stations(GOOD_AND_BAD.encode())
        self.assertEqual(again.counts[CREATED], 0)
        self.assertEqual(again.counts[UNCHANGED], 3)
        self.assertEqual(ServiceStation.objects.count(), 3)
        self.assertTrue(ServiceStation.objects.get(code="HZ-C01").location_checked)

        changed = (
            HEADER
            + "HZ-C01,县级服务中心,湟中区农村电子商务公共服务中心,湟中区,鲁沙尔镇,,36.5010,101.5740,0971-0000001,09:00-17:00\n"  # renamed + moved, by code
            + ",乡镇服务站,城北大堡子镇服务站,城北区,大堡子镇,,36.67,101.715,,\n"  # no code: matched by county + name
        )
        report = import_stations(changed.encode())
        self.assertEqual(statuses(report), {2: UPDATED, 3: UPDATED})
        self.assertIn("营业时间", message(report, 2))
        self.assertEqual(ServiceStation.objects.count(), 3)
        centre = ServiceStation.objects.get(code="HZ-C01")
        self.assertEqual(centre.name, "湟中区农村电子商务公共服务中心")
        self.assertEqual(centre.opening_hours, "09:00-17:00")
        self.assertFalse(centre.location_checked)  # moved: must be checked again
        self.assertEqual(ServiceStation.objects.get(name="城北大堡子镇服务站").location["coordinates"], [101.715, 36.67])

    def test_code_conflict_and_name_clash(self):
        import_stations(GOOD_AND_BAD.encode())
        clash = HEADER + "XX-9,乡镇服务站,窎沟村电商服务站,大通县,,,,,,\n"
        report = import_stations(clash.encode())
        self.assertEqual(statuses(report), {2: SKIPPED})
        self.assertIn("DT-V01", message(report, 2))
        self.assertEqual(ServiceStation.objects.count(), 3)

    def test_gbk_file(self):
        report = import_stations(GOOD_AND_BAD.encode("gbk"))
        self.assertEqual(report.encoding, "GBK/GB18030")
        self.assertEqual(report.counts[CREATED], 3)
        self.assertTrue(ServiceStation.objects.filter(name="窎沟村电商服务站", village="窎沟村").exists())

    def test_utf8_bom_and_chinese_headers(self):
        text = "编码,级别,名称,县区,乡镇,村,纬度,经度\nDT-C01,县级服务中心,大通县农村电子商务公共服务中心,大通县,桥头镇,,36.933,101.684\n"
        report = import_stations(b"\xef\xbb\xbf" + text.encode())
        self.assertEqual(report.encoding, "UTF-8 (BOM)")
        self.assertEqual(statuses(report), {2: CREATED})

    def test_a_line_in_a_wrong_encoding_spoils_only_its_row(self):
        raw = (HEADER + "A1,乡镇服务站,景阳镇电商服务站,大通县,景阳镇,,37.03,101.53,,\n").encode()
        raw += ",township,caf\xe9 station,datong,,,,,,\n".encode("latin-1")  # neither UTF-8 nor GBK
        raw += ",乡镇服务站,大华镇电商服务站,湟源县,大华镇,,36.74,101.32,,\n".encode("gbk")
        report = import_stations(raw)
        self.assertEqual(statuses(report), {2: CREATED, 3: SKIPPED, 4: CREATED})
        self.assertIn("编码错误", message(report, 3))
        self.assertTrue(ServiceStation.objects.filter(name="大华镇电商服务站").exists())

    def test_whole_file_problems(self):
        self.assertIn("Excel 工作簿", import_stations(b"PK\x03\x04rest-of-zip").error)
        self.assertIn("空的", import_stations(b"").error)
        self.assertIn("缺少必填列", import_stations("名称,电话\n某站,123\n".encode()).error)
        self.assertIn("超过", import_stations(GOOD_AND_BAD.encode(), max_bytes=100).error)
        self.assertEqual(ServiceStation.objects.count(), 0)

    def test_dry_run_saves_nothing(self):
        report = import_stations(GOOD_AND_BAD.encode(), dry_run=True)
        self.assertEqual(report.counts[CREATED], 3)
        self.assertIn("预览", report.summary())
        self.assertEqual(ServiceStation.objects.count(), 0)

    def test_sample_file_loads_all_three_levels(self):
        sample = Path(__file__).resolve().parent.parent / "products" / "fixtures" / "stations_sample.csv"
        report = import_stations(str(sample))
        self.assertEqual(report.counts[SKIPPED], 0, [r for r in report.rows if r.status == SKIPPED])
        self.assertGreaterEqual(report.counts[CREATED], 20)
        self.assertEqual(set(ServiceStation.objects.values_list("level", flat=True)), {StationLevel.COUNTY, StationLevel.TOWNSHIP, StationLevel.VILLAGE})
        self.assertEqual(import_stations(str(sample)).counts[UNCHANGED], report.counts[CREATED])


class AdminUploadTests(TestCase):
    url = "/admin/products/import-stations/"

    @classmethod
    def setUpTestData(cls):
        cls.editor = User.objects.create_user("ed", password="pw")
        cls.editor.groups.add(Group.objects.get(name="Editors"))
        # a homestay owner: may use the admin, but not the stations
        cls.owner = User.objects.create_user("owner", password="pw")
        cls.owner.user_permissions.add(Permission.objects.get(codename="access_admin"))

    def upload(self, content: bytes, name="stations.csv", **extra):
        return self.client.post(self.url, {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **extra})

    def test_editor_uploads_and_sees_the_report(self):
        self.client.force_login(self.editor)
        page = self.client.get(self.url)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "latitude")  # the column help
        response = self.upload(GOOD_AND_BAD.encode("gb18030"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "新建 3，更新 0，无变化 0，跳过 8")
        self.assertContains(response, "未知的县区“海晏县”")
        self.assertContains(response, "GBK/GB18030")
        self.assertEqual(ServiceStation.objects.count(), 3)

    def test_editor_preview(self):
        self.client.force_login(self.editor)
        response = self.upload(GOOD_AND_BAD.encode(), dry_run="on")
        self.assertContains(response, "没有保存任何内容")
        self.assertEqual(ServiceStation.objects.count(), 0)

    @override_settings(PRODUCTS_STATION_CSV_MAX_BYTES=200)
    def test_size_limit(self):
        self.client.force_login(self.editor)
        response = self.upload(GOOD_AND_BAD.encode())
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "超过上限", status_code=400)
        self.assertEqual(ServiceStation.objects.count(), 0)

    def test_bad_file_is_a_clear_400(self):
        self.client.force_login(self.editor)
        response = self.upload(b"PK\x03\x04zip", name="stations.xlsx")
        self.assertContains(response, "Excel 工作簿", status_code=400)

    def test_non_editor_is_refused(self):
        self.client.force_login(self.owner)
        self.assertRedirects(self.client.get(self.url), "/admin/", fetch_redirect_response=False)
        response = self.upload(GOOD_AND_BAD.encode())
        self.assertEqual(response.status_code, 302)
        self.assertEqual(ServiceStation.objects.count(), 0)
        # XHR callers get a plain 403
        self.assertEqual(self.client.get(self.url, headers={"x-requested-with": "XMLHttpRequest"}).status_code, 403)

    def test_anonymous_goes_to_login(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])

    def test_listing_has_import_button_and_export_round_trips(self):
        self.client.force_login(self.editor)
        import_stations(GOOD_AND_BAD.encode())
        listing = self.client.get("/admin/snippets/products/servicestation/")
        self.assertEqual(listing.status_code, 200)
        self.assertContains(listing, self.url)
        export = self.client.get("/admin/snippets/products/servicestation/", {"export": "csv"})
        self.assertEqual(export.status_code, 200)
        exported = b"".join(export.streaming_content)
        report = import_stations(exported)
        self.assertTrue(report.ok, report.error)
        self.assertEqual(report.counts, {CREATED: 0, UPDATED: 0, UNCHANGED: 3, SKIPPED: 0})

    def test_producer_edit_lists_its_products(self):
        from portal.factories import make_site
        from products.factories import ProducerFactory, ProductIndexPageFactory, ProductPageFactory

        index = ProductIndexPageFactory(parent=make_site())
        producer = ProducerFactory()
        ProductPageFactory(parent=index, title="西纳川青稞面粉", producer=producer)
        self.client.force_login(self.editor)
        response = self.client.get(f"/admin/snippets/products/producer/edit/{producer.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "西纳川青稞面粉")


class CommandTests(TestCase):
    def test_import_stations_command(self):
        with tempfile.NamedTemporaryFile(suffix=".csv") as fh:
            fh.write(GOOD_AND_BAD.encode("gbk"))
            fh.flush()
            out = io.StringIO()
            call_command("import_stations", fh.name, stdout=out)
            text = out.getvalue()
            self.assertIn("row    2  created", text)
            self.assertIn("row    6  skipped", text)
            self.assertIn("新建 3", text)
            self.assertEqual(ServiceStation.objects.count(), 3)
            out = io.StringIO()
            call_command("import_stations", fh.name, "--dry-run", "--quiet-ok", stdout=out)
            self.assertNotIn("unchanged", out.getvalue())
            self.assertIn("skipped", out.getvalue())

    def test_command_fails_on_unreadable_file(self):
        with tempfile.NamedTemporaryFile(suffix=".csv") as fh:
            fh.write(b"PK\x03\x04")
            fh.flush()
            with self.assertRaises(CommandError):
                call_command("import_stations", fh.name, stdout=io.StringIO())
        with self.assertRaises(CommandError):
            call_command("import_stations", "/nonexistent/stations.csv", stdout=io.StringIO())

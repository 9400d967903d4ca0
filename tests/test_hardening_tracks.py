"""Track uploads that cannot stall a worker, and files in Chinese encodings, over the admin edit form."""

import json
import time

from django.test import TestCase

from routes.imports import MAX_POINTS, MAX_UPLOAD_BYTES, SIMPLIFY_WORK, parse_track
from tests import test_routes_admin as admin
from tests.test_routes_admin import upload


def zigzag_gpx(n: int) -> bytes:
    """A line that swings 1 km north and back at every point: each Douglas–Peucker split peels one point off."""
    pts = "".join(
        f'<trkpt lat="{36.6 + (0.01 if i % 2 else 0):.6f}" lon="{101.5 + i * 0.00005:.6f}"><ele>{2300 + (i % 2) * 40}</ele></trkpt>' for i in range(n)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>z</name><trkseg>{pts}</trkseg></trk></gpx>"
    ).encode()


GBK_GPX = """<?xml version="1.0" encoding="{enc}"?>
<gpx version="1.1" creator="两步路" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="36.4901" lon="101.5671"><name>塔尔寺</name></wpt>
  <trk><name>湟中区西纳川</name><trkseg>
    <trkpt lat="36.4901" lon="101.5671"><ele>2650</ele></trkpt>
    <trkpt lat="36.5201" lon="101.5571"><ele>2610</ele></trkpt>
  </trkseg></trk>
</gpx>"""


class BoundedSimplificationTests(TestCase):
    def test_zigzag_work_is_capped(self):
        track = parse_track(zigzag_gpx(4000))
        self.assertEqual(track.point_count, MAX_POINTS)
        self.assertTrue(track.report.strided)  # the work cap took over from Douglas–Peucker
        text = " ".join(track.report.lines())
        self.assertIn("原有 4000 个点", text)
        self.assertIn("又按间隔均匀抽取，最后保留 3000 个点", text)


class HardeningUploadTests(TestCase):
    """Over HTTP, as an editor, through the route edit form (the route admin tests' fixtures and helpers)."""

    setUpTestData = classmethod(admin.RouteAdminTests.setUpTestData.__func__)
    setUp = admin.RouteAdminTests.setUp
    edit_url = admin.RouteAdminTests.edit_url
    edit_data = admin.RouteAdminTests.edit_data
    form_errors = admin.RouteAdminTests.form_errors

    def post_file(self, data, name="track.gpx"):
        return self.client.post(self.edit_url(), self.edit_data(track_file=upload(data, name), **{"action-publish": "publish"}))

    def test_zigzag_4000_imports_quickly(self):
        start = time.monotonic()
        response = self.post_file(zigzag_gpx(4000))
        self.assertLess(time.monotonic() - start, 10)
        self.assertEqual(response.status_code, 302)
        self.route.refresh_from_db()
        self.assertEqual(sum(1 for _ in self.route.geometry["coordinates"]), MAX_POINTS)

    def test_size_cap_zigzag_is_bounded(self):
        data = zigzag_gpx(80000)
        while len(data) > MAX_UPLOAD_BYTES:
            data = zigzag_gpx(int(80000 * MAX_UPLOAD_BYTES / len(data)) - 10)
        start = time.monotonic()
        response = self.post_file(data)
        self.assertLess(time.monotonic() - start, 10)
        self.assertIn(response.status_code, (200, 302))
        self.assertGreater(SIMPLIFY_WORK, 0)

    def test_gbk_and_gb18030_gpx_import(self):
        for enc in ("GBK", "GB18030", "gb2312"):
            with self.subTest(enc):
                response = self.post_file(GBK_GPX.format(enc=enc).encode("gb18030"))
                self.assertEqual(response.status_code, 302)
                self.route.refresh_from_db()
                self.assertEqual(self.route.geometry["coordinates"][0][:2], [101.5671, 36.4901])

    def test_bad_encodings_are_form_errors(self):
        cases = {
            "unknown": (b'<?xml version="1.0" encoding="x-nonsense"?><gpx/>', "无法识别"),
            "wrong bytes": ('<?xml version="1.0" encoding="GBK"?><gpx><trk><name>\udcff</name></trk></gpx>'.encode("utf-8", "surrogateescape"), "不符"),
        }
        for label, (data, message) in cases.items():
            with self.subTest(label):
                errors = self.form_errors(self.post_file(data))
                self.assertIn(message, errors.get("track_file", ""))

    def test_deep_geojson_and_huge_elevations_are_no_500(self):
        for data, name in (
            (b"[" * 5000, "x.geojson"),
            (b"[" * 5000 + b"]" * 5000, "x.geojson"),
            (
                b'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="36.6" lon="101.7"><ele>1e308</ele></trkpt>'
                b'<trkpt lat="36.61" lon="101.71"><ele>-1e308</ele></trkpt><trkpt lat="36.62" lon="101.72"><ele>1e308</ele></trkpt></trkseg></trk></gpx>',
                "x.gpx",
            ),
        ):
            with self.subTest(name):
                self.assertIn(self.post_file(data, name).status_code, (200, 302))

    def test_drawn_line_with_huge_elevations_is_no_500(self):
        line = {"type": "LineString", "coordinates": [[101.7, 36.6, 1e308], [101.71, 36.61, -1e308], [101.72, 36.62, 1e308]]}
        response = self.client.post(self.edit_url(), self.edit_data(geometry=json.dumps(line), **{"action-publish": "publish"}))
        self.assertIn(response.status_code, (200, 302))

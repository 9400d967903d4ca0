"""Editing routes in the Wagtail admin: the map widget round trip, GPS file uploads, bad input.

Everything goes through the real admin add/edit URLs as a member of the Editors group, so the
custom page form, the panels and Wagtail's own validation are all exercised.
"""

import io
import json
import re
import zipfile
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from portal.factories import make_site
from routes.factories import RouteIndexPageFactory, RoutePageFactory, RouteStopFactory, straight_line
from routes.imports import MAX_UPLOAD_BYTES
from routes.models import RoutePage

GPX_MULTI = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="36.4901" lon="101.5671"><ele>2650</ele><name>塔尔寺</name><desc>寺院</desc></wpt>
  <wpt lat="36.66" lon="101.50"><name>多巴镇</name></wpt>
  <trk><name>西纳川</name>
    <trkseg>
      <trkpt lat="36.4901" lon="101.5671"><ele>2650</ele></trkpt>
      <trkpt lat="36.5201" lon="101.5571"><ele>2610.5</ele></trkpt>
      <trkpt lat="36.5501" lon="101.5371"><ele>2500</ele></trkpt>
    </trkseg>
    <trkseg>
      <trkpt lat="36.6001" lon="101.5171"><ele>2380</ele></trkpt>
      <trkpt lat="36.6600" lon="101.5000"><ele>2320</ele></trkpt>
    </trkseg>
  </trk>
</gpx>"""

GPX_ROUTE = """<?xml version="1.0"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <rte><name>湟源</name>
    <rtept lat="36.6876" lon="101.2635"><ele>2640</ele></rtept>
    <rtept lat="36.60" lon="101.16"><ele>2900</ele></rtept>
    <rtept lat="36.4421" lon="101.0936"><ele>3520</ele></rtept>
  </rte>
</gpx>"""

GPX_NO_ELE = """<gpx version="1.0" creator="phone" xmlns="http://www.topografix.com/GPX/1/0">
  <trk><trkseg>
    <trkpt lat="36.9369" lon="101.6813"/><trkpt lat="36.95" lon="101.80"/><trkpt lat="36.98" lon="101.84"/>
  </trkseg></trk>
</gpx>"""

KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>窎沟</name>
  <Placemark><name>线</name><LineString><coordinates>
    101.6813,36.9369,2450 101.80,36.95,2620
    101.84,36.98,2700
  </coordinates></LineString></Placemark>
  <Placemark><name>窎沟村</name><Point><coordinates>101.84,36.98,2700</coordinates></Point></Placemark>
</Document></kml>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&lol2;</name></trk></gpx>"""

DATA = Path(__file__).parent / "data" / "tracks"

LINE = {"type": "LineString", "coordinates": [[101.7804, 36.6224, 2275.0], [101.6, 36.55], [101.5671, 36.4901, 2650.5]]}


def upload(text, name="track.gpx"):
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def route_data(title="新线路", slug="new-route", geometry=None, stops=(), **extra):
    """The POST body of the route editor, as the browser sends it."""
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "theme": "history",
            "summary": "一条新线路。",
            "colour": "#1d4ed8",
            "geometry": "" if geometry is None else (geometry if isinstance(geometry, str) else json.dumps(geometry)),
            "stops": inline_formset(list(stops)),
            "body": streamfield([]),
            "duration": "半天",
            "best_months": [],
            "practical_advice": rich_text(""),
            "nearby_km": "5",
        }
    )
    data.update(extra)
    return data


def stop_form(name, lon, lat, **extra):
    return {
        "name": name,
        "kind": "village",
        "location": json.dumps({"type": "Point", "coordinates": [lon, lat]}),
        "location_checked": "on",
        "description": "",
        **extra,
    }


class RouteAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = RouteIndexPageFactory(parent=cls.home)
        cls.route = RoutePageFactory(parent=cls.index, title="湟中区西纳川休闲农业", slug="xinachuan")
        RouteStopFactory(page=cls.route, name="塔尔寺", sort_order=0)
        cls.editor = User.objects.create_user("editor", password="pw")
        cls.editor.groups.add(Group.objects.get(name="Editors"), Group.objects.get(name="Moderators"))

    def setUp(self):
        self.client.force_login(self.editor)

    def add_url(self):
        return f"/admin/pages/add/routes/routepage/{self.index.pk}/"

    def edit_url(self, page=None):
        return f"/admin/pages/{(page or self.route).pk}/edit/"

    def edit_data(self, **overrides):
        page = self.route
        stops = [{"id": s.pk, "ORDER": i + 1, **stop_form(s.name, *s.location["coordinates"])} for i, s in enumerate(page.stops.all())]
        data = route_data(title=page.title, slug=page.slug, geometry=page.geometry, stops=[])
        data.update(nested_form_data({"stops": inline_formset(stops, initial=len(stops))}))
        data.update(overrides)
        return data

    def form_errors(self, response):
        self.assertEqual(response.status_code, 200, "an invalid form is shown again, not a redirect or a 500")
        form = response.context["form"]
        return {k: " ".join(v) for k, v in form.errors.items()}

    # -- the editor page and the widget --------------------------------------------------
    def test_editor_renders_map_widgets_and_their_assets(self):
        response = self.client.get(self.edit_url())
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertEqual(html.count('<div class="map-widget map-widget--line" data-map-widget '), 1)
        # one stop, plus the InlinePanel's template for stops added later
        self.assertEqual(html.count('<div class="map-widget map-widget--point" data-map-widget '), 2)
        self.assertIn("portal/js/admin-map.js", html)
        self.assertIn("leaflet/draw/leaflet.draw.js", html)
        self.assertIn('name="track_file"', html)
        self.assertIn('enctype="multipart/form-data"', html)
        options = json.loads(re.search(r'data-map-widget data-options="([^"]+)"', html).group(1).replace("&quot;", '"'))
        self.assertEqual(options["geomTypes"], ["LineString", "MultiLineString"])
        self.assertEqual(options["companion"], "stops")
        self.assertTrue(options["tiles"]["layers"][0]["url"])
        # the empty stop row (InlinePanel template) carries a point widget for rows added later
        self.assertIn("stops-__prefix__-location", html)

    def test_map_widget_round_trip(self):
        """A line drawn in the widget (with and without elevations) saves and reloads unchanged."""
        drawn = {"type": "MultiLineString", "coordinates": [[[101.587, 36.4927, 2620.0], [101.5671, 36.4901]], [[101.5, 36.66], [101.45, 36.7, 2480.5]]]}
        response = self.client.post(self.edit_url(), self.edit_data(geometry=json.dumps(drawn), **{"action-publish": "publish"}))
        self.assertEqual(response.status_code, 302, response.content[:2000])
        self.route.refresh_from_db()
        self.assertEqual(self.route.geometry, drawn)
        html = self.client.get(self.edit_url()).content.decode()
        textarea = re.search(r'<textarea name="geometry"[^>]*>(.*?)</textarea>', html, re.S).group(1)
        import html as htmllib

        self.assertEqual(json.loads(htmllib.unescape(textarea)), drawn)

    def test_draft_save_keeps_live_line(self):
        new_line = straight_line(start=(101.0, 36.0), end=(101.1, 36.1), points=3)
        old = self.route.geometry
        response = self.client.post(self.edit_url(), self.edit_data(geometry=json.dumps(new_line)))
        self.assertEqual(response.status_code, 302)
        self.route.refresh_from_db()
        self.assertEqual(self.route.geometry, old)
        self.assertEqual(self.route.get_latest_revision_as_object().geometry, new_line)

    def test_bad_geojson_is_a_form_error(self):
        cases = {
            "syntax": ('{"type": "LineString", "coordinates": [[101.5, 36.6]', "not valid GeoJSON"),
            "type": ('{"type": "Point", "coordinates": [101.5, 36.6]}', "must be one of"),
            "range": ('{"type": "LineString", "coordinates": [[101.5, 96.6], [101.6, 36.7]]}', "latitude 96.6"),
            "points": ('{"type": "LineString", "coordinates": [[101.5, 36.6]]}', "at least 2 points"),
        }
        for label, (value, message) in cases.items():
            with self.subTest(label):
                errors = self.form_errors(self.client.post(self.edit_url(), self.edit_data(geometry=value, **{"action-publish": "publish"})))
                self.assertIn(message, errors["geometry"])

    def test_bad_stop_location_is_a_form_error(self):
        data = self.edit_data(**{"action-publish": "publish"})
        data["stops-0-location"] = '{"type": "LineString", "coordinates": [[101.5, 36.6], [101.6, 36.7]]}'
        response = self.client.post(self.edit_url(), data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("must be one of Point", " ".join(response.context["form"].formsets["stops"].forms[0].errors["location"]))

    def test_publishing_needs_a_line(self):
        errors = self.form_errors(self.client.post(self.add_url(), route_data(**{"action-publish": "publish"})))
        self.assertIn("上传一个 GPX", errors["geometry"])
        # a draft may be saved without one
        self.assertEqual(self.client.post(self.add_url(), route_data()).status_code, 302)
        self.assertFalse(RoutePage.objects.get(slug="new-route").live)

    # -- creating routes -------------------------------------------------------------------
    def test_editor_creates_a_route_by_drawing(self):
        data = route_data(
            title="日月山线", slug="riyue", geometry=LINE, stops=[stop_form("日月山", 101.0936, 36.4421, altitude_m="3520")], **{"action-publish": "publish"}
        )
        response = self.client.post(self.add_url(), data)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        page = RoutePage.objects.get(slug="riyue")
        self.assertTrue(page.live)
        self.assertEqual(page.geometry, LINE)
        self.assertEqual((page.max_alt_m, page.min_alt_m), (2650, 2275))
        self.assertEqual([s.name for s in page.stops.all()], ["日月山"])
        self.assertEqual(self.client.get("/routes/riyue/").status_code, 200)

    def test_editor_creates_a_route_from_a_gpx_upload(self):
        data = route_data(title="西纳川（GPX）", slug="gpx-route", track_file=upload(GPX_MULTI), waypoints_as_stops="on", **{"action-publish": "publish"})
        response = self.client.post(self.add_url(), data)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        page = RoutePage.objects.get(slug="gpx-route")
        self.assertEqual(page.geometry["type"], "MultiLineString")
        self.assertEqual(
            page.geometry["coordinates"],
            [
                [[101.5671, 36.4901, 2650.0], [101.5571, 36.5201, 2610.5], [101.5371, 36.5501, 2500.0]],
                [[101.5171, 36.6001, 2380.0], [101.5, 36.66, 2320.0]],
            ],
        )
        self.assertEqual((page.max_alt_m, page.min_alt_m, page.ascent_m, page.descent_m), (2650, 2320, 0, 330))
        stops = list(page.stops.all())
        self.assertEqual(
            [(s.name, s.altitude_m, s.location["coordinates"]) for s in stops], [("塔尔寺", 2650, [101.5671, 36.4901]), ("多巴镇", None, [101.5, 36.66])]
        )
        self.assertEqual(stops[0].description, "寺院")

    def test_route_type_gpx_and_kml_and_no_elevations(self):
        for label, text, name, expected_points, has_ele in [
            ("rte", GPX_ROUTE, "route.gpx", 3, True),
            ("no elevations", GPX_NO_ELE, "phone.gpx", 3, False),
            ("kml", KML, "diaogou.kml", 3, True),
            ("kmz", None, "diaogou.kmz", 3, True),
            ("geojson", json.dumps({"type": "Feature", "properties": {}, "geometry": LINE}), "line.geojson", 3, False),
        ]:
            with self.subTest(label):
                if label == "kmz":
                    buf = io.BytesIO()
                    with zipfile.ZipFile(buf, "w") as z:
                        z.writestr("doc.kml", KML)
                    text = buf.getvalue()
                response = self.client.post(self.edit_url(), self.edit_data(track_file=upload(text, name), **{"action-publish": "publish"}))
                self.assertEqual(response.status_code, 302, response.content[:3000])
                self.route.refresh_from_db()
                self.assertEqual(self.route.geometry["type"], "LineString")
                coords = self.route.geometry["coordinates"]
                self.assertEqual(len(coords), expected_points)
                self.assertEqual(all(len(p) == 3 for p in coords), has_ele)
                self.assertEqual(self.route.max_alt_m is not None, label != "no elevations")
                self.assertEqual([s.name for s in self.route.stops.all()], ["塔尔寺"], "waypoints are only added when asked")

    def test_upload_replaces_a_broken_drawn_line(self):
        data = self.edit_data(geometry="{oops", track_file=upload(GPX_ROUTE), **{"action-publish": "publish"})
        self.assertEqual(self.client.post(self.edit_url(), data).status_code, 302)
        self.route.refresh_from_db()
        self.assertEqual(self.route.geometry["coordinates"][-1], [101.0936, 36.4421, 3520.0])

    def test_bad_files_are_form_errors(self):
        cases = {
            "not xml": (b"\x00\x01binary", "x.gpx", "无法识别"),
            "broken xml": ("<gpx><trk>", "x.gpx", "不是有效的 XML"),
            "entity expansion": (BILLION_LAUGHS, "x.gpx", "DTD"),
            "no track": ('<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="36" lon="101"/></gpx>', "x.gpx", "没有至少包含 2 个点"),
            "one point": (
                '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="36" lon="101"/></trkseg></trk></gpx>',
                "x.gpx",
                "没有至少",
            ),
            "out of range": (
                '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="96" lon="101"/><trkpt lat="36" lon="101"/></trkseg></trk></gpx>',
                "x.gpx",
                "第 1 个轨迹点的纬度 96 超出 −90 到 90 的范围",
            ),
            "bad number": (
                '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="abc" lon="101"/><trkpt lat="36" lon="101"/></trkseg></trk></gpx>',
                "x.gpx",
                "第 1 个轨迹点的纬度是“abc”，不是数字",
            ),
            "undefined from a web app": (
                '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="36.6" lon="101.7"/>'
                '<trkpt lat="undefined" lon="101.7"/></trkseg></trk></gpx>',
                "x.gpx",
                "第 2 个轨迹点的纬度是“undefined”，不是数字",
            ),
            "no longitude": (
                '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><rte><rtept lat="36.6"/><rtept lat="36.6" lon="101.7"/></rte></gpx>',
                "x.gpx",
                "第 1 个路线点缺少经度",
            ),
            "a field gpxpy refuses": (
                '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="36.6" lon="101.7"><fix>maybe</fix></trkpt>'
                '<trkpt lat="36.61" lon="101.71"/></trkseg></trk></gpx>',
                "x.gpx",
                "GPX 文件里有无法读取的内容",
            ),
            "other xml": ("<svg xmlns='http://www.w3.org/2000/svg'/>", "x.gpx", "<svg>"),
            "kml without line": (
                '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Point><coordinates>101,36</coordinates></Point></Placemark></kml>',
                "x.kml",
                "没有线",
            ),
            "bad kmz": (b"PK\x03\x04garbage", "x.kmz", "KMZ"),
            "not utf-8": ("<gpx><trk><name>湟源</name></trk></gpx>".encode("gb18030"), "x.gpx", "XML"),
            "too big": (b"<gpx>" + b" " * MAX_UPLOAD_BYTES + b"</gpx>", "big.gpx", "文件太大"),
        }
        for label, (content, name, message) in cases.items():
            with self.subTest(label):
                errors = self.form_errors(self.client.post(self.edit_url(), self.edit_data(track_file=upload(content, name), **{"action-publish": "publish"})))
                self.assertIn(message, errors.get("track_file", ""))
                for internals in ("Invalid value", "None", "Error", "line 1, column", "Traceback", "<class"):
                    self.assertNotIn(internals, errors["track_file"], "the portal's own words, not a library's")
        self.route.refresh_from_db()
        self.assertEqual(self.route.geometry, straight_line())  # nothing was changed

    def test_other_errors_keep_the_imported_line_on_the_form(self):
        data = self.edit_data(track_file=upload(GPX_ROUTE), title="", **{"action-publish": "publish"})
        response = self.client.post(self.edit_url(), data)
        self.assertIn("title", self.form_errors(response))
        self.assertIn("101.0936", response.context["form"]["geometry"].value())

    def test_autosave_shows_the_imported_line_and_clears_the_file(self):
        """Wagtail autosaves in the background: its field updates must carry the imported line."""
        response = self.client.post(self.edit_url(), self.edit_data(track_file=upload(GPX_ROUTE)), HTTP_ACCEPT="application/json")
        self.assertEqual(response.status_code, 200)
        updates = response.json()["field_updates"]
        self.assertEqual(json.loads(updates["geometry"])["coordinates"][-1], [101.0936, 36.4421, 3520.0])
        self.assertEqual(updates["track_file"], "")
        self.assertIn("读取 GPX 文件：0 条轨迹（1 段，共 3 个点）、1 条路线、0 个航点。", updates["track_report"])

    # -- what an import says it did --------------------------------------------------------
    def messages_after(self, response):
        self.assertEqual(response.status_code, 302, response.content[:2000])
        return [str(m) for m in self.client.get(response["Location"]).context["messages"]]

    def test_import_report_after_saving(self):
        response = self.client.post(self.edit_url(), self.edit_data(track_file=upload(GPX_MULTI), **{"action-publish": "publish"}))
        report = " ".join(self.messages_after(response))
        self.assertIn("读取 GPX 文件：1 条轨迹（2 段，共 5 个点）、0 条路线、2 个航点。", report)
        self.assertIn("导入结果：5 个点，2 段线。", report)
        self.assertNotIn("没有可用的海拔", report)
        # a save without a file says nothing about imports
        self.assertNotIn("读取", " ".join(self.messages_after(self.client.post(self.edit_url(), self.edit_data()))))

    def test_import_report_on_the_form_when_it_is_shown_again(self):
        response = self.client.post(self.edit_url(), self.edit_data(track_file=upload(GPX_ROUTE), title="", **{"action-publish": "publish"}))
        self.assertIn("title", self.form_errors(response))
        html = response.content.decode()
        output = re.search(r'<output name="track_report"[^>]*>(.*?)</output>', html, re.S).group(1)
        self.assertIn("文件里没有轨迹（&lt;trk&gt;），导入的是 1 条规划路线（&lt;rte&gt;）。", output)
        # and before any upload the editor shows the place where the report will appear, empty
        empty = re.search(r'<output name="track_report"[^>]*>(.*?)</output>', self.client.get(self.edit_url()).content.decode(), re.S)
        self.assertEqual(empty.group(1), "")

    def test_route_beside_a_track_is_reported_not_silently_dropped(self):
        both = GPX_MULTI.replace("</gpx>", GPX_ROUTE.split("<gpx", 1)[1].split(">", 1)[1])
        response = self.client.post(self.edit_url(), self.edit_data(track_file=upload(both), **{"action-publish": "publish"}))
        report = " ".join(self.messages_after(response))
        self.route.refresh_from_db()
        self.assertEqual(self.route.geometry["coordinates"][0][0], [101.5671, 36.4901, 2650.0], "the recorded track is the line")
        self.assertNotIn([101.0936, 36.4421, 3520.0], [p for line in self.route.geometry["coordinates"] for p in line])
        self.assertIn("1 条路线", report)
        self.assertIn("文件里另有 1 条路线（&lt;rte&gt;）没有导入", report)

    def test_one_point_segments_and_lost_fixes_are_reported(self):
        gpx = """<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk>
          <trkseg><trkpt lat="36.60" lon="101.70"><ele>2300</ele></trkpt><trkpt lat="36.61" lon="101.71"><ele>0</ele></trkpt>
                  <trkpt lat="36.62" lon="101.72"><ele>2320</ele></trkpt></trkseg>
          <trkseg><trkpt lat="36.70" lon="101.80"><ele>2400</ele></trkpt></trkseg>
        </trk></gpx>"""
        response = self.client.post(self.edit_url(), self.edit_data(track_file=upload(gpx), **{"action-publish": "publish"}))
        report = " ".join(self.messages_after(response))
        self.assertIn("去掉了 1 个空的或只有一个点的分段", report)
        self.assertIn("1 个海拔为 0 的读数与相邻点相差很大", report)
        self.route.refresh_from_db()
        self.assertEqual(self.route.geometry["coordinates"][1], [101.71, 36.61], "the lost fix keeps its position, not its 0 m")
        self.assertEqual((self.route.min_alt_m, self.route.max_alt_m, self.route.ascent_m), (2300, 2320, 20))

    def test_tracks_far_from_xining_need_the_tick(self):
        with open(DATA / "gpxpy-Mojstrovka.gpx", "rb") as fh:
            content = fh.read()
        errors = self.form_errors(self.client.post(self.edit_url(), self.edit_data(track_file=upload(content), **{"action-publish": "publish"})))
        self.assertIn("100% 的点在西宁市范围（含周边约 30 公里）之外", errors["track_file"])
        self.assertIn("此线路超出西宁范围", errors["track_file"])
        self.route.refresh_from_db()
        self.assertEqual(self.route.geometry, straight_line())
        response = self.client.post(self.edit_url(), self.edit_data(track_file=upload(content), leaves_xining="on", **{"action-publish": "publish"}))
        report = " ".join(self.messages_after(response))
        self.assertIn("已按“此线路超出西宁范围”导入", report)
        self.route.refresh_from_db()
        self.assertEqual(len(self.route.geometry["coordinates"]), 184)
        self.assertEqual(self.route.geometry["coordinates"][0], [13.748273, 46.434981, 1614.7])
        self.assertEqual((self.route.max_alt_m, self.route.min_alt_m), (2057, 1615))  # the file's highest and lowest <ele>: 2057.37 and 1614.68
        self.assertIn("2,057", self.route.auto_altitude_note)

    def test_editor_shows_the_region_tick(self):
        html = self.client.get(self.edit_url()).content.decode()
        self.assertIn('name="leaves_xining"', html)
        self.assertIn("此线路超出西宁范围", html)

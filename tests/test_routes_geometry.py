"""Route geometry: validation, length against independently computed distances, elevation facts."""

import io
import json
import math
import re
import zipfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.fields import GeoJSONFormField
from portal.geo import LINE_TYPES
from routes import geometry
from routes.factories import straight_line


def law_of_cosines_km(lon1, lat1, lon2, lat2, radius=6371.0088):
    """Great-circle distance by the spherical law of cosines: a different formula from the app's haversine."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    return radius * math.acos(min(1.0, math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)))


class GeometryValidationTests(SimpleTestCase):
    def setUp(self):
        self.field = GeoJSONFormField(geom_types=LINE_TYPES)

    def test_good_lines(self):
        line = {"type": "LineString", "coordinates": [[101.5, 36.6], [101.6, 36.7, 2400.0]]}
        self.assertEqual(self.field.clean('{"type": "LineString", "coordinates": [[101.5, 36.6], [101.6, 36.7, 2400.0]]}'), line)
        multi = {"type": "MultiLineString", "coordinates": [[[101.5, 36.6], [101.6, 36.7]], [[101.7, 36.7], [101.8, 36.8]]]}
        self.assertEqual(self.field.clean(multi), multi)
        # a Feature is accepted and stored as its geometry
        self.assertEqual(self.field.clean({"type": "Feature", "properties": {}, "geometry": line}), line)

    def test_bad_values_give_clear_errors(self):
        cases = {
            "bad JSON": ('{"type": "LineString", "coordinates": [[101.5, 36.6],', "not valid GeoJSON"),
            "point for a route": ({"type": "Point", "coordinates": [101.5, 36.6]}, "Geometry type must be one of"),
            "polygon": ({"type": "Polygon", "coordinates": [[[101.5, 36.6], [101.6, 36.7], [101.5, 36.7], [101.5, 36.6]]]}, "Polygon"),
            "one point": ({"type": "LineString", "coordinates": [[101.5, 36.6]]}, "at least 2 points"),
            "latitude out of range": ({"type": "LineString", "coordinates": [[101.5, 36.6], [101.6, 136.7]]}, "latitude 136.7"),
            "longitude out of range": ({"type": "LineString", "coordinates": [[201.5, 36.6], [101.6, 36.7]]}, "longitude 201.5"),
            "swapped lat/lon is still range-checked": ({"type": "LineString", "coordinates": [[36.6, 101.5], [36.7, 101.6]]}, "latitude 101.5"),
            "text coordinates": ({"type": "LineString", "coordinates": [["101.5", "36.6"], [101.6, 36.7]]}, "must be numbers"),
            "empty multi": ({"type": "MultiLineString", "coordinates": []}, "at least one line"),
            "not an object": ([[101.5, 36.6], [101.6, 36.7]], "GeoJSON object"),
        }
        for label, (value, message) in cases.items():
            with self.subTest(label), self.assertRaises(ValidationError) as ctx:
                self.field.clean(value)
            self.assertIn(message, " ".join(ctx.exception.messages))


class LengthTests(SimpleTestCase):
    def test_one_degree_of_meridian_in_ten_steps(self):
        # 1° along a meridian is πR/180 km, whatever the number of vertices
        line = {"type": "LineString", "coordinates": [[101.0, 36.0 + i / 10] for i in range(11)]}
        self.assertAlmostEqual(geometry.measure(line).length_km, math.pi * 6371.0088 / 180, places=6)

    def test_xining_to_kumbum_matches_an_independent_formula(self):
        # Xining centre → 塔尔寺 (places.md), then on to 多巴镇: sum of legs by the law of cosines
        pts = [(101.7804, 36.6224), (101.5671, 36.4901), (101.50, 36.66)]
        line = {"type": "LineString", "coordinates": [list(p) for p in pts]}
        expected = law_of_cosines_km(*pts[0], *pts[1]) + law_of_cosines_km(*pts[1], *pts[2])
        self.assertAlmostEqual(geometry.measure(line).length_km, expected, places=3)
        self.assertAlmostEqual(law_of_cosines_km(*pts[0], *pts[1]), 24.5, delta=0.5)  # ~25 km as signposted

    def test_gaps_between_segments_are_not_counted(self):
        a = [[101.0, 36.0], [101.0, 36.1]]
        b = [[102.0, 36.0], [102.0, 36.1]]
        multi = geometry.measure({"type": "MultiLineString", "coordinates": [a, b]}).length_km
        single = geometry.measure({"type": "LineString", "coordinates": a}).length_km
        self.assertAlmostEqual(multi, 2 * single, places=9)


class ElevationTests(SimpleTestCase):
    def test_gain_loss_and_extremes(self):
        eles = [2275, 2300, 2350, 2340, 2500, 3520, 3400, 3450]
        line = {"type": "LineString", "coordinates": [[101.0 + i * 0.01, 36.6, e] for i, e in enumerate(eles)]}
        facts = geometry.measure(line)
        self.assertEqual((facts.ascent_m, facts.descent_m), (25 + 50 + 160 + 1020 + 50, 10 + 120))
        self.assertEqual((facts.max_alt_m, facts.min_alt_m), (3520, 2275))

    def test_jitter_below_threshold_is_not_climbing(self):
        eles = [2400, 2402, 2399, 2403, 2398, 2401] * 20
        gain, loss = geometry.climb(eles)
        self.assertEqual((gain, loss), (0, 0))

    def test_no_elevations(self):
        facts = geometry.measure({"type": "LineString", "coordinates": [[101.0, 36.0], [101.1, 36.1]]})
        self.assertIsNone(facts.ascent_m)
        self.assertIsNone(geometry.profile_svg(facts.profile))
        self.assertEqual(geometry.altitude_note(None), "")

    def test_profile_svg_spans_the_route(self):
        facts = geometry.measure(straight_line(points=30, ele=(2275.0, 3520.0)))
        svg = geometry.profile_svg(facts.profile)
        self.assertTrue(svg["line"].startswith("M0.0 "))
        last_x, last_y = svg["line"].rsplit("L", 1)[1].split()
        self.assertEqual(float(last_x), 1000.0)  # the line spans the full width
        self.assertEqual(svg["peak"]["pct"], 100.0)  # the highest point is the end
        self.assertAlmostEqual(svg["peak"]["y"], svg["top"] + float(last_y))
        self.assertEqual(svg["peak"]["label"], "3520 m")
        self.assertIn("km", svg["x_ticks"][-1]["label"])
        labels = [t["label"] for t in svg["y_ticks"]]
        self.assertLessEqual(int(labels[0].split()[0]), 2275)
        self.assertGreaterEqual(int(labels[-1].split()[0]), 3520)

    def test_altitude_note_levels(self):
        self.assertIn("3,520", geometry.altitude_note(3520))
        self.assertIn("高原反应", geometry.altitude_note(3520))
        self.assertIn("略高", geometry.altitude_note(2700))
        self.assertIn("相近", geometry.altitude_note(2300))

    def test_stop_position_along_the_route(self):
        line = straight_line(start=(101.0, 36.0), end=(101.0, 37.0), points=11)
        along, off = geometry.along_route_km(line, 101.001, 36.5)
        self.assertAlmostEqual(along, math.pi * 6371.0088 / 360, places=3)
        self.assertLess(off, 0.1)


class AltitudeNoteTests(SimpleTestCase):
    """The note compares the highest point with Xining (≈2,275 m) in the right direction at every height."""

    def test_below_xining_is_not_called_similar(self):
        # the highest points reported in issue 21 for routes below Xining
        for alt in (-20, 0, 7, 58, 192, 579, 1051, 1800, 2000):
            with self.subTest(alt=alt):
                note = geometry.altitude_note(alt)
                self.assertNotIn("相近", note)
                self.assertIn("比西宁市区（约 2,275 米）低", note)
                self.assertIn(f"约 {alt:,} 米", note)
                self.assertNotIn("高原反应：", note)

    def test_near_above_and_at_a_pass(self):
        for alt, words in [
            (2100, "相近"),
            (2275, "相近"),
            (2499, "相近"),
            (2500, "略高"),
            (2928, "略高"),
            (3000, "明显高于"),
            (3520, "高原反应"),
            (4500, "明显高于"),
        ]:
            with self.subTest(alt=alt):
                note = geometry.altitude_note(alt)
                self.assertIn(words, note)
                self.assertNotIn("低，", note)
        self.assertIn("3,520", geometry.altitude_note(3520))  # 日月山


def line_with(eles, start=(101.70, 36.60), step=0.001):
    """Positions ~90 m apart eastwards near Xining, with the given elevations (None: no altitude)."""
    return [[round(start[0] + i * step, 6), start[1]] + ([] if e is None else [e]) for i, e in enumerate(eles)]


class ElevationCleaningTests(SimpleTestCase):
    def test_lost_fix_zero_among_real_readings(self):
        line, fixes = geometry.clean_elevations(line_with([2300, 0, 2310, 0, 0, 2320]))
        self.assertEqual([p[2] if len(p) > 2 else None for p in line], [2300, None, 2310, None, None, 2320])
        self.assertEqual((fixes.zeros, fixes.all_zero), (3, False))
        facts = geometry.measure({"type": "LineString", "coordinates": line})
        self.assertEqual((facts.min_alt_m, facts.max_alt_m, facts.ascent_m, facts.descent_m), (2300, 2320, 20, 0))

    def test_sea_level_zeros_are_real(self):
        line, fixes = geometry.clean_elevations(line_with([2.5, 0, 1.0, 0, 3.0]))
        self.assertEqual([p[2] for p in line], [2.5, 0, 1.0, 0, 3.0])
        self.assertEqual(fixes.zeros, 0)

    def test_all_zero_means_no_elevation(self):
        line, fixes = geometry.clean_elevations(line_with([0, 0, 0]))
        self.assertTrue(fixes.all_zero)
        self.assertTrue(all(len(p) == 2 for p in line))
        self.assertIsNone(geometry.measure({"type": "LineString", "coordinates": line}).max_alt_m)

    def test_impossible_and_missing(self):
        line, fixes = geometry.clean_elevations(line_with([2300, -500, 9000.5, float("nan"), None, 2305, 2310]))
        self.assertEqual([p[2] if len(p) > 2 else None for p in line], [2300, None, None, None, None, 2305, 2310])
        self.assertEqual((fixes.impossible, fixes.missing), (2, 2))
        # the highest and lowest ground on Earth are possible
        for eles in ([8848, 8840, 8845], [-420, -415, -418]):
            line, fixes = geometry.clean_elevations(line_with(eles))
            self.assertEqual(([p[2] for p in line], fixes.dropped), (eles, 0))

    def test_spikes(self):
        # 470 m up and back down between points 90 m apart: a glitch; a 60 m climb over 90 m is a steep path
        line, fixes = geometry.clean_elevations(line_with([2330, 2800, 2335, 2395, 2400]))
        self.assertEqual([p[2] if len(p) > 2 else None for p in line], [2330, None, 2335, 2395, 2400])
        self.assertEqual(fixes.spikes, 1)
        # the same rise between points 10 km apart is a pass between two valley points
        line, fixes = geometry.clean_elevations(line_with([2330, 2800, 2335], step=0.1))
        self.assertEqual((fixes.spikes, line[1][2]), (0, 2800))

    def test_same_cleaning_in_every_format(self):
        """GPX, KML, KMZ and GeoJSON of one line with bad elevations import to the same geometry."""
        from routes.imports import parse_track

        eles = [2300, 0, 2310, 9999, 2330, 2800, 2335, None, 2340]
        pts = line_with(eles)
        gpx = (
            '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
            + "".join(f'<trkpt lat="{p[1]}" lon="{p[0]}">' + (f"<ele>{p[2]}</ele>" if len(p) > 2 else "") + "</trkpt>" for p in pts)
            + "</trkseg></trk></gpx>"
        )
        kml = (
            '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString><coordinates>'
            + " ".join(",".join(str(v) for v in p) for p in pts)
            + "</coordinates></LineString></Placemark></kml>"
        )
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("doc.kml", kml)
        geojson = json.dumps({"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": pts}})
        results = {
            name: parse_track(data) for name, data in [("GPX", gpx.encode()), ("KML", kml.encode()), ("KMZ", buf.getvalue()), ("GeoJSON", geojson.encode())]
        }
        expected = [[p[0], p[1]] + ([e] if e in (2300, 2310, 2330, 2335, 2340) else []) for p, e in zip(pts, eles)]
        for name, track in results.items():
            with self.subTest(name):
                self.assertEqual(track.geometry["coordinates"], expected)
                fixes = track.report.elevations
                self.assertEqual((fixes.zeros, fixes.impossible, fixes.spikes, fixes.missing), (1, 1, 1, 1))
                facts = geometry.measure(track.geometry)
                self.assertEqual((facts.max_alt_m, facts.min_alt_m), (2340, 2300))

    def test_unreadable_gpx_elevation_is_a_missing_altitude(self):
        """gpxpy alone refuses a whole file over one bad <ele>; the importer keeps the point without it, as KML does."""
        from routes.imports import parse_track

        pts = line_with([2300, 2310, 2320, 2330])
        eles = ["2300", "abc", " ", "2330"]
        gpx = (
            '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
            + "".join(f'<trkpt lat="{p[1]}" lon="{p[0]}"><ele>{e}</ele></trkpt>' for p, e in zip(pts, eles))
            + "</trkseg></trk></gpx>"
        )
        track = parse_track(gpx.encode())
        self.assertEqual(track.geometry["coordinates"], [pts[0], pts[1][:2], pts[2][:2], pts[3]])
        self.assertEqual(track.report.elevations.missing, 2)
        self.assertIn("2 个点本来就没有海拔。", track.report.lines())


DATA = Path(__file__).parent / "data" / "tracks"


def raw_count(path, pattern):
    return len(re.findall(pattern, path.read_text(encoding="utf-8-sig")))


def raw_elevations(path):
    """The <ele> of every track point, read with a regular expression (not the importer's parser)."""
    points = re.findall(r"<trkpt\b.*?</trkpt>", path.read_text(encoding="utf-8-sig"), re.S)
    return [float(m.group(1)) for p in points if (m := re.search(r"<ele>\s*([-0-9.]+)\s*</ele>", p))]


# file: (points read (counted in the file), geometry type, points kept, lines kept, (min, max) elevation or None, report lines)
REAL_FILES = {
    "gpxpy-Mojstrovka.gpx": (r"<trkpt ", "LineString", 184, 1, (1615, 2057), ["读取 GPX 文件：1 条轨迹（1 段，共 184 个点）、0 条路线、0 个航点。"]),
    "gpxpy-around-visnjan-with-car.gpx": (r"<trkpt ", "LineString", 104, 1, "file", ["读取 GPX 文件：1 条轨迹（1 段，共 104 个点）、0 条路线、0 个航点。"]),
    "gpxpy-cerknicko-jezero.gpx": (
        r"<trkpt ",
        "MultiLineString",
        296,
        4,
        "file",
        [
            "读取 GPX 文件：8 条轨迹（8 段，共 296 个点）、0 条路线、7 个航点。",
            "把 3 处首尾相距不到 30 米的分段连成了一条线（设备暂停后继续记录时会另起一段）。",
        ],
    ),
    "gpxpy-cerknicko-jezero-with-elevations-zero.gpx": (
        r"<trkpt ",
        "MultiLineString",
        296,
        4,
        None,
        ["所有点的海拔都是 0：这通常表示设备没有记录海拔，已按“没有海拔”处理。", "文件里没有可用的海拔数据：线路页面不会显示海拔剖面、爬升和最高点。"],
    ),
    "gpxpy-korita-zbevnica.gpx": (
        r"<trkpt ",
        "MultiLineString",
        871,
        2,
        "file",
        ["读取 GPX 文件：4 条轨迹（4 段，共 871 个点）、0 条路线、2 个航点。", "1 个海拔读数与前后两点相比突然跳高或跳低，是测量误差，已忽略。"],
    ),
    "gpxpy-route.gpx": (r"<rtept ", "LineString", 55, 1, None, ["文件里没有轨迹（<trk>），导入的是 1 条规划路线（<rte>）。"]),
    "gpxpy-track-with-empty-segment.gpx": (
        r"<trkpt ",
        "LineString",
        9,
        1,
        "file",
        ["读取 GPX 文件：1 条轨迹（2 段，共 9 个点）、0 条路线、0 个航点。", "去掉了 1 个空的或只有一个点的分段：一个点画不成线。"],
    ),
    "togeojson-gxtrack.kml": (r"<gx:coord>", "LineString", 7, 1, "file", ["读取 KML 文件：1 条线，共 7 个点；0 个地点标记。"]),
    "togeojson-multitrack.kml": (r"<gx:coord>", "LineString", 16, 1, "file", ["读取 KML 文件：1 条线，共 16 个点；2 个地点标记。"]),
    "togeojson-osm.gpx": (
        r"<trkpt ",
        "MultiLineString",
        1908,
        2,
        None,
        ["读取 GPX 文件：3 条轨迹（3 段，共 5000 个点）、0 条路线、0 个航点。", "去掉了 3092 个与前一个点位置相同的重复点。"],
    ),
}


class RealFileTests(SimpleTestCase):
    """Files recorded by real devices and apps (tests/data/tracks/README.md), imported as an editor would."""

    def test_every_file_in_the_folder_is_covered(self):
        files = {p.name for p in DATA.iterdir() if p.suffix in (".gpx", ".kml", ".kmz", ".geojson")}
        self.assertEqual(files, set(REAL_FILES))

    def test_real_files(self):
        from routes.imports import TrackImportError, parse_track

        for name, (pattern, gtype, points, lines, ele_range, report_lines) in REAL_FILES.items():
            path = DATA / name
            with self.subTest(name):
                data = path.read_bytes()
                with self.assertRaises(TrackImportError) as refused:
                    parse_track(data)  # none of them is in Xining
                self.assertIn("此线路超出西宁范围", str(refused.exception))
                track = parse_track(data, allow_outside=True)
                report = track.report
                self.assertEqual(report.points_read, raw_count(path, pattern))
                self.assertEqual((track.geometry["type"], track.point_count, report.lines_kept), (gtype, points, lines))
                facts = geometry.measure(track.geometry)
                if ele_range == "file":
                    values = raw_elevations(path) or [float(v.split()[2]) for v in re.findall(r"<gx:coord>([^<]+)", path.read_text())]
                    ele_range = (round(min(values)), round(max(values)))
                self.assertEqual(None if ele_range is None else (facts.min_alt_m, facts.max_alt_m), ele_range)
                text = report.lines()
                for line in report_lines:
                    self.assertIn(line, text)
                self.assertIn("已按“此线路超出西宁范围”导入。", " ".join(text))
                self.assertTrue(text[-1].startswith(f"导入结果：{points} 个点，{lines} 段线"))
                self.assertGreater(facts.length_km, 0)


class ThinningTests(SimpleTestCase):
    def test_dense_log_is_thinned_and_says_so(self):
        from routes.imports import MAX_POINTS, parse_track

        # 6,000 fixes a metre or two apart along a winding valley road near 多巴镇, climbing slowly
        pts = [[round(101.50 + i * 0.00002, 6), round(36.66 + 0.002 * math.sin(i / 150), 6), round(2300 + i * 0.02, 1)] for i in range(6000)]
        track = parse_track(json.dumps({"type": "LineString", "coordinates": pts}).encode())
        self.assertLessEqual(track.point_count, MAX_POINTS)
        self.assertGreater(track.point_count, 20)
        self.assertEqual(track.report.thinned_from, 6000)
        text = " ".join(track.report.lines())
        self.assertIn("原有 6000 个点，超过地图编辑的上限 3000 个：已用 Douglas–Peucker 算法", text)
        self.assertIn(f"精简为 {track.point_count} 个点", text)
        facts = geometry.measure(track.geometry)
        self.assertEqual((facts.min_alt_m, facts.max_alt_m), (2300, 2420))


class HostileFileTests(SimpleTestCase):
    """Hypothesis-made and mutated files: an import either works or says, in the portal's words, why not."""

    INTERNALS = ("Invalid value", "None", "Traceback", "Error", "<class", "codec", "expat", "object")

    def check(self, data):
        from routes.imports import TrackImportError, parse_track

        try:
            parse_track(data, allow_outside=True)
        except TrackImportError as exc:
            message = str(exc)
            self.assertTrue(message)
            for word in self.INTERNALS:
                self.assertNotIn(word, message, message)

    @settings(max_examples=60, deadline=None)
    @given(data=st.data())
    def test_mutated_real_files(self, data):
        name = data.draw(st.sampled_from(sorted(REAL_FILES)))
        raw = bytearray((DATA / name).read_bytes()[:20000])
        for _ in range(data.draw(st.integers(1, 6))):
            at = data.draw(st.integers(0, len(raw) - 1))
            raw[at : at + data.draw(st.integers(0, 8))] = data.draw(
                st.binary(max_size=8) | st.sampled_from([b"undefined", b"NaN", b"-", b"<", b'"', b"0", b"1e400"])
            )
        self.check(bytes(raw))

    @settings(max_examples=80, deadline=None)
    @given(
        values=st.lists(
            st.tuples(
                st.one_of(
                    st.floats(allow_nan=True, allow_infinity=True).map(repr), st.sampled_from(["undefined", "", "null", "1,5", "36.6"]), st.text(max_size=6)
                ),
                st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.sampled_from(["undefined", "", "101.7"]), st.text(max_size=6)),
                st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=6)),
            ),
            min_size=1,
            max_size=6,
        ),
        fmt=st.sampled_from(["gpx", "kml", "geojson"]),
    )
    def test_made_up_coordinates(self, values, fmt):
        from xml.sax.saxutils import escape, quoteattr

        if fmt == "gpx":
            body = "".join(
                f"<trkpt lat={quoteattr(lat)} lon={quoteattr(lon)}>" + ("" if ele is None else f"<ele>{escape(ele)}</ele>") + "</trkpt>"
                for lat, lon, ele in values
            )
            data = f'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{body}</trkseg></trk></gpx>'
        elif fmt == "kml":
            body = " ".join(escape(",".join(v for v in (lon, lat, ele) if v is not None).replace(" ", "")) for lat, lon, ele in values)
            data = f'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString><coordinates>{body}</coordinates></LineString></Placemark></kml>'
        else:

            def num(v):
                try:
                    return float(v)
                except (TypeError, ValueError):
                    return v

            data = json.dumps({"type": "LineString", "coordinates": [[num(lon), num(lat)] + ([] if ele is None else [num(ele)]) for lat, lon, ele in values]})
        self.check(data.encode("utf-8", "surrogatepass"))

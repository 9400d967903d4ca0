"""Route geometry: validation, length against independently computed distances, elevation facts."""

import math

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase

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

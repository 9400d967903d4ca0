"""Mutated and generated files through every upload the portal reads: never a 500, never a half-save.

Each upload starts from a file that imports (a phone's GPX, a GBK GPX, KML, KMZ, GeoJSON, the
station CSV, JPEG and PNG photos with GPS) and Hypothesis breaks it the way transfers and editors
do: cut short, bytes flipped, junk spliced in, pieces deleted. The readers are run directly with
many examples, and over HTTP (the route editor, the station import, the image upload) with fewer,
because the request is where a stray exception would become a 500. FUZZ_EXAMPLES scales both.
"""

import io
import json
import os
import shutil
import zipfile

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from wagtail.images import get_image_model

from portal.uploads import ImageCleaningError, clean_image
from products.importers import import_stations
from routes.imports import TrackImportError, parse_track
from tests import test_routes_admin as admin
from tests.test_hardening_tracks import GBK_GPX
from tests.test_products_import import GOOD_AND_BAD
from tests.test_routes_admin import GPX_NO_ELE, KML, LINE, upload
from tests.test_security_uploads import GPS_IFD, exif_of, photo

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FAST = settings(max_examples=EXAMPLES * 4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
OVER_HTTP = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
MEDIA = django_settings.BASE_DIR / "artifacts" / "test-media-fuzz"


def kmz(kml: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", kml)
    return out.getvalue()


def png_photo() -> bytes:
    return photo(fmt="PNG", size=(64, 48))


TRACKS = {
    "track.gpx": GPX_NO_ELE.encode(),
    "gbk.gpx": GBK_GPX.format(enc="GBK").encode("gb18030"),
    "line.kml": KML.encode(),
    "line.kmz": kmz(KML),
    "line.geojson": json.dumps({"type": "Feature", "properties": {"name": "线"}, "geometry": LINE}, ensure_ascii=False).encode(),
}
PHOTOS = {"photo.jpg": photo(size=(64, 48)), "photo.png": png_photo()}


@st.composite
def mutated(draw, seeds: dict[str, bytes]):
    """(name, bytes): one seed file after a few byte-level accidents."""
    name = draw(st.sampled_from(sorted(seeds)))
    data = bytearray(seeds[name])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["cut", "flip", "insert", "delete", "duplicate"]))
        if kind == "cut":
            del data[at:]
        elif kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=24) | st.sampled_from([b"<", b"]]>", b"&#0;", b"\x00", b"\xff\xd8", b"{", b'"', b"\xe4\xb8"]))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            end = min(len(data), at + draw(st.integers(1, 256)))
            data[at:at] = data[at:end] * draw(st.integers(1, 50))
    return name, bytes(data)


def numbers():
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-(10**30), 10**30).map(str),
        st.text(max_size=12),
        st.sampled_from(["", "1e308", "-0", "NaN", "３６．６", "36,6", "0x24"]),
    )


@st.composite
def generated_gpx(draw) -> tuple[str, bytes]:
    """A GPX whose structure is right and whose values are anything."""
    points = draw(st.lists(st.tuples(numbers(), numbers(), st.none() | numbers(), st.none() | st.text(max_size=30)), max_size=12))
    body = "".join(
        f'<trkpt lat="{_attr(lat)}" lon="{_attr(lon)}">'
        + ("" if ele is None else f"<ele>{_text(ele)}</ele>")
        + ("" if when is None else f"<time>{_text(when)}</time>")
        + "</trkpt>"
        for lat, lon, ele, when in points
    )
    encoding = draw(st.sampled_from(["UTF-8", "GBK", "GB18030", "Big5", "ISO-8859-1", "UTF-16"]))
    text = f'<?xml version="1.0" encoding="{encoding}"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{body}</trkseg></trk></gpx>'
    return "generated.gpx", text.encode("utf-8", "surrogatepass")


@st.composite
def generated_geojson(draw) -> tuple[str, bytes]:
    leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    value = st.recursive(
        leaf,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.sampled_from(["type", "coordinates", "features", "geometry", "geometries", "properties", "name"]), inner, max_size=4)
        ),
        max_leaves=30,
    )
    kind = st.sampled_from(["FeatureCollection", "Feature", "GeometryCollection", "LineString", "MultiLineString", "Point"])
    doc = draw(
        st.fixed_dictionaries({"type": kind}, optional={"coordinates": value, "features": value, "geometry": value, "geometries": value, "properties": value})
    )
    return "generated.geojson", json.dumps(doc, allow_nan=True).encode()


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;")


Image = get_image_model()
CSV_SEEDS = {"stations.csv": GOOD_AND_BAD.encode(), "stations-gbk.csv": GOOD_AND_BAD.encode("gb18030")}


class ReadersTests(TestCase):
    """The readers themselves: their own error type, or a result; nothing else escapes."""

    @FAST
    @given(case=mutated(TRACKS) | generated_gpx() | generated_geojson())
    def test_track_files(self, case):
        _name, data = case
        try:
            track = parse_track(data, allow_outside=True)
        except TrackImportError as exc:
            self.assertTrue(str(exc).strip())
        else:
            self.assertGreaterEqual(track.point_count, 2)

    @FAST
    @given(case=mutated(PHOTOS))
    def test_photos(self, case):
        _name, data = case
        try:
            cleaned = clean_image(data)
        except ImageCleaningError as exc:
            self.assertTrue(str(exc).strip())
        else:
            self.assertNotIn(GPS_IFD, exif_of(cleaned))

    @FAST
    @given(case=mutated(CSV_SEEDS))
    def test_station_csv(self, case):
        _name, data = case
        report = import_stations(data, dry_run=True)
        self.assertTrue(report.ok or report.error)


@override_settings(MEDIA_ROOT=MEDIA)
@pytest.mark.slow
class UploadsOverHttpTests(TestCase):
    """As an editor, through the admin views the files really arrive by."""

    setUpTestData = classmethod(admin.RouteAdminTests.setUpTestData.__func__)

    def setup_example(self):
        super().setup_example()  # a fresh client and transaction per example
        self.client.force_login(self.editor)

    edit_url = admin.RouteAdminTests.edit_url
    edit_data = admin.RouteAdminTests.edit_data

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(MEDIA, ignore_errors=True)
        super().tearDownClass()

    @OVER_HTTP
    @given(case=mutated(TRACKS) | generated_gpx())
    def test_route_track_upload(self, case):
        name, data = case
        before = (self.route.geometry, self.route.live_revision_id)
        response = self.client.post(self.edit_url(), self.edit_data(track_file=upload(data, name), leaves_xining="on", **{"action-publish": "publish"}))
        self.assertIn(response.status_code, (200, 302))
        self.route.refresh_from_db()
        if response.status_code == 200:  # refused: the saved route is as it was
            self.assertEqual((self.route.geometry, self.route.live_revision_id), before)
            self.assertContains(response, 'class="error-message"')

    @OVER_HTTP
    @given(case=mutated(CSV_SEEDS))
    def test_station_import(self, case):
        name, data = case
        response = self.client.post("/admin/products/import-stations/", {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "dry_run": "on"})
        self.assertIn(response.status_code, (200, 400))

    @OVER_HTTP
    @given(case=mutated(PHOTOS))
    def test_image_upload(self, case):
        name, data = case
        response = self.client.post("/admin/images/add/", {"title": "照片", "file": SimpleUploadedFile(name, data), "collection": 1})
        self.assertIn(response.status_code, (200, 302))
        if response.status_code == 302:
            self.assertNotIn(GPS_IFD, exif_of(Image.objects.latest("pk").file))

"""Issue 22, item 3: every stored original carries no metadata at all, checked with exiftool on the
files the admin's upload view wrote (MPO second frame, a JPEG appended after the end marker,
extended XMP, PNG eXIf/iTXt chunks, WebP EXIF/XMP)."""

import hashlib
import json
import shutil
import subprocess
from io import BytesIO, StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from PIL import Image as PILImage
from wagtail.images import get_image_model

Image = get_image_model()
EXIFTOOL = shutil.which("exiftool")
pytestmark = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool missing: scripts/install-browser-deps.sh installs libimage-exiftool-perl")
MEDIA = settings.BASE_DIR / "artifacts" / "test-media-hardening-images"
GPS = {1: "N", 2: (36.0, 37.0, 12.5), 3: "E", 4: (101.0, 46.0, 3.2)}
XMP_GPS = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="36,37.2N" exif:GPSLongitude="101,46.05E"/>'
    "</rdf:RDF></x:xmpmeta>"
)
# Groups exiftool reports for a file that is the picture alone (plus its JFIF density).
ALLOWED_GROUPS = {"ExifTool", "System", "File", "JFIF", "Composite", "PNG", "RIFF", "GIF", "ICC_Profile", "ICC-header"}


def exif_bytes(orientation=6, gps=True) -> bytes:
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "HUAWEI"
    if gps:
        exif[0x8825] = GPS
    return exif.tobytes()


def jpeg(orientation=6, gps=True, seed=60, size=(320, 240)) -> bytes:
    out = BytesIO()
    PILImage.effect_noise(size, seed).convert("RGB").save(out, "JPEG", exif=exif_bytes(orientation, gps))
    return out.getvalue()


def mpo_with_gps_in_second_frame() -> bytes:
    first = PILImage.effect_noise((320, 240), 60).convert("RGB")
    second = PILImage.effect_noise((320, 240), 30).convert("RGB")
    second.encoderinfo = {"exif": exif_bytes(1, True)}  # Pillow's MPO writer keeps a frame's own encoderinfo
    out = BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second], exif=exif_bytes(1, False))
    return out.getvalue()


def extended_xmp_jpeg() -> bytes:
    """A JPEG whose GPS is only in an extended-XMP APP1 segment (what phones write for big packets)."""
    extended = XMP_GPS.encode()
    guid = hashlib.md5(extended).hexdigest().upper().encode()  # noqa: S324 - the XMP spec's GUID
    standard = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:xmpNote="http://ns.adobe.com/xmp/note/" xmpNote:HasExtendedXMP="{guid.decode()}"/>'
        "</rdf:RDF></x:xmpmeta>"
    ).encode()
    segment = b"http://ns.adobe.com/xmp/extension/\x00" + guid + len(extended).to_bytes(4, "big") + (0).to_bytes(4, "big") + extended
    app1 = b"\xff\xe1" + (len(segment) + 2).to_bytes(2, "big") + segment
    out = BytesIO()
    PILImage.effect_noise((320, 240), 60).convert("RGB").save(out, "JPEG", xmp=standard)
    data = out.getvalue()
    return data[:2] + app1 + data[2:]


def png_with_exif_and_xmp() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP_GPS)
    info.add_text("Comment", "拍摄于卡阳村")
    out = BytesIO()
    PILImage.effect_noise((320, 240), 60).convert("RGB").save(out, "PNG", exif=exif_bytes(), pnginfo=info)
    return out.getvalue()


def webp_with_exif_and_xmp() -> bytes:
    out = BytesIO()
    PILImage.effect_noise((320, 240), 60).convert("RGB").save(out, "WEBP", exif=exif_bytes(), xmp=XMP_GPS.encode())
    return out.getvalue()


def exiftool(path) -> dict:
    """All tags exiftool finds, embedded documents included (-ee: MPO frames, trailers)."""
    result = subprocess.run([EXIFTOOL, "-j", "-a", "-ee", "-G3:1", "-u", str(path)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)[0]


def metadata_groups(tags: dict) -> set[str]:
    return {key.split(":")[-2] for key in tags if ":" in key} - ALLOWED_GROUPS


CASES = {
    "mpo": ("IMG_3D.jpg", mpo_with_gps_in_second_frame),
    "trailer": ("IMG_trailer.jpg", lambda: jpeg(orientation=1, gps=False) + jpeg(gps=True, seed=20)),
    "extended_xmp": ("IMG_xmp.jpg", extended_xmp_jpeg),
    "rotated_jpeg": ("IMG_rot.jpg", jpeg),
    "png": ("shot.png", png_with_exif_and_xmp),
    "webp": ("shot.webp", webp_with_exif_and_xmp),
}


@override_settings(MEDIA_ROOT=MEDIA)
class StoredOriginalsCarryNoMetadataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = User.objects.create_superuser("hardening-admin", "a@example.com", "pw")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(MEDIA, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        self.client.force_login(self.admin)

    def test_the_samples_do_leak_a_location_before_upload(self):
        MEDIA.mkdir(parents=True, exist_ok=True)
        for case, (name, build) in CASES.items():
            path = MEDIA / f"sample-{name}"
            data = build()
            if case == "trailer":  # exiftool stops at the end marker; the appended photo is the leak
                data = data[data.index(b"\xff\xd8\xff", 2) :]
            path.write_bytes(data)
            tags = exiftool(path)
            with self.subTest(case=case):
                self.assertTrue(any("GPSLatitude" in key for key in tags), sorted(tags))

    def test_admin_upload_stores_the_picture_alone(self):
        for case, (name, build) in CASES.items():
            with self.subTest(case=case):
                response = self.client.post("/admin/images/add/", {"title": case, "file": SimpleUploadedFile(name, build()), "collection": 1})
                self.assertEqual(response.status_code, 302, response.content[-2000:])
                image = Image.objects.get(title=case)
                tags = exiftool(image.file.path)
                self.assertFalse([key for key in tags if "GPS" in key or "XMP" in key or "IPTC" in key], tags)
                self.assertEqual(metadata_groups(tags), set(), tags)
                self.assertNotIn("Warning", " ".join(tags), tags)  # exiftool names trailers and stray data
                with open(image.file.path, "rb") as fh:
                    stored = fh.read()
                if name.endswith(".jpg"):
                    self.assertEqual(stored.count(b"\xff\xd8\xff"), 1)  # one picture: no appended photo
                else:
                    # No JPEG inside (a thumbnail in a metadata chunk): a JPEG starts FF D8 FF and an
                    # APP0/APP1/DQT marker. Three bytes alone turn up by chance in compressed WebP data.
                    self.assertFalse([m for m in (b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"\xff\xd8\xff\xdb") if m in stored])
                self.assertEqual(image.file_size, len(stored))
                expected = (240, 320) if case in ("rotated_jpeg", "png", "webp") else (320, 240)
                self.assertEqual((image.width, image.height), expected)  # Orientation applied to the pixels

    def test_multiple_upload_and_code_paths_are_cleaned_too(self):
        response = self.client.post(
            "/admin/images/multiple/add/",
            {"files[]": SimpleUploadedFile("m.jpg", mpo_with_gps_in_second_frame())},
            headers={"x-requested-with": "XMLHttpRequest"},
        )
        self.assertTrue(json.loads(response.content)["success"])
        created = Image.objects.create(title="code", file=SimpleUploadedFile("c.jpg", jpeg(orientation=1) + jpeg(seed=10)))
        for image in Image.objects.all():
            with self.subTest(image=image.title):
                tags = exiftool(image.file.path)
                self.assertFalse([key for key in tags if "GPS" in key], tags)
                self.assertEqual(metadata_groups(tags), set(), tags)
        self.assertEqual(created.file_size, created.file.size)


@override_settings(MEDIA_ROOT=MEDIA)
class CleanPhotosCommandTests(TestCase):
    """Pictures stored before uploads were cleaned: `manage.py clean_photos` rebuilds them once."""

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(MEDIA, ignore_errors=True)
        super().tearDownClass()

    def stored_as_before(self, name, data):
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        image = Image.objects.create(title=name, file=SimpleUploadedFile(name, jpeg(orientation=1, gps=False, seed=5)))
        path = default_storage.save(f"original_images/{name}", ContentFile(data))
        # the row as an old upload left it: its file written as it came, Wagtail's sizes from before
        Image.objects.filter(pk=image.pk).update(
            file=path, width=320, height=240, file_size=len(data), focal_point_x=10, focal_point_y=10, focal_point_width=5, focal_point_height=5
        )
        return Image.objects.get(pk=image.pk)

    def test_old_originals_are_rebuilt_and_their_renditions_dropped(self):
        from django.core.management import call_command

        old = self.stored_as_before("old.jpg", jpeg(orientation=6, gps=True))
        mpo = self.stored_as_before("old3d.jpg", mpo_with_gps_in_second_frame())
        old.get_rendition("fill-100x100")
        self.assertTrue(any("GPSLatitude" in key for key in exiftool(old.file.path)))
        out = StringIO()
        call_command("clean_photos", "--dry-run", stdout=out)
        self.assertIn("would clean 2", out.getvalue())
        self.assertTrue(any("GPSLatitude" in key for key in exiftool(old.file.path)))  # a dry run writes nothing

        call_command("clean_photos", stdout=out)
        self.assertIn("cleaned 2", out.getvalue())
        for image in (Image.objects.get(pk=old.pk), Image.objects.get(pk=mpo.pk)):
            with self.subTest(image=image.title):
                tags = exiftool(image.file.path)
                self.assertFalse([key for key in tags if "GPS" in key], tags)
                self.assertEqual(metadata_groups(tags), set(), tags)
                self.assertEqual(image.file_size, image.file.size)
        rotated = Image.objects.get(pk=old.pk)
        self.assertEqual((rotated.width, rotated.height), (240, 320))
        self.assertIsNone(rotated.focal_point_x)
        self.assertFalse(rotated.renditions.exists())

        again = StringIO()
        call_command("clean_photos", stdout=again)
        self.assertIn("cleaned 0, already clean 2", again.getvalue())

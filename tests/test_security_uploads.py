"""Image uploads through the real Wagtail admin URLs: byte and pixel limits (decompression bombs),
content checked by Pillow rather than the file name, and GPS location removed from the stored
original and therefore from every rendition and the API's download URL (every other kind of
metadata, checked with exiftool: tests/test_hardening_images.py)."""

import json
import shutil
from io import BytesIO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, TestCase, override_settings
from PIL import Image as PILImage
from wagtail.images import get_image_model

from portal.uploads import ImageCleaningError, clean_image

Image = get_image_model()
GPS_IFD = 0x8825
ADD = "/admin/images/add/"
ADD_MULTIPLE = "/admin/images/multiple/add/"
GPS = {1: "N", 2: (36.0, 37.0, 12.5), 3: "E", 4: (101.0, 46.0, 3.2)}
XMP_GPS = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="36,37.2N" exif:GPSLongitude="101,46.05E"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def photo(fmt="JPEG", size=(320, 240), gps=True, orientation=6, xmp=None) -> bytes:
    """A phone-like photo: noisy pixels, Orientation, a capture time and (optionally) GPS."""
    image = PILImage.effect_noise(size, 60).convert("RGB")
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "HUAWEI"
    exif.get_ifd(0x8769)[0x9003] = "2024:07:15 09:30:00"
    if gps:
        exif[GPS_IFD] = GPS
    out = BytesIO()
    kwargs = {"exif": exif}
    if xmp is not None:
        kwargs["xmp"] = xmp
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def form_errors(response) -> str:
    """The field error messages of a Wagtail admin form page (short, for assertion messages)."""
    import re

    return " | ".join(m.strip() for m in re.findall(r'<p class="error-message">(.*?)</p>', response.content.decode(), re.S))


def exif_of(data_or_file) -> PILImage.Exif:
    if hasattr(data_or_file, "open"):
        with data_or_file.open("rb") as fh:
            data_or_file = fh.read()
    return PILImage.open(BytesIO(data_or_file)).getexif()


@override_settings(MEDIA_ROOT=settings.BASE_DIR / "artifacts" / "test-media-uploads")
class AdminImageUploadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = User.objects.create_superuser("boss", "boss@example.com", "pw")

    def setUp(self):
        self.client.force_login(self.admin)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(settings.BASE_DIR / "artifacts" / "test-media-uploads", ignore_errors=True)
        super().tearDownClass()

    def upload(self, name, data, title="照片"):
        return self.client.post(ADD, {"title": title, "file": SimpleUploadedFile(name, data), "collection": 1})

    def upload_multiple(self, name, data):
        return self.client.post(ADD_MULTIPLE, {"files[]": SimpleUploadedFile(name, data)}, headers={"x-requested-with": "XMLHttpRequest"})

    # --- limits --------------------------------------------------------------------------------

    def test_limits_are_configured(self):
        self.assertLessEqual(settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE, 10 * 1024 * 1024)
        self.assertLessEqual(settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS, 50_000_000)

    def test_decompression_bomb_is_rejected_with_a_clear_message(self):
        """A 9000×9000 PNG of one colour is a few kilobytes on the wire and 81 megapixels (a
        quarter of a gigabyte of RGB) once decoded."""
        bomb = BytesIO()
        PILImage.new("1", (9000, 9000)).save(bomb, "PNG", optimize=True)
        self.assertLess(len(bomb.getvalue()), 100_000)
        for response in (self.upload("bomb.png", bomb.getvalue()), self.upload_multiple("bomb.png", bomb.getvalue())):
            self.assertEqual(response.status_code, 200)
            body = form_errors(response) if response["Content-Type"].startswith("text/html") else json.loads(response.content)["error_message"]
            self.assertIn("文件包含像素过多（81000000）", body)
            self.assertIn(f"像素数量上限为 {settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS}", body)
        self.assertFalse(Image.objects.exists())

    @override_settings(WAGTAILIMAGES_MAX_UPLOAD_SIZE=50_000)
    def test_bytes_over_the_limit_are_rejected(self):
        data = photo(size=(800, 600), gps=False)
        self.assertGreater(len(data), 50_000)
        response = self.upload("big.jpg", data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("文件过大", form_errors(response))
        self.assertFalse(Image.objects.exists())

    def test_text_file_named_jpg_is_rejected(self):
        response = self.upload("photo.jpg", b"<?php system($_GET['c']); ?>\n" * 20)
        self.assertEqual(response.status_code, 200)
        self.assertIn("请上传有效图片", form_errors(response))
        self.assertFalse(Image.objects.exists())

    def test_png_named_jpg_is_rejected(self):
        data = BytesIO()
        PILImage.new("RGB", (10, 10)).save(data, "PNG")
        response = self.upload("photo.jpg", data.getvalue())
        self.assertIn("扩展名与文件格式不匹配 (png)", form_errors(response))
        self.assertFalse(Image.objects.exists())

    def test_svg_is_not_accepted(self):
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        response = self.upload("logo.svg", svg)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(form_errors(response))
        self.assertFalse(Image.objects.exists())

    # --- GPS -----------------------------------------------------------------------------------

    def test_gps_is_removed_from_the_stored_original_and_renditions(self):
        data = photo()
        self.assertIn(GPS_IFD, exif_of(data))
        response = self.upload("IMG_2024.jpg", data)
        self.assertEqual(response.status_code, 302, form_errors(response))
        image = Image.objects.get()
        stored = exif_of(image.file)
        self.assertNotIn(GPS_IFD, stored)
        self.assertNotIn(0x0112, stored)  # Orientation applied to the pixels, then dropped
        self.assertEqual((image.width, image.height), (240, 320))
        with image.file.open("rb") as fh:
            stored_bytes = fh.read()
        self.assertEqual(image.file_size, len(stored_bytes))
        image.file_hash = ""
        image._set_file_hash()
        self.assertEqual(Image.objects.get().file_hash, image.file_hash)
        for spec in ("fill-100x100", "width-200", "original"):
            with self.subTest(rendition=spec):
                rendition = image.get_rendition(spec)
                self.assertNotIn(GPS_IFD, exif_of(rendition.file))

    def test_gps_removed_through_the_multiple_upload_view(self):
        response = self.upload_multiple("IMG_1.jpg", photo())
        self.assertTrue(json.loads(response.content)["success"])
        self.assertNotIn(GPS_IFD, exif_of(Image.objects.get().file))

    def test_gps_removed_from_png_and_webp(self):
        for fmt, ext in (("PNG", "png"), ("WEBP", "webp")):
            with self.subTest(fmt=fmt):
                data = photo(fmt)
                self.assertIn(GPS_IFD, exif_of(data))
                self.assertEqual(self.upload(f"x.{ext}", data, title=fmt).status_code, 302)
                image = Image.objects.get(title=fmt)
                self.assertEqual(len(exif_of(image.file)), 0)
                self.assertEqual((image.width, image.height), (240, 320))  # turned upright

    def test_xmp_location_is_dropped(self):
        data = photo(gps=False, xmp=XMP_GPS)
        self.assertIn(b"GPSLatitude", data)
        self.assertEqual(self.upload("x.jpg", data).status_code, 302)
        with Image.objects.get().file.open("rb") as fh:
            self.assertNotIn(b"GPSLatitude", fh.read())

    def test_upright_jpeg_keeps_its_picture_bit_for_bit(self):
        data = photo(orientation=1)
        self.assertEqual(self.upload("x.jpg", data).status_code, 302)
        with Image.objects.get().file.open("rb") as fh:
            stored = fh.read()
        self.assertNotIn(b"Exif\x00\x00", stored)
        self.assertEqual(PILImage.open(BytesIO(stored)).tobytes(), PILImage.open(BytesIO(data)).tobytes())

    def test_images_created_in_code_are_cleaned_too(self):
        image = Image.objects.create(title="demo", file=SimpleUploadedFile("d.jpg", photo()))
        self.assertNotIn(GPS_IFD, exif_of(image.file))


class CleanImageTests(SimpleTestCase):
    def test_not_an_image(self):
        for data in (b"GIF89a", b"\xff\xd8\x00garbage"):
            with self.assertRaises(ImageCleaningError):
                clean_image(data)

    def test_truncated_files_are_refused_never_stored_with_their_location(self):
        data = photo()
        for cut in range(20, len(data) - 1, 997):
            with self.assertRaises(ImageCleaningError, msg=cut):
                clean_image(data[:cut])

    def test_corrupt_exif_is_dropped(self):
        data = photo(orientation=1)
        corrupt = bytearray(data)
        start = data.index(b"Exif\x00\x00") + 6
        corrupt[start : start + 4] = b"XXXX"  # not a TIFF header any more
        cleaned = clean_image(bytes(corrupt))
        self.assertNotIn(b"Exif\x00\x00", cleaned)
        self.assertEqual(PILImage.open(BytesIO(cleaned)).size, (320, 240))

"""Issue 20, point 6: pictures that show their subject.

Route covers drawn from the route's own line, stops and profile (routes.covers); demo pictures
that differ by subject (portal.illustrations); alt text on every demo picture, in the page's
language (portal.images.alt_text); the image form asking for it (portal.image_forms); and the
admin report of live pages still showing a demo picture (portal.reports).
"""

from __future__ import annotations

import hashlib
import io
import re
from html import unescape

from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import SimpleTestCase, TestCase
from django.utils import translation
from PIL import Image as PILImage
from PIL import ImageChops, ImageStat
from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page

from portal.demo import DEMO_TAG, demo_image
from portal.factories import make_site
from portal.illustrations import MOTIF_WORDS, MOTIFS, illustrate
from portal.images import alt_text
from portal.reports import live_pages_with_demo_images
from routes.covers import Stop, cover_alt, make_cover, render_cover
from routes.factories import RouteIndexPageFactory, RoutePageFactory, RouteStopFactory, straight_line
from tests.demo_db import load_demo

Image = get_image_model()
REPORT = "/admin/reports/demo-pictures/"


def pixels(data: bytes) -> PILImage.Image:
    return PILImage.open(io.BytesIO(data)).convert("RGB")


def upload(name: str = "photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    PILImage.new("RGB", (64, 48), "white").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


STOPS_A = [Stop("塔尔寺", 101.5671, 36.4901), Stop("多巴镇", 101.50, 36.66), Stop("乡趣卡阳", 101.42, 36.66)]
STOPS_B = [Stop("桥头镇", 101.6813, 36.9369), Stop("老爷山", 101.6883, 36.9317), Stop("边麻沟村", 101.86, 37.00)]


class CoverRendererTests(SimpleTestCase):
    def test_a_route_with_a_line_and_stops_gives_a_cover_of_its_own(self):
        a = render_cover("线路甲", "#c2410c", straight_line((101.5671, 36.4901), (101.42, 36.66)), STOPS_A)
        b = render_cover("线路乙", "#7c3aed", straight_line((101.6813, 36.9369), (101.86, 37.00), ele=(2450.0, 2760.0)), STOPS_B)
        img_a, img_b = pixels(a), pixels(b)
        self.assertEqual(img_a.size, (1200, 800))
        self.assertTrue(a.startswith(b"\x89PNG"))
        diff = ImageChops.difference(img_a, img_b)
        self.assertIsNotNone(diff.getbbox())
        # Not a slight difference: a large part of the picture differs (the line, stops, labels).
        changed = sum(diff.convert("L").histogram()[25:])
        self.assertGreater(changed, 1200 * 800 * 0.03)

    def test_the_line_is_drawn_in_the_route_colour_and_the_profile_strip_appears_with_elevations(self):
        line = straight_line((101.5671, 36.4901), (101.42, 36.66))
        cover = pixels(render_cover("线路", "#1d4ed8", line, STOPS_A))
        colours = {c for _n, c in cover.getcolors(1_000_000)}
        self.assertTrue(any(abs(r - 0x1D) < 8 and abs(g - 0x4E) < 8 and abs(b - 0xD8) < 8 for r, g, b in colours))
        # the bottom strip is the profile: a white panel under the map's paper colour
        flat = {"type": "LineString", "coordinates": [[p[0], p[1]] for p in line["coordinates"]]}
        without = pixels(render_cover("线路", "#1d4ed8", flat, STOPS_A))
        self.assertEqual(cover.getpixel((5, 760)), (255, 255, 255))
        self.assertNotEqual(without.getpixel((5, 760)), (255, 255, 255))

    def test_deterministic(self):
        line = straight_line()
        self.assertEqual(sha(render_cover("线路", "#c2410c", line, STOPS_A)), sha(render_cover("线路", "#c2410c", line, STOPS_A)))

    def test_a_route_without_a_line_falls_back_to_its_stops_then_to_a_drawing(self):
        stops_only = render_cover("无线路", "#c2410c", None, STOPS_A)
        self.assertEqual(pixels(stops_only).size, (1200, 800))
        self.assertNotEqual(sha(stops_only), sha(render_cover("无线路", "#c2410c", straight_line(), STOPS_A)))
        for geometry in (None, {}, {"type": "LineString", "coordinates": []}, {"type": "LineString", "coordinates": [[101.5, 36.5]]}):
            with self.subTest(geometry=geometry):
                nothing = render_cover("空线路", "#c2410c", geometry, [])
                self.assertEqual(pixels(nothing).size, (1200, 800))
        # a bad colour is not an error either
        self.assertEqual(pixels(render_cover("线路", "not-a-colour", straight_line(), STOPS_A)).size, (1200, 800))


class RouteCoverPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        home = make_site()
        index = RouteIndexPageFactory(parent=home)
        cls.route = RoutePageFactory(parent=index, title="测试线路", slug="test-route")
        for n, (name, lon, lat) in enumerate([("塔尔寺", 101.5671, 36.4901), ("多巴镇", 101.50, 36.66)]):
            RouteStopFactory(page=cls.route, name=name, location={"type": "Point", "coordinates": [lon, lat]}, sort_order=n)
        cls.route.save_revision().publish()
        cls.admin = User.objects.create_superuser("boss", "boss@example.com", "pw")
        cls.nobody = User.objects.create_user("nobody", "nobody@example.com", "pw")
        cls.nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))  # the admin, but no page of its own

    def test_make_cover_describes_the_route_stop_by_stop(self):
        route = RoutePage_objects(self.route.pk)
        image = make_cover(route, alt_en="Map of the test route")
        self.assertIn("塔尔寺、多巴镇", image.description)
        self.assertEqual(cover_alt(route).split("，")[0], "测试线路线路图")
        self.assertEqual(alt_text(image, "en"), "Map of the test route")
        self.assertTrue(alt_text(image, "zh-hans").startswith("测试线路线路图"))
        self.assertFalse(image.tags.filter(name=DEMO_TAG).exists())  # drawn from real data: not a demo picture
        again = make_cover(route)
        self.assertEqual(again.pk, image.pk)  # made again, not a second image

    def test_admin_action_previews_then_saves_the_cover_as_a_draft(self):
        self.client.force_login(self.admin)
        url = f"/admin/routes/{self.route.pk}/cover/"
        edit = self.client.get(f"/admin/pages/{self.route.pk}/edit/").content.decode()
        self.assertIn(url, edit)  # the page header's "从线路生成封面"
        response = self.client.get(url)
        self.assertContains(response, "data:image/jpeg;base64,")
        self.assertContains(response, "从线路生成封面")
        response = self.client.post(url)
        self.assertRedirects(response, f"/admin/pages/{self.route.pk}/edit/", fetch_redirect_response=False)
        route = RoutePage_objects(self.route.pk)
        self.assertIsNone(route.hero_image)  # live page unchanged until published
        draft = route.get_latest_revision_as_object()
        self.assertEqual(draft.hero_image.title, "线路封面 · 测试线路")

    def test_someone_who_cannot_edit_the_route_is_turned_away(self):
        # Wagtail's admin answers a PermissionDenied with a redirect to the dashboard and a message
        self.client.force_login(self.nobody)
        for response in (self.client.get(f"/admin/routes/{self.route.pk}/cover/"), self.client.post(f"/admin/routes/{self.route.pk}/cover/")):
            self.assertEqual((response.status_code, response.get("Location")), (302, "/admin/"))
        self.assertFalse(Image.objects.filter(title="线路封面 · 测试线路").exists())
        self.client.force_login(self.admin)
        self.assertEqual(self.client.get("/admin/routes/999999/cover/").status_code, 404)
        self.assertEqual(self.client.put(f"/admin/routes/{self.route.pk}/cover/").status_code, 405)

    def test_management_command(self):
        out = io.StringIO()
        call_command("route_covers", "test-route", "--publish", stdout=out)
        self.assertIn("1 route cover(s) drawn", out.getvalue())
        self.assertEqual(RoutePage_objects(self.route.pk).hero_image.title, "线路封面 · 测试线路")
        with self.assertRaisesMessage(Exception, "No route with the slug nope"):
            call_command("route_covers", "nope", stdout=io.StringIO())


def RoutePage_objects(pk):
    from routes.models import RoutePage

    return RoutePage.objects.get(pk=pk)


class IllustrationTests(SimpleTestCase):
    def test_every_motif_draws_something_different_and_says_what(self):
        hashes = {}
        for motif in MOTIFS:
            data = illustrate(motif, "同一个标题", caption="同一个标题")
            hashes.setdefault(sha(data), []).append(motif)
            self.assertIn(motif, MOTIF_WORDS)
            self.assertTrue(all(MOTIF_WORDS[motif]))
        self.assertEqual([m for m in hashes.values() if len(m) > 1], [])

    def test_distinct_subjects_look_distinct_not_just_hash_distinct(self):
        subjects = ["strawberry", "beef", "flour", "oil", "honey", "courtyard", "kang", "huaer", "monastery", "old_town"]
        pictures = {m: pixels(illustrate(m, m)).resize((60, 40)) for m in subjects}
        for i, a in enumerate(subjects):
            for b in subjects[i + 1 :]:
                diff = ImageChops.difference(pictures[a], pictures[b]).convert("L")
                mean = ImageStat.Stat(diff).mean[0]
                self.assertGreater(mean, 12, f"{a} and {b} look alike")

    def test_deterministic_per_seed_and_varied_across_seeds(self):
        self.assertEqual(sha(illustrate("yoghurt", "牦牛酸奶")), sha(illustrate("yoghurt", "牦牛酸奶")))
        self.assertNotEqual(sha(illustrate("yoghurt", "牦牛酸奶")), sha(illustrate("yoghurt", "牦牛酸奶 图集 1")))

    def test_small(self):
        for motif in ("huaer", "flowers", "barley"):
            self.assertLess(len(illustrate(motif, motif, caption=motif)), 150_000, motif)

    def test_unknown_motif_says_which_exist(self):
        with self.assertRaisesMessage(KeyError, "strawberry"):
            illustrate("dragon", "x")


class AltTextTests(TestCase):
    def test_language_part_of_the_description(self):
        image = Image(title="IMG_2041", description="竹篮里的草莓（示意图） | Strawberries in a basket (illustration)")
        self.assertEqual(alt_text(image, "zh-hans"), "竹篮里的草莓（示意图）")
        self.assertEqual(alt_text(image, "en"), "Strawberries in a basket (illustration)")
        with translation.override("en"):
            self.assertEqual(alt_text(image), "Strawberries in a basket (illustration)")
        self.assertEqual(alt_text(Image(title="IMG_2041", description="只有中文"), "en"), "只有中文")
        self.assertEqual(alt_text(Image(title="IMG_2041", description=""), "zh-hans"), "")  # never the file-name title
        self.assertEqual(alt_text(None), "")

    def test_demo_image_is_tagged_described_and_fixed_on_a_second_run(self):
        make_site()
        image = demo_image("测试 · 草莓", "strawberry", caption="草莓", caption_en="Strawberries")
        self.assertTrue(image.tags.filter(name=DEMO_TAG).exists())
        self.assertEqual(image.description, "示意图：草莓——竹篮里的红草莓 | Illustration: Strawberries, red strawberries in a woven basket")
        Image.objects.filter(pk=image.pk).update(description="")
        image.tags.clear()
        again = demo_image("测试 · 草莓", "strawberry", caption="草莓")
        self.assertEqual(again.pk, image.pk)
        self.assertTrue(again.description.startswith("示意图：草莓"))
        self.assertTrue(again.tags.filter(name=DEMO_TAG).exists())


class ImageFormTests(TestCase):
    def test_the_form_asks_for_a_description(self):
        Form = get_image_form(Image)
        user = User.objects.create_superuser("boss", "b@example.com", "pw")
        form = Form(user=user)
        field = form.fields["description"]
        self.assertTrue(field.required)
        self.assertIn("替代文字", str(field.label))
        data = {"title": "照片", "description": "", "collection": 1}
        bound = Form(data, {"file": upload()}, user=user)
        self.assertFalse(bound.is_valid())
        self.assertIn("description", bound.errors)
        ok = Form({**data, "description": "院子里的土炕房"}, {"file": upload()}, user=user)
        self.assertTrue(ok.is_valid(), ok.errors)

    def test_a_form_that_never_showed_the_field_is_not_held_up(self):
        # Wagtail's multiple upload posts only title and collection, then shows the full form.
        Form = get_image_form(Image)
        user = User.objects.create_superuser("boss", "b@example.com", "pw")
        form = Form({"title": "照片", "collection": 1}, {"file": upload()}, user=user)
        self.assertTrue(form.is_valid(), form.errors)

    def test_the_admin_upload_page_shows_the_field_in_chinese(self):
        self.client.force_login(User.objects.create_superuser("boss", "b@example.com", "pw"))
        html = self.client.get("/admin/images/add/").content.decode()
        self.assertIn("图片描述（替代文字）", html)
        self.assertRegex(html, r'<input[^>]*name="description"[^>]*required')


class DemoContentPicturesTests(TestCase):
    """The demo as `load_demo` builds it: every picture described, no two alike, and the report."""

    @classmethod
    def setUpTestData(cls):
        load_demo()

    def test_every_demo_image_has_alt_text_in_chinese_and_english(self):
        images = list(Image.objects.all())
        self.assertGreater(len(images), 100)
        for image in images:
            with self.subTest(image=image.title):
                chinese, english = alt_text(image, "zh-hans"), alt_text(image, "en")
                self.assertTrue(re.search(r"[\u4e00-\u9fff]", chinese), chinese)
                self.assertTrue(english and not re.fullmatch(r"[\u4e00-\u9fff（）：——，、·\s\d]+", english), english)
                self.assertNotIn("|", chinese)

    def test_no_two_demo_pictures_share_a_file(self):
        seen = {}
        for image in Image.objects.all():
            with image.open_file() as fh:
                seen.setdefault(sha(fh.read()), []).append(image.title)
        self.assertEqual([titles for titles in seen.values() if len(titles) > 1], [])

    def test_route_covers_come_from_the_routes(self):
        from routes.models import RoutePage

        for route in RoutePage.objects.filter(locale__language_code="zh-hans"):
            with self.subTest(route=route.slug):
                self.assertEqual(route.hero_image.title, f"线路封面 · {route.title}")
                for stop in route.stops.all():
                    self.assertIn(stop.name, route.hero_image.description)

    def test_every_image_on_public_pages_has_alt(self):
        for path in ("/", "/routes/xinachuan/", "/products/", "/news/", "/homestays/kayang-huahai/", "/products/soilless-strawberries/", "/en/"):
            with self.subTest(path=path):
                html = self.client.get(path).content.decode()
                imgs = re.findall(r"<img\b[^>]*>", html)
                self.assertTrue(imgs, path)
                for img in imgs:
                    alt = re.search(r'\balt="([^"]*)"', img)
                    self.assertTrue(alt and alt.group(1).strip(), img[:200])

    def test_english_pages_read_english_alt_text(self):
        html = self.client.get("/en/routes/xinachuan/").content.decode()
        alts = [unescape(a) for a in re.findall(r'<img\b[^>]*\balt="([^"]*)"', html)]
        self.assertTrue(any(re.match(r"Illustration: Kumbum Monastery.*, a row of white stupas before a golden-roofed hall$", a) for a in alts), alts)
        self.assertTrue(any(a.startswith("Map of the Xinachuan") for a in alts), alts[:3])

    # -- the report ---------------------------------------------------------------------------
    def report_titles(self, user) -> set[str]:
        return {p.title for p in live_pages_with_demo_images(user)}

    def test_report_lists_live_pages_with_demo_pictures_not_drafts(self):
        from homestays.models import HomestayPage

        editor = User.objects.get(username="editor")
        titles = self.report_titles(editor)
        self.assertIn("卡阳花海小院", titles)
        self.assertIn("湟中区西纳川休闲农业", titles)  # through its stops' pictures
        drafts = HomestayPage.objects.filter(live=False)
        self.assertTrue(drafts.exists())
        for draft in drafts:
            self.assertNotIn(draft.title, titles)

    def test_a_page_whose_pictures_were_replaced_by_photos_drops_off(self):
        from news.models import NewsPage

        item = NewsPage.objects.live().filter(locale__language_code="zh-hans", image__isnull=False).first()
        self.assertIn(item.title, self.report_titles(None))
        photo = Image.objects.create(title="真实照片", description="花儿会现场", file=get_test_image_file("photo.png"))
        item.image = photo
        item.save_revision().publish()
        self.assertNotIn(item.title, self.report_titles(None))

    def test_editor_sees_the_report_and_an_owner_cannot(self):
        self.client.force_login(User.objects.get(username="editor"))
        response = self.client.get(REPORT)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("待替换的演示图片", html)
        kayang = Page.objects.get(slug="kayang-huahai", locale__language_code="zh-hans")
        self.assertIn(f"/admin/pages/{kayang.pk}/edit/", html)
        self.assertIn("/admin/images/", html)
        self.assertIn(REPORT, self.client.get("/admin/").content.decode())  # in the reports menu
        export = self.client.get(REPORT + "?export=csv")
        self.assertEqual(export.status_code, 200)
        self.assertIn("卡阳花海小院", b"".join(export.streaming_content).decode("utf-8-sig"))

        self.client.force_login(User.objects.get(username="owner1"))
        self.assertIn(self.client.get(REPORT).status_code, (302, 403))
        self.assertNotIn(REPORT, self.client.get("/admin/").content.decode())
